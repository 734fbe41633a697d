import CCrypto
import Foundation

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
}
