import Foundation

/// The file formats radd reads. Only plain text is read so far; the others are named so that a
/// file of that kind is quarantined with a precise reason rather than misread.
public enum SourceFormat: String, Codable, Sendable, CaseIterable {
    case plainText = "text"
    case hl7v2 = "hl7v2"
    case fhir = "fhir"
    case csv = "csv"
}

/// Where a report came from. `claimID` is assigned when the file is claimed from the drop folder
/// and is what makes ingest exactly-once: a claim that is already committed is never stored again.
public struct ReportSource: Codable, Sendable, Equatable {
    public var fileName: String
    public var format: SourceFormat
    public var claimID: String
    public var byteCount: Int

    public init(fileName: String, format: SourceFormat, claimID: String, byteCount: Int) {
        self.fileName = fileName
        self.format = format
        self.claimID = claimID
        self.byteCount = byteCount
    }
}

/// A radiology report normalised from whatever format it arrived in.
public struct Report: Sendable, Equatable {
    public var source: ReportSource
    public var text: String
    public var receivedAt: Date

    public init(source: ReportSource, text: String, receivedAt: Date) {
        self.source = source
        self.text = text
        self.receivedAt = receivedAt
    }
}
