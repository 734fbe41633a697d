import RaddCore

/// The classical negation-aware labeler, in the manner of the CheXpert labeler and NegBio but
/// with radd's own phrase lists and without a parser: find mentions, classify each as positive,
/// negative or uncertain from the words around it within its clause, then aggregate per finding
/// (positive over uncertain over negative; no mention is "not mentioned").
public struct RuleLabeler: Labeler {
    public static let version = "rules-2"
    public var name: String { "rules" }
    public let task: LabelTask
    private let findings: [CompiledFinding]
    private let followUpOptions: [(name: String, mentions: [[String]])]
    private let countsPossibilities: Bool
    /// The cues of the task's report language, with the task's own additions or replacements.
    let cues: RuleCues

    public init(task: LabelTask) {
        self.task = task
        var cues = RuleCues.builtIn(for: task.reportLanguage)
        if let own = task.cues { cues = cues.applying(own) }
        self.cues = cues
        findings = task.findings.map { CompiledFinding($0, words: cues.words) }
        followUpOptions = (task.followUp?.options ?? []).map { ($0.name, ($0.mentions ?? []).map(cues.words.phrase)) }
        countsPossibilities = (task.possibleMentions ?? .uncertain) == .uncertain
    }

    /// One value per finding, in the task's order.
    public func label(_ text: String) -> [LabelValue] {
        answer(text, collectingEvidence: false).values
    }

    /// One value per finding column: "No Finding" first if the task has it.
    public func labelColumns(_ text: String) -> [LabelValue] {
        task.withNoFinding(label(text))
    }

    /// The output row's cells for `task.columns` (`LabelTask.cells(for:)`).
    public func cells(_ text: String) -> [String] {
        task.cells(for: answer(text))
    }

    public func answer(_ text: String) -> TaskAnswer {
        let answer = self.answer(text, collectingEvidence: false)
        return TaskAnswer(values: answer.values, followUp: answer.followUp,
                          provenance: LabelProvenance(labeler: "rules", version: Self.version, task: task.name,
                                                      taskVersion: task.version))
    }

    /// Why the labels are what they are: every mention (and absence phrase) in the part of the
    /// report that decided each finding, with its status and the cue that decided it, and the
    /// follow-up's options where they were found.
    public func evidence(_ text: String) -> [Evidence] {
        answer(text, collectingEvidence: true).evidence
    }

    /// The follow-up's answer after a Yes, nil when it is not asked: the task has none, or the
    /// answer is not Yes. No option found is "Undefined".
    public func followUp(_ text: String) -> [String]? {
        answer(text, collectingEvidence: false).followUp
    }

    private struct Answer {
        var values: [LabelValue] = []
        var followUp: [String]?
        var evidence: [Evidence] = []
    }

    private func answer(_ text: String, collectingEvidence: Bool) -> Answer {
        let regions = Regions(text, sections: task.sections ?? .all, cues: cues)
        var answer = Answer()
        for (finding, name) in zip(findings, task.findings.map(\.name)) {
            var assessment = Assessment()
            if let primary = regions.primary {
                assessment = assess(finding, named: name, in: primary, collectingEvidence: collectingEvidence)
            }
            if assessment.value == .undefined {
                assessment = assess(finding, named: name, in: regions.rest, collectingEvidence: collectingEvidence)
            }
            answer.values.append(assessment.value)
            answer.evidence += assessment.evidence
            if task.kind == .binary, task.followUp != nil, assessment.value == .positive {
                let (options, evidence) = followUp(near: assessment.positiveClauses)
                answer.followUp = options
                if collectingEvidence { answer.evidence += evidence }
            }
        }
        return answer
    }

    private struct Assessment {
        var value = LabelValue.undefined
        /// Each positive mention's clause and the clause after it, where a follow-up's answer
        /// is looked for.
        var positiveClauses: [Clauses.Clause] = []
        var evidence: [Evidence] = []
    }

