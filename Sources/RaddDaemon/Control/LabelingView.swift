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

    /// The labelers whose answers count now: an answer from a model since removed is history.
    var configuredLabelers: [String] { ["rules"] + labeling.llmLabelers }

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
    func checkedLabeler(_ name: String, task: LabelTask, store: ReportStore, allowGold: Bool = false) throws -> String {
        let configured = ["final"] + configuredLabelers + (allowGold ? [ReportStore.goldLabeler] : [])
        guard try configured.contains(name) || store.hasLabelSets(task: task.name, labeler: name) else {
            throw ControlError(.badRequest, "no answers from labeler '\(name.prefix(64))' for task \(task.name); labelers: \(configured.joined(separator: ", "))")
        }
        return name
    }

    static func labelSet(_ set: StoredLabelSet, kind: LabelTask.Kind?) -> LabelSetResult {
        LabelSetResult(task: set.task, labeler: set.labeler, labelerVersion: set.labelerVersion,
                       labels: set.values.map { FindingValue(finding: $0.finding, value: $0.value.rawValue) },
                       followUp: set.followUp, provenance: set.provenance, createdAt: set.createdAt, kind: kind?.rawValue)
    }

    /// A stored label set as the task's answer: values in the task's finding order.
    static func answer(_ set: StoredLabelSet, task: LabelTask) -> TaskAnswer {
        let byFinding = Dictionary(set.values.map { ($0.finding, $0.value) }, uniquingKeysWith: { $1 })
        return TaskAnswer(values: task.findings.map { byFinding[$0.name] ?? .undefined }, followUp: set.followUp,
                          provenance: set.provenance)
    }

    /// Each labeler's answer by its name; a later set of the same labeler wins.
    static func answers(_ sets: [StoredLabelSet], task: LabelTask) -> [String: TaskAnswer] {
        var answers: [String: TaskAnswer] = [:]
        for set in sets { answers[set.labeler] = answer(set, task: task) }
        return answers
    }

    /// The answer `policy` makes final, weighing the LLM labelers configured now.
    func finalAnswer(_ task: LabelTask, _ answers: [String: TaskAnswer], under policy: LabelPolicy) -> (answer: TaskAnswer, source: String)? {
        policy.finalAnswer(task: task, answers: answers, llmLabelers: labeling.llmLabelers)
    }

    /// Per task the daemon labels, the final label under the label policy (latest set per labeler).
    func finalLabels(_ sets: [StoredLabelSet]) -> [FinalLabelResult] {
        let policy = live.labelPolicy
        return labeling.tasks.compactMap { task in
            let answers = Self.answers(sets.filter { $0.task == task.name }, task: task)
            guard let (final, source) = finalAnswer(task, answers, under: policy) else { return nil }
            return FinalLabelResult(task: task.name, source: source,
                                    labels: zip(task.findings, final.values).map { FindingValue(finding: $0.name, value: $1.rawValue) },
                                    followUp: final.followUp, kind: task.kind.rawValue)
        }
    }

    /// Each report's answer by `labeler` (`final`: the label policy's), from its label sets.
    func chosenAnswers(_ setsByReport: [Int64: [StoredLabelSet]], task: LabelTask, labeler: String) -> [Int64: TaskAnswer] {
        let policy = live.labelPolicy
        var chosen: [Int64: TaskAnswer] = [:]
        for (reportID, sets) in setsByReport {
            let answers = Self.answers(sets, task: task)
            if labeler == "final" {
                chosen[reportID] = finalAnswer(task, answers.filter { $0.key != ReportStore.goldLabeler }, under: policy)?.answer
            } else {
                chosen[reportID] = answers[labeler]
            }
        }
        return chosen
    }

    /// The findings on which the labelers disagree, and those whose final answer is uncertain
    /// (or Undefined, for a binary task).
    func reviewFindings(_ task: LabelTask, _ answers: [String: TaskAnswer], under policy: LabelPolicy) -> (disagreements: [String], undecided: [String]) {
        guard let (final, _) = finalAnswer(task, answers, under: policy) else { return ([], []) }
        var disagreements: [String] = [], undecided: [String] = []
        for (index, finding) in task.findings.enumerated() {
            let votes = answers.mapValues { EnsembleLabeler.normalized($0.values[index], kind: task.kind) }
            if Set(votes.values).count > 1 { disagreements.append(finding.name) }
            if final.values[index] == .uncertain || (task.kind == .binary && final.values[index] == .undefined) {
                undecided.append(finding.name)
            }
        }
        return (disagreements, undecided)
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
