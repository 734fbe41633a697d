/// Clinical terms that must survive de-identification although they look like names or places:
/// eponyms ("Parkinson disease", "Murphy sign", "Kerley B lines"), devices ("Swan-Ganz"),
/// scores ("Hunt and Hess", "BI-RADS") and report vocabulary ("IMPRESSION", "PORTABLE").
///
/// Matching, as clinical_safe_terms.txt documents it:
/// - Words are runs of ASCII letters and digits and of non-ASCII letters; case is ignored for ASCII
///   and Latin-1 letters. A term matches whole words only: "Graves" is not found in "Gravesend",
///   and "Grave" is not "Graves".
/// - The words of a phrase may be separated in the text by any run of spaces, line breaks,
///   hyphens and apostrophes, whichever the entry used: "Swan-Ganz", "Swan Ganz" and
///   "Swan-\nGanz" are one term. Any other character, "." and "/" included, ends a phrase.
/// - Any word may carry a possessive ("Parkinson's", "Graves'", "Murphy’s"), and "Parkinsons"
///   counts as "Parkinson's". An entry word written with 's requires the possessive.
/// - At each word the longest term wins, and matches do not overlap.
public struct ClinicalSafeList: Sendable {
    public struct Match: Sendable, Equatable {
        /// Unicode scalar offsets into the searched text, possessive suffix included.
        public var range: Range<Int>
        /// The entry as written in clinical_safe_terms.txt.
        public var term: String
    }

    /// The committed list.
    public static let standard = ClinicalSafeList(terms: termsData.split(separator: "\n").map(String.init))

    public let terms: [String]

    /// Words of all terms, case-folded UTF-8, indexed by word id.
    private let words: [[UInt8]]
    private let wordIDByHash: [UInt64: Int32]
    private let nodes: [TrieNode]

    private struct TrieNode: Sendable {
        /// Keyed by `edgeKey(word:requiresPossessive:)`.
        var children: [Int32: Int32] = [:]
        var termIndex: Int32 = -1
    }

    public init(terms: [String]) {
        self.terms = terms
        var words: [[UInt8]] = []
        var wordIDByHash: [UInt64: Int32] = [:]
        var nodes = [TrieNode()]
        for (termIndex, term) in terms.enumerated() {
            var node: Int32 = 0
            for (word, requiresPossessive) in Self.entryWords(term) {
                let hash = Self.hash(word)
                let wordID: Int32
                if let known = wordIDByHash[hash] {
                    precondition(words[Int(known)] == word, "hash collision between safe-term words")
                    wordID = known
                } else {
                    wordID = Int32(words.count)
                    words.append(word)
                    wordIDByHash[hash] = wordID
                }
                let key = Self.edgeKey(word: wordID, requiresPossessive: requiresPossessive)
                if let child = nodes[Int(node)].children[key] {
                    node = child
                } else {
                    nodes.append(TrieNode())
                    let child = Int32(nodes.count - 1)
                    nodes[Int(node)].children[key] = child
                    node = child
                }
            }
            // A duplicate keeps its first spelling; derive.py rejects duplicates in the committed list.
            if node != 0, nodes[Int(node)].termIndex < 0 {
                nodes[Int(node)].termIndex = Int32(termIndex)
            }
        }
        self.words = words
        self.wordIDByHash = wordIDByHash
        self.nodes = nodes
    }

    /// Every safe-term occurrence in `text`, in order, not overlapping.
    public func matches(in text: String) -> [Match] {
        var matches: [Match] = []
        withUTF8(of: text) { bytes in
            var tokenizer = Tokenizer(bytes: bytes)
            while let token = tokenizer.next() {
                var best: PartialMatch?
                extend(from: 0, with: token, rest: tokenizer, bytes: bytes, best: &best)
                if let best {
                    matches.append(Match(range: token.startScalar..<best.endScalar, term: terms[Int(best.termIndex)]))
                    tokenizer = best.rest
                }
            }
        }
        return matches
    }

    /// The scalar ranges of `matches(in:)`: text the name and place rules must leave alone.
    public func protectedRanges(in text: String) -> [Range<Int>] {
        matches(in: text).map(\.range)
    }

    /// Whether `text` as a whole is one safe term ("Hunt and Hess", "hodgkin's").
    public func isSafeTerm(_ text: String) -> Bool {
        let found = matches(in: text)
        return found.count == 1 && found[0].range == 0..<text.unicodeScalars.count
    }

    // MARK: Matching

