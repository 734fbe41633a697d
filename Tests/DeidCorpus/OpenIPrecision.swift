import Deid

/// The radiology precision figure: how many word tokens of the Open-i reports a finder replaces.
/// Open-i's curators already replaced the PHI with `XXXX` (and over-replaced: "x-XXXX" was
/// "x-ray"), so every token outside those marks is non-PHI and every one a finder touches is a
/// false positive. Real radiology text, unlike the synthetic corpus, so this is the figure that
/// says what de-identification costs a labeler.
///
/// Tokens are runs of ASCII letters and digits; a mark is a run of four or more `X` with an `x-`
/// or `X-` before it included. radd-bench prints the figure through this type too.
public struct OpenIPrecision: Sendable {
    public struct Count: Sendable, Equatable {
        public var replaced = 0
        public var tokens = 0
        public init(replaced: Int = 0, tokens: Int = 0) {
            self.replaced = replaced
            self.tokens = tokens
        }
        public var rate: Double { tokens == 0 ? 0 : Double(replaced) / Double(tokens) }
        /// Two decimals, written without Foundation's formatters (this module does without them).
        public var percent: String {
            let hundredths = Int((rate * 10_000).rounded())
            let fraction = hundredths % 100
            return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)%"
        }
        public var summary: String { "\(replaced) of \(tokens) = \(percent)" }
    }

    /// Every report. Odd uids: the lexicon's radiology vocabulary was derived from these, so
    /// their figure flatters. Even uids: held out, the honest figure.
    public var all = Count(), odd = Count(), even = Count()
    /// Replaced tokens, lower-cased, with how often each was replaced.
    public var replacedWords: [String: Int] = [:]

    public init() {}

    public static func measure(_ reports: [(uid: Int, text: String)], finder: any PHIFinder) -> OpenIPrecision {
        var result = OpenIPrecision()
        for report in reports {
            let scalars = Array(report.text.unicodeScalars)
            let spans = finder.phiSpans(in: report.text, structured: StructuredPHI())
            let marks = Self.marks(in: scalars)
            var count = Count()
            for token in Self.tokens(in: scalars) where !marks.contains(where: { $0.overlaps(token) }) {
                count.tokens += 1
                if spans.contains(where: { $0.start < token.upperBound && token.lowerBound < $0.start + $0.length }) {
                    count.replaced += 1
                    result.replacedWords[String(String.UnicodeScalarView(scalars[token])).lowercased(), default: 0] += 1
                }
            }
            result.all.add(count)
            if report.uid % 2 == 1 { result.odd.add(count) } else { result.even.add(count) }
        }
        return result
    }

    public var line: String {
        "open-i radiology precision: \(all.replaced) of \(all.tokens) word tokens outside XXXX replaced = \(all.percent) "
            + "(odd uids: \(odd.summary), even uids held out: \(even.summary))"
    }

    /// The `limit` most often replaced words, most frequent first, ties in alphabetical order.
    public func topWords(_ limit: Int) -> [(word: String, count: Int)] {
        replacedWords.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(limit).map { (word: $0.key, count: $0.value) }
    }

    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return false
        }
    }

    static func tokens(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start: Int?
        for (offset, scalar) in scalars.enumerated() {
            if isWord(scalar) {
                if start == nil { start = offset }
            } else if let open = start {
                result.append(open..<offset)
                start = nil
            }
        }
        if let open = start { result.append(open..<scalars.count) }
        return result
    }

    static func marks(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "X" else { index += 1; continue }
            var end = index
            while end < scalars.count && scalars[end] == "X" { end += 1 }
            if end - index >= 4 {
                var start = index
                if start >= 2 && scalars[start - 1] == "-" && (scalars[start - 2] == "x" || scalars[start - 2] == "X") {
                    start -= 2
                }
                result.append(start..<end)
            }
            index = end
        }
        return result
    }
}

extension OpenIPrecision.Count {
    mutating func add(_ other: Self) {
        replaced += other.replaced
        tokens += other.tokens
    }
}
