import RaddCore

/// A span of the original text that held PHI, and what kind it was. Offsets are in Unicode
/// scalars of the original text.
public struct PHISpan: Sendable, Equatable {
    public enum Category: String, Sendable {
        case name, date, contact, identifier, place, age, other
    }
    public var start: Int
    public var length: Int
    public var category: Category

    public init(start: Int, length: Int, category: Category) {
        self.start = start
        self.length = length
        self.category = category
    }
}

public struct DeidentifiedReport: Sendable {
    public var report: Report
    public var spans: [PHISpan]
    /// Recorded with every stored report so that a later audit can tell which method ran.
    public var method: String
}

/// The seam between ingest and storage: whatever is stored and shown to a model passes through here.
public protocol Deidentifier: Sendable {
    var method: String { get }
    func deidentify(_ report: Report) throws -> DeidentifiedReport
}
