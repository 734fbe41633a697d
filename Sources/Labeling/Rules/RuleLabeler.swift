import RaddCore

/// The classical negation-aware labeler, in the manner of the CheXpert labeler and NegBio but
/// with radd's own phrase lists and without a parser: find mentions, classify each as positive,
/// negative or uncertain from the words around it within its clause, then aggregate per finding
/// (positive over uncertain over negative; no mention is "not mentioned").
public struct RuleLabeler: Sendable {
    public static let version = "rules-1"
    public let task: LabelTask
    private let findings: [CompiledFinding]

    public init(task: LabelTask) {
        self.task = task
        findings = task.findings.map(CompiledFinding.init)
    }

    /// One value per output column (`task.columns`): "No Finding" first if the task has it.
    public func labelColumns(_ text: String) -> [LabelValue] {
        let values = label(text)
        guard let rule = task.noFinding else { return values }
        let ignored = Set(rule.ignoring)
        let anything = zip(task.findings, values).contains { finding, value in
            !ignored.contains(finding.name) && (value == .positive || value == .uncertain)
        }
        return [anything ? .undefined : .positive] + values
    }

    /// One value per finding, in the task's order.
    public func label(_ text: String) -> [LabelValue] {
        let clauses = Clauses(text).clauses
        return findings.map { finding in
            var result = LabelValue.undefined
            for clause in clauses {
                if !finding.absent.isEmpty, finding.absent.contains(where: { !Phrase.matches($0, in: clause.words).isEmpty }) {
                    result = Self.stronger(result, .negative)
                }
                for mention in finding.mentions(in: clause.words) {
                    let status = MentionStatus.of(mention, in: clause.words)
                    result = Self.stronger(result, status)
                    if result == .positive { return result }
                }
            }
            return result
        }
    }

    /// CheXpert's aggregation: any positive mention makes the finding positive; otherwise any
    /// uncertain one makes it uncertain; otherwise a negated mention makes it negative.
    static func stronger(_ a: LabelValue, _ b: LabelValue) -> LabelValue {
        let rank: [LabelValue: Int] = [.undefined: 0, .negative: 1, .uncertain: 2, .positive: 3]
        return rank[b, default: 0] > rank[a, default: 0] ? b : a
    }
}

/// A finding's phrases, split into words once.
struct CompiledFinding: Sendable {
    let mentions: [[String]]
    let unmentions: [[String]]
    let absent: [[String]]

    init(_ finding: LabelTask.Finding) {
        mentions = finding.mentions.map(Phrase.words)
        unmentions = (finding.unmentions ?? []).map(Phrase.words)
        absent = (finding.absent ?? []).map(Phrase.words)
    }

    /// Word ranges in the clause where the finding is mentioned, unless an un-mention covers them.
    func mentions(in words: [String]) -> [Range<Int>] {
        let excluded = unmentions.flatMap { Phrase.matches($0, in: words) }
        var found: [Range<Int>] = []
        for phrase in mentions {
            for range in Phrase.matches(phrase, in: words)
            where !excluded.contains(where: { $0.overlaps(range) }) && !found.contains(where: { $0.overlaps(range) }) {
                found.append(range)
            }
        }
        return found
    }
}

enum Phrase {
    static func words(_ phrase: String) -> [String] {
        phrase.lowercased().split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "'" || $0 == "/" }).map(String.init)
    }

    /// Every place where the phrase's words occur in order (a lone `*` skips up to three words).
    static func matches(_ phrase: [String], in words: [String]) -> [Range<Int>] {
        guard let first = phrase.first else { return [] }
        var result: [Range<Int>] = []
        for start in words.indices where matchesWord(first, words[start]) {
            if let end = match(phrase, from: 1, at: start + 1, in: words) { result.append(start..<end) }
        }
        return result
    }

    private static func match(_ phrase: [String], from p: Int, at w: Int, in words: [String]) -> Int? {
        if p == phrase.count { return w }
        if phrase[p] == "*" {
            for skip in 0...3 where w + skip <= words.count {
                if let end = match(phrase, from: p + 1, at: w + skip, in: words) { return end }
            }
            return nil
        }
        guard w < words.count, matchesWord(phrase[p], words[w]) else { return nil }
        return match(phrase, from: p + 1, at: w + 1, in: words)
    }

    static func matchesWord(_ pattern: String, _ word: String) -> Bool {
        if pattern.hasSuffix("*"), pattern.count > 1 { return word.hasPrefix(pattern.dropLast()) }
        return pattern == word
    }

    /// Whether one of `phrases` ends right before `index` or starts right after, within `reach` words.
    static func any(_ phrases: [[String]], in words: [String], within range: Range<Int>) -> Bool {
        let window = Array(words[range])
        return phrases.contains { !matches($0, in: window).isEmpty }
    }
}
