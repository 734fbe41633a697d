import RaddCore

/// One report's answers for one task, by labeler, as its stored label sets give them.
public struct ReportAnswers: Sendable, Equatable {
    public private(set) var byLabeler: [LabelerID: TaskAnswer]

    /// `sets` in the order they were stored: a later set of the same labeler wins, being its
    /// answer under a newer version.
    public init(_ sets: [(labeler: LabelerID, answer: TaskAnswer)]) {
        byLabeler = [:]
        for set in sets { byLabeler[set.labeler] = set.answer }
    }

    public init(byLabeler: [LabelerID: TaskAnswer]) {
        self.byLabeler = byLabeler
    }

    public subscript(labeler: LabelerID) -> TaskAnswer? { byLabeler[labeler] }

    /// A person has decided this report.
    public var hasGold: Bool { byLabeler[.gold] != nil }

    /// Only the answers of `labelers`: an answer from a model since removed is history.
    public func only(_ labelers: [LabelerID]) -> ReportAnswers {
        ReportAnswers(byLabeler: byLabeler.filter { labelers.contains($0.key) })
    }
}

extension LabelTask {
    /// A stored label set as this task's answer: values in the task's finding order, a finding
    /// the set does not name (one added to the task since) Undefined; a later value for the
    /// same finding wins.
    public func answer(values: [(finding: String, value: LabelValue)], followUp: [String]?,
                       provenance: LabelProvenance) -> TaskAnswer {
        let byFinding = Dictionary(values.map { ($0.finding, $0.value) }, uniquingKeysWith: { $1 })
        return storedAnswer(values: findings.map { byFinding[$0.name] ?? .undefined }, list: followUp, provenance: provenance)
    }

    /// A stored set as an answer: `list` is the set's list column, an extraction task's phrases
    /// (`TaskAnswer.storedList`) or a binary task's follow-up.
    public func storedAnswer(values: [LabelValue], list: [String]?, provenance: LabelProvenance) -> TaskAnswer {
        guard kind == .extraction else { return TaskAnswer(values: values, followUp: list, provenance: provenance) }
        return TaskAnswer(values: [], provenance: provenance, phrases: (list ?? []).compactMap { ExtractedPhrase(cell: $0) })
    }
}
