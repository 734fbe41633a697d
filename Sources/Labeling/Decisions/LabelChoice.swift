import RaddCore

/// Who gives one finding its final label under `label_policy = auto`.
public enum FindingDecider: String, Sendable, Codable, CaseIterable {
    case rules
    /// The one model's answer, or the vote of every configured model.
    case models
}

/// Why a finding is decided as it is under `label_policy = auto`, with the evidence: what
/// `raddctl status` and `raddctl labels --explain` show.
public struct FindingChoice: Sendable, Equatable, Codable {
    public enum Basis: String, Sendable, Codable {
        /// No model is configured: the rule labeler is all there is.
        case noModels = "no-models"
        /// The finding has no rule phrases: only the models can read it.
        case noPhrases = "no-phrases"
        /// Too little gold to judge: the rule labeler, whose phrases someone wrote for it.
        case tooLittleGold = "too-little-gold"
        /// Both were scored on gold; the higher F1 lower bound decides.
        case gold
    }

    /// One candidate's F1 on the gold reports both candidates answered.
    public struct Score: Sendable, Equatable, Codable {
        /// `rules`, `llm`, or `llm vote` when several models vote.
        public var labeler: String
        public var f1: Double?
        public var lower: Double?
        public var upper: Double?

        public init(labeler: String, f1: Double?, lower: Double?, upper: Double?) {
            self.labeler = labeler
            self.f1 = f1
            self.lower = lower
            self.upper = upper
        }
    }

    public var finding: String
    public var decider: FindingDecider
    public var basis: Basis
    /// Gold reports of the task, and those of them both candidates answered (what is scored).
    public var goldReports: Int
    public var comparedReports: Int
    /// Gold positives of this finding among the compared reports.
    public var goldPositives: Int
    public var scores: [Score]

    public init(finding: String, decider: FindingDecider, basis: Basis, goldReports: Int = 0, comparedReports: Int = 0,
                goldPositives: Int = 0, scores: [Score] = []) {
        self.finding = finding
        self.decider = decider
        self.basis = basis
        self.goldReports = goldReports
        self.comparedReports = comparedReports
        self.goldPositives = goldPositives
        self.scores = scores
    }

    /// The reason as one line a researcher can check against `raddctl eval`.
    public var why: String {
        switch basis {
        case .noModels: return "no model is configured: rules have phrases"
        case .noPhrases: return "no rule phrases: the models decide"
        case .tooLittleGold:
            let have = comparedReports == 0 && goldReports == 0
                ? "no gold yet"
                : "too little gold yet (\(comparedReports) reports answered by both, \(goldPositives) positive; needs \(LabelChoice.minimumGoldReports) and \(LabelChoice.minimumGoldPositives))"
            return "\(have): rules have phrases"
        case .gold:
            let shown = scores.map { score in
                "\(score.labeler) F1 \(Self.figure(score.f1)) (95% CI \(Self.figure(score.lower))–\(Self.figure(score.upper)))"
            }
            return "gold on \(comparedReports) reports, \(goldPositives) positive: " + shown.joined(separator: " vs ")
                + "; the higher lower bound decides"
        }
    }

    static func figure(_ value: Double?) -> String {
        value.map { String(format: "%.3f", $0) } ?? "n/a"
    }
}

/// The auto policy's choice for every task raddd labels: per finding, the labeler the stored
/// gold says is better, or the default before there is enough gold. Worked out by `choose` from
/// the store and kept by raddd until gold changes.
public struct LabelChoice: Sendable, Equatable, Codable {
    /// Below these, an F1 interval is too wide to overrule the phrases someone wrote: with 30
    /// reports and 5 positives one report moves F1 by about 0.1.
    public static let minimumGoldReports = 30
    public static let minimumGoldPositives = 5

    public var byTask: [String: [FindingChoice]]

    public init(byTask: [String: [FindingChoice]] = [:]) {
        self.byTask = byTask
    }

    /// Each finding's decider, in the task's order; the default where nothing was worked out.
    public func deciders(for task: LabelTask, hasModels: Bool) -> [FindingDecider] {
        let chosen = Dictionary((byTask[task.name] ?? []).map { ($0.finding, $0.decider) }, uniquingKeysWith: { first, _ in first })
        return task.findings.map { finding in
            // A choice made for a finding whose phrases have since gone is no longer possible.
            if finding.mentions.isEmpty { return .models }
            guard hasModels else { return .rules }
            return chosen[finding.name] ?? .rules
        }
    }

