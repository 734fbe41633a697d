import RaddCore

/// The classical negation-aware labeler, in the manner of the CheXpert labeler and NegBio but
/// with radd's own phrase lists and without a parser: find mentions, classify each as positive,
/// negative or uncertain from the words around it within its clause, then aggregate per finding
/// (positive over uncertain over negative; no mention is "not mentioned").
public struct RuleLabeler: Sendable {
    public static let version = "rules-1"
    public let task: LabelTask
    private let findings: [CompiledFinding]
    private let countsPossibilities: Bool

    public init(task: LabelTask) {
        self.task = task
        findings = task.findings.map(CompiledFinding.init)
        countsPossibilities = (task.possibleMentions ?? .uncertain) == .uncertain
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
                if finding.saysAbsent(in: clause.words) { result = Self.stronger(result, .negative) }
                for mention in finding.mentions(in: clause.words) {
                    let verdict = MentionStatus.of(mention, in: clause.words)
                    if verdict.isPossibility && !countsPossibilities { continue }
                    result = Self.stronger(result, verdict.value)
                    if result == .positive { return result }
                }
            }
            return result
        }
    }

    /// Why the labels are what they are: every mention (and absence phrase) found, with its
    /// status and the cue that decided it. `label` gives the same values without collecting this.
    public func evidence(_ text: String) -> [Evidence] {
        let clauses = Clauses(text).clauses
        var found: [Evidence] = []
        for (finding, compiled) in zip(task.findings, findings) {
            for clause in clauses {
                for phrase in compiled.absent {
                    for range in Phrase.matches(phrase, in: clause.words) {
                        found.append(Evidence(finding: finding.name, mention: Self.text(clause.words[range]),
                                              status: .negative, cue: "absence phrase", clause: Self.text(clause.words[...])))
                    }
                }
                for mention in compiled.mentions(in: clause.words) {
                    let verdict = MentionStatus.of(mention, in: clause.words)
                    let counted = !verdict.isPossibility || countsPossibilities
                    found.append(Evidence(finding: finding.name, mention: Self.text(clause.words[mention]),
                                          status: counted ? verdict.value : .undefined,
                                          cue: verdict.cue.map { $0.joined(separator: " ") + (counted ? "" : " (a possibility: not counted by this task)") },
                                          clause: Self.text(clause.words[...])))
                }
            }
        }
        return found
    }

    private static func text(_ words: ArraySlice<String>) -> String {
        words.joined(separator: " ").replacingOccurrences(of: " ,", with: ",")
    }

    /// CheXpert's aggregation: any positive mention makes the finding positive; otherwise any
    /// uncertain one makes it uncertain; otherwise a negated mention makes it negative.
    static func stronger(_ a: LabelValue, _ b: LabelValue) -> LabelValue {
        let rank: [LabelValue: Int] = [.undefined: 0, .negative: 1, .uncertain: 2, .positive: 3]
        return rank[b, default: 0] > rank[a, default: 0] ? b : a
    }
}

/// One mention of a finding in a report, as `RuleLabeler.evidence` reports it.
public struct Evidence: Sendable, Equatable, Codable {
    public var finding: String
    /// The mention's words, lower-cased as the labeler saw them.
    public var mention: String
    public var status: LabelValue
    /// The negation or uncertainty phrase that decided the status; nil for a plain positive.
    public var cue: String?
    /// The clause the mention was judged in: its scope.
    public var clause: String
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

    func saysAbsent(in words: [String]) -> Bool {
        absent.contains { !Phrase.matches($0, in: words).isEmpty }
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

    /// Every one of `phrases` that occurs within `range` of `words`, in the list's order, except
    /// those found only inside a longer one ("suggestive of" inside "most suggestive of").
    static func all(of phrases: [[String]], in words: [String], within range: Range<Int>) -> [[String]] {
        guard !range.isEmpty else { return [] }
        let window = Array(words[range])
        let found = phrases.map { ($0, matches($0, in: window)) }.filter { !$0.1.isEmpty }
        return found.filter { phrase, ranges in
            !ranges.allSatisfy { inner in
                found.contains { other in
                    other.1.contains { $0 != inner && $0.lowerBound <= inner.lowerBound && inner.upperBound <= $0.upperBound }
                }
            }
        }.map(\.0)
    }

    /// The first of `phrases` that occurs within `range` of `words`.
    static func first(of phrases: [[String]], in words: [String], within range: Range<Int>) -> [String]? {
        guard !range.isEmpty else { return nil }
        let window = Array(words[range])
        return phrases.first { !matches($0, in: window).isEmpty }
    }
}
