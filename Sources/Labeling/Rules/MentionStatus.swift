import RaddCore

/// Whether one mention is asserted, negated or uncertain, decided in the CheXpert order:
/// uncertainty that contains a negation word first ("cannot exclude X", "X is not excluded"),
/// then negation ("no X", "X has resolved"), then the remaining uncertainty ("likely X",
/// "X versus Y"). Only words of the mention's own clause count.
enum MentionStatus {
    /// How many words before a mention an uncertainty cue may stand: "could reflect a small
    /// focus of atelectasis or infiltrate". Negation reaches to the clause's start.
    static let reachBefore = 9
    static let reachAfter = 6

    static let preNegationUncertainty = phrases([
        "cannot exclude", "can not exclude", "cannot rule out", "can not rule out", "cannot be excluded",
        "not excluded", "not ruled out", "no definite evidence", "not definitely", "not entirely excluded",
        "cannot be entirely excluded", "difficult to exclude", "not be excluded", "to exclude", "rule out", "r o",
        "cannot be ruled out", "not completely excluded", "no convincing", "exclude",
    ])
    static let negation = phrases([
        "no", "not", "without", "free of", "negative for", "clear of", "resolved", "resolution of", "absence of",
        "absent", "rather than", "neither", "nor", "never", "removal of", "removed", "no evidence of",
        "no signs of", "no definite", "resolving",
    ])
    /// Words with a negation word that negate nothing about the finding ("no change in the effusion").
    static let pseudoNegation = phrases([
        "no change", "no interval change", "no significant change", "not changed", "not significantly changed",
        "no increase", "no significant interval change", "without change", "not only", "not well",
        "without interval change", "without significant interval change", "without significant change",
    ])
    /// After the mention only close, verb-like forms negate it ("effusion is not seen"); a later
    /// "otherwise negative for" belongs to something else.
    static let postNegation = phrases([
        "is not", "are not", "was not", "were not", "not seen", "not identified", "not present", "not visualized",
        "not appreciated", "not demonstrated", "has resolved", "have resolved", "resolved", "is absent", "are absent",
        "has been removed", "removed", "has cleared", "have cleared", "no longer",
    ])
    /// Words that end a negation's reach backwards: "no cardiomegaly with small effusions".
    static let negationBarriers: Set<String> = ["with", "who", "which"]
    /// Words that close a negated phrase, so that a comma after them ends the negation's list:
    /// "no definite pleural effusion seen, dense nodule in the left lung".
    static let negationClosers: Set<String> = ["seen", "identified", "noted", "present", "demonstrated", "visualized", "appreciated"]
    static let uncertainty = phrases([
        // Before "suggestive of": "most suggestive of" reads the image as probable, not possible.
        "most suggestive of", "strongly suggestive of", "correlate clinically for", "correlation for", "question",
        "may", "maybe", "might", "possible", "possibly", "probable", "probably", "likely", "questionable", "question of",
        "suspicious for", "suspected", "suspect", "suggestive of", "suggest", "suggests", "suggesting", "concern for",
        "concerning for", "worrisome for", "versus", "vs", "differential", "consider", "considered", "could",
        "borderline", "equivocal", "indeterminate", "presumed", "presumably", "favored", "favor", "cannot exclude",
        "?", "or", "perhaps", "reflect", "represent", "represents",
        "may represent", "could represent", "developing", "early", "atypical", "evaluate for", "evaluation for",
    ])
    /// Cues that raise a finding as a possibility rather than read the image as showing it, the
    /// lower tiers of radiology's certainty lexicons (Panicek and Hricak, AJR 2016): "may",
    /// "could", "possible", "cannot exclude", "differential includes", "concerning for",
    /// "suggesting". The rest read the image as the finding with some doubt: "probable",
    /// "likely", "represents", "borderline", and "A versus B" or "A or B", which name the reading
    /// as one of two. A task chooses whether possibilities count as uncertain (CheXpert's
    /// convention) or are left out (LabelTask.possibleMentions).
    static let possibility: Set<[String]> = Set(phrases([
        "correlate clinically for", "correlation for", "question", "may", "maybe", "might", "possible", "possibly", "questionable", "question of", "suspected", "suspect",
        "suggestive of", "suggest", "suggests", "suggesting", "concern for", "concerning for", "worrisome for", "differential",
        "consider", "considered", "could", "equivocal", "indeterminate", "cannot exclude", "?", "perhaps",
        "may represent", "could represent", "atypical", "evaluate for", "evaluation for",
    ])).union(preNegationUncertainty)
    /// Uncertainty cues that only count before the mention: "atelectasis or scar" makes scar
    /// uncertain, not atelectasis, and in "dense nodule suggests a previous granulomatous
    /// process" the nodule is seen; only its cause is in doubt.
    static let onlyBeforeMention: Set<String> = [
        "or", "early", "atypical", "developing", "represent", "represents", "reflect", "suggest", "suggests",
        "suggesting", "suggestive", "most",
    ]