    private struct PartialMatch {
        var endScalar: Int
        var termIndex: Int32
        var rest: Tokenizer
    }

    private func extend(
        from node: Int32, with token: Token, rest: Tokenizer, bytes: UnsafeBufferPointer<UInt8>, best: inout PartialMatch?
    ) {
        func follow(word: Int32, possessive: Bool) {
            var keys = [Self.edgeKey(word: word, requiresPossessive: false)]
            if possessive { keys.append(Self.edgeKey(word: word, requiresPossessive: true)) }
            for key in keys {
                guard let child = nodes[Int(node)].children[key] else { continue }
                let childNode = nodes[Int(child)]
                if childNode.termIndex >= 0, token.endScalar > best?.endScalar ?? -1 {
                    best = PartialMatch(endScalar: token.endScalar, termIndex: childNode.termIndex, rest: rest)
                }
                if !childNode.children.isEmpty {
                    var lookahead = rest
                    if let next = lookahead.next(), next.joinedToPrevious {
                        extend(from: child, with: next, rest: lookahead, bytes: bytes, best: &best)
                    }
                }
            }
        }
        if let word = wordID(hash: token.hash, bytes: bytes, start: token.startByte, end: token.endByte) {
            follow(word: word, possessive: token.hasPossessive)
        }
        // "Parkinsons disease": a possessive written without its apostrophe.
        if !token.hasPossessive, token.endByte - token.startByte >= 4, bytes[token.endByte - 1] | 0x20 == UInt8(ascii: "s"),
           let stem = wordID(hash: token.hashWithoutLastByte, bytes: bytes, start: token.startByte, end: token.endByte - 1) {
            follow(word: stem, possessive: true)
        }
    }

    private func wordID(hash: UInt64, bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Int32? {
        guard let id = wordIDByHash[hash] else { return nil }
        let word = words[Int(id)]
        guard word.count == end - start else { return nil }
        var previous: UInt8 = 0
        for offset in 0..<word.count {
            let byte = bytes[start + offset]
            if Self.fold(byte, after: previous) != word[offset] { return nil }
            previous = byte
        }
        return id
    }

    private static func edgeKey(word: Int32, requiresPossessive: Bool) -> Int32 {
        word &* 2 &+ (requiresPossessive ? 1 : 0)
    }

    // MARK: Words

    /// The words of an entry, case-folded, each with whether the entry demands a possessive.
    private static func entryWords(_ term: String) -> [(word: [UInt8], requiresPossessive: Bool)] {
        var result: [(word: [UInt8], requiresPossessive: Bool)] = []
        withUTF8(of: term) { bytes in
            var tokenizer = Tokenizer(bytes: bytes)
            while let token = tokenizer.next() {
                var word: [UInt8] = []
                var previous: UInt8 = 0
                for index in token.startByte..<token.endByte {
                    word.append(fold(bytes[index], after: previous))
                    previous = bytes[index]
                }
                result.append((word, token.hasPossessive))
            }
        }
        return result
    }

    /// ASCII and Latin-1 letters to lower case, byte by byte (Latin-1 capitals are C3 80...C3 9E).
    @inline(__always)
    fileprivate static func fold(_ byte: UInt8, after previous: UInt8) -> UInt8 {
        if byte >= 0x41, byte <= 0x5A { return byte | 0x20 }
        if previous == 0xC3, byte >= 0x80, byte <= 0x9E, byte != 0x97 { return byte | 0x20 }
        return byte
    }

    fileprivate static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    fileprivate static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    private static func hash(_ word: [UInt8]) -> UInt64 {
        word.reduce(fnvOffset) { ($0 ^ UInt64($1)) &* fnvPrime }
    }
}

private func withUTF8(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    if text.utf8.withContiguousStorageIfAvailable(body) == nil {
        Array(text.utf8).withUnsafeBufferPointer(body)
    }
}

/// A word of the text with what the matcher needs to know about it.
private struct Token {
    var startByte: Int
    /// End of the word characters, before any possessive suffix.
    var endByte: Int
    var startScalar: Int
    /// End including the possessive suffix.
    var endScalar: Int
    /// FNV-1a of the case-folded word bytes.
    var hash: UInt64
    var hashWithoutLastByte: UInt64
    var hasPossessive: Bool
    /// Only spaces, line breaks and hyphens lie between the previous word and this one.
    var joinedToPrevious: Bool
}

/// Splits UTF-8 text into words one scalar at a time, counting scalars as it goes. A value
/// type, so the matcher can copy it to look ahead and keep the copy when a phrase matches.
private struct Tokenizer {
    private enum Kind { case word, joiner, apostrophe, other }

