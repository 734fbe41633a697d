/// A report's text as UTF-8 bytes with its word tokens: the rules look at bytes and tokens, never
/// at `Character`s, which is what keeps de-identification fast on long reports.
struct ReportText {
    let bytes: [UInt8]
    let tokens: [Token]
    /// Each token lower-cased (ASCII), made once: the rules compare words many times.
    let lowered: [String]
    /// Capitalised tokens upper-cased, made once, for the name lexicons; "" for the others.
    let uppered: [String]
    /// Each token's FNV-1a hash, lower-cased, for WordSet's quick refusal.
    let wordHashes: [UInt64]

    struct Token {
        var index: Int
        var start: Int
        var end: Int
        /// Letters only, digits only, or both.
        var hasLetter: Bool
        var hasDigit: Bool
        /// First byte is an upper-case ASCII letter (or a non-ASCII letter, taken as capitalised).
        var capitalised: Bool
        /// Every letter is upper case.
        var allCaps: Bool
        var count: Int { end - start }
    }

    init(_ text: String) {
        bytes = Array(text.utf8)
        var tokens: [Token] = []
        tokens.reserveCapacity(bytes.count / 5)
        var i = 0
        let n = bytes.count
        while i < n {
            guard Self.isWordByte(bytes[i]), Self.punctuationLength(bytes, at: i) == 0 else { i += max(1, Self.punctuationLength(bytes, at: i)); continue }
            var token = Token(index: tokens.count, start: i, end: i, hasLetter: false, hasDigit: false, capitalised: false, allCaps: true)
            let first = bytes[i]
            token.capitalised = (first >= 0x41 && first <= 0x5A) || first >= 0xC0
            while i < n, Self.isWordByte(bytes[i]), Self.punctuationLength(bytes, at: i) == 0 {
                let b = bytes[i]
                if b >= 0x30 && b <= 0x39 { token.hasDigit = true } else {
                    token.hasLetter = true
                    if b >= 0x61 && b <= 0x7A { token.allCaps = false }
                }
                i += 1
            }
            token.end = i
            if !token.hasLetter { token.allCaps = false }
            tokens.append(token)
        }
        self.tokens = tokens
        let bytes = self.bytes
        wordHashes = tokens.map { WordSet.hash(bytes[$0.start..<$0.end]) }
        lowered = tokens.map { token in
            guard token.count <= 24 else { return "" }
            return Self.string(bytes, token) { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        }
        uppered = tokens.map { token in
            guard token.capitalised, token.hasLetter, token.count <= 24 else { return "" }
            if bytes[token.start..<token.end].contains(where: { $0 >= 0x80 }) {
                return String(decoding: bytes[token.start..<token.end], as: UTF8.self).uppercased()
            }
            return Self.string(bytes, token) { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        }
    }

    /// The token's bytes mapped one by one, without an intermediate array (most words fit
    /// Swift's inline small-string storage). Only used for ASCII case mapping.
    static func string(_ bytes: [UInt8], _ token: Token, _ map: (UInt8) -> UInt8) -> String {
        String(unsafeUninitializedCapacity: token.count) { buffer in
            for k in 0..<token.count { buffer[k] = map(bytes[token.start + k]) }
            return token.count
        }
    }

    /// The length of a non-ASCII punctuation mark or space starting at `i`, 0 if there is none:
    /// curly quotes and apostrophes, dashes, bullets and ellipses (U+2000–U+206F), the no-break
    /// space and Latin-1 symbols (U+00A0–U+00BF), × and ÷. They separate words like their ASCII
    /// cousins: "“final”" is the word "final", and "patient’s" is "patient" and "s".
    static func punctuationLength(_ bytes: [UInt8], at i: Int) -> Int {
        let b = bytes[i]
        guard b >= 0xC2 else { return 0 }
        if b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80 || bytes[i + 1] == 0x81 { return 3 }
        if b == 0xC2, i + 1 < bytes.count, bytes[i + 1] >= 0xA0, bytes[i + 1] != 0xAA, bytes[i + 1] != 0xB5, bytes[i + 1] != 0xBA {
            return 2
        }
        if b == 0xC3, i + 1 < bytes.count, bytes[i + 1] == 0x97 || bytes[i + 1] == 0xB7 { return 2 }
        return 0
    }

    /// Letters, digits and any non-ASCII byte (accented letters in names).
    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b >= 0x80
    }

    func string(_ token: Token) -> String { String(decoding: bytes[token.start..<token.end], as: UTF8.self) }

    /// The token upper-cased, for lexicon lookups and name comparison ("Lucía" → "LUCÍA").
    func upper(_ token: Token) -> String {
        if !uppered[token.index].isEmpty { return uppered[token.index] }
        if bytes[token.start..<token.end].contains(where: { $0 >= 0x80 }) { return string(token).uppercased() }
        return Self.string(bytes, token) { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
    }

    /// Empty for tokens longer than any word the rules look for.
    func lower(_ token: Token) -> String { lowered[token.index] }

    /// Whether the token equals `word`, ignoring ASCII case. `word` must be lower case.
    func token(_ token: Token, is word: StaticString) -> Bool {
        guard token.count == word.utf8CodeUnitCount else { return false }
        let pointer = word.utf8Start
        for k in 0..<token.count {
            var b = bytes[token.start + k]
            if b >= 0x41 && b <= 0x5A { b += 0x20 }
            if b != pointer[k] { return false }
        }
        return true
    }

    func token(_ token: Token, isOneOf words: Set<String>) -> Bool {
        token.count <= 16 && words.contains(lowered[token.index])
    }

    func token(_ token: Token, isOneOf words: WordSet) -> Bool {
        token.count <= 16 && words.mayContain(hash: wordHashes[token.index]) && words.contains(lowered[token.index])
    }

    /// The bytes between two tokens (punctuation and spaces).
    func gap(_ left: Token, _ right: Token) -> ArraySlice<UInt8> { bytes[left.end..<right.start] }

    func gapIsSpace(_ left: Token, _ right: Token, allowing extra: [UInt8] = []) -> Bool {
        let gap = self.gap(left, right)
        guard !gap.isEmpty, gap.count <= 3 else { return false }
        return gap.allSatisfy { $0 == 0x20 || $0 == 0x09 || extra.contains($0) }
    }

    /// The token is on a line of its own start (only spaces before it since the line began).
    func startsLine(_ token: Token) -> Bool {
        var k = token.start - 1
        while k >= 0 {
            if bytes[k] == 0x0A || bytes[k] == 0x0D { return true }
            if bytes[k] != 0x20 && bytes[k] != 0x09 { return false }
            k -= 1
        }
        return true
    }

    func byte(at index: Int) -> UInt8? { index >= 0 && index < bytes.count ? bytes[index] : nil }

    /// Number of tokens on the same line from index `i` on (stops at a line break).
    func sameLine(_ a: Token, _ b: Token) -> Bool {
        !bytes[a.end..<b.start].contains { $0 == 0x0A || $0 == 0x0D }
    }

    /// For each token, whether one of `ranges` (byte ranges, sorted and apart, as the clinical
    /// safe list's matches are) holds it whole: one sweep over both.
    func tokens(inside ranges: [Range<Int>]) -> [Bool] {
        var inside = [Bool](repeating: false, count: tokens.count)
        var r = 0
        for token in tokens {
            while r < ranges.count, ranges[r].upperBound < token.end { r += 1 }
            if r < ranges.count, ranges[r].lowerBound <= token.start { inside[token.index] = true }
        }
        return inside
    }

    /// Byte ranges of scalar ranges (the inverse of `scalarOffsets`).
    func byteRanges(ofScalarRanges ranges: [Range<Int>]) -> [Range<Int>] {
        guard !ranges.isEmpty else { return [] }
        var starts: [Int] = []
        starts.reserveCapacity(bytes.count + 1)
        for k in 0..<bytes.count where bytes[k] & 0xC0 != 0x80 { starts.append(k) }
        starts.append(bytes.count)
        return ranges.compactMap { range in
            guard range.lowerBound < starts.count, range.upperBound < starts.count else { return nil }
            return starts[range.lowerBound]..<starts[range.upperBound]
        }
    }

    /// Maps byte offsets to Unicode scalar offsets: a scalar starts at every byte that is not a
    /// UTF-8 continuation byte.
    func scalarOffsets() -> [Int] {
        var offsets = [Int](repeating: 0, count: bytes.count + 1)
        var scalars = 0
        for k in 0..<bytes.count {
            offsets[k] = scalars
            if bytes[k] & 0xC0 != 0x80 { scalars += 1 }
        }
        offsets[bytes.count] = scalars
        // A continuation byte maps to the scalar it belongs to.
        for k in 0..<bytes.count where bytes[k] & 0xC0 == 0x80 { offsets[k] = max(0, offsets[k] - 1) }
        return offsets
    }
}