    /// The default before gold: the rule labeler where it has phrases, the models elsewhere.
    public static func initial(task: LabelTask, hasModels: Bool) -> [FindingChoice] {
        task.findings.map { finding in
            if finding.mentions.isEmpty { return FindingChoice(finding: finding.name, decider: .models, basis: .noPhrases) }
            return FindingChoice(finding: finding.name, decider: .rules, basis: hasModels ? .tooLittleGold : .noModels)
        }
    }

    /// The choice for one task from its gold (the latest per report) and every report's answers.
    /// Each finding with phrases is scored for the rule labeler and the models on the gold
    /// reports both answered, exactly as `raddctl eval --against gold` scores them; once there
    /// are `minimumGoldReports` such reports with `minimumGoldPositives` positives, the one
    /// whose F1 95% interval has the higher lower bound decides, the rule labeler on a tie.
    public static func choose(task: LabelTask, gold: [Int64: TaskAnswer], answers: [Int64: ReportAnswers],
                              models: [LabelerID]) -> [FindingChoice] {
        var choices = initial(task: task, hasModels: !models.isEmpty)
        guard !models.isEmpty, task.hasRulePhrases else { return choices }
        let decisions = LabelDecisions(policy: .llm, models: models)
        var rules: [Int64: TaskAnswer] = [:], modelAnswers: [Int64: TaskAnswer] = [:]
        for (report, answered) in answers where gold[report] != nil {
            guard let rule = answered[.rules], let model = decisions.final(task, answered.only(models))?.answer else { continue }
            rules[report] = rule
            modelAnswers[report] = model
        }
        let compared = gold.filter { rules[$0.key] != nil }
        let modelName = models.count == 1 ? models[0].rawValue : FinalAnswer.Source.modelVote.description
        func scored(_ predicted: [Int64: TaskAnswer], name: String) -> EvaluationReport? {
            guard !compared.isEmpty else { return nil }
            return try? EvaluationReport.scoring(task: task, gold: compared, predicted: predicted, goldName: "gold",
                                                 predictionName: name, uncertain: nil)
        }
        let ruleScores = scored(rules, name: LabelerID.rules.rawValue)
        let modelScores = scored(modelAnswers, name: modelName)
        for (index, finding) in task.findings.enumerated() where !finding.mentions.isEmpty {
            var choice = choices[index]
            choice.goldReports = gold.count
            choice.comparedReports = compared.count
            guard let ruleScores, let modelScores,
                  let ruleFinding = ruleScores.findings.first(where: { $0.finding == finding.name }),
                  let modelFinding = modelScores.findings.first(where: { $0.finding == finding.name }) else {
                choices[index] = choice
                continue
            }
            choice.goldPositives = ruleFinding.metrics.support
            let score = { (labeler: String, scored: EvaluationReport.Finding) in
                FindingChoice.Score(labeler: labeler, f1: scored.metrics.f1, lower: scored.f1Interval?.lower, upper: scored.f1Interval?.upper)
            }
            choice.scores = [score(LabelerID.rules.rawValue, ruleFinding), score(modelName, modelFinding)]
            if compared.count >= minimumGoldReports && choice.goldPositives >= minimumGoldPositives {
                choice.basis = .gold
                // A bound that could not be computed is no evidence for that labeler.
                let ruleBound = choice.scores[0].lower ?? -1, modelBound = choice.scores[1].lower ?? -1
                choice.decider = modelBound > ruleBound ? .models : .rules
            }
            choices[index] = choice
        }
        return choices
    }

    /// What changed from `earlier`, finding by finding, for the audit record: "task/finding: rules -> models".
    public func changes(from earlier: LabelChoice) -> [String] {
        var lines: [String] = []
        for task in byTask.keys.sorted() {
            let before = Dictionary((earlier.byTask[task] ?? []).map { ($0.finding, $0.decider) }, uniquingKeysWith: { first, _ in first })
            for choice in byTask[task] ?? [] where before[choice.finding] != choice.decider {
                lines.append("\(task)/\(choice.finding): \(before[choice.finding]?.rawValue ?? "none") -> \(choice.decider.rawValue)")
            }
        }
        return lines
    }
}
