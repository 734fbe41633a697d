import RaddCore

/// The labelling decisions a request makes: which answer is final, which reports go to review.
/// A request reads the live label policy once, so all its rows follow the same one; the models
/// are those configured now, fixed at start.
public struct LabelDecisions: Sendable, Equatable {
    public var policy: LabelPolicy
    /// The model labelers, in the order of the endpoints that first name them.
    public var models: [LabelerID]
    /// The auto policy's deciders, as raddd last worked them out from gold.
    public var choice: LabelChoice

    public init(policy: LabelPolicy, models: [LabelerID], choice: LabelChoice = LabelChoice()) {
        self.policy = policy
        self.models = models
        self.choice = choice
    }

    /// Each finding's decider under `auto`, in the task's order.
    public func deciders(_ task: LabelTask) -> [FindingDecider] {
        choice.deciders(for: task, hasModels: !models.isEmpty)
    }

    /// Every labeler raddd runs now: the rule labeler, then the models.
    public var configured: [LabelerID] { [.rules] + models }

    /// The labelers that answer `task`: the rule labeler only where it has phrases to read.
    public func answering(_ task: LabelTask) -> [LabelerID] {
        configured.filter { $0 != .rules || task.hasRulePhrases }
    }

    /// The report's final label; nil while the policy's labelers have not answered.
    public func final(_ task: LabelTask, _ answers: ReportAnswers) -> FinalAnswer? {
        policy.finalAnswer(task: task, answers: answers, models: models, deciders: policy == .auto ? deciders(task) : nil)
    }

    /// The sets of labelers whose answers give a report its `task` label: it has one as soon as
    /// every labeler of any one set has answered. `raddctl status` counts labelled reports by
    /// this, so that a report the rules have labelled counts while a model is still busy.
    /// Kept beside `LabelPolicy.finalAnswer` and checked against it by the tests.
    public func finalLabelNeeds(_ task: LabelTask) -> [[LabelerID]] {
        let everyModel: [[LabelerID]] = models.isEmpty ? [] : [models]
        guard task.hasRulePhrases else { return everyModel }
        let byPolicy: [[LabelerID]]
        switch policy {
        case .rules: byPolicy = [[.rules]]
        case .llm: byPolicy = everyModel
        case .llmElseRules: byPolicy = [[.rules]] + everyModel
        // Before every model has answered, the ensemble policy gives the rule labeler's answer.
        case .ensemble: byPolicy = [[.rules]]
        case .auto:
            switch Set(deciders(task)) {
            case [.rules]: return [[.rules]]
            case [.models]: return everyModel
            default: return models.isEmpty ? [] : [[.rules] + models]
            }
        }
        // Findings without phrases wait for the models whatever the policy.
        guard task.findings.contains(where: { $0.mentions.isEmpty }) else { return byPolicy }
        return models.isEmpty ? [] : byPolicy.map { Array(Set($0 + models)).sorted { $0.rawValue < $1.rawValue } }
    }

    /// `labeler`'s answer for the report, `final` being the policy's (never gold's).
    public func answer(of labeler: LabelerID, _ task: LabelTask, _ answers: ReportAnswers) -> TaskAnswer? {
        guard labeler == .final else { return answers[labeler] }
        return final(task, ReportAnswers(byLabeler: answers.byLabeler.filter { $0.key != .gold }))?.answer
    }

    /// Each report's answer by `labeler`; reports it has not answered are left out.
    public func answers(of labeler: LabelerID, _ task: LabelTask, byReport: [Int64: ReportAnswers]) -> [Int64: TaskAnswer] {
        byReport.compactMapValues { answer(of: labeler, task, $0) }
    }

    /// The findings a reviewer should look at, judged on the configured labelers' answers only.
    /// Nothing while the policy has no final answer.
    public func review(_ task: LabelTask, _ answers: ReportAnswers) -> ReviewFindings {
        let configuredAnswers = answers.only(configured)
        guard let final = final(task, configuredAnswers) else {
            return ReviewFindings(disagreements: [], undecided: [], answers: configuredAnswers)
        }
        var disagreements: [String] = [], undecided: [String] = []
        for (index, finding) in task.findings.enumerated() {
            // The rule labeler has nothing to say about a finding it has no phrases for.
            let voters = configuredAnswers.byLabeler.filter { $0.key != .rules || !finding.mentions.isEmpty }
            let votes = voters.values.map { EnsembleLabeler.normalized($0.values[index], kind: task.kind) }
            if Set(votes).count > 1 { disagreements.append(finding.name) }
            let value = final.answer.values[index]
            if value == .uncertain || (task.kind == .binary && value == .undefined) { undecided.append(finding.name) }
        }
        return ReviewFindings(disagreements: disagreements, undecided: undecided, answers: configuredAnswers)
    }

    /// The report as an item of the review list, or nil: a report with gold has been decided by
    /// a person and leaves the list, and one with nothing to look at is not on it.
    public func reviewItem(_ task: LabelTask, _ answers: ReportAnswers) -> ReviewFindings? {
        guard !answers.hasGold else { return nil }
        let findings = review(task, answers)
        return findings.needsReview ? findings : nil
    }
}

/// What review shows of one report: the findings on which the configured labelers disagree,
/// those whose final answer is uncertain (or Undefined, for a binary task), and the answers
/// they were judged on.
public struct ReviewFindings: Sendable, Equatable {
    public var disagreements: [String]
    public var undecided: [String]
    public var answers: ReportAnswers

    public init(disagreements: [String], undecided: [String], answers: ReportAnswers) {
        self.disagreements = disagreements
        self.undecided = undecided
        self.answers = answers
    }

    public var needsReview: Bool { !disagreements.isEmpty || !undecided.isEmpty }

    /// For each finding under review, each labeler's answer as a label file cell, by finding
    /// and labeler name.
    public func cells(_ task: LabelTask) -> [String: [String: String]] {
        var shown: [String: [String: String]] = [:]
        for (index, finding) in task.findings.enumerated()
        where disagreements.contains(finding.name) || undecided.contains(finding.name) {
            shown[finding.name] = Dictionary(uniqueKeysWithValues: answers.byLabeler.map { labeler, answer in
                (labeler.rawValue, answer.values[index].labelFileCell(for: task.kind))
            })
        }
        return shown
    }
}
