import RaddCore

/// A report cut into sentences and each sentence into clauses, as lower-case words. Negation and
/// uncertainty reach only as far as the clause: a new sentence, ";", "but", "however", "although"
/// end their scope.
struct Clauses {
    struct Clause {
        var words: [String]
    }

    private(set) var clauses: [Clause] = []

    static let scopeEnders: Set<String> = ["but", "however", "although", "though", "except", "whereas", "yet"]

    init(_ text: String) {
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
            if word.isEmpty, let last = words.last, Self.scopeEnders.contains(last) {
                words.removeLast()
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

    init(_ text: String, sections: LabelTask.Sections) {
        switch sections {
        case .all:
            rest = Clauses(text).clauses
        case .impressionOnly:
            rest = Clauses(ReportSections(parsing: text).impression ?? text).clauses
        case .impressionFirst:
            let parts = ReportSections(parsing: text)
            primary = parts.impression.map { Clauses($0).clauses }
            rest = Clauses(parts.findings ?? text).clauses
        }
    }
}
