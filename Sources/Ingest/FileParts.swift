import Foundation

/// Where one part of a multi-part export sits: a message of an HL7 batch, an entry of a FHIR
/// Bundle or a line of NDJSON. It names the part by position and control id, never by content:
/// it goes into quarantine reasons, audit records and logs.
public struct PartLocation: Equatable, Sendable {
    public enum Unit: String, Sendable {
        /// An MSH-started HL7 v2 message, counted from 1 in the file (batch envelopes not counted).
        case message
        /// A Bundle entry, by its index in `Bundle.entry` (from 0, as FHIR paths count).
        case entry
        /// A line of NDJSON, counted from 1.
        case line

        public func named(_ count: Int) -> String {
            switch self {
            case .message: return count == 1 ? "message" : "messages"
            case .entry: return count == 1 ? "Bundle entry" : "Bundle entries"
            case .line: return count == 1 ? "line" : "lines"
            }
        }
    }

    public var unit: Unit
    public var position: Int
    /// How many parts of this kind the file has.
    public var count: Int
    /// MSH-10 for a message, a DiagnosticReport's id for FHIR (never another resource's: a
    /// Patient's id may be its record number), when the part has one that can be shown.
    public var controlID: String?

    public init(unit: Unit, position: Int, count: Int, controlID: String?) {
        self.unit = unit
        self.position = position
        self.count = count
        self.controlID = controlID.flatMap(Self.showable)
    }

    /// "message 3 of 50 (MSH-10 MSG00003)", "Bundle entry[2] (DiagnosticReport id r3)", "line 7".
    public var description: String {
        switch unit {
        case .message:
            return "message \(position) of \(count)" + (controlID.map { " (MSH-10 \($0))" } ?? " (no MSH-10)")
        case .entry:
            return "Bundle entry[\(position)]" + (controlID.map { " (DiagnosticReport id \($0))" } ?? "")
        case .line:
            return "line \(position)" + (controlID.map { " (DiagnosticReport id \($0))" } ?? "")
        }
    }

    /// The part's suffix in names and claim ids: "message3", "entry2", "line7".
    public var tag: String { "\(unit.rawValue)\(position)" }

    /// A control id is a protocol value, but the sender chose it: only a short run of printable
    /// ASCII (letters, digits, `-._:/`) is shown; anything else is left out rather than quoted.
    static func showable(_ id: String) -> String? {
        let trimmed = id.trimmingCharacters(in: .whitespaces)
        guard (1...40).contains(trimmed.count),
              trimmed.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._:/".unicodeScalars.contains($0)) })
        else { return nil }
        return trimmed
    }
}

/// One part of an export that could not become a report, with its own bytes: a standalone HL7
/// message (without the batch envelope), the resource's JSON, or the NDJSON line. It is
/// quarantined as a file of its own, so that `raddctl quarantine retry` can send it again alone.
public struct FailedPart: Equatable, Sendable {
    public var location: PartLocation
    public var error: IngestError
    public var bytes: [UInt8]
    /// The extension the part's own file gets.
    public var fileExtension: String

    public init(location: PartLocation, error: IngestError, bytes: [UInt8], fileExtension: String) {
        self.location = location
        self.error = error
        self.bytes = bytes
        self.fileExtension = fileExtension
    }

    /// The error as it is told: the part's location, then its problem.
    public var located: IngestError { .inPart(location, error, othersFailed: 0) }

    /// `batch.hl7` → `batch.message3.hl7`: the original's name says where the part came from.
    public func fileName(partOf original: String) -> String {
        let stem = (original as NSString).deletingPathExtension
        return "\(stem.isEmpty ? original : stem).\(location.tag).\(fileExtension)"
    }
}

/// What a reader made of a file: the reports of every part it could read, and the parts it could
/// not. A file of one part that fails is refused whole (`settled`), as is a file whose every part
/// fails; only a file with something to store is split.
public struct ReadParts: Sendable {
    public var reports: [ParsedReport] = []
    public var failures: [FailedPart] = []

    public init(reports: [ParsedReport] = [], failures: [FailedPart] = []) {
        self.reports = reports
        self.failures = failures
    }

    /// Throws when nothing in the file could be read: the one part's own error, or, for several,
    /// the first part's error with how many others failed.
    public func settled() throws -> ReadParts {
        guard reports.isEmpty, let first = failures.first else { return self }
        if failures.count == 1 && first.location.count <= 1 { throw first.error }
        throw IngestError.inPart(first.location, first.error, othersFailed: failures.count - 1)
    }

    /// All or nothing: the reports if every part was read, else the first failure (for callers
    /// that want a file whole, and for tests of one message).
    public func allReports() throws -> [ParsedReport] {
        _ = try settled()
        if let first = failures.first { throw first.location.count <= 1 ? first.error : first.located }
        return reports
    }
}
