/// Which answer is a report's final label for a task, when several labelers answered.
public enum LabelPolicy: String, Sendable, CaseIterable, Codable {
    /// Per finding, the labeler the stored gold says is better (`LabelChoice`); before there is
    /// enough gold, the rule labeler where it has phrases and the models elsewhere.
    case auto
    /// The LLM's answer once it has one (the models' vote when there are several), the rule
    /// labeler's until then.
    case llmElseRules = "llm-else-rules"
    case rules
    /// Only the LLM's answer (the models' vote when there are several); none until every
    /// model has answered.
    case llm
    /// The rule labeler and every model voting (`EnsembleLabeler`'s tie rule).
    case ensemble

    /// The name a model's answers are stored under: `LabelerID.llm(model:modelCount:)`.
    public static func llmLabelerName(model: String?, modelCount: Int) -> String {
        LabelerID.llm(model: model, modelCount: modelCount).rawValue
    }

    /// `finalAnswer(task:answers:models:)` for labelers named by their strings; a name that is
    /// no labeler's counts as no answer.
    public func finalAnswer(task: LabelTask, answers: [String: TaskAnswer],
                            llmLabelers: [String] = ["llm"]) -> (answer: TaskAnswer, source: String)? {
        let byLabeler = Dictionary(answers.compactMap { name, answer in LabelerID(rawValue: name).map { ($0, answer) } },
                                   uniquingKeysWith: { first, _ in first })
        return finalAnswer(task: task, answers: ReportAnswers(byLabeler: byLabeler), models: llmLabelers.compactMap(LabelerID.init(rawValue:)))
            .map { ($0.answer, $0.source.description) }
    }
}
