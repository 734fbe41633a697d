import RaddCore

/// The seam between ingest and storage: whatever is stored and shown to a model passes through here.
public protocol Deidentifier: Sendable {
    var method: String { get }
    func deidentify(_ report: Report) throws -> DeidentifiedReport
}
