import Control
import Foundation
import Labeling
import RaddCore
import Store

/// What label requests read of the daemon's labelling: the tasks it labels, the labelers it runs
/// and the label policy in force, with the checks of task and labeler names that those requests
/// share. A request reads the live policy once, so all its rows follow the same one.
struct LabelingView: Sendable {
    let labeling: LabelingService
    let live: LiveSettings

    /// The decisions under the label policy in force; a request takes them once.
    func decisions() -> LabelDecisions { labeling.decisions(under: live.labelPolicy) }

    /// The labelers whose answers count now: an answer from a model since removed is history.
    var configuredLabelers: [LabelerID] { decisions().configured }

    /// The task a request names, or the first one raddd labels.
    func task(named name: String?) throws -> LabelTask {
        let known = labeling.tasks.map(\.name).joined(separator: ", ")
        guard let name = name ?? labeling.tasks.first?.name else {
            throw ControlError(.badRequest, "no label task is configured (setting 'tasks')")
        }
        guard let task = labeling.task(named: name) else {
            throw ControlError(.badRequest, "task '\(name.prefix(64))' is not labelled by this daemon (configured: \(known.isEmpty ? "none" : known))")
        }
        return task
    }

    /// A labeler the request may name: `final`, or one whose answers raddd stores now or stored before.
    func checkedLabeler(_ name: String, task: LabelTask, store: ReportStore, allowGold: Bool = false) throws -> LabelerID {
        // The rule labeler never answers a prompt-only task: naming it there is a mistake to say.
        let configured = [LabelerID.final] + decisions().answering(task) + (allowGold ? [.gold] : [])
        let names = configured.map(\.rawValue)
        guard let labeler = LabelerID(rawValue: name), try names.contains(name) || store.hasLabelSets(task: task.name, labeler: name) else {
            throw ControlError(.badRequest, "no answers from labeler '\(name.prefix(64))' for task \(task.name); labelers: \(names.joined(separator: ", "))")
        }
        return labeler
    }

    static func labelSet(_ set: StoredLabelSet, kind: LabelTask.Kind?) -> LabelSetResult {
        // An extraction task's list column holds its phrases, not a follow-up.
        let extraction = kind == .extraction
        return LabelSetResult(task: set.task, labeler: set.labeler, labelerVersion: set.labelerVersion,
                              labels: set.values.map { FindingValue(finding: $0.finding, value: $0.value.rawValue) },
                              followUp: extraction ? nil : set.followUp, provenance: set.provenance, createdAt: set.createdAt,
                              kind: kind?.rawValue, phrases: extraction ? set.followUp ?? [] : nil)
    }

    /// A report's stored sets for one task as each labeler's answer (a later set wins). Every
    /// name raddd stores is a `LabelerID`; a set under any other name is not an answer.
    static func answers(_ sets: [StoredLabelSet], task: LabelTask) -> ReportAnswers {
        ReportAnswers(sets.compactMap { set in
            LabelerID(rawValue: set.labeler).map { ($0, task.answer(values: set.values, followUp: set.followUp, provenance: set.provenance)) }
        })
    }

    /// Per task the daemon labels, the final label under `decisions` (latest set per labeler).
    func finalLabels(_ sets: [StoredLabelSet], under decisions: LabelDecisions) -> [FinalLabelResult] {
        labeling.tasks.compactMap { task in
            guard let final = decisions.final(task, Self.answers(sets.filter { $0.task == task.name }, task: task)) else { return nil }
            return FinalLabelResult(task: task.name, source: final.source.description,
                                    labels: zip(task.findings, final.answer.values).enumerated().map { index, pair in
                                        FindingValue(finding: pair.0.name, value: pair.1.rawValue, decidedBy: final.source(ofFinding: index).description)
                                    },
                                    followUp: final.answer.followUp, kind: task.kind.rawValue,
                                    phrases: task.kind == .extraction ? (final.answer.phrases ?? []).map(\.cell) : nil)
        }
    }

