import RaddCore

/// The words the rule labeler reads around a mention, for one report language: what negates a
/// finding, what hedges it, what ends a cue's reach, and how the language's text is cut into
/// words. Each `ReportLanguage` has a built-in set (`builtIn(for:)`); a task may add to it or
/// replace parts of it (`LabelTask.Cues`). Phrases are kept as words, already folded the way the
/// language's words are (`WordRules`), so matching is a comparison of words.
struct RuleCues: Sendable {
    var words: WordRules
    /// Uncertainty that contains a negation word ("cannot exclude X", "nicht auszuschließen"):
    /// looked for before plain negation, so that it is not read as one.
    var preNegationUncertainty: [[String]]
    /// Negations before the mention; they reach through a list to the clause's start.
    var negation: [[String]]
    /// Words with a negation word that negate nothing about the finding ("no change in",
    /// "nicht dislozierte Fraktur").
    var pseudoNegation: [[String]]
    /// Negations after the mention ("effusion is not seen", "Fraktur ausgeschlossen").
    var postNegation: [[String]]
    /// How many words after the mention a post-position negation may stand: English keeps it
    /// close and verb-like; German puts the verb last ("Fraktur ist in beiden Ebenen nicht
    /// nachweisbar"), so it reaches as far as the other cues after a mention do.
    var postNegationReach: Int
    /// Words that end a negation's reach backwards ("no cardiomegaly with small effusions").
    var negationBarriers: Set<String>
    /// Words that close a negated phrase, so that a comma after them ends the negation's list.
    var negationClosers: Set<String>
    var uncertainty: [[String]]
    /// The uncertainty cues that only raise a finding as a possibility (see `MentionStatus`).
    var possibility: Set<[String]>
    /// First words of uncertainty cues that only count before the mention.
    var onlyBeforeMention: Set<String>
    /// After a mention these hedge its cause, not the mention; cues from there on do not reach back.
    var causeHedges: [[String]]
    /// Words that, anywhere before a mention in its clause, make it one candidate of a
    /// differential diagnosis ("differential", "DD").
    var differential: Set<String>
    /// Whether a differential word right after the first comma after a mention hedges it
    /// ("Absprengung an der Fibulaspitze, DD Os subfibulare"): German's order. Not English's,
    /// whose figures were measured without.
    var differentialAfterComma: Bool
    /// Words after a mention at which the cues after it stop reaching: "Weber-B-Fx mit V.a.
    /// Deltabandruptur" hedges the ligament, not the fracture. None in English, whose figures
    /// were measured without.
    var afterMentionStops: Set<String>
    /// Words that end a clause: "but", "however", "jedoch", ...
    var scopeEnders: Set<String>

    /// How many words before a mention an uncertainty cue may stand: "could reflect a small
    /// focus of atelectasis or infiltrate". Negation reaches to the clause's start.
    static let reachBefore = 9
    static let reachAfter = 6

    /// The language's own cues. A closed switch: a new language must bring its cues here, not
    /// fall back to English.
    static func builtIn(for language: ReportLanguage) -> RuleCues {
        switch language {
        case .en: return english
        case .de: return german
        }
    }

    /// These cues with a task's additions or replacements.
    func applying(_ override: LabelTask.Cues) -> RuleCues {
        var cues = self
        let replaces = override.mode == .replace
        func merged(_ builtIn: [[String]], _ given: [String]?) -> [[String]] {
            guard let given else { return builtIn }
            let phrases = given.map(words.phrase).filter { !$0.isEmpty }
            return replaces ? phrases : builtIn + phrases.filter { !builtIn.contains($0) }
        }
        cues.negation = merged(negation, override.negation)
        cues.postNegation = merged(postNegation, override.negationAfter)
        cues.pseudoNegation = merged(pseudoNegation, override.pseudoNegation)
        // A task's own uncertainty cues count as uncertain, never as mere possibilities, so that
        // `possibleMentions: notMentioned` does not drop what the task added. Replacing the list
        // leaves only the negated hedges ("cannot exclude", "nicht auszuschließen") as possibilities.
        cues.uncertainty = merged(uncertainty, override.uncertainty)
        if replaces && override.uncertainty != nil { cues.possibility = Set(preNegationUncertainty) }
        if let ends = override.scopeEnds {
            let given = Set(ends.compactMap { words.phrase($0).first })
            cues.scopeEnders = replaces ? given : scopeEnders.union(given)
        }
        return cues
    }
}

/// How a language's text is cut into words and how words are compared.
struct WordRules: Sendable {
    enum Letters: Sendable {
        /// a-z and 0-9 only, upper case folded by hand: English as radd has always read it, so
        /// that its measured figures stay what they were.
        case ascii
        /// Every Unicode letter and digit (grapheme by grapheme, so a decomposed "a" + "¨" is
        /// one letter), lower-cased with Unicode's case mapping, and ä, ö, ü, ß written ae, oe,
        /// ue, ss: "Außenknöchel", "AUSSENKNÖCHEL" and "Aussenknoechel" are the same word.
        case unicodeGerman
    }

    var letters: Letters
    /// Words after which a full stop is an abbreviation's, not a sentence's end ("re.", "bds.",
    /// "ca."); a single letter before a full stop is always one ("V.a.", "Z.n.").
    var abbreviations: Set<String>
    /// Whether a task's phrase word (of four letters or more, without `*`) also matches as the
    /// tail of a longer word: German writes compounds ("Fibulafraktur", "Bandausriss").
    var compoundTails: Bool

    static let english = WordRules(letters: .ascii, abbreviations: [], compoundTails: false)

