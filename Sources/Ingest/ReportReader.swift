import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// One claimed file, read: its reports and what the store records about the file itself.
public struct ReadFile: Sendable {
    public var reports: [Report]
    public var format: SourceFormat
    public var byteCount: Int
    /// SHA-256 of the file's bytes, lowercase hex: an export dropped twice is recognised by it.
    public var sha256: String
    /// What was left out, said with the file rather than dropped silently (e.g. CSV rows without
    /// text). Line numbers only, never content.
    public var notes: [String]
    /// Messages of a batch, Bundle entries or NDJSON lines that failed while others were read:
    /// each is quarantined as a file of its own.
    public var failedParts: [FailedPart] = []
}

/// Turns one claimed file into reports. The format is the drop folder's, or found from the
/// extension; a file radd cannot read is quarantined with a reason, never skipped.
public struct ReportReader: Sendable {
    public enum FormatChoice: Sendable, Equatable {
        case byExtension
        case fixed(SourceFormat)
    }

    public var format: FormatChoice
    public var csvMapping: CSVReader.Mapping
    public var maxFileBytes: Int64
    public var maxReportsPerFile: Int
    /// The folder's `encoding`: how text and CSV files that are not valid UTF-8 are read. nil
    /// (`auto`): a text file must be UTF-8, a CSV file is otherwise Windows-1252. HL7 v2 follows
    /// its MSH-18 either way, FHIR is JSON (UTF-8).
    public var legacyEncoding: LegacyEncoding?

    public init(format: FormatChoice = .byExtension, csvMapping: CSVReader.Mapping = .automatic,
                maxFileBytes: Int64 = 64 << 20, maxReportsPerFile: Int = 100_000, legacyEncoding: LegacyEncoding? = nil) {
        self.format = format
        self.csvMapping = csvMapping
        self.maxFileBytes = maxFileBytes
        self.maxReportsPerFile = maxReportsPerFile
        self.legacyEncoding = legacyEncoding
    }

    static func format(forExtension ext: String) -> SourceFormat? {
        switch ext {
        case "txt", "text": return .plainText
        case "hl7", "oru": return .hl7v2
        case "json", "ndjson": return .fhir
        case "csv": return .csv
        case "pdf": return .pdf
        default: return nil
        }
    }

    /// A file with several reports gives each the claim id `<claim id>#<n>`, so that every
    /// stored row is unique and still traceable to its file.
    public func read(_ claimed: ClaimedFile, receivedAt: Date = Date()) throws -> ReadFile {
        let ext = (claimed.originalName as NSString).pathExtension.lowercased()
        let format: SourceFormat
        switch self.format {
        case .fixed(let fixed): format = fixed
        case .byExtension:
            guard let found = Self.format(forExtension: ext) else { throw IngestError.unsupportedFormat(fileExtension: ext) }
            format = found
        }
        let bytes = try readBytes(claimed.workPath)
        return try normalise(bytes, format: format, fileName: claimed.originalName, claimID: claimed.claimID,
                             receivedAt: receivedAt)
    }

    /// Parses a file's bytes in `format` and normalises them into reports: everything `read` does
    /// after reading the file (radd-bench measures this).
    public func normalise(_ bytes: [UInt8], format: SourceFormat, fileName: String, claimID: String,
                          receivedAt: Date = Date()) throws -> ReadFile {
        var notes: [String] = []
        var failedParts: [FailedPart] = []
        let parsed: [ParsedReport]
        switch format {
        case .plainText: parsed = try PlainTextReader.reports(from: bytes, legacy: legacyEncoding)
        case .hl7v2, .fhir:
            let parts = try (format == .hl7v2 ? HL7v2Reader.read(bytes) : FHIRReader.read(bytes)).settled()
            parsed = parts.reports
            failedParts = parts.failures
            if !failedParts.isEmpty { notes.append(Self.failedPartsNote(failedParts)) }
        case .csv:
            let result = try CSVReader(mapping: csvMapping, legacy: legacyEncoding ?? .windows1252).read(bytes)
            parsed = result.reports
            if !result.skippedLines.isEmpty { notes.append(Self.skippedRowsNote(result.skippedLines)) }
        case .pdf:
            switch try PDFText.extract(bytes) {
            case .text(let text): parsed = [ParsedReport(text: text)]
            case .problem(let problem): throw IngestError.pdf(problem, location: nil)
            }
        }
        if parsed.count > maxReportsPerFile { throw IngestError.tooManyReports(count: parsed.count, limit: maxReportsPerFile) }
        let reports = parsed.enumerated().map { index, report in
            let reportClaim = parsed.count == 1 ? claimID : "\(claimID)#\(index + 1)"
            let source = ReportSource(fileName: fileName, format: report.textFromPDF ? .pdf : format, claimID: reportClaim,
                                      byteCount: bytes.count)
            return Report(source: source, metadata: report.metadata, text: report.text, receivedAt: receivedAt)
        }
        return ReadFile(reports: reports, format: format, byteCount: bytes.count,
                        sha256: Digest.hex(Digest.sha256(bytes)), notes: notes, failedParts: failedParts)
    }

    /// Positions only: "3 of 50 messages quarantined as files of their own (messages 4, 17, 33)".
    static func failedPartsNote(_ parts: [FailedPart]) -> String {
        guard let first = parts.first?.location else { return "" }
        let shown = parts.prefix(20).map { String($0.location.position) }.joined(separator: ", ")
        let more = parts.count > 20 ? " and \(parts.count - 20) more" : ""
        return "\(parts.count) of \(first.count) \(first.unit.named(first.count)) quarantined as files of their own (\(first.unit.named(parts.count)) \(shown)\(more))"
    }

    static func skippedRowsNote(_ lines: [Int]) -> String {
        let shown = lines.prefix(20).map(String.init).joined(separator: ", ")
        let more = lines.count > 20 ? " and \(lines.count - 20) more" : ""
        return "\(lines.count) CSV row\(lines.count == 1 ? "" : "s") without report text skipped (line\(lines.count == 1 ? "" : "s") \(shown)\(more))"
    }

    /// Opens without following links and without blocking on FIFOs, then checks the type through
    /// the open descriptor, so a swapped-in link or device cannot be read by accident. The size is
    /// checked before anything is read into memory.
    func readBytes(_ path: String) throws -> [UInt8] {
        var linkInfo = stat()
        if lstat(path, &linkInfo) == 0, let kind = Self.specialKind(linkInfo.st_mode) {
            throw IngestError.notRegularFile(kind: kind)
        }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ELOOP { throw IngestError.notRegularFile(kind: "symbolic link") }
            if errno == EACCES { throw IngestError.permissionDenied }
            throw IngestError.unreadable(reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw IngestError.unreadable(reason: String(cString: strerror(errno))) }
        if let kind = Self.specialKind(info.st_mode) { throw IngestError.notRegularFile(kind: kind) }
        let size = Int64(info.st_size)
        if size == 0 { throw IngestError.empty }
        if size > maxFileBytes { throw IngestError.tooLarge(size: size, limit: maxFileBytes) }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestError.unreadable(reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            offset += n
        }
        return Array(bytes[0..<offset])
    }

    static func specialKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFLNK: return "symbolic link"
        case S_IFIFO: return "FIFO"
        case S_IFSOCK: return "socket"
        case S_IFCHR, S_IFBLK: return "device"
        case S_IFDIR: return "directory"
        default: return "special file"
        }
    }
}