    private func assess(_ finding: CompiledFinding, named name: String, in clauses: [Clauses.Clause], collectingEvidence: Bool) -> Assessment {
        var result = Assessment()
        let settlesAtFirstPositive = task.followUp == nil && !collectingEvidence
        for (index, clause) in clauses.enumerated() {
            for phrase in finding.absent {
                for range in Phrase.matches(phrase, in: clause.words, tails: finding.matchesTails) {
                    result.value = Self.stronger(result.value, .negative)
                    if collectingEvidence {
                        result.evidence.append(Evidence(finding: name, mention: Self.text(clause.shown[range]), status: .negative,
                                                        cue: "absence phrase", clause: Self.text(clause.shown[...])))
                    }
                }
            }
            for mention in finding.mentions(in: clause.words) {
                let verdict = MentionStatus.of(mention, in: clause.words, cues: cues)
                let counted = !verdict.isPossibility || countsPossibilities
                if collectingEvidence {
                    result.evidence.append(Evidence(
                        finding: name, mention: Self.text(clause.shown[mention]), status: counted ? verdict.value : .undefined,
                        cue: verdict.cue.map { $0.joined(separator: " ") + (counted ? "" : " (a possibility: not counted by this task)") },
                        clause: Self.text(clause.shown[...])))
                }
                guard counted else { continue }
                result.value = Self.stronger(result.value, verdict.value)
                if verdict.value == .positive {
                    if settlesAtFirstPositive { return result }
                    result.positiveClauses.append(clause)
                    if index + 1 < clauses.count { result.positiveClauses.append(clauses[index + 1]) }
                }
            }
        }
        return result
    }

    /// The follow-up's options named, and not negated, next to a positive mention.
    private func followUp(near clauses: [Clauses.Clause]) -> ([String], [Evidence]) {
        var chosen: [String] = []
        var evidence: [Evidence] = []
        for option in followUpOptions {
            search: for clause in clauses {
                for phrase in option.mentions {
                    for range in Phrase.matches(phrase, in: clause.words, tails: cues.words.compoundTails)
                    where MentionStatus.of(range, in: clause.words, cues: cues).value != .negative {
                        chosen.append(option.name)
                        evidence.append(Evidence(finding: task.followUp?.name ?? "", mention: Self.text(clause.shown[range]),
                                                 status: .positive, cue: nil, clause: Self.text(clause.shown[...])))
                        break search
                    }
                }
            }
        }
        return ((task.followUp?.multiple ?? false) ? chosen : Array(chosen.prefix(1)), evidence)
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

/// A finding's phrases, split into words once, the way the task's language cuts and folds them.
struct CompiledFinding: Sendable {
    let mentions: [[String]]
    let unmentions: [[String]]
    let absent: [[String]]
    /// Whether a phrase word may match the tail of a compound (German: "fraktur" in
    /// "innenknoechelfraktur").
    let matchesTails: Bool

    init(_ finding: LabelTask.Finding, words rules: WordRules = .english) {
        mentions = finding.mentions.map(rules.phrase)
        unmentions = (finding.unmentions ?? []).map(rules.phrase)
        absent = (finding.absent ?? []).map(rules.phrase)
        matchesTails = rules.compoundTails
    }

    func saysAbsent(in words: [String]) -> Bool {
        absent.contains { !Phrase.matches($0, in: words, tails: matchesTails).isEmpty }
    }

    /// Word ranges in the clause where the finding is mentioned, unless an un-mention covers them.
    func mentions(in words: [String]) -> [Range<Int>] {
        let excluded = unmentions.flatMap { Phrase.matches($0, in: words, tails: matchesTails) }
        var found: [Range<Int>] = []
        for phrase in mentions {
            for range in Phrase.matches(phrase, in: words, tails: matchesTails)
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
    /// With `tails`, a word also matches the end of a longer word (`matchesWord`).
    static func matches(_ phrase: [String], in words: [String], tails: Bool = false) -> [Range<Int>] {
        guard let first = phrase.first else { return [] }
        var result: [Range<Int>] = []
        for start in words.indices where matchesWord(first, words[start], tails: tails) {
            if let end = match(phrase, from: 1, at: start + 1, in: words, tails: tails) { result.append(start..<end) }
        }
        return result
    }

    private static func match(_ phrase: [String], from p: Int, at w: Int, in words: [String], tails: Bool) -> Int? {
        if p == phrase.count { return w }
        if phrase[p] == "*" {
            for skip in 0...3 where w + skip <= words.count {
                if let end = match(phrase, from: p + 1, at: w + skip, in: words, tails: tails) { return end }
            }
            return nil
        }
        guard w < words.count, matchesWord(phrase[p], words[w], tails: tails) else { return nil }
        return match(phrase, from: p + 1, at: w + 1, in: words, tails: tails)
    }

    /// The shortest pattern word that matches as a compound's tail: shorter ones ("b" of
    /// "Weber B", "fx", "osg") would end too many unrelated words.
    static let shortestTail = 4

    static func matchesWord(_ pattern: String, _ word: String, tails: Bool = false) -> Bool {
        if pattern.hasSuffix("*"), pattern.count > 1 { return word.hasPrefix(pattern.dropLast()) }
        if tails, pattern.count >= shortestTail, word.count > pattern.count { return word.hasSuffix(pattern) }
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
