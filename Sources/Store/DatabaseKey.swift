import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A raw 256-bit SQLCipher key. Raw keys skip SQLCipher's passphrase derivation, so the key file
/// is the whole secret: it is read once, kept only here, and never printed.
public struct DatabaseKey: Sendable {
    let bytes: [UInt8]

    public enum LoadError: Error, CustomStringConvertible, Equatable {
        case missing(path: String)
        case unreadable(path: String, reason: String)
        case tooOpen(path: String, mode: String)
        case malformed(path: String)

        public var description: String {
            switch self {
            case .missing(let path):
                return "no database key: \(path) does not exist (generate one with: (umask 077; head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \\n' > \(path)))"
            case .unreadable(let path, let reason):
                return "cannot read database key \(path): \(reason)"
            case .tooOpen(let path, let mode):
                return "refusing database key \(path): mode \(mode) lets group or others read it; run: chmod 0400 \(path)"
            case .malformed(let path):
                return "database key \(path) is not 64 hexadecimal characters (a raw 256-bit key)"
            }
        }
    }

    public init(hex: String) throws {
        guard let bytes = Self.decodeHex(hex) else { throw LoadError.malformed(path: "(given)") }
        self.bytes = bytes
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// systemd's credentials directory wins over the key file: with LoadCredential= the service
    /// user needs no read access to the key file at all.
    public static func load(keyFile: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DatabaseKey {
        if let credentials = environment["CREDENTIALS_DIRECTORY"], !credentials.isEmpty {
            return try load(path: credentials + "/db-key", checkMode: false)
        }
        return try load(path: keyFile, checkMode: true)
    }

    /// Credentials that systemd hands over are already private to the service; their mode is
    /// systemd's business, so only key files are checked.
    static func load(path: String, checkMode: Bool) throws -> DatabaseKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw LoadError.missing(path: path) }
            throw LoadError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        if checkMode && info.st_mode & 0o077 != 0 {
            throw LoadError.tooOpen(path: path, mode: String(info.st_mode & 0o7777, radix: 8))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw LoadError.unreadable(path: path, reason: "not a regular file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = decodeHex(text) else { throw LoadError.malformed(path: path) }
        return DatabaseKey(bytes: bytes)
    }

    /// 64 hex digits as 32 bytes; nil for anything else.
    static func decodeHex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// SQLCipher's raw-key form, `x'<64 hex>'`, as bytes to hand to sqlite3_key.
    var sqlcipherRawKeyLiteral: [UInt8] {
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        return Array("x'\(hex)'".utf8)
    }
}
