import Deid
import RaddCore

/// One generated report, with the answer key a de-identifier is scored against.
public struct SyntheticReport: Sendable {
    public var index: Int
    /// Which template produced the body, e.g. "CT head"; for reading eval output.
    public var exam: String
    public var text: String
    /// What an export's header fields would carry for this report.
    public var structured: StructuredPHI
    /// Every inserted PHI value, in text order.
    public var gold: [GoldPHI]
    /// Clinical phrases that look like PHI and are not (eponyms, scores, doses, levels); in text order.
    public var traps: [TrapPhrase]

    public var goldSpans: [PHISpan] { gold.map(\.span) }
}

public struct GoldPHI: Sendable, Equatable {
    public var span: PHISpan
    /// The value as inserted, so tests can check the span against the text.
    public var text: String
}

public struct TrapPhrase: Sendable, Equatable {
    /// Unicode-scalar offset and length in the report text, like `PHISpan`.
    public var start: Int
    public var length: Int
    public var text: String
}
