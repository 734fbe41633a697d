import CCrypto
import Foundation

/// Decrypts every page of a SQLCipher 3 database file and of its WAL with the raw key, so that a
/// test can search the bytes a file really holds, free pages and old WAL frames included: what
/// an attacker who has the key and the disk would see, not what a query returns.
///
/// SQLCipher 3's defaults: 1024-byte pages, each encrypted with AES-256-CBC under the raw key
/// and followed by a 48-byte reserve that starts with the page's IV (then its HMAC); page 1
/// begins with the file's 16-byte salt, which is not encrypted.
public enum SQLCipherPages {
    public static let pageSize = 1024
    static let reserve = 48

    /// The plaintext of every page of `path` (a database) or, with `wal: true`, of every frame.
    public static func plaintext(of path: String, key: [UInt8], wal: Bool = false) throws -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let bytes = [UInt8](data)
        var pages: [[UInt8]] = []
        if wal {
            // A 32-byte WAL header, then frames: a 24-byte header (page number first) and a page.
            var offset = 32
            while offset + 24 + pageSize <= bytes.count {
                let number = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
                pages.append(try decrypt(Array(bytes[offset + 24..<offset + 24 + pageSize]), isFirst: number == 1, key: key))
                offset += 24 + pageSize
            }
        } else {
            var offset = 0
            while offset + pageSize <= bytes.count {
                pages.append(try decrypt(Array(bytes[offset..<offset + pageSize]), isFirst: offset == 0, key: key))
                offset += pageSize
            }
        }
        return pages
    }

    /// Whether any page holds `needle` (UTF-8).
    public static func contains(_ pages: [[UInt8]], _ needle: String) -> Bool {
        let target = Array(needle.utf8)
        return pages.contains { page in
            guard page.count >= target.count else { return false }
            return (0...(page.count - target.count)).contains { start in page[start] == target[0] && Array(page[start..<start + target.count]) == target }
        }
    }

    static func decrypt(_ page: [UInt8], isFirst: Bool, key: [UInt8]) throws -> [UInt8] {
        let start = isFirst ? 16 : 0
        let end = pageSize - reserve
        let iv = Array(page[end..<end + 16])
        let input = Array(page[start..<end])
        var output = [UInt8](repeating: 0, count: input.count + 32)
        guard let context = EVP_CIPHER_CTX_new() else { throw CocoaError(.featureUnsupported) }
        defer { EVP_CIPHER_CTX_free(context) }
        var length: Int32 = 0
        var total: Int32 = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_256_cbc(), nil, key, iv) == 1 else { throw CocoaError(.featureUnsupported) }
        EVP_CIPHER_CTX_set_padding(context, 0)
        guard EVP_DecryptUpdate(context, &output, &length, input, Int32(input.count)) == 1 else { throw CocoaError(.featureUnsupported) }
        total = length
        guard output.withUnsafeMutableBufferPointer({ EVP_DecryptFinal_ex(context, $0.baseAddress! + Int(total), &length) }) == 1 else {
            throw CocoaError(.featureUnsupported)
        }
        total += length
        return Array(output.prefix(Int(total)))
    }

    /// The raw key bytes of 64 hex digits.
    public static func key(hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}
