import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why `raddctl deid` could not read a file as report text. Messages name the problem and, for
/// binary data, one byte's offset and value, never any of the file's content: whatever is in a
/// report file may be PHI, and stderr ends up in terminals, CI logs and tickets. `code` is the
/// stable form for scripts and tests.
enum DeidInputError: Error, Equatable {
    case missing
    case directory
    case notRegularFile(kind: String)
    case permissionDenied
    case unreadable(reason: String)
    case tooLarge(size: Int, limit: Int)
    /// A NUL byte: no text file has one, every binary format has many.
    case nulByte(offset: Int)
    /// More than `DeidInput.controlShareLimit` of the bytes are control characters other than tab,
    /// LF, CR and FF: a binary file that happens to hold no NUL.
    case controlCharacters(count: Int, total: Int, offset: Int, byte: UInt8)
    /// A UTF-16 byte-order mark: the text is readable, but not by this reader (every other byte
    /// would be NUL), so say what it is rather than "binary".
    case utf16

    var code: String {
        switch self {
        case .missing: return "missing"
        case .directory: return "directory"
        case .notRegularFile: return "not_regular_file"
        case .permissionDenied: return "permission_denied"
        case .unreadable: return "unreadable"
        case .tooLarge: return "too_large"
        case .nulByte: return "binary_nul"
        case .controlCharacters: return "binary_control"
        case .utf16: return "utf16"
        }
    }

    var problem: String {
        switch self {
        case .missing:
            return "cannot be read: no such file"
        case .directory:
            return "is a directory, not a report file"
        case .notRegularFile(let kind):
            return "is a \(kind), not a report file"
        case .permissionDenied:
            return "cannot be read: permission denied"
        case .unreadable(let reason):
            return "cannot be read: \(reason)"
        case .tooLarge(let size, let limit):
            return "is \(size) bytes, over the \(limit)-byte limit for one report file"
        case .nulByte(let offset):
            return "binary data, not a text report (byte \(offset) is 0x00)"
        case .controlCharacters(let count, let total, let offset, let byte):
            return "binary data, not a text report (\(count) of \(total) bytes are control characters; byte \(offset) is \(String(format: "0x%02X", byte)))"
        case .utf16:
            return "is UTF-16 text, which raddctl deid does not read; convert it first (iconv -f UTF-16 -t UTF-8)"
        }
    }
}

/// A report file's text and how it was decoded.
struct DeidInput: Equatable {
    enum Encoding: String, Equatable {
        case utf8 = "UTF-8"
        case windows1252 = "Windows-1252"
    }

    var text: String
    var encoding: Encoding

    /// One report file is text a person wrote; a gigabyte is an export or a mistake, and reading it
    /// whole (as the rules need) could take the machine's memory.
    static let sizeLimit = 256 * 1024 * 1024
    /// Text with a stray escape or form character is still text; above 1 in 100 bytes it is not.
    static let controlShareLimit = 0.01

    /// Reads `path` with open(2), so that every failure carries errno's own reason, and decodes it.
    static func read(_ path: String) throws -> DeidInput {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw openError(errno) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw DeidInputError.unreadable(reason: String(cString: strerror(errno))) }
        switch status.st_mode & S_IFMT {
        case S_IFREG, S_IFIFO:
            break  // a pipe is fine: `raddctl deid <(zcat report.txt.gz)`
        case S_IFDIR:
            throw DeidInputError.directory
        case S_IFCHR:
            throw DeidInputError.notRegularFile(kind: "character device")
        case S_IFBLK:
            throw DeidInputError.notRegularFile(kind: "block device")
        case S_IFSOCK:
            throw DeidInputError.notRegularFile(kind: "socket")
        default:
            throw DeidInputError.notRegularFile(kind: "special file")
        }
        if status.st_size > sizeLimit {  // refused before reading; a pipe is checked as it is read
            throw DeidInputError.tooLarge(size: Int(status.st_size), limit: sizeLimit)
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(status.st_size))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw DeidInputError.unreadable(reason: String(cString: strerror(errno)))
            }
            bytes += chunk[..<count]
            guard bytes.count <= sizeLimit else { throw DeidInputError.tooLarge(size: bytes.count, limit: sizeLimit) }
        }
        return try decode(bytes)
    }

    static func openError(_ code: Int32) -> DeidInputError {
        switch code {
        case ENOENT: return .missing
        case EACCES, EPERM: return .permissionDenied
        case EISDIR: return .directory
        default: return .unreadable(reason: String(cString: strerror(code)))
        }
    }

    /// UTF-8 when the bytes are valid UTF-8 (a byte-order mark is kept, as one scalar, so offsets
    /// still count from the file's first byte); otherwise, unless they are binary, Windows-1252,
    /// the code page of Windows exports that are not UTF-8 and a superset of Latin-1's printable
    /// characters. Either way the empty file is empty text: nothing to de-identify is not an error.
    static func decode(_ bytes: [UInt8]) throws -> DeidInput {
        if bytes.count >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF)) {
            throw DeidInputError.utf16
        }
        if let nul = bytes.firstIndex(of: 0) { throw DeidInputError.nulByte(offset: nul) }
        let utf8 = String(validating: bytes, as: UTF8.self)
        // Controls are counted on the bytes either way: a file of escape sequences is valid UTF-8.
        // In Windows-1252, the five bytes it leaves undefined count as controls too.
        var controls = 0, first: (offset: Int, byte: UInt8)?
        for (offset, byte) in bytes.enumerated() where isControl(byte, singleByte: utf8 == nil) {
            controls += 1
            if first == nil { first = (offset, byte) }
        }
        if let first, Double(controls) > Double(bytes.count) * controlShareLimit {
            throw DeidInputError.controlCharacters(count: controls, total: bytes.count, offset: first.offset, byte: first.byte)
        }
        if let utf8 { return DeidInput(text: utf8, encoding: .utf8) }
        return DeidInput(text: windows1252(bytes), encoding: .windows1252)
    }

    static func isControl(_ byte: UInt8, singleByte: Bool) -> Bool {
        switch byte {
        case 0x09, 0x0A, 0x0C, 0x0D: return false  // tab, LF, FF, CR: layout, not binary
        case 0x00...0x1F, 0x7F: return true
        case 0x81, 0x8D, 0x8F, 0x90, 0x9D: return singleByte
        default: return false
        }
    }

    /// Windows-1252 bytes 0x80–0x9F; the five it leaves undefined stay the Latin-1 (C1) code point
    /// of the same value. Every other byte is its Latin-1 code point. One byte is always one
    /// scalar, so span offsets into the decoded text are byte offsets into the file.
    static let windows1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, // 80–87
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F, // 88–8F
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, // 90–97
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178, // 98–9F
    ]

    static func windows1252(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            let value = (0x80...0x9F).contains(byte) ? windows1252High[Int(byte) - 0x80] : UInt32(byte)
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }
}