    /// Per finding of `task`, who decides its final label under `decisions` and why: under
    /// `auto` the choice raddd worked out from gold, under an explicit policy the policy, with
    /// the gold evidence either way.
    func explanation(_ task: LabelTask, under decisions: LabelDecisions) -> [FindingDecision] {
        let evidence = labeling.labelChoice.byTask[task.name] ?? LabelChoice.initial(task: task, hasModels: !decisions.models.isEmpty)
        let models = decisions.models.count == 1 ? decisions.models[0].rawValue : FinalAnswer.Source.modelVote.description
        let deciders = decisions.deciders(task)
        if let extraction = task.extraction {
            // No findings to choose between labelers for: the models' phrases are the answer.
            return [FindingDecision(task: task.name, finding: extraction.name, decider: models,
                                    why: "an extraction task: only the models quote phrases", basis: FindingChoice.Basis.noPhrases.rawValue,
                                    goldReports: 0, comparedReports: 0, goldPositives: 0, scores: [])]
        }
        return task.findings.enumerated().map { index, finding in
            let choice = evidence.first { $0.finding == finding.name } ?? FindingChoice(finding: finding.name, decider: deciders[index], basis: .tooLittleGold)
            let byPolicy: String?
            switch decisions.policy {
            case .auto: byPolicy = nil
            case .rules: byPolicy = LabelerID.rules.rawValue
            case .llm: byPolicy = models
            case .llmElseRules: byPolicy = decisions.models.isEmpty ? LabelerID.rules.rawValue : "\(models) (rules until it answers)"
            case .ensemble: byPolicy = decisions.models.isEmpty ? LabelerID.rules.rawValue : FinalAnswer.Source.ensemble.description
            }
            var decider = deciders[index] == .rules ? LabelerID.rules.rawValue : models
            var why = choice.why
            var basis = choice.basis == .tooLittleGold && choice.goldReports == 0 ? "no-gold" : choice.basis.rawValue
            // A finding without phrases is the models' under every policy.
            if let byPolicy, !finding.mentions.isEmpty {
                decider = byPolicy
                why = "label_policy = \(decisions.policy.rawValue)"
                basis = "policy"
            }
            return FindingDecision(task: task.name, finding: finding.name, decider: decider, why: why, basis: basis,
                                   goldReports: choice.goldReports, comparedReports: choice.comparedReports, goldPositives: choice.goldPositives,
                                   scores: choice.scores.map { FindingDecision.Score(labeler: $0.labeler, f1: $0.f1, lower: $0.lower, upper: $0.upper) })
        }
    }

    /// Each report's answer by `labeler` (`final`: the policy's, never gold's), from its label sets.
    static func chosenAnswers(_ setsByReport: [Int64: [StoredLabelSet]], task: LabelTask, labeler: LabelerID,
                              under decisions: LabelDecisions) -> [Int64: TaskAnswer] {
        decisions.answers(of: labeler, task, byReport: setsByReport.mapValues { answers($0, task: task) })
    }
}

/// Page sizes and the time bounds that several requests share.
enum RequestBounds {
    static let maxPageSize = 1000

    static func pageSize(_ asked: Int?, default fallback: Int = 100, max: Int = maxPageSize) -> Int {
        min(Swift.max(asked ?? fallback, 1), max)
    }

    /// `since` and `until` as stored times: ISO 8601 UTC, a date alone meaning its midnight.
    static func time(_ since: String?, _ until: String?) throws -> (since: String?, until: String?) {
        var bounds: [String?] = []
        for (name, value) in [("since", since), ("until", until)] {
            guard let value else { bounds.append(nil); continue }
            guard let bound = Timestamp.normalizedBound(value) else {
                throw ControlError(.badRequest, "\(name) '\(value.prefix(40))' is not a UTC time like 2026-11-24 or 2026-11-24T08:30:00Z")
            }
            bounds.append(bound)
        }
        return (bounds[0], bounds[1])
    }
}