    /// A cue or task phrase as words, cut and folded as the report's text is.
    func phrase(_ text: String) -> [String] {
        switch letters {
        case .ascii: return Phrase.words(text)
        case .unicodeGerman:
            var result: [String] = []
            var word = ""
            for character in text {
                if character.isLetter || character.isNumber || character == "*" {
                    word.append(character)
                } else {
                    if !word.isEmpty { result.append(Self.foldGerman(word)); word = "" }
                    // "?", "," and ":" are words of their own in German report text too.
                    if character == "?" || character == "," || character == ":" { result.append(String(character)) }
                }
            }
            if !word.isEmpty { result.append(Self.foldGerman(word)) }
            return result
        }
    }

    static func foldGerman(_ word: String) -> String {
        var folded = ""
        for character in word.lowercased() {
            // Character comparison is by canonical equivalence: a decomposed "ä" matches too.
            switch character {
            case "ä": folded += "ae"
            case "ö": folded += "oe"
            case "ü": folded += "ue"
            case "ß": folded += "ss"
            default: folded.append(character)
            }
        }
        return folded
    }
}

extension RuleCues {
    static let english = RuleCues(
        words: .english,
        preNegationUncertainty: MentionStatus.phrases([
            "cannot exclude", "can not exclude", "cannot rule out", "can not rule out", "cannot be excluded",
            "not excluded", "not ruled out", "no definite evidence", "not definitely", "not entirely excluded",
            "cannot be entirely excluded", "difficult to exclude", "not be excluded", "to exclude", "rule out", "r o",
            "cannot be ruled out", "not completely excluded", "no convincing", "exclude",
        ]),
        negation: MentionStatus.phrases([
            "no", "not", "without", "free of", "negative for", "clear of", "resolved", "resolution of", "absence of",
            "absent", "rather than", "neither", "nor", "never", "removal of", "removed", "no evidence of",
            "no signs of", "no definite", "resolving",
        ]),
        pseudoNegation: MentionStatus.phrases([
            "no change", "no interval change", "no significant change", "not changed", "not significantly changed",
            "no increase", "no significant interval change", "without change", "not only", "not well",
            "without interval change", "without significant interval change", "without significant change",
        ]),
        // After the mention only close, verb-like forms negate it ("effusion is not seen"); a
        // later "otherwise negative for" belongs to something else.
        postNegation: MentionStatus.phrases([
            "is not", "are not", "was not", "were not", "not seen", "not identified", "not present", "not visualized",
            "not appreciated", "not demonstrated", "has resolved", "have resolved", "resolved", "is absent", "are absent",
            "has been removed", "removed", "has cleared", "have cleared", "no longer",
        ]),
        postNegationReach: 4,
        negationBarriers: ["with", "who", "which"],
        // "no definite pleural effusion seen, dense nodule in the left lung".
        negationClosers: ["seen", "identified", "noted", "present", "demonstrated", "visualized", "appreciated"],
        uncertainty: MentionStatus.phrases([
            // Before "suggestive of": "most suggestive of" reads the image as probable, not possible.
            "most suggestive of", "strongly suggestive of", "correlate clinically for", "correlation for", "question",
            "may", "maybe", "might", "possible", "possibly", "probable", "probably", "likely", "questionable", "question of",
            "suspicious for", "suspected", "suspect", "suggestive of", "suggest", "suggests", "suggesting", "concern for",
            "concerning for", "worrisome for", "versus", "vs", "differential", "consider", "considered", "could",
            "borderline", "equivocal", "indeterminate", "presumed", "presumably", "favored", "favor", "cannot exclude",
            "?", "or", "perhaps", "reflect", "represent", "represents",
            "may represent", "could represent", "developing", "early", "atypical", "evaluate for", "evaluation for",
        ]),
        // The lower tiers of radiology's certainty lexicons (Panicek and Hricak, AJR 2016); the
        // rest read the image as the finding with some doubt ("probable", "likely", "A versus B").
        possibility: Set(MentionStatus.phrases([
            "correlate clinically for", "correlation for", "question", "may", "maybe", "might", "possible", "possibly",
            "questionable", "question of", "suspected", "suspect", "suggestive of", "suggest", "suggests", "suggesting",
            "concern for", "concerning for", "worrisome for", "differential", "consider", "considered", "could",
            "equivocal", "indeterminate", "cannot exclude", "?", "perhaps", "may represent", "could represent",
            "atypical", "evaluate for", "evaluation for",
            // preNegationUncertainty, all possibilities:
            "cannot exclude", "can not exclude", "cannot rule out", "can not rule out", "cannot be excluded",
            "not excluded", "not ruled out", "no definite evidence", "not definitely", "not entirely excluded",
            "cannot be entirely excluded", "difficult to exclude", "not be excluded", "to exclude", "rule out", "r o",
            "cannot be ruled out", "not completely excluded", "no convincing", "exclude",
        ])),
        // "atelectasis or scar" makes scar uncertain, not atelectasis, and in "dense nodule
        // suggests a previous granulomatous process" the nodule is seen.
        onlyBeforeMention: [
            "or", "early", "atypical", "developing", "represent", "represents", "reflect", "suggest", "suggests",
            "suggesting", "suggestive", "most",
        ],
        // "left basilar opacity may represent atelectasis": the opacity is seen.
        causeHedges: MentionStatus.phrases([
            "may represent", "could represent", "may reflect", "could reflect", "may be due to", "could be due to",
            "may be secondary to", "could be secondary to", "may indicate", "could indicate", "which may", "which could",
            "likely represents", "probably represents", "likely reflects", "likely due to",
        ]),
        differential: ["differential"],
        differentialAfterComma: false,
        afterMentionStops: [],
        scopeEnders: ["but", "however", "although", "though", "except", "whereas", "yet"])
}
