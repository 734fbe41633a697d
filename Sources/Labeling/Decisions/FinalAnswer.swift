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
        /// Findings from different labelers (`label_policy = auto`, or findings without rule
        /// phrases): each finding's source in the task's order.
        indirect case byFinding([Source])

        /// As lists and exports show it (the `source` column).
        public var description: String {
            switch self {
            case .labeler(let labeler): return labeler.rawValue
            case .modelVote: return "llm vote"
            case .ensemble: return "ensemble"
            case .rulesWithoutModels: return "rules (no model is configured)"
            case .rulesBeforeModels: return "rules (the models have not all answered yet)"
            case .byFinding(let sources):
                var distinct: [String] = []
                for source in sources.map(\.description) where !distinct.contains(source) { distinct.append(source) }
                return "per finding: " + distinct.joined(separator: ", ")
            }
        }
    }

    public var answer: TaskAnswer
    public var source: Source
    /// Which labeler decided each finding, in the task's order (`raddctl report`); empty means
    /// `source` decided them all.
    public var findingSources: [Source]

    public init(answer: TaskAnswer, source: Source, findingSources: [Source] = []) {
        self.answer = answer
        self.source = source
        self.findingSources = findingSources
    }

    /// The source of the finding at `index`.
    public func source(ofFinding index: Int) -> Source {
        findingSources.indices.contains(index) ? findingSources[index] : source
    }
}

extension LabelPolicy {
    /// The final answer from the rule labeler's and the `models`' answers; nil when the
    /// labelers it needs have not answered yet. Any other labeler's answer (gold, a model no
    /// longer configured) does not count. A finding without rule phrases is the models' under
    /// every policy: whatever the rule labeler left for it is not an answer. `auto` takes each
    /// finding from its decider in `deciders` (the task's order).
    public func finalAnswer(task: LabelTask, answers: ReportAnswers, models: [LabelerID],
                            deciders: [FindingDecider]? = nil) -> FinalAnswer? {
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
        let byPolicy: FinalAnswer?
        switch self {
        case .rules: byPolicy = rules
        case .llm: byPolicy = llm
        case .llmElseRules: byPolicy = llm ?? rules
        case .ensemble:
            guard let rules else { return nil }
            guard everyModel else {
                byPolicy = FinalAnswer(answer: rules.answer, source: models.isEmpty ? .rulesWithoutModels : .rulesBeforeModels)
                break
            }
            byPolicy = FinalAnswer(answer: vote([rules.answer] + modelAnswers), source: .ensemble)
        case .auto:
            let chosen = deciders ?? LabelChoice().deciders(for: task, hasModels: !models.isEmpty)
            return Self.perFinding(task: task, deciders: chosen, rules: rules, models: llm)
        }
        // Findings without phrases, in a task where others have them: the models' answers.
        guard task.findings.contains(where: { $0.mentions.isEmpty }) else { return byPolicy }
        guard let byPolicy else { return nil }
        let deciders = task.findings.map { $0.mentions.isEmpty ? FindingDecider.models : .rules }
        guard var spliced = Self.perFinding(task: task, deciders: deciders, rules: byPolicy, models: llm) else { return nil }
        if Set(spliced.findingSources.map(\.description)).count < 2 {
            // The policy took the models' answer anyway (llm, llm-else-rules once they answered).
            spliced.source = byPolicy.source
            spliced.findingSources = []
        }
        return spliced
    }

    /// Each finding's value from its decider: `rules` standing for whatever answers the
    /// findings with phrases. nil while a decider that some finding needs has not answered.
    static func perFinding(task: LabelTask, deciders: [FindingDecider], rules: FinalAnswer?, models: FinalAnswer?) -> FinalAnswer? {
        let needed = Set(deciders)
        if needed == [.rules] { return rules }
        if needed == [.models] { return models }
        guard let rules, let models else { return nil }
        let values = zip(deciders.indices, deciders).map { index, decider in
            decider == .rules ? rules.answer.values[index] : models.answer.values[index]
        }
        let sources = deciders.map { $0 == .rules ? rules.source : models.source }
        // The follow-up belongs to a binary task's one finding; a task of several findings has
        // none, but if it had, the models are the ones who ask it.
        let answer = TaskAnswer(values: values, followUp: models.answer.followUp ?? rules.answer.followUp,
                                provenance: rules.answer.provenance)
        return FinalAnswer(answer: answer, source: .byFinding(sources), findingSources: sources)
    }
}
