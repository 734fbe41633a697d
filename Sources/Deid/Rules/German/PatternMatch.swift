import Foundation
import Synchronization

/// One match of an ICU regular expression, with String indices. The German rules need
/// look-behind ("a number not preceded by a digit or a dot"), which Swift's Regex lacks.
struct PatternMatch {
    let range: Range<String.Index>
    let groups: [Range<String.Index>?]
    let text: String

    /// Group `k`'s text, "" when the group did not take part.
    subscript(_ k: Int) -> Substring { groups[k].map { text[$0] } ?? "" }
    func optional(_ k: Int) -> Substring? { groups[k].map { text[$0] } }
    func has(_ k: Int) -> Bool { groups[k] != nil }
    func range(_ k: Int) -> Range<String.Index> { groups[k] ?? range }
}

/// Compiled patterns, shared by every report: compiling is far dearer than matching.
final class PatternCache: @unchecked Sendable {
    static let shared = PatternCache()
    // NSRegularExpression is immutable after compilation and documented as thread-safe to match
    // with; the lock guards only the dictionary.
    private let compiled = Mutex<[String: NSRegularExpression]>([:])

    func expression(_ pattern: String, caseInsensitive: Bool) -> NSRegularExpression {
        let key = (caseInsensitive ? "i:" : "s:") + pattern
        if let found = compiled.withLock({ $0[key] }) { return found }
        // The patterns are constants of this module; one that does not compile is a programming
        // error that every test run would show at once.
        let expression = try! NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive, .anchorsMatchLines] : [.anchorsMatchLines])
        compiled.withLock { $0[key] = expression }
        return expression
    }
}

extension String {
    /// Every match of `pattern` (ICU syntax; `^`/`$` match at line ends).
    func find(_ pattern: String, caseInsensitive: Bool = false, in part: Range<String.Index>? = nil) -> [PatternMatch] {
        let expression = PatternCache.shared.expression(pattern, caseInsensitive: caseInsensitive)
        let whole = NSRange(part ?? startIndex..<endIndex, in: self)
        return expression.matches(in: self, range: whole).compactMap { result in
            guard let range = Range(result.range, in: self) else { return nil }
            let groups = (0..<result.numberOfRanges).map { Range(result.range(at: $0), in: self) }
            return PatternMatch(range: range, groups: groups, text: self)
        }
    }
}
