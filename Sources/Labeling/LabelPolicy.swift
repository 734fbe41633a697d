/// Which answer is a report's final label for a task, when several labelers answered.
public enum LabelPolicy: String, Sendable, CaseIterable, Codable {
    /// The LLM's answer once it has one, the rule labeler's until then.
    case llmElseRules = "llm-else-rules"
    case rules
    /// Only the LLM's answer; none until it has answered.
    case llm
    /// The rule labeler and the LLM voting (`EnsembleLabeler`: a disagreement is uncertain).
    case ensemble

    /// The final answer from the labelers' answers by name ("rules", "llm"), and where it
    /// came from; nil when the policy's labelers have not answered yet.
    public func finalAnswer(task: LabelTask, answers: [String: TaskAnswer]) -> (answer: TaskAnswer, source: String)? {
        switch self {
        case .rules: return answers["rules"].map { ($0, "rules") }
        case .llm: return answers["llm"].map { ($0, "llm") }
        case .llmElseRules: return answers["llm"].map { ($0, "llm") } ?? answers["rules"].map { ($0, "rules") }
        case .ensemble:
            guard let rules = answers["rules"], let llm = answers["llm"] else {
                return answers["rules"].map { ($0, "rules (the LLM has not answered yet)") }
            }
            return (EnsembleLabeler(task: task, members: []).vote([rules, llm]), "ensemble")
        }
    }
}
