import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// Turns one claimed file into reports. Format readers for HL7 v2, FHIR and CSV plug in here,
/// chosen by extension; a format without a reader is quarantined with a reason, never skipped.
public struct ReportReader: Sendable {
    public var maxFileBytes: Int64

    public init(maxFileBytes: Int64 = 64 << 20) {
        self.maxFileBytes = maxFileBytes
    }

    /// A file with several reports gives each the claim id `<claim id>#<n>`, so that every
    /// stored row is unique and still traceable to its file.
    public func read(_ claimed: ClaimedFile, receivedAt: Date = Date()) throws -> [Report] {
        let ext = (claimed.originalName as NSString).pathExtension.lowercased()
        let bytes = try readBytes(claimed.workPath)
        let format: SourceFormat
        let parsed: [ParsedReport]
        switch ext {
        case "txt", "text":
            (format, parsed) = (.plainText, try PlainTextReader.reports(from: bytes))
        case "hl7", "oru":
            (format, parsed) = (.hl7v2, try HL7v2Reader.reports(from: bytes))
        case "json", "ndjson":
            (format, parsed) = (.fhir, try FHIRReader.reports(from: bytes))
        case "csv":
            (format, parsed) = (.csv, try CSVReader().reports(from: bytes))
        default:
            throw IngestError.unsupportedFormat(fileExtension: ext)
        }
        return parsed.enumerated().map { index, report in
            let claimID = parsed.count == 1 ? claimed.claimID : "\(claimed.claimID)#\(index + 1)"
            let source = ReportSource(fileName: claimed.originalName, format: format, claimID: claimID, byteCount: bytes.count)
            return Report(source: source, text: report.text, receivedAt: receivedAt)
        }
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
