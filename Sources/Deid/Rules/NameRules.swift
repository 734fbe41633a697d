/// Names of patients, relatives and clinicians. Context finds them first: titles ("Dr X"),
/// credentials ("X, MD"), signature and communication phrases ("Dictated by:", "discussed with X
/// at 10:32"), relation words ("his wife Mary"). Then the census name lists find first-last
/// pairs and "LAST, FIRST". A word found as a name anywhere is a name everywhere in the report,
/// unless it is part of a protected clinical term (Parkinson disease, Murphy's sign).
struct NameRules {
    let knowledge: NameKnowledge

    /// Lower-case words inside names: "Van der Berg", "de la Cruz".
    static let particles: WordSet = ["van", "von", "der", "den", "de", "la", "le", "du", "da", "di", "del", "della", "dos", "bin", "al", "ter"]
    /// Capitalised abbreviations that name a department, not a person, when they stand alone.
    static let departments: WordSet = ["ed", "er"]
    static let titles: WordSet = ["dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "dra", "sr", "sra"]
    static let credentials: WordSet = [
        "md", "do", "rn", "np", "phd", "mbbs", "frcr", "facr", "frcpc", "dds", "rt", "rrt", "pac", "crna", "mph", "ms",
        "lpn", "aprn", "dnp", "fnp", "arnp", "mbchb",
    ]
    /// Credentials that mark a name even without a comma before them ("ROE, JANE MD").
    static let strongCredentials: WordSet = ["md", "phd", "mbbs", "frcr", "facr", "frcpc", "mbchb", "dds"]
    /// Words after which the next capitalised words name a person.
    static let personIntroducers: [[String]] = [
        ["dictated", "by"], ["signed", "by"], ["reviewed", "by"], ["read", "by"], ["interpreted", "by"],
        ["verified", "by"], ["transcribed", "by"], ["approved", "by"], ["requested", "by"], ["ordered", "by"],
        ["performed", "by"], ["referred", "by"], ["seen", "by"], ["updated", "by"], ["evaluated", "by"],
        ["examined", "by"], ["covered", "by"], ["followed", "by"], ["assessed", "by"], ["treated", "by"], ["discussed", "with"], ["spoke", "with"], ["spoke", "to"],
        ["called", "to"], ["communicated", "to"], ["conveyed", "to"], ["relayed", "to"], ["reported", "to"],
        ["d", "w"], ["per"], ["notified"], ["paged"], ["informed"], ["rn"], ["nurse"], ["charge", "nurse"],
        ["nurse", "practitioner"], ["mother"], ["father"], ["wife"], ["husband"], ["son"], ["daughter"],
        ["sister"], ["brother"], ["spouse"], ["partner"], ["friend"], ["niece"], ["nephew"], ["grandson"],
        ["granddaughter"], ["grandmother"], ["grandfather"], ["aunt"], ["uncle"], ["guardian"], ["caregiver"],
        ["fiance"], ["fiancee"], ["boyfriend"], ["girlfriend"], ["neighbor"], ["neighbour"], ["cousin"],
    ]
    /// Labels of a field that holds a person's name, when a colon follows ("Attending: Jane Roe").
    static let personLabels: [[String]] = [
        ["attending"], ["resident"], ["radiologist"], ["physician"], ["provider"], ["technologist"], ["tech"],
        ["fellow"], ["surgeon"], ["pcp"], ["cc"], ["ordering", "physician"], ["referring", "physician"],
        ["ordering", "provider"], ["referring", "provider"], ["ordering"], ["referring"], ["author"], ["dictator"],
        ["patient", "name"], ["name"], ["patient"], ["pt"], ["contact"], ["guarantor"], ["attending", "physician"],
        ["reading", "radiologist"], ["interpreting", "radiologist"], ["signed"], ["signature"],
    ]
    /// Capitalised words that follow those phrases but name no one.
    static let notNames: WordSet = [
        "the", "a", "an", "team", "staff", "radiology", "emergency", "department", "service", "on",
        "call", "nurse", "nursing", "attending", "resident", "physician", "doctor", "md", "pa", "np", "rn", "patient",
        "family", "primary", "care", "clinician", "surgeon", "surgery", "oncology", "cardiology", "neurology", "office",
        "at", "and", "or", "by", "with", "to", "for", "of", "in", "is", "was", "who", "via", "phone", "telephone",
        "findings", "impression", "results", "result", "report", "dr", "mr", "mrs", "ms", "history", "exam", "icu",
        "unknown", "none", "not", "no", "yes", "n", "a", "male", "female", "x", "ct", "mri", "us", "xr", "mrn", "acc",
        "accession", "dob", "age", "sex", "exam", "date", "time", "account", "id", "location", "room", "bed",
    ]

    func apply(_ text: ReportText, protected: [Range<Int>], into marks: inout Candidates) {
        let t = text.tokens
        var found: [Int] = []
        let protectedTokens = text.tokens(inside: protected)
        func isProtected(_ token: ReportText.Token) -> Bool { protectedTokens[token.index] }
        func nameLike(_ k: Int) -> Bool {
            let token = t[k]
            guard token.hasLetter, !token.hasDigit, token.capitalised, token.count >= 2 else { return false }
            // "d/w CHF", "per ABG": an abbreviation in capitals after a person phrase is no name.
            if token.allCaps, Vocabulary.standard.isClinicalWord(text.upper(token)) { return false }
            return !text.token(token, isOneOf: Self.notNames)
        }
        func initial(_ k: Int) -> Bool {
            t[k].count == 1 && t[k].capitalised && k + 1 < t.count && t[k + 1].start == t[k].end + 1 && text.bytes[t[k].end] == 0x2E
                || (t[k].count == 1 && t[k].capitalised && text.byte(at: t[k].end) == 0x2E)
        }
        /// "O'Brien", "D'ANGELO": a one-letter prefix joined to a surname by an apostrophe, which
        /// is neither a word nor an initial on its own.
        func apostrophePrefix(_ k: Int) -> Bool {
            t[k].count == 1 && t[k].capitalised && k + 1 < t.count && text.gap(t[k], t[k + 1]).elementsEqual([0x27]) && nameLike(k + 1)
        }
        /// Up to `limit` name words from `k` on: capitalised words and initials, joined by spaces,
        /// hyphens, apostrophes and one comma ("ROE, JANE"), on one line.
        func run(from k: Int, limit: Int = 4) -> ClosedRange<Int>? {
            guard k < t.count, nameLike(k) || initial(k) || apostrophePrefix(k) else { return nil }
            var last = k
            var commas = 0
            while last + 1 < t.count, last - k + 1 < limit, text.sameLine(t[last], t[last + 1]) {
                let gap = text.gap(t[last], t[last + 1])
                let comma = gap.contains(0x2C)
                if comma { if commas > 0 { break } }
                guard gap.count <= 2, gap.allSatisfy({ $0 == 0x20 || $0 == 0x2E || $0 == 0x2D || $0 == 0x27 || $0 == 0x2C }) else { break }
                // A full stop ends the name unless it follows an initial ("J. Smith").
                if gap.contains(0x2E), t[last].count > 1 { break }
                let particle = t[last + 1].hasLetter && !t[last + 1].capitalised && text.token(t[last + 1], isOneOf: Self.particles)
                    && last + 2 < t.count && nameLike(last + 2)
                let middleInitial = commas == 1 && t[last + 1].count == 1 && t[last + 1].capitalised && !comma
                guard nameLike(last + 1) || initial(last + 1) || apostrophePrefix(last + 1) || particle || middleInitial else { break }
                if text.token(t[last + 1], isOneOf: Self.credentials) && t[last + 1].allCaps { break }
                if comma { commas += 1 }
                last += 1
            }
            return k...last
        }
        func mark(_ range: ClosedRange<Int>) {
            if range.count == 1, text.token(t[range.lowerBound], isOneOf: Self.departments) { return }
            marks.add(t[range.lowerBound].start, t[range.upperBound].end, .name)
            found.append(contentsOf: range)
        }

        var i = 0
        while i < t.count {
            // Titles: "Dr. Nguyen", "Mrs Smith".
            if text.token(t[i], isOneOf: Self.titles), t[i].capitalised, let range = run(from: i + 1, limit: 3),
               text.sameLine(t[i], t[range.lowerBound]) {
                mark(range)
                i = range.upperBound + 1
                continue
            }
            // Phrases: "Dictated by: Jane Roe", "discussed with Nguyen", "his wife Mary", "Attending: Roe".
            if let length = introducer(text, at: i) ?? label(text, at: i), let range = run(from: i + length) {
                let start = t[range.lowerBound]
                if text.sameLine(t[i], start), start.start - t[i + length - 1].end <= 3,
                   !range.allSatisfy({ isProtected(t[$0]) && !t[$0].allCaps }) {
                    mark(range)
                    i = range.upperBound + 1
                    continue
                }
            }
            // Credentials after a name: "Jane Roe, MD", "ROE, JANE MD".
            if i > 0, isCredential(text, at: i),
               text.gap(t[i - 1], t[i]).contains(0x2C) || text.token(t[i], isOneOf: Self.strongCredentials) || isDottedMD(text, at: i) {
                var k = i - 1
                var first = -1
                while k >= 0, i - k <= 4, text.sameLine(t[k], t[i]), nameLike(k) || initial(k),
                      !text.token(t[k], isOneOf: Self.credentials) {
                    let gap = text.gap(t[k], k + 1 < i ? t[k + 1] : t[i])
                    guard gap.allSatisfy({ $0 == 0x20 || $0 == 0x2C || $0 == 0x2E || $0 == 0x2D || $0 == 0x27 }) else { break }
                    first = k
                    if k == 0 || !text.gap(t[k - 1], t[k]).allSatisfy({ $0 == 0x20 || $0 == 0x2C || $0 == 0x2E || $0 == 0x2D || $0 == 0x27 }) { break }
                    k -= 1
                }
                if first >= 0 { mark(first...(i - 1)) }
            }
            i += 1
        }

        lexiconNames(text, protected: isProtected, nameLike: nameLike, initial: initial, into: &marks, found: &found)

        extendNameMarks(text, into: &marks)

        // A word once found as a name is a name wherever it appears capitalised.
        var names = Set<String>()
        for k in found where t[k].count >= 2 && t[k].hasLetter && !isProtected(t[k]) { names.insert(text.upper(t[k])) }
        guard !names.isEmpty else { return }
        let covered = marks.categories(over: t)
        for token in t where token.capitalised && token.count >= 2 && token.hasLetter && !token.hasDigit {
            guard covered[token.index] == nil, names.contains(text.upper(token)), !isProtected(token) else { continue }
            marks.add(token.start, token.end, .name)
        }
    }

    /// "MD", "RN", "PA-C", "M.D.": a credential written after a name.
    func isCredential(_ text: ReportText, at i: Int) -> Bool {
        let t = text.tokens
        if text.token(t[i], isOneOf: Self.credentials) && t[i].allCaps { return true }
        if text.token(t[i], is: "pa"), i + 1 < t.count, text.token(t[i + 1], is: "c"),
           DateTimeRules.separator(text, t[i], t[i + 1]) == 0x2D { return true }
        return isDottedMD(text, at: i)
    }

    func isDottedMD(_ text: ReportText, at i: Int) -> Bool {
        let t = text.tokens
        return text.token(t[i], is: "m") && i + 1 < t.count && text.token(t[i + 1], is: "d")
            && DateTimeRules.separator(text, t[i], t[i + 1]) == 0x2E
    }

    /// "D'Angelo", "O'BRIEN", "García-López": the letter before an apostrophe, and a capitalised
    /// word joined by a hyphen, belong to the name found next to them.
    func extendNameMarks(_ text: ReportText, into marks: inout Candidates) {
        let t = text.tokens
        for mark in marks.marks where mark.category == .name {
            guard let firstIndex = t.firstIndex(where: { $0.start == mark.start }) else { continue }
            var start = firstIndex
            if start > 0, t[start - 1].count == 1, t[start - 1].capitalised, text.gap(t[start - 1], t[start]).elementsEqual([0x27]) {
                start -= 1
            }
            // "R. D'Angelo": an initial right before.
            if start > 0, t[start - 1].count == 1, t[start - 1].capitalised, text.gap(t[start - 1], t[start]).elementsEqual([0x2E, 0x20]) {
                start -= 1
            }
            if start < firstIndex { marks.add(t[start].start, mark.end, .name) }
            guard let lastIndex = t.lastIndex(where: { $0.end == mark.end }), lastIndex + 1 < t.count else { continue }
            let next = t[lastIndex + 1]
            if next.capitalised, next.hasLetter, !next.hasDigit,
               text.gap(t[lastIndex], next).elementsEqual([0x2D]) || text.gap(t[lastIndex], next).elementsEqual([0x27]) {
                marks.add(mark.start, next.end, .name)
            }
            // "Marshall O'Brien": a surname with an O' or D' prefix after the marked name.
            if next.count == 1, next.capitalised, lastIndex + 2 < t.count, text.gapIsSpace(t[lastIndex], next),
               text.gap(next, t[lastIndex + 2]).elementsEqual([0x27]), t[lastIndex + 2].capitalised {
                marks.add(mark.start, t[lastIndex + 2].end, .name)
            }
        }
    }

    /// The number of tokens of a name label at `i` that a colon follows.
    func label(_ text: ReportText, at i: Int) -> Int? {
        guard let length = match(Self.labelsByFirstWord, text, at: i) else { return nil }
        let t = text.tokens
        let end = t[i + length - 1].end
        guard i + length < t.count, text.bytes[end..<t[i + length].start].contains(0x3A) else { return nil }
        return length
    }

    /// The number of tokens of the person-introducing phrase at `i`, if one is there.
    func introducer(_ text: ReportText, at i: Int) -> Int? {
        guard let length = match(Self.introducersByFirstWord, text, at: i) else { return nil }
        // "the patient. There is": a sentence end between the phrase and the words.
        let t = text.tokens
        if i + length < t.count, text.bytes[t[i + length - 1].end..<t[i + length].start].contains(0x2E) { return nil }
        return length
    }

    /// The length of the person-introducing phrase at `i`, for rules outside this type.
    static func introducerLengths(_ text: ReportText, at i: Int) -> Int? {
        NameRules(knowledge: .standard).introducer(text, at: i)
    }

    /// The length of a name label followed by a colon at `i` ("physician:"), for rules outside
    /// this type.
    static func labelLengths(_ text: ReportText, at i: Int) -> Int? {
        NameRules(knowledge: .standard).label(text, at: i)
    }

    static let introducersByFirstWord = Dictionary(grouping: personIntroducers, by: { $0[0] })
    static let labelsByFirstWord = Dictionary(grouping: personLabels, by: { $0[0] })

    /// First words of every introducing phrase and label: a word that begins none of them is
    /// turned away by its hash before its lower-cased string is hashed (this runs for every word).
    static let phraseFirstWords = WordSet(Set((personIntroducers + personLabels).map { $0[0] }))

    func match(_ phrases: [String: [[String]]], _ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens
        guard Self.phraseFirstWords.mayContain(hash: text.wordHashes[t[i].index]) else { return nil }
        var best: Int?
        for phrase in phrases[text.lower(t[i])] ?? [] {
            guard i + phrase.count - 1 < t.count else { continue }
            var matches = true
            for (offset, word) in phrase.enumerated() where text.lower(t[i + offset]) != word {
                matches = false
                break
            }
            if matches, phrase.count > (best ?? 0) { best = phrase.count }
        }
        return best
    }

    /// Census lists: "John Smith", "J. Smith", "John A. Smith", "SMITH, JOHN", "Smith, John".
    func lexiconNames(_ text: ReportText, protected: (ReportText.Token) -> Bool, nameLike: (Int) -> Bool,
                      initial: (Int) -> Bool, into marks: inout Candidates, found: inout [Int]) {
        let t = text.tokens
        func first(_ k: Int) -> Bool {
            nameLike(k) && !protected(t[k]) && knowledge.isFirstName(text.upper(t[k])) && !knowledge.isCommonWord(text.upper(t[k]))
        }
        func last(_ k: Int) -> Bool {
            nameLike(k) && !protected(t[k]) && knowledge.isLastName(text.upper(t[k])) && !knowledge.isCommonWord(text.upper(t[k]))
        }
        var i = 0
        while i + 1 < t.count {
            defer { i += 1 }
            guard text.sameLine(t[i], t[i + 1]) else { continue }
            // First [Middle-initial] Last
            if first(i) || initial(i) {
                var k = i + 1
                if k < t.count, initial(k), k + 1 < t.count { k += 1 }
                if k < t.count, text.gapIsSpace(t[k - 1], t[k], allowing: [0x2E]), last(k), first(i) || initial(i) {
                    if initial(i) && !first(i) && k == i + 1 && !knowledge.isLastName(text.upper(t[k])) { continue }
                    marks.add(t[i].start, t[k].end, .name)
                    found.append(contentsOf: i...k)
                    i = k
                    continue
                }
            }
            // LAST, FIRST [M]
            if last(i), text.gap(t[i], t[i + 1]).first == 0x2C, first(i + 1) {
                var k = i + 1
                if k + 1 < t.count, text.sameLine(t[k], t[k + 1]), initial(k + 1)
                    || (t[k + 1].count == 1 && t[k + 1].capitalised && text.gapIsSpace(t[k], t[k + 1])) { k += 1 }
                marks.add(t[i].start, t[k].end, .name)
                found.append(contentsOf: i...k)
                i = k
            }
        }
    }
}

/// What the name rules know about words: the census name lists, the English words that are also
/// names (which need context to count as names), and protected clinical terms. Words are passed
/// upper-cased.
public struct NameKnowledge: Sendable {
    var isFirstName: @Sendable (String) -> Bool
    var isLastName: @Sendable (String) -> Bool
    var isCommonWord: @Sendable (String) -> Bool
    /// Unicode-scalar ranges of protected clinical terms in a text.
    var protectedRanges: @Sendable (String) -> [Range<Int>]

    /// The census name lists and the clinical safe list shipped with radd (Sources/Deid/Lexicons).
    public static let standard = NameKnowledge(
        isFirstName: { Lexicon.firstNames.contains($0) },
        isLastName: { Lexicon.lastNames.contains($0) },
        isCommonWord: { Lexicon.commonWords.contains($0) },
        protectedRanges: { ClinicalSafeList.standard.protectedRanges(in: $0) })

    public init(isFirstName: @escaping @Sendable (String) -> Bool, isLastName: @escaping @Sendable (String) -> Bool,
                isCommonWord: @escaping @Sendable (String) -> Bool,
                protectedRanges: @escaping @Sendable (String) -> [Range<Int>]) {
        self.isFirstName = isFirstName
        self.isLastName = isLastName
        self.isCommonWord = isCommonWord
        self.protectedRanges = protectedRanges
    }
}
