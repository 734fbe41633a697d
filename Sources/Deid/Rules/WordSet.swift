/// A set of lower-case words that a rule asks about every token: a 1,024-bit Bloom filter over
/// each word's FNV-1a hash turns most tokens away with one array read, before the token's string
/// is hashed for the set. ReportText hashes each token once (`wordHashes`). The rules ask dozens
/// of such sets about every word, and hashing strings was most of de-identification's time.
struct WordSet: ExpressibleByArrayLiteral, Sendable {
    let words: Set<String>
    private let bloom: [UInt64]

    init(_ words: Set<String>) {
        self.words = words
        var bloom = [UInt64](repeating: 0, count: 16)
        for word in words {
            let hash = Self.hash(word.utf8)
            bloom[Int((hash >> 6) & 15)] |= 1 << (hash & 63)
        }
        self.bloom = bloom
    }

    init(arrayLiteral elements: String...) { self.init(Set(elements)) }

    func contains(_ word: String) -> Bool { words.contains(word) }

    /// Whether a word with this FNV-1a hash may be in the set; false means it is not.
    @inline(__always)
    func mayContain(hash: UInt64) -> Bool { bloom[Int((hash >> 6) & 15)] & (1 << (hash & 63)) != 0 }

    func union(_ other: WordSet) -> WordSet { WordSet(words.union(other.words)) }
    func union(_ other: [String]) -> WordSet { WordSet(words.union(other)) }

    /// FNV-1a over ASCII-lower-cased bytes, the same for a set's word and a token's bytes.
    @inline(__always)
    static func hash<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            hash ^= UInt64(b >= 0x41 && b <= 0x5A ? b + 0x20 : b)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
