import RaddCore

/// A report cut into sentences and each sentence into clauses, as words folded the way the
/// language's cues are (`WordRules`). Negation and uncertainty reach only as far as the clause: a
/// new sentence, ";", and the language's scope enders ("but", "however", "jedoch") end their scope.
struct Clauses {
    struct Clause {
        /// The words as matched: lower case, and for German folded (ä → ae, ß → ss).
        var words: [String]
        /// The same words lower-cased as written, for evidence a person reads.
        var shown: [String]

        init(words: [String], shown: [String]? = nil) {
            self.words = words
            self.shown = shown ?? words
        }
    }

    private(set) var clauses: [Clause] = []

    /// English as radd has always cut it.
    init(_ text: String) {
        self.init(text, cues: .english)
    }

    init(_ text: String, cues: RuleCues) {
        switch cues.words.letters {
        case .ascii: cutASCII(text, scopeEnders: cues.scopeEnders)
        case .unicodeGerman: cutUnicode(text, rules: cues.words, scopeEnders: cues.scopeEnders)
        }
    }

    private mutating func cutASCII(_ text: String, scopeEnders: Set<String>) {
        var words: [String] = []
        var word = ""
        func endWord() {
            if !word.isEmpty { words.append(word); word = "" }
        }
        func endClause() {
            endWord()
            if !words.isEmpty { clauses.append(Clause(words: words)); words = [] }
        }
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "a"..."z", "0"..."9":
                word.unicodeScalars.append(scalar)
            case "A"..."Z":
                word.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
            case ".":
                // A decimal point ("2.5 cm") does not end a sentence.
                let digitBefore = index > 0 && ("0"..."9").contains(scalars[index - 1])
                let digitAfter = index + 1 < scalars.count && ("0"..."9").contains(scalars[index + 1])
                if digitBefore && digitAfter { endWord() } else { endClause() }
            case "?":
                // "?pneumonia" is a question about a finding: kept as its own word.
                endWord()
                words.append("?")
            case "!", ";", "\n", "\r":
                endClause()
            case ",":
                // Kept as a word: it ends what a cue after a mention can reach ("infiltrate,
                // probable atelectasis").
                endWord()
                words.append(",")
            default:
                endWord()
            }
            if word.isEmpty, let last = words.last, scopeEnders.contains(last) {
                words.removeLast()
                endClause()
            }
        }
        endClause()
    }

    /// Letters are Unicode letters, taken grapheme by grapheme, so "Außenknöchelfraktur" is one
    /// word whether its umlauts are precomposed or not. A full stop after a single letter
    /// ("V.a.", "Z.n.") or after a known abbreviation followed by a lower-case word ("re. mit")
    /// does not end the sentence; after an abbreviation a capital starts a new one, as German
    /// writes "OSG re. Keine Fraktur.".
    private mutating func cutUnicode(_ text: String, rules: WordRules, scopeEnders: Set<String>) {
        var words: [String] = [], shown: [String] = []
        var word = ""
        func endWord() {
            guard !word.isEmpty else { return }
            let lower = word.lowercased()
            shown.append(lower)
            words.append(WordRules.foldGerman(lower))
            word = ""
        }
        func endClause() {
            endWord()
            if !words.isEmpty { clauses.append(Clause(words: words, shown: shown)); words = []; shown = [] }
        }
        func mark(_ symbol: String) {
            endWord()
            words.append(symbol)
            shown.append(symbol)
        }
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            if character.isLetter || character.isNumber {
                word.append(character)
            } else if character == "." {
                let before = index > 0 ? characters[index - 1] : " "
                let after = index + 1 < characters.count ? characters[index + 1] : " "
                if before.isNumber && after.isNumber {
                    endWord()
                } else if word.count == 1 && word.first?.isLetter == true {
                    endWord()
                } else if rules.abbreviations.contains(WordRules.foldGerman(word)),
                          let next = characters[(index + 1)...].first(where: { $0 != " " && $0 != "\t" }),
                          !next.isUppercase, !next.isNewline {
                    endWord()
                } else {
                    endClause()
                }
            } else if character == "?" {
                mark("?")
            } else if character == "," {
                mark(",")
            } else if character == ":" {
                // Kept as a word in German: "Fraktur: nein" and "Frakturen: keine" negate after it.
                mark(":")
            } else if character == "!" || character == ";" || character.isNewline {
                endClause()
            } else {
                endWord()
            }
            if word.isEmpty, let last = words.last, scopeEnders.contains(last) {
                words.removeLast()
                shown.removeLast()
                endClause()
            }
        }
        endClause()
    }
}

/// The clauses of the parts of a report a task reads (LabelTask.Sections): `primary` decides a
/// finding it mentions; otherwise `rest` does.
struct Regions {
    var primary: [Clauses.Clause]?
    var rest: [Clauses.Clause]

    init(_ text: String, sections: LabelTask.Sections, cues: RuleCues = .english) {
        switch sections {
        case .all:
            rest = Clauses(text, cues: cues).clauses
        case .impressionOnly:
            rest = Clauses(ReportSections(parsing: text).impression ?? text, cues: cues).clauses
        case .impressionFirst:
            let parts = ReportSections(parsing: text)
            primary = parts.impression.map { Clauses($0, cues: cues).clauses }
            rest = Clauses(parts.findings ?? text, cues: cues).clauses
        }
    }
}
