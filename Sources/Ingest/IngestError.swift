import Foundation

/// Why a dropped file could not become a report. Every case names the problem precisely enough for
/// an integration engineer to fix the export; `code` is the stable, PHI-free form used in logs.
public enum IngestError: Error, Equatable, Sendable {
    case notRegularFile(kind: String)
    case empty
    case tooLarge(size: Int64, limit: Int64)
    case invalidUTF8(offset: Int)
    case binaryContent(offset: Int)
    case noText
    case unsupportedFormat(fileExtension: String)
    case permissionDenied
    case unreadable(reason: String)
    /// The file claims a format but breaks it. `location` says where, in the format's own terms
    /// ("line 3", "segment 4 (OBX), field 5", "entry[2].resource"); it never quotes content.
    case malformed(format: String, location: String, problem: String)
    /// A PDF (the file, or one embedded in a message) gave no text; `location` says where an
    /// embedded one sits, in the message format's terms.
    case pdf(PDFProblem, location: String?)
    case tooManyReports(count: Int, limit: Int)
    /// One part of a batch, Bundle or NDJSON file failed; `othersFailed` counts the other parts
    /// that failed too when none could be stored (then the whole file is quarantined).
    indirect case inPart(PartLocation, IngestError, othersFailed: Int)

    public var code: String {
        switch self {
        case .notRegularFile: return "not_regular_file"
        case .empty: return "empty"
        case .tooLarge: return "too_large"
        case .invalidUTF8: return "invalid_utf8"
        case .binaryContent: return "binary_content"
        case .noText: return "no_text"
        case .unsupportedFormat: return "unsupported_format"
        case .permissionDenied: return "permission_denied"
        case .unreadable: return "unreadable"
        case .malformed: return "malformed"
        case .pdf(let problem, _): return problem.rawValue
        case .tooManyReports: return "too_many_reports"
        case .inPart(_, let error, _): return error.code
        }
    }

    public var problem: String {
        switch self {
        case .notRegularFile(let kind):
            return "is a \(kind), not a regular file; radd never follows links or opens special files"
        case .empty:
            return "is empty (0 bytes)"
        case .tooLarge(let size, let limit):
            return "is \(size) bytes, over the \(limit)-byte limit for one export"
        case .invalidUTF8(let offset):
            return "is not valid UTF-8 text (first invalid byte at offset \(offset))"
        case .binaryContent(let offset):
            return "holds binary data (NUL byte at offset \(offset)), not report text"
        case .noText:
            return "holds only whitespace, no report text"
        case .unsupportedFormat(let ext):
            let shown = ext.isEmpty ? "a file without an extension" : "'.\(ext)' files"
            return "is not a supported format: radd does not read \(shown) (supported: .txt, .hl7 and .oru (HL7 v2 ORU^R01 and MDM), .json and .ndjson (FHIR R4), .csv, .pdf)"
        case .permissionDenied:
            return "cannot be read by raddd's user (permission denied): the exporting account must create files that user may read, e.g. group-readable in a setgid drop folder, or with a create mode of 0640 or wider where the folder has a default ACL"
        case .malformed(let format, let location, let problem):
            return "is not valid \(format): \(location): \(problem)"
        case .pdf(let problem, let location):
            let what = location.map { "holds its report as a PDF (\($0)) that" } ?? "is a PDF that"
            switch problem {
            case .noTextLayer:
                return "\(what) has no text layer (a scanned image?): radd reads the text of PDFs and does no OCR; export the report as text or a text PDF"
            case .encrypted:
                return "\(what) is encrypted (it needs a password to open); export it without encryption"
            case .malformed:
                return "\(what) cannot be opened: damaged, truncated or not a PDF"
            case .tooComplex:
                return "\(what) could not be read within the limits of \(PDFText.limits.cpuSeconds) s CPU, \(PDFText.limits.addressSpaceBytes >> 20) MiB of memory and \(PDFText.limits.maxTextBytes >> 20) MiB of text (a PDF bomb, or far more than a report)"
            }
        case .tooManyReports(let count, let limit):
            return "holds \(count) reports, over the limit of \(limit) reports per file (max_reports_per_file); split the export"
        case .unreadable(let reason):
            return "cannot be read: \(reason)"
        case .inPart(let location, let error, let othersFailed):
            let others = othersFailed == 0 ? ""
                : "; nothing in the file could be stored: \(othersFailed) other \(location.unit.named(othersFailed)) failed too"
            return "\(location.description) \(error.problem)\(others)"
        }
    }

    /// The text written next to a quarantined file: the file's name and the problem.
    public func reason(fileName: String) -> String { "\(fileName) \(problem)" }
}
