/// A report's final label for a task and which labelers it came from.
public struct FinalAnswer: Sendable, Equatable {
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// One labeler's answer as it is: the rule labeler's or the one model's.
        case labeler(LabelerID)
        /// The vote of every configured model.
        case modelVote
        /// The rule labeler and every model voting.
        case ensemble
        /// The ensemble policy with no model configured: the rule labeler alone.
        case rulesWithoutModels
        /// The ensemble policy while some model has not answered: the rule labeler until then.
        case rulesBeforeModels

        /// As lists and exports show it (the `source` column).
        public var description: String {
            switch self {
            case .labeler(let labeler): return labeler.rawValue
            case .modelVote: return "llm vote"
            case .ensemble: return "ensemble"
            case .rulesWithoutModels: return "rules (no model is configured)"
            case .rulesBeforeModels: return "rules (the models have not all answered yet)"
            }
        }
    }

    public var answer: TaskAnswer
    public var source: Source

    public init(answer: TaskAnswer, source: Source) {
        self.answer = answer
        self.source = source
    }
}

extension LabelPolicy {
    /// The final answer from the rule labeler's and the `models`' answers; nil when the
    /// policy's labelers have not answered yet. Any other labeler's answer (gold, a model no
    /// longer configured) does not count.
    public func finalAnswer(task: LabelTask, answers: ReportAnswers, models: [LabelerID]) -> FinalAnswer? {
        // A prompt-only task has no rule phrases: whatever the rule labeler left is not an answer.
        let rules = task.hasRulePhrases ? answers[.rules].map { FinalAnswer(answer: $0, source: .labeler(.rules)) } : nil
        let modelAnswers = models.compactMap { answers[$0] }
        let everyModel = !models.isEmpty && modelAnswers.count == models.count
        let vote = { (members: [TaskAnswer]) in EnsembleLabeler(task: task, members: []).vote(members) }
        let llm = everyModel
            ? (modelAnswers.count == 1 ? FinalAnswer(answer: modelAnswers[0], source: .labeler(models[0]))
                                       : FinalAnswer(answer: vote(modelAnswers), source: .modelVote))
            : nil
        // Only the models can answer a prompt-only task, so under every policy they decide it.
        guard task.hasRulePhrases else { return llm }
        switch self {
        case .rules: return rules
        case .llm: return llm
        case .llmElseRules: return llm ?? rules
        case .ensemble:
            guard let rules else { return nil }
            guard everyModel else { return FinalAnswer(answer: rules.answer, source: models.isEmpty ? .rulesWithoutModels : .rulesBeforeModels) }
            return FinalAnswer(answer: vote([rules.answer] + modelAnswers), source: .ensemble)
        }
    }
}
