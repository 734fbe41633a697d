import CCrypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 and HMAC-SHA256 through libcrypto, which SQLCipher already brings into the process.
public enum Digest {
    /// Hashes contiguous bytes in place: a whole export (up to max_file_bytes) is not copied first.
    public static func sha256<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        if let digest = bytes.withContiguousStorageIfAvailable({ sha256(UnsafeRawBufferPointer($0)) }) { return digest }
        return Array(bytes).withUnsafeBytes(sha256)
    }

    private static func sha256(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = EVP_Digest(input.baseAddress, input.count, &output, &length, EVP_sha256(), nil)
        precondition(ok == 1, "libcrypto SHA-256 failed")
        return Array(output.prefix(Int(length)))
    }

    /// SHA-256 of a whole file, read 1 MiB at a time: a backup can be many gigabytes.
    public static func sha256(fileAt path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("opening \(path)") }
        defer { close(fd) }
        guard let context = EVP_MD_CTX_new() else { throw SystemError("allocating a digest", code: ENOMEM) }
        defer { EVP_MD_CTX_free(context) }
        precondition(EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1, "libcrypto SHA-256 failed")
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError("reading \(path)")
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, count) }
        }
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &output, &length) == 1, "libcrypto SHA-256 failed")
        return Array(output.prefix(Int(length)))
    }

    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                HMAC(EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count),
                     messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBytes.count,
                     &output, &length)
            }
        }
        precondition(result != nil, "libcrypto HMAC-SHA256 failed")
        return Array(output.prefix(Int(length)))
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Turns patient ids and accession numbers into keyed pseudonyms: lowercase hex of
/// HMAC-SHA256(key, UTF-8 of the id as the source wrote it, trimmed). Whoever holds the key can
/// compute the same pseudonym from a PACS or RIS id and so join labels to images; without the key
/// the pseudonym reveals nothing. Docs/architecture.md says where the key lives.
public struct Pseudonymizer: Sendable {
    private let key: [UInt8]

    public init(key: [UInt8]) {
        precondition(key.count >= 32, "a pseudonym key has at least 256 bits")
        self.key = key
    }

    public func pseudonym(_ identifier: String) -> String {
        let trimmed = identifier.trimmingCharacters(in: .whitespaces)
        return Digest.hex(Digest.hmacSHA256(key: key, message: Array(trimmed.utf8)))
    }

    /// Days (1–365) by which a patient's dates move back in exports: keyed on the patient's
    /// pseudonym, so every study of one patient moves by the same amount and intervals between
    /// them stay true, while the real dates cannot be recovered without the key.
    public func dateShiftDays(patientPseudonym: String) -> Int {
        let digest = Digest.hmacSHA256(key: key, message: Array("radd date shift\u{0}\(patientPseudonym)".utf8))
        let value = digest.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return Int(value % 365) + 1
    }

    /// An ISO 8601 date (or the date part of a date-time, or HL7's YYYYMMDD…) moved back by the
    /// patient's shift, as YYYY-MM-DD; nil when there is no date to shift.
    public func shiftedDate(_ text: String?, patientPseudonym: String?) -> String? {
        guard let text, let patientPseudonym else { return nil }
        return Self.date(text, movedBack: dateShiftDays(patientPseudonym: patientPseudonym))
    }

    /// `text`'s date (as `shiftedDate` reads it) moved back `days` days, as YYYY-MM-DD; nil when
    /// it holds no valid date. For callers that shift many dates and compute each patient's shift once.
    public static func date(_ text: String, movedBack days: Int) -> String? {
        if let moved = CivilDate(leadingDigitsOf: text)?.movedBack(days), moved.year >= CivilDate.firstYear { return moved.text }
        let digits = text.prefix(10).filter(\.isNumber)
        guard digits.count >= 8, let year = Int(digits.prefix(4)), let month = Int(digits.dropFirst(4).prefix(2)),
              let day = Int(digits.dropFirst(6).prefix(2)) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              calendar.component(.day, from: date) == day,
              let shifted = calendar.date(byAdding: .day, value: -days, to: date) else { return nil }
        let parts = calendar.dateComponents([.year, .month, .day], from: shifted)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