    /// After a mention these hedge its cause, not the mention: in "left basilar opacity may
    /// represent atelectasis" the opacity is seen. Cues from here on do not reach back.
    static let causeHedges = phrases([
        "may represent", "could represent", "may reflect", "could reflect", "may be due to", "could be due to",
        "may be secondary to", "could be secondary to", "may indicate", "could indicate", "which may", "which could",
        "likely represents", "probably represents", "likely reflects", "likely due to",
    ])

    /// A mention's status and the cue that decided it ("no", "may represent"); no cue for a
    /// plain positive mention.
    struct Verdict: Equatable {
        var value: LabelValue
        var cue: [String]?
        /// An uncertain mention whose cue only raises the finding as a possibility.
        var isPossibility: Bool { value == .uncertain && cue.map(MentionStatus.possibility.contains) == true }
    }

    static func of(_ mention: Range<Int>, in words: [String]) -> Verdict {
        let before = max(0, mention.lowerBound - reachBefore)..<mention.lowerBound
        var after = mention.upperBound..<min(words.count, mention.upperBound + reachAfter)
        if let comma = words[after].firstIndex(of: ",") { after = mention.upperBound..<comma }
        if let cause = causeHedges.compactMap({ Phrase.matches($0, in: Array(words[after])).first?.lowerBound }).min() {
            after = after.lowerBound..<(after.lowerBound + cause)
        }
        if let cue = Phrase.first(of: preNegationUncertainty, in: words, within: before)
            ?? Phrase.first(of: preNegationUncertainty, in: words, within: after) {
            return Verdict(value: .uncertain, cue: cue)
        }
        // A negation reaches through a list to the clause's start: "No focal consolidation,
        // suspicious opacity, pleural effusion, or pneumothorax".
        // Words a wildcard let into the mention count too: "heart is not enlarged".
        let inside = (mention.lowerBound + 1)..<max(mention.lowerBound + 1, mention.upperBound - 1)
        let barrier = words[..<mention.lowerBound].indices.last { index in
            negationBarriers.contains(words[index])
                || (words[index] == "," && index > 0 && negationClosers.contains(words[index - 1]))
        }.map { $0 + 1 } ?? 0
        let close = mention.upperBound..<min(after.upperBound, mention.upperBound + 4)
        if let cue = negation(barrier..<mention.lowerBound, in: words) ?? negationAfter(close, in: words)
            ?? negation(inside, in: words) {
            return Verdict(value: .negative, cue: cue)
        }
        // A differential diagnosis lists its candidates through the rest of the clause.
        var cues = Phrase.all(of: uncertainty, in: words, within: before) + uncertaintiesAfter(after, in: words)
        if words[..<mention.lowerBound].contains("differential") { cues.append(["differential"]) }
        // Within the mention only uncertainty counts in full: "heart is borderline in size".
        cues += Phrase.all(of: uncertainty, in: words, within: mention)
        // The weakest cue governs: "could reflect atelectasis or infiltrate" only raises a
        // possibility, though "or" alone would name one of two readings.
        if let cue = cues.first(where: possibility.contains) ?? cues.first {
            return Verdict(value: .uncertain, cue: cue)
        }
        return Verdict(value: .positive, cue: nil)
    }

    /// A negation cue before the mention that is not a pseudo-negation.
    static func negation(_ range: Range<Int>, in words: [String]) -> [String]? {
        cue(from: negation, in: range, of: words)
    }

    /// A close verb-like negation after the mention ("is not seen"), not a pseudo-negation.
    static func negationAfter(_ range: Range<Int>, in words: [String]) -> [String]? {
        cue(from: postNegation, in: range, of: words)
    }

    /// The first of `cues` found in the window that no pseudo-negation ("no change in") covers.
    private static func cue(from cues: [[String]], in range: Range<Int>, of words: [String]) -> [String]? {
        guard !range.isEmpty else { return nil }
        let window = Array(words[range])
        let pseudo = pseudoNegation.flatMap { Phrase.matches($0, in: window) }
        return cues.first { phrase in
            Phrase.matches(phrase, in: window).contains { match in !pseudo.contains(where: { $0.overlaps(match) }) }
        }
    }

    static func uncertaintiesAfter(_ range: Range<Int>, in words: [String]) -> [[String]] {
        guard !range.isEmpty else { return [] }
        let window = Array(words[range])
        return uncertainty.filter { phrase in
            !onlyBeforeMention.contains(phrase[0]) && !Phrase.matches(phrase, in: window).isEmpty
        }
    }

    static func phrases(_ list: [String]) -> [[String]] { list.map(Phrase.words) }
}
