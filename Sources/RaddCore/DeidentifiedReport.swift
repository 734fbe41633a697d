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

/// A report after de-identification, with where PHI was replaced and by which method. It lives
/// here rather than in Deid so that the store can demand it: `ReportStore.commit` takes nothing
/// else, which makes "only de-identified text is stored" part of the signature, not a convention
/// of its callers.
public struct DeidentifiedReport: Sendable {
    /// `text` is the de-identified text; the metadata still holds the source's ids, which the store
    /// keeps only as keyed pseudonyms.
    public var report: Report
    /// Offsets into the original text; the store keeps them (never the text they covered).
    public var spans: [PHISpan]
    /// Recorded with every stored report so that a later audit can tell which method ran.
    public var method: String

    /// Made by a `Deidentifier`; tests and benchmarks that store text known to hold no PHI make
    /// one with the method "none", which the stored row then says.
    public init(report: Report, spans: [PHISpan], method: String) {
        self.report = report
        self.spans = spans
        self.method = method
    }
}
