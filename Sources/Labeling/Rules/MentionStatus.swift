import RaddCore

/// Whether one mention is asserted, negated or uncertain, decided in the CheXpert order:
/// uncertainty that contains a negation word first ("cannot exclude X", "X is not excluded"),
/// then negation ("no X", "X has resolved"), then the remaining uncertainty ("likely X",
/// "X versus Y"). Only words of the mention's own clause count. The cues are the report
/// language's (`RuleCues`); English unless said.
enum MentionStatus {
    /// A mention's status and the cue that decided it ("no", "may represent"); no cue for a
    /// plain positive mention.
    struct Verdict: Equatable {
        var value: LabelValue
        var cue: [String]?
        /// Whether the cue only raises the finding as a possibility (a lower tier of the
        /// certainty lexicons): only then may a task leave the mention out.
        var isPossibility = false
    }

    static func of(_ mention: Range<Int>, in words: [String], cues: RuleCues = .english) -> Verdict {
        let before = max(0, mention.lowerBound - RuleCues.reachBefore)..<mention.lowerBound
        var after = mention.upperBound..<min(words.count, mention.upperBound + RuleCues.reachAfter)
        if let comma = words[after].firstIndex(of: ",") { after = mention.upperBound..<comma }
        if let cause = cues.causeHedges.compactMap({ Phrase.matches($0, in: Array(words[after])).first?.lowerBound }).min() {
            after = after.lowerBound..<(after.lowerBound + cause)
        }
        func verdict(_ value: LabelValue, _ cue: [String]?) -> Verdict {
            Verdict(value: value, cue: cue, isPossibility: value == .uncertain && cue.map(cues.possibility.contains) == true)
        }
        // Before the stops: "Fraktur nicht mit Sicherheit auszuschließen" has its "mit" inside the cue.
        if let cue = Phrase.first(of: cues.preNegationUncertainty, in: words, within: before)
            ?? Phrase.first(of: cues.preNegationUncertainty, in: words, within: after) {
            return verdict(.uncertain, cue)
        }
        if let stop = words[after].firstIndex(where: cues.afterMentionStops.contains) { after = mention.upperBound..<stop }
        // A negation reaches through a list to the clause's start: "No focal consolidation,
        // suspicious opacity, pleural effusion, or pneumothorax".
        // Words a wildcard let into the mention count too: "heart is not enlarged".
        let inside = (mention.lowerBound + 1)..<max(mention.lowerBound + 1, mention.upperBound - 1)
        let barrier = words[..<mention.lowerBound].indices.last { index in
            cues.negationBarriers.contains(words[index])
                || (words[index] == "," && index > 0 && cues.negationClosers.contains(words[index - 1]))
        }.map { $0 + 1 } ?? 0
        let close = mention.upperBound..<min(after.upperBound, mention.upperBound + cues.postNegationReach)
        if let cue = cue(from: cues.negation, in: barrier..<mention.lowerBound, of: words, cues: cues)
            ?? cue(from: cues.postNegation, in: close, of: words, cues: cues)
            ?? cue(from: cues.negation, in: inside, of: words, cues: cues) {
            return verdict(.negative, cue)
        }
        // A differential diagnosis lists its candidates through the rest of the clause.
        var found = Phrase.all(of: cues.uncertainty, in: words, within: before) + uncertaintiesAfter(after, in: words, cues: cues)
        if let word = words[..<mention.lowerBound].first(where: cues.differential.contains) { found.append([word]) }
        // German puts the differential after the finding: "Knöcherne Absprengung, DD Os subfibulare".
        if cues.differentialAfterComma,
           let comma = words[mention.upperBound..<min(words.count, mention.upperBound + RuleCues.reachAfter)].firstIndex(of: ","),
           comma + 1 < words.count, cues.differential.contains(words[comma + 1]) {
            found.append([words[comma + 1]])
        }
        // Within the mention only uncertainty counts in full: "heart is borderline in size".
        found += Phrase.all(of: cues.uncertainty, in: words, within: mention)
        // The weakest cue governs: "could reflect atelectasis or infiltrate" only raises a
        // possibility, though "or" alone would name one of two readings.
        if let cue = found.first(where: cues.possibility.contains) ?? found.first {
            return verdict(.uncertain, cue)
        }
        return Verdict(value: .positive, cue: nil)
    }

    /// The first of `cues` found in the window that no pseudo-negation ("no change in") covers.
    private static func cue(from list: [[String]], in range: Range<Int>, of words: [String], cues: RuleCues) -> [String]? {
        guard !range.isEmpty else { return nil }
        let window = Array(words[range])
        let pseudo = cues.pseudoNegation.flatMap { Phrase.matches($0, in: window) }
        return list.first { phrase in
            Phrase.matches(phrase, in: window).contains { match in !pseudo.contains(where: { $0.overlaps(match) }) }
        }
    }

    static func uncertaintiesAfter(_ range: Range<Int>, in words: [String], cues: RuleCues) -> [[String]] {
        guard !range.isEmpty else { return [] }
        let window = Array(words[range])
        return cues.uncertainty.filter { phrase in
            !cues.onlyBeforeMention.contains(phrase[0]) && !Phrase.matches(phrase, in: window).isEmpty
        }
    }

    static func phrases(_ list: [String]) -> [[String]] { list.map(Phrase.words) }
}
