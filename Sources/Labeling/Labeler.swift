import RaddCore

/// One labeler's answer about one report under one task.
public struct TaskAnswer: Sendable, Codable, Equatable {
    /// One value per finding, in the task's order.
    public var values: [LabelValue]
    /// A binary task's follow-up answer, only after a Yes; empty means Undefined.
    public var followUp: [String]?
    public var provenance: LabelProvenance
    /// An ensemble's members' own answers, in member order.
    public var members: [TaskAnswer]?
    /// An extraction task's phrases (its `values` are empty).
    public var phrases: [ExtractedPhrase]?

    public init(values: [LabelValue], followUp: [String]? = nil, provenance: LabelProvenance, members: [TaskAnswer]? = nil,
                phrases: [ExtractedPhrase]? = nil) {
        self.values = values
        self.followUp = followUp
        self.provenance = provenance
        self.members = members
        self.phrases = phrases
    }

    /// The list a label set stores in its list column (`follow_up`): a binary task's follow-up
    /// options, or an extraction task's phrases as cells ("text [CODE]").
    public func storedList(for kind: LabelTask.Kind) -> [String]? {
        kind == .extraction ? (phrases ?? []).map(\.cell) : followUp
    }
}

/// Why a labeler could not answer for a report. Messages never quote the report or the model.
public struct LabelingFailure: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// No model server answered, after retries (or its circuit is open): try again later.
        case unavailable
        /// The model answered, twice, with something that breaks the task's schema.
        case invalidAnswer
    }

    public var kind: Kind
    public var message: String
    public var description: String { message }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// Labels one de-identified report for one task: the rule labeler, a local LLM, or an ensemble.
public protocol Labeler: Sendable {
    var task: LabelTask { get }
    /// How the labeler is named in outputs and the database ("rules", "llm", "ensemble").
    var name: String { get }
    func answer(_ text: String) throws -> TaskAnswer
}

extension LabelTask {
    /// The output row's cells for `columns`: 1.0, 0.0, -1.0 or blank (Yes, No or Undefined for
    /// a binary task), "No Finding" computed first if the task has it, and the follow-up's
    /// options joined by ";" after a Yes.
    public func cells(for answer: TaskAnswer) -> [String] {
        if kind == .extraction { return [ExtractedPhrase.cell(of: answer.phrases ?? [])] }
        var cells = withNoFinding(answer.values).map { $0.labelFileCell(for: kind) }
        if followUp != nil { cells.append(answer.followUp.map { $0.isEmpty ? "Undefined" : $0.joined(separator: ";") } ?? "") }
        return cells
    }

    /// The findings' values with CheXpert's "No Finding" first, if the task has it: positive
    /// when no other finding (except those it ignores) is positive or uncertain.
    public func withNoFinding(_ values: [LabelValue]) -> [LabelValue] {
        guard let rule = noFinding else { return values }
        let ignored = Set(rule.ignoring)
        let anything = zip(findings, values).contains { finding, value in
            !ignored.contains(finding.name) && (value == .positive || value == .uncertain)
        }
        return [anything ? .undefined : .positive] + values
    }
}
