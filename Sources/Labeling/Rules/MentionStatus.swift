import RaddCore

/// Whether one mention is asserted, negated or uncertain, decided in the CheXpert order:
/// uncertainty that contains a negation word first ("cannot exclude X", "X is not excluded"),
/// then negation ("no X", "X has resolved"), then the remaining uncertainty ("likely X",
/// "X versus Y"). Only words of the mention's own clause count.
enum MentionStatus {
    /// How many words before a mention a cue may stand: "no focal airspace consolidation".
    static let reachBefore = 7
    static let reachAfter = 6

    static let preNegationUncertainty = phrases([
        "cannot exclude", "can not exclude", "cannot rule out", "can not rule out", "cannot be excluded",
        "not excluded", "not ruled out", "no definite evidence", "not definitely", "not entirely excluded",
        "cannot be entirely excluded", "difficult to exclude", "not be excluded", "to exclude", "rule out", "r o",
        "cannot be ruled out", "not completely excluded", "no convincing",
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
        "without significant", "without interval change", "without significant interval change",
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
    static let uncertainty = phrases([
        "may", "maybe", "might", "possible", "possibly", "probable", "probably", "likely", "questionable", "question of",
        "suspicious for", "suspected", "suspect", "suggestive of", "suggests", "suggesting", "concern for",
        "concerning for", "worrisome for", "versus", "vs", "differential", "consider", "considered", "could",
        "borderline", "equivocal", "indeterminate", "presumed", "presumably", "favored", "favor", "cannot exclude",
        "?", "or", "perhaps", "reflect", "represent", "represents",
        "may represent", "could represent", "developing", "early", "atypical", "evaluate for", "evaluation for",
    ])
    /// Uncertainty cues that only count before the mention: "atelectasis or scar" makes scar
    /// uncertain, not atelectasis.
    static let onlyBeforeMention: Set<String> = ["or", "early", "atypical", "developing", "represent", "reflect"]

    static func of(_ mention: Range<Int>, in words: [String]) -> LabelValue {
        let before = max(0, mention.lowerBound - reachBefore)..<mention.lowerBound
        var after = mention.upperBound..<min(words.count, mention.upperBound + reachAfter)
        if let comma = words[after].firstIndex(of: ",") { after = mention.upperBound..<comma }
        if Phrase.any(preNegationUncertainty, in: words, within: before)
            || Phrase.any(preNegationUncertainty, in: words, within: after) {
            return .uncertain
        }
        // A negation reaches through a list to the clause's start: "No focal consolidation,
        // suspicious opacity, pleural effusion, or pneumothorax".
        // Words a wildcard let into the mention count too: "heart is not enlarged".
        let inside = (mention.lowerBound + 1)..<max(mention.lowerBound + 1, mention.upperBound - 1)
        let barrier = words[..<mention.lowerBound].lastIndex { negationBarriers.contains($0) }.map { $0 + 1 } ?? 0
        let close = mention.upperBound..<min(after.upperBound, mention.upperBound + 4)
        if negated(barrier..<mention.lowerBound, in: words) || negatedAfter(close, in: words) || negated(inside, in: words) {
            return .negative
        }
        // A differential diagnosis lists its candidates through the rest of the clause.
        if Phrase.any(uncertainty, in: words, within: before) || uncertainAfter(after, in: words)
            || words[..<mention.lowerBound].contains("differential")
            || (!inside.isEmpty && Phrase.any(uncertainty, in: words, within: inside)) {
            return .uncertain
        }
        return .positive
    }

    /// A negation cue before the mention that is not a pseudo-negation.
    static func negated(_ range: Range<Int>, in words: [String]) -> Bool {
        guard !range.isEmpty else { return false }
        let window = Array(words[range])
        let pseudo = pseudoNegation.flatMap { Phrase.matches($0, in: window) }
        for phrase in negation {
            for match in Phrase.matches(phrase, in: window) where !pseudo.contains(where: { $0.overlaps(match) }) {
                return true
            }
        }
        return false
    }

    static func negatedAfter(_ range: Range<Int>, in words: [String]) -> Bool {
        guard !range.isEmpty else { return false }
        let window = Array(words[range])
        let pseudo = pseudoNegation.flatMap { Phrase.matches($0, in: window) }
        return postNegation.contains { phrase in
            Phrase.matches(phrase, in: window).contains { match in !pseudo.contains(where: { $0.overlaps(match) }) }
        }
    }

    static func uncertainAfter(_ range: Range<Int>, in words: [String]) -> Bool {
        guard !range.isEmpty else { return false }
        let window = Array(words[range])
        return uncertainty.contains { phrase in
            !onlyBeforeMention.contains(phrase[0]) && !Phrase.matches(phrase, in: window).isEmpty
        }
    }

    static func phrases(_ list: [String]) -> [[String]] { list.map(Phrase.words) }
}
