/// Which answer is a report's final label for a task, when several labelers answered.
public enum LabelPolicy: String, Sendable, CaseIterable, Codable {
    /// The LLM's answer once it has one (the models' vote when there are several), the rule
    /// labeler's until then.
    case llmElseRules = "llm-else-rules"
    case rules
    /// Only the LLM's answer (the models' vote when there are several); none until every
    /// model has answered.
    case llm
    /// The rule labeler and every model voting (`EnsembleLabeler`'s tie rule).
    case ensemble

    /// The name a model's answers are stored under: `llm` when the daemon asks one model,
    /// `llm:MODEL` for each model of several.
    public static func llmLabelerName(model: String?, modelCount: Int) -> String {
        guard modelCount > 1, let model, !model.isEmpty else { return "llm" }
        return "llm:" + model
    }

    /// The final answer from the labelers' answers by name ("rules", and `llmLabelers`), and
    /// where it came from; nil when the policy's labelers have not answered yet. Answers of
    /// labelers that are no longer configured are left out.
    public func finalAnswer(task: LabelTask, answers: [String: TaskAnswer],
                            llmLabelers: [String] = ["llm"]) -> (answer: TaskAnswer, source: String)? {
        let rules = answers["rules"].map { ($0, "rules") }
        let models = llmLabelers.compactMap { answers[$0] }
        let everyModel = !llmLabelers.isEmpty && models.count == llmLabelers.count
        let vote = { (members: [TaskAnswer]) in EnsembleLabeler(task: task, members: []).vote(members) }
        let llm: (TaskAnswer, String)? = everyModel ? (models.count == 1 ? (models[0], llmLabelers[0]) : (vote(models), "llm vote")) : nil
        switch self {
        case .rules: return rules
        case .llm: return llm
        case .llmElseRules: return llm ?? rules
        case .ensemble:
            guard let (rulesAnswer, _) = rules else { return nil }
            guard everyModel else {
                return (rulesAnswer, llmLabelers.isEmpty ? "rules (no model is configured)" : "rules (the models have not all answered yet)")
            }
            return (vote([rulesAnswer] + models), "ensemble")
        }
    }
}
