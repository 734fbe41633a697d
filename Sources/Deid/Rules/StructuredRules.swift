import Foundation
import RaddCore

/// The export's own identifiers and the patient's name: certain PHI wherever they appear, in any
/// case, and for names in every usual variant ("SMITH, JOHN", "J. Smith", "Smith", "John").
struct StructuredRules {
    let structured: StructuredPHI

    func apply(_ text: ReportText, into marks: inout Candidates) {
        let t = text.tokens
        var nameWords = Set<String>()
        for name in structured.patientNames {
            for word in [name.family] + name.given {
                for part in word.split(whereSeparator: { !$0.isLetter }) where part.count >= 2 { nameWords.insert(part.uppercased()) }
            }
        }
        let initials = Set(structured.patientNames.flatMap { $0.given.compactMap { $0.first.map { String($0).uppercased() } } })
        for (k, token) in t.enumerated() where token.hasLetter && !token.hasDigit {
            let upper = text.upper(token)
            if nameWords.contains(upper) {
                marks.add(token.start, token.end, .name)
                // "J. Smith": the initial before a family name.
                if k > 0, t[k - 1].count == 1, initials.contains(text.upper(t[k - 1])),
                   text.gapIsSpace(t[k - 1], token, allowing: [0x2E]) {
                    marks.add(t[k - 1].start, t[k - 1].end, .name)
                }
            }
        }
        for identifier in structured.identifiers { markOccurrences(of: identifier, in: text, into: &marks) }
        for date in structured.dates { markOccurrences(of: date, in: text, into: &marks, category: .date) }
    }

    /// Every occurrence of the value, ignoring case, that is not inside a longer word or number.
    func markOccurrences(of value: String, in text: ReportText, into marks: inout Candidates,
                         category: PHISpan.Category = .identifier) {
        let needle = Array(value.trimmingCharacters(in: .whitespaces).utf8).map(Self.lowered)
        guard needle.count >= 3 else { return }
        let haystack = text.bytes
        guard haystack.count >= needle.count else { return }
        var k = 0
        while k <= haystack.count - needle.count {
            if Self.lowered(haystack[k]) == needle[0] {
                var j = 1
                while j < needle.count, Self.lowered(haystack[k + j]) == needle[j] { j += 1 }
                if j == needle.count,
                   !(k > 0 && ReportText.isWordByte(haystack[k - 1]) && ReportText.isWordByte(needle[0])),
                   !(k + j < haystack.count && ReportText.isWordByte(haystack[k + j]) && ReportText.isWordByte(needle[j - 1])) {
                    marks.add(k, k + j, category)
                    k += j
                    continue
                }
            }
            k += 1
        }
    }

    static func lowered(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b + 0x20 : b }
}