    let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var scalar = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func next() -> Token? {
        var joined = true
        // Skip to the next word character.
        while position < bytes.count {
            let (kind, length) = classify(at: position)
            if kind == .word { break }
            // An apostrophe that is not a possessive sits inside a name ("D'Alonzo").
            if kind == .other { joined = false }
            position += length
            scalar += 1
        }
        guard position < bytes.count else { return nil }

        let startByte = position
        let startScalar = scalar
        var hash = ClinicalSafeList.fnvOffset
        var hashWithoutLastByte = hash
        var previous: UInt8 = 0
        while position < bytes.count {
            let (kind, length) = classify(at: position)
            guard kind == .word else { break }
            for index in position..<position + length {
                hashWithoutLastByte = hash
                let byte = bytes[index]
                hash = (hash ^ UInt64(ClinicalSafeList.fold(byte, after: previous))) &* ClinicalSafeList.fnvPrime
                previous = byte
            }
            position += length
            scalar += 1
        }
        let endByte = position

        // A possessive: 's or ’s ending the word, or a bare apostrophe after a final s ("Graves'").
        var hasPossessive = false
        if position < bytes.count {
            let (kind, length) = classify(at: position)
            if kind == .apostrophe {
                let afterApostrophe = position + length
                if afterApostrophe < bytes.count, bytes[afterApostrophe] | 0x20 == UInt8(ascii: "s"),
                   afterApostrophe + 1 == bytes.count || classify(at: afterApostrophe + 1).kind != .word {
                    hasPossessive = true
                    position = afterApostrophe + 1
                    scalar += 2
                } else if bytes[endByte - 1] | 0x20 == UInt8(ascii: "s"),
                          afterApostrophe == bytes.count || classify(at: afterApostrophe).kind != .word {
                    hasPossessive = true
                    position = afterApostrophe
                    scalar += 1
                }
            }
        }
        return Token(
            startByte: startByte, endByte: endByte, startScalar: startScalar, endScalar: scalar,
            hash: hash, hashWithoutLastByte: hashWithoutLastByte, hasPossessive: hasPossessive,
            joinedToPrevious: joined && startScalar > 0)
    }

    /// What the scalar starting at `index` is, and its length in bytes.
    private func classify(at index: Int) -> (kind: Kind, length: Int) {
        let (kind, length) = classifyLead(at: index)
        return (kind, min(length, bytes.count - index))
    }

    private func classifyLead(at index: Int) -> (kind: Kind, length: Int) {
        let lead = bytes[index]
        switch lead {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return (.word, 1)
        case UInt8(ascii: "&"):
            return (.word, 1)  // so that "Hunt & Hess" has three words, as written
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "-"):
            return (.joiner, 1)
        case UInt8(ascii: "'"):
            return (.apostrophe, 1)
        case 0..<0x80:
            return (.other, 1)
        case 0xC2:
            // U+0080...U+00BF: Latin-1 signs and punctuation; NBSP and NEL are spaces.
            let second = continuation(index, 1)
            return (second == 0xA0 || second == 0x85 ? .joiner : .other, 2)
        case 0xC3:
            // × and ÷ sit among the Latin-1 letters.
            let second = continuation(index, 1)
            return (second == 0x97 || second == 0xB7 ? .other : .word, 2)
        case 0xE2 where continuation(index, 1) == 0x80:
            // U+2000...U+203F: spaces, dashes, quotes and other general punctuation.
            let third = continuation(index, 2)
            switch third {
            case 0x80...0x8A, 0x90...0x95, 0xA8, 0xA9, 0xAF: return (.joiner, 3)
            case 0x99: return (.apostrophe, 3)
            default: return (.other, 3)
            }
        case 0xC0..<0xE0: return (.word, 2)
        case 0xE0..<0xF0: return (.word, 3)
        case 0xF0...: return (.word, 4)
        default:
            return (.other, 1)  // a stray continuation byte; String guarantees none
        }
    }

    /// The continuation byte `offset` bytes after `index`, or 0 where the text ends (valid UTF-8
    /// never ends mid-scalar, but a zero keeps a malformed buffer from trapping).
    private func continuation(_ index: Int, _ offset: Int) -> UInt8 {
        index + offset < bytes.count ? bytes[index + offset] : 0
    }
}
