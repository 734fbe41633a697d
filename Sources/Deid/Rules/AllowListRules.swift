import RaddCore

/// The allow-list layer: runs after the pattern and context rules, over the words they left, and
/// treats a word that no vocabulary allows as PHI where a name or place can stand. The lexicons
/// find listed names and places in any letter case ("nicholson", "CAROL", "Budapest"); the
/// allow-list finds the ones nobody listed ("Kshlerin"). Clinical abbreviations are never names
/// on their own ("PT", "HO", "NSG"): only a title makes one ("Dr. Ho").
struct AllowListRules {
    let vocabulary: Vocabulary
    let mode: DeidPolicy.Mode

    /// Words after which a short capitalised code names a hospital or unit: "at GH", "from NEBH".
    static let placePrepositions: WordSet = ["at", "from", "to"]
    /// Units and services after which the word before names a hospital: "Baystate ER", "Farr ICU".
    static let unitWords: WordSet = [
        "er", "ed", "icu", "micu", "sicu", "ccu", "csru", "nicu", "picu", "tsicu", "hospital", "clinic", "rehab",
        "nursing", "pavilion", "campus",
    ]
    /// Street words that tie a house number to the words before or after them, in the forms of
    /// several countries: "8734 Kshlerin Ridge", "Kossuth Lajos utca 12", "ul. Marszałkowska 10".
    static let streetWords: WordSet = [
        "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "drive", "lane", "ln", "way", "court",
        "place", "pl", "parkway", "pkwy", "highway", "hwy", "circle", "cir", "terrace", "ter", "trail", "trl",
        "square", "sq", "pike", "row", "alley", "ridge", "crossing", "point", "points", "heights", "hills", "hill",
        "park", "plaza", "loop", "run", "pass", "path", "green", "glen", "grove", "hollow", "manor", "mill", "mills",
        "ford", "falls", "estates", "shores", "springs", "station", "summit", "valley", "village", "vista", "walk",
        "crescent", "close", "mews", "gardens", "views", "meadows", "junction", "landing", "harbor", "harbour",
        "island", "isle", "port", "creek", "brook", "fork", "forge", "lake", "lakes", "stream", "wells", "union",
        "utca", "ut", "katu", "tie", "ulica", "ul", "ulitsa", "prospekt", "vulytsia", "vul", "strasse", "str", "weg",
        "platz", "allee", "gasse", "rue", "via", "calle", "avenida", "rua", "laan", "straat", "gade", "vej", "gatan",
        "vagen", "cadde", "caddesi", "sokak", "sok", "aleja", "al", "plac", "pr", "naberezhnaya", "shosse",
    ]
    /// Words after which a five-digit number is a postal code only if a place is near: "MA
    /// 02115", "00100 Helsinki". A five-digit number elsewhere is a lab value or a count.
    static let postcodeDigits = 4...5

    func apply(_ text: ReportText, protected: [Range<Int>], into marks: inout Candidates) {
        let t = text.tokens
        guard !t.isEmpty else { return }
        // The category of the mark over each token, nil where none is: asked for every token, so
        // it is kept per token rather than searched for among the marks.
        var category = marks.categories(over: t)
        var covered = category.map { $0 != nil }
        var standing = [WordStanding?](repeating: nil, count: t.count)
        let letters = Self.letterCase(text)
        let mixedCase = letters.lower > letters.upper
        // Text in capitals, or without capitals as many nursing notes are: case then says nothing.
        let caseCarriesNoSignal = !mixedCase || letters.upper * 50 < letters.lower
        let protectedToken = text.tokens(inside: protected)
        func word(_ k: Int) -> Bool { t[k].hasLetter && !t[k].hasDigit && !protectedToken[k] }
        func stand(_ k: Int) -> WordStanding {
            if let known = standing[k] { return known }
            let value = word(k) ? vocabulary.standing(text.upper(t[k]), mode: mode) : .clinical
            standing[k] = value
            return value
        }
        /// An all-capitals short word in mixed-case text is an abbreviation far more often than a
        /// name; in text written all in capitals that says nothing.
        func abbreviationShaped(_ k: Int) -> Bool { mixedCase && t[k].allCaps && t[k].count <= 4 }
        func nameShaped(_ k: Int) -> Bool { t[k].capitalised && !t[k].allCaps }
        func markToken(_ k: Int, _ kind: PHISpan.Category) {
            marks.add(t[k].start, t[k].end, kind)
            covered[k] = true
            category[k] = kind
        }
        func markRange(_ range: ClosedRange<Int>, _ kind: PHISpan.Category) {
            marks.add(t[range.lowerBound].start, t[range.upperBound].end, kind)
            for j in range {
                covered[j] = true
                category[j] = kind
            }
        }
        func isNameMark(_ k: Int) -> Bool { category[k] == .name }
        func isPlaceMark(_ k: Int) -> Bool { category[k] == .place || category[k] == .name }

        // Places written as phrases: "New York", "Salt Lake City", "rio de janeiro".
        if Lexicon.placeNameMaxWords > 1 {
            var i = 0
            while i < t.count {
                var matched = 0
                // The hash refuses most words at once; words with non-ASCII letters skip it, since
                // it folds only ASCII case.
                let asciiOnly = !text.bytes[t[i].start..<t[i].end].contains { $0 >= 0x80 }
                if word(i), !covered[i], !asciiOnly || vocabulary.mayBeginPlacePhrase(hash: text.wordHashes[i]),
                   vocabulary.beginsPlacePhrase(text.upper(t[i])) {
                    var phrase = text.upper(t[i])
                    var k = i
                    while k + 1 < t.count, k - i + 1 < Lexicon.placeNameMaxWords, word(k + 1), text.gapIsSpace(t[k], t[k + 1]) {
                        k += 1
                        phrase += " " + text.upper(t[k])
                        if vocabulary.isPlacePhrase(phrase), (i...k).contains(where: { stand($0) != .common && stand($0) != .clinical }) {
                            matched = k
                        }
                    }
                }
                if matched > i {
                    markRange(i...matched, .place)
                    i = matched + 1
                } else {
                    i += 1
                }
            }
        }

        for k in 0..<t.count where !covered[k] && word(k) && t[k].count >= 2 {
            switch stand(k) {
            case .clinical, .common, .commonAndName:
                continue
            case .name, .place:
                guard t[k].count >= 3 || nameShaped(k), !abbreviationShaped(k) || nameCue(text, before: k) else { continue }
                if mode == .balanced, !nameShaped(k), mixedCase { continue }
                markToken(k, stand(k) == .place ? .place : .name)
            case .nameLeaning:
                if abbreviationShaped(k) { continue }
                if mode == .balanced, !nameShaped(k) || startsSentence(text, k) { continue }
                markToken(k, .name)
            case .unknown:
                guard t[k].count >= 3, !abbreviationShaped(k) else { continue }
                if joinedToNumber(text, k) { continue }
                if mode == .balanced, !nameShaped(k) || startsSentence(text, k) { continue }
                markToken(k, .name)
            }
        }

        // Context: a short code after "at"/"from"/"to" names a hospital ("at GH"); a word before a
        // unit names the hospital ("Baystate ER"); a word after a title or a person phrase is a
        // name even in lower case ("dr nicholson", "wife bill").
        for k in 0..<t.count where !covered[k] && word(k) {
            let s = stand(k)
            // A dictionary word is no hospital; a frequent string of web text that no dictionary
            // holds can be one ("UCSF", "Baystate").
            if s == .common, vocabulary.isDictionaryWord(text.upper(t[k])) { continue }
            if k > 0, t[k].allCaps, t[k].count >= 2, t[k].count <= 5, s != .clinical,
               text.token(t[k - 1], isOneOf: Self.placePrepositions), text.gapIsSpace(t[k - 1], t[k]) {
                markToken(k, .place)
                continue
            }
            if s != .clinical, k + 1 < t.count, text.token(t[k + 1], isOneOf: Self.unitWords), text.gapIsSpace(t[k], t[k + 1]),
               t[k].capitalised || !mixedCase {
                markToken(k, .place)
                continue
            }
            // "son bill" but not "son-in-law": function words are never names after a cue.
            if s == .common { continue }
            // A clinical word is a name only after a title and with a capital ("Dr. Ho").
            if s == .clinical, !(t[k].capitalised && nameTitle(text, before: k)) { continue }
            if s == .commonAndName || s == .clinical, nameCue(text, before: k),
               (vocabulary.entry(text.upper(t[k]))?.zipf ?? 0) < 55 || vocabulary.isPopularFirstName(text.upper(t[k])) {
                markToken(k, .name)
                // The rest of the name after the cue: "dr lee horn", "wife mary ann", "garnet s. baker".
                var j = k + 1
                while j < t.count, j - k <= 3, !covered[j], word(j), text.sameLine(t[k], t[j]) {
                    let gap = text.gap(t[j - 1], t[j])
                    guard gap.count <= 2, gap.allSatisfy({ $0 == 0x20 || $0 == 0x2E || $0 == 0x2D }) else { break }
                    if gap.contains(0x2E), t[j - 1].count > 1 { break }
                    let next = stand(j)
                    let initial = t[j].count == 1 && text.byte(at: t[j].end) == 0x2E
                    guard initial || next == .name || next == .nameLeaning || next == .unknown
                            || (next == .commonAndName && vocabulary.isCensusLastName(text.upper(t[j]))
                                && (vocabulary.entry(text.upper(t[j]))?.zipf ?? 0) < 50) else { break }
                    markToken(j, .name)
                    j += 1
                }
            }
        }

        // "Jack Smith", "Jane Doe": a first name and a surname that are both also words, written
        // as a name in mid-sentence; "Maria S.": a popular first name capitalised in mid-sentence.
        if mixedCase {
            for k in 0..<t.count where !covered[k] && word(k) && stand(k) == .commonAndName && nameShaped(k) && !startsSentence(text, k) {
                let upper = text.upper(t[k])
                let pairs = k + 1 < t.count && word(k + 1) && nameShaped(k + 1) && text.gapIsSpace(t[k], t[k + 1])
                    && vocabulary.isFirstName(upper) && vocabulary.isLastName(text.upper(t[k + 1]))
                    && stand(k + 1) != .clinical && stand(k + 1) != .common
                if pairs {
                    markRange(k...(k + 1), .name)
                } else if mode == .recall, vocabulary.isPopularFirstName(upper),
                          k + 1 < t.count, text.byte(at: t[k].end) == 0x20, t[k + 1].count == 1, t[k + 1].capitalised {
                    markToken(k, .name)
                }
            }
        }

        // Hospitals written without capitals: "ball memorial hospital", "st joseph regional
        // medical center". The capitalised forms are PlaceRules' work.
        if caseCarriesNoSignal {
            for k in 1..<max(1, t.count) where !covered[k] && text.token(t[k], isOneOf: Self.institutionKinds) {
                var end = k
                while end + 1 < t.count, text.token(t[end + 1], isOneOf: PlaceRules.institutionWords), text.gapIsSpace(t[end], t[end + 1]) { end += 1 }
                var first = k
                while first - 1 >= 0, k - first < 3, word(first - 1), !covered[first - 1] || category[first - 1] == .place || category[first - 1] == .name,
                      text.gapIsSpace(t[first - 1], t[first], allowing: [0x2E, 0x27]), stand(first - 1) != .clinical,
                      !text.token(t[first - 1], isOneOf: Self.notInstitutionNames) { first -= 1 }
                guard first < k else { continue }
                markRange(first...end, .place)
            }
        }

        // Names before a credential in text without capitals: "garnet s. baker, md", "lee horn,
        // bsn rn". NameRules finds the capitalised ones.
        if caseCarriesNoSignal {
            for c in 1..<max(1, t.count) where text.token(t[c], isOneOf: Self.credentialsAfterComma) {
                guard text.gap(t[c - 1], t[c]).first == 0x2C, text.sameLine(t[c - 1], t[c]) else { continue }
                var first = c
                while first - 1 >= 0, c - first < 4, word(first - 1), text.sameLine(t[first - 1], t[c]) {
                    let j = first - 1
                    let gap = text.gap(t[j], t[first])
                    guard first == c || (gap.count <= 2 && gap.allSatisfy({ $0 == 0x20 || $0 == 0x2E || $0 == 0x2D })) else { break }
                    let initial = t[j].count == 1 && text.byte(at: t[j].end) == 0x2E
                    let kind = stand(j)
                    guard initial || kind == .name || kind == .nameLeaning || kind == .unknown || kind == .commonAndName else { break }
                    first = j
                }
                guard first < c else { continue }
                markRange(first...(c - 1), .name)
            }
        }

        // Places written "Saint X" or "Mount X": "St. Vincent's", "Mt. Sinai".
        for k in 0..<t.count where k + 1 < t.count && !covered[k + 1] && t[k].capitalised && t[k + 1].capitalised && word(k + 1) {
            guard text.token(t[k], is: "st") || text.token(t[k], is: "mt") || text.token(t[k], is: "saint") || text.token(t[k], is: "mount"),
                  text.gapIsSpace(t[k], t[k + 1], allowing: [0x2E]), stand(k + 1) != .clinical else { continue }
            markRange(k...(k + 1), .place)
        }

        // A state after a place found: "Atlanta, GA", "Detroit, MI".
        for k in 1..<t.count where !covered[k] && t[k].count == 2 && t[k].allCaps && PlaceRules.states.contains(text.string(t[k])) {
            // A place, not a person: "Serrano, MD" is a credential.
            guard covered[k - 1], category[k - 1] == .place || (vocabulary.entry(text.upper(t[k - 1]))?.flags ?? 0) & Vocabulary.place != 0,
                  text.gap(t[k - 1], t[k]).elementsEqual([0x2C, 0x20]) else { continue }
            markToken(k, .place)
        }

        // A word that is also a name is one next to a name found: "Bill Nicholson", "Carol Young".
        // The neighbour must be a listed name or one written as a name: an unknown word beside it
        // may be a rare clinical word ("lobe pleuroparenchymal near").
        // Frequent words ("in", "son", "law") are words beside any name, unless a popular first name.
        func couldBeName(_ k: Int) -> Bool {
            let upper = text.upper(t[k])
            return (vocabulary.entry(upper)?.zipf ?? 0) < 50 || vocabulary.isPopularFirstName(upper)
        }
        func anchor(_ j: Int) -> Bool {
            guard covered[j], word(j), isNameMark(j) else { return false }
            return stand(j) == .name || stand(j) == .nameLeaning || nameShaped(j)
        }
        for k in 0..<t.count where !covered[k] && word(k) && stand(k) == .commonAndName {
            guard caseCarriesNoSignal ? mode == .recall : nameShaped(k), couldBeName(k) else { continue }
            let before = k > 0 && text.gapIsSpace(t[k - 1], t[k]) && anchor(k - 1)
            let after = k + 1 < t.count && text.gapIsSpace(t[k], t[k + 1]) && anchor(k + 1)
            if before || after { markToken(k, .name) }
        }

        // "o'malley", "D'Angelo": the letter before the apostrophe belongs to the name.
        for k in 0..<(t.count - 1) where !covered[k] && t[k].count == 1 && covered[k + 1] && isNameMark(k + 1) {
            let letter = text.bytes[t[k].start] | 0x20
            if letter == 0x6F || letter == 0x64, text.gap(t[k], t[k + 1]).elementsEqual([0x27]) { markToken(k, .name) }
        }

        // An initial after a name: "Anna S.", "John Q., who".
        for k in 1..<t.count where !covered[k] && t[k].count == 1 && t[k].capitalised && t[k].hasLetter {
            guard covered[k - 1], text.gapIsSpace(t[k - 1], t[k]), text.byte(at: t[k].end) == 0x2E,
                  isNameMark(k - 1) else { continue }
            markToken(k, .name)
        }

        addresses(text, covered: &covered, category: &category, into: &marks)
        phoneNumbersAfterCue(text, covered: &covered, into: &marks)

        // A word found as a name anywhere is a name everywhere in the text, in any letter case,
        // unless it is also vocabulary ("Will" in "Will Smith" leaves "will" alone).
        var names = Set<String>()
        for k in 0..<t.count where category[k] == .name && word(k) && t[k].count >= 3 {
            if stand(k) != .common, stand(k) != .clinical, stand(k) != .commonAndName { names.insert(text.upper(t[k])) }
        }
        guard !names.isEmpty else { return }
        for k in 0..<t.count where !covered[k] && word(k) && t[k].count >= 3 && names.contains(text.upper(t[k])) {
            markToken(k, .name)
        }
    }


    /// A word right after a title or a person-introducing phrase: "Dr. nicholson", "wife bill",
    /// "spoke with CAROL".
    func nameCue(_ text: ReportText, before k: Int) -> Bool {
        guard k > 0 else { return false }
        let t = text.tokens
        if nameTitle(text, before: k) { return true }
        for length in 1...2 where k - length >= 0 {
            if NameRules.introducerLengths(text, at: k - length) == length, text.sameLine(t[k - length], t[k]) { return true }
            if NameRules.labelLengths(text, at: k - length) == length, text.sameLine(t[k - length], t[k]) { return true }
        }
        return false
    }

    func nameTitle(_ text: ReportText, before k: Int) -> Bool {
        let t = text.tokens
        return k > 0 && text.token(t[k - 1], isOneOf: NameRules.titles) && text.sameLine(t[k - 1], t[k])
            && t[k].start - t[k - 1].end <= 2
    }

    /// "on PO", "10mg": a word glued to a number with no space is a unit or a code.
    func joinedToNumber(_ text: ReportText, _ k: Int) -> Bool {
        let t = text.tokens
        if k > 0, t[k - 1].end == t[k].start { return true }
        if k > 0, t[k - 1].hasDigit, t[k].start - t[k - 1].end == 1, text.bytes[t[k - 1].end] == 0x2F { return true }
        if k + 1 < t.count, t[k + 1].start == t[k].end { return true }
        return false
    }

    func startsSentence(_ text: ReportText, _ k: Int) -> Bool {
        var p = text.tokens[k].start - 1
        while p >= 0, text.bytes[p] == 0x20 || text.bytes[p] == 0x09 || text.bytes[p] == 0x22 || text.bytes[p] == 0x28 { p -= 1 }
        guard p >= 0 else { return true }
        switch text.bytes[p] {
        case 0x2E, 0x21, 0x3F, 0x3A, 0x0A, 0x0D, 0x2D, 0x2A, 0x23: return true
        default: return false
        }
    }

    /// How many ASCII letters are lower and upper case: mostly lower case makes a word in capitals
    /// stand out as an abbreviation; a text in capitals, or one without capitals, says nothing by
    /// case.
    static func letterCase(_ text: ReportText) -> (lower: Int, upper: Int) {
        var lower = 0
        var upper = 0
        for b in text.bytes {
            if b >= 0x61 && b <= 0x7A { lower += 1 } else if b >= 0x41 && b <= 0x5A { upper += 1 }
        }
        return (lower, upper)
    }

    /// House numbers and postal codes next to places and street words: "8734 [Kshlerin] Ridge",
    /// "[Kossuth Lajos] utca 12", "00100 [Helsinki]", "[Baltimore], MD 21201", "Apt 2B".
    func addresses(_ text: ReportText, covered: inout [Bool], category: inout [PHISpan.Category?], into marks: inout Candidates) {
        let t = text.tokens
        func markRange(_ range: ClosedRange<Int>) {
            marks.add(t[range.lowerBound].start, t[range.upperBound].end, .place)
            for j in range {
                covered[j] = true
                category[j] = .place
            }
        }
        func isPlaceMark(_ k: Int) -> Bool { k >= 0 && k < t.count && (category[k] == .place || category[k] == .name) }
        func isPlaceOrName(_ k: Int) -> Bool { k >= 0 && k < t.count && covered[k] && t[k].hasLetter }
        func number(_ k: Int) -> Bool { k >= 0 && k < t.count && t[k].hasDigit && t[k].count <= 6 && !covered[k] }
        func houseNumber(_ k: Int) -> Bool { number(k) && t[k].count <= 5 && (!t[k].hasLetter || t[k].count <= 4) }
        func street(_ k: Int) -> Bool { k >= 0 && k < t.count && text.token(t[k], isOneOf: Self.streetWords) }
        func near(_ a: Int, _ b: Int) -> Bool { text.sameLine(t[a], t[b]) && t[b].start - t[a].end <= 3 }
        /// The end of "58/35", "5 A 7", "12B", ", kv. 8", ", Apt 2B" after a house number at `k`.
        func flat(after k: Int) -> Int {
            var end = k
            if end + 2 < t.count, text.gap(t[end], t[end + 1]).elementsEqual([0x2F]), t[end + 1].hasDigit { end += 1 }
            if end + 1 < t.count, t[end + 1].count == 1, t[end + 1].hasLetter, text.gapIsSpace(t[end], t[end + 1]) {
                end += 1
                if number(end + 1), text.gapIsSpace(t[end], t[end + 1]) { end += 1 }
            }
            if end + 2 < t.count, text.token(t[end + 1], isOneOf: Self.flatWords), near(end, end + 1), near(end + 1, end + 2),
               t[end + 2].hasDigit { end += 2 }
            return end
        }
        for k in 0..<t.count where street(k) && t[k].hasLetter {
            // The street's name: marked words before the street word ("Kshlerin Ridge") or after
            // it ("ul. Długa", "rue Lepic").
            var first = k
            while first - 1 >= 0, isPlaceOrName(first - 1), near(first - 1, first), k - first < 4 { first -= 1 }
            var last = k
            if text.token(t[k], isOneOf: Self.streetWordsBeforeName) {
                while last + 1 < t.count, isPlaceOrName(last + 1), near(last, last + 1), last - k < 4 { last += 1 }
            }
            // Lower case or unlisted: "4 w oak lane" — a house number, up to three words and an
            // unambiguous street word.
            if first == k, last == k, text.token(t[k], isOneOf: Self.unambiguousStreetWords) {
                var j = k - 1
                while j >= 0, k - j <= 3, t[j].hasLetter, !t[j].hasDigit, near(j, j + 1) { j -= 1 }
                if j < k - 1, houseNumber(j), near(j, j + 1) { first = j + 1 }
            }
            guard first < k || last > k else { continue }
            var start = first
            var end = last
            if houseNumber(first - 1), near(first - 1, first) { start = first - 1 }
            if houseNumber(last + 1), near(last, last + 1) { end = flat(after: last + 1) }
            markRange(start...end)
        }
        // House-number words after a street's name: "Ryabinovyy, d. 3/6", "Vatmanskyi, bud. 69",
        // "Dinu Nr. 896".
        for k in 1..<max(1, t.count - 1) where text.token(t[k], isOneOf: Self.houseNumberWords) && isPlaceOrName(k - 1) {
            guard text.sameLine(t[k - 1], t[k]), t[k].start - t[k - 1].end <= 2, houseNumber(k + 1), near(k, k + 1) else { continue }
            markRange(k...flat(after: k + 1))
        }
        // A house number before a street's name that a comma ends: "630 Urheilubulevardi, Halsua",
        // "4 Haaksikatu, Siikalatva".
        for k in 0..<max(0, t.count - 1) where houseNumber(k) && !t[k].hasLetter && isPlaceOrName(k + 1) && near(k, k + 1) {
            var last = k + 1
            while last + 1 < t.count, isPlaceOrName(last + 1), near(last, last + 1), last - k < 3 { last += 1 }
            guard last + 1 < t.count, text.gap(t[last], t[last + 1]).first == 0x2C, isPlaceMark(last + 1) || t[last + 1].hasDigit,
                  k == 0 || [0x2C, 0x3A].contains(text.gap(t[k - 1], t[k]).first ?? 0) || text.token(t[k - 1], isOneOf: Self.addressCues)
            else { continue }
            markRange(k...k)
        }
        // A house number after a street's name, where a postcode or a place follows:
        // "Elonpolku 188, 00100 Helsinki", "Długa 58/35, 80-831 Gdańsk".
        for k in 1..<max(1, t.count) where houseNumber(k) && isPlaceOrName(k - 1) && near(k - 1, k) && !t[k - 1].allCaps {
            let end = flat(after: k)
            guard end + 1 < t.count, text.gap(t[end], t[end + 1]).first == 0x2C,
                  t[end + 1].hasDigit || isPlaceMark(end + 1) else { continue }
            markRange(k...end)
        }
        // Postal codes beside a place: four or five digits ("1055 Budapest", "00100 Helsinki",
        // "Helsinki 00100"), "00-590 Warszawa", "475 27 Zruč", ZIP+4; and after a label
        // ("Postcode: 6520", "ZIP 02115").
        for k in 0..<t.count where number(k) && !t[k].hasLetter && (2...5).contains(t[k].count) {
            var start = k
            var end = k
            // "80-831", "475 27": a postcode written in two groups.
            if k + 1 < t.count, !t[k + 1].hasLetter, t[k + 1].hasDigit, t[k].count + t[k + 1].count == 5,
               DateTimeRules.separator(text, t[k], t[k + 1]) == 0x2D || text.gapIsSpace(t[k], t[k + 1]) {
                end = k + 1
            } else if t[k].count < 4 {
                continue
            }
            if end + 1 < t.count, t[end + 1].count == 4, !t[end + 1].hasLetter, DateTimeRules.separator(text, t[end], t[end + 1]) == 0x2D {
                end += 1
            }
            let placeAfter = end + 1 < t.count && isPlaceMark(end + 1) && category[end + 1] != nil && text.gapIsSpace(t[end], t[end + 1])
            let placeBefore = start > 0 && isPlaceMark(start - 1) && text.sameLine(t[start - 1], t[start]) && t[start].start - t[start - 1].end <= 2
            var stateBefore = false
            if start > 0, t[start].count == 5, t[start - 1].allCaps, t[start - 1].count == 2,
               PlaceRules.states.contains(text.string(t[start - 1])), text.gapIsSpace(t[start - 1], t[start]) { stateBefore = true }
            let labelled = start > 0 && text.token(t[start - 1], isOneOf: Self.postcodeLabels) && near(start - 1, start)
                || start > 1 && text.token(t[start - 1], is: "code") && text.token(t[start - 2], is: "postal")
            guard placeAfter || placeBefore || stateBefore || labelled else { continue }
            // "H-1055 Budapest", "CH-8001", "D-10115": a country letter before the code.
            if start > 0, t[start - 1].hasLetter, !t[start - 1].hasDigit, t[start - 1].count <= 2, t[start - 1].allCaps || t[start - 1].count == 1,
               DateTimeRules.separator(text, t[start - 1], t[start]) == 0x2D {
                start -= 1
            }
            markRange(start...end)
            start = end
        }
        // Postcodes with letters, distinctive enough to stand alone: "NG2 9BN", "K1A 0B1",
        // "6243 RW" beside a place.
        for k in 0..<(t.count - 1) where !covered[k] && !covered[k + 1] && t[k].hasDigit && t[k + 1].hasDigit {
            guard text.gapIsSpace(t[k], t[k + 1]), isOutwardCode(text, t[k]), isInwardCode(text, t[k + 1]) else { continue }
            markRange(k...(k + 1))
        }
    }

    /// Words after which digit groups are a phone number in any national layout: "telephone 041
    /// 418 338", "call 129 59 91", "reachable on 8 216 340 9536".
    static let phoneCues: WordSet = [
        "phone", "telephone", "tel", "call", "mobile", "cell", "fax", "ph", "reachable", "contact", "number", "pager",
        "tfn", "mob", "telefon", "telefono", "whatsapp", "sms", "text", "dial",
    ]

    /// Digit groups after a phone word, or after a "+", that add up to a phone number's length.
    func phoneNumbersAfterCue(_ text: ReportText, covered: inout [Bool], into marks: inout Candidates) {
        let t = text.tokens
        var k = 0
        while k < t.count {
            guard t[k].hasDigit, !t[k].hasLetter, !covered[k] else { k += 1; continue }
            var cue = false
            let plus = t[k].start > 0 && text.bytes[t[k].start - 1] == 0x2B
            for back in 1...3 where k - back >= 0 {
                if text.token(t[k - back], isOneOf: Self.phoneCues), text.sameLine(t[k - back], t[k]) { cue = true }
                if t[k - back].hasDigit { break }
            }
            guard cue || plus else { k += 1; continue }
            var end = k
            var digits = t[k].count
            while end + 1 < t.count, t[end + 1].hasDigit, !t[end + 1].hasLetter, !covered[end + 1] {
                let gap = text.gap(t[end], t[end + 1])
                guard gap.count <= 3, gap.allSatisfy({ [0x20, 0x2D, 0x2E, 0x2F, 0x28, 0x29].contains($0) }) else { break }
                end += 1
                digits += t[end].count
            }
            if (6...15).contains(digits), end > k || digits >= 8 {
                marks.add(plus ? t[k].start - 1 : t[k].start, t[end].end, .contact)
                for j in k...end { covered[j] = true }
            }
            k = end + 1
        }
    }

    /// Credentials written after a name and a comma.
    static let credentialsAfterComma: WordSet = [
        "md", "do", "rn", "bsn", "msn", "np", "pa", "phd", "mbbs", "dnp", "fnp", "aprn", "crna", "lpn", "rrt", "pt", "ot",
        "slp", "lcsw", "msw", "pharmd", "dpm", "dds", "cnm", "cna", "emt",
    ]

    /// Words that make the words before a hospital word its name: "ball memorial hospital",
    /// "st vincent regional medical center".
    static let institutionKinds: WordSet = [
        "memorial", "regional", "community", "general", "methodist", "baptist", "presbyterian", "lutheran", "mercy",
        "university", "county", "childrens", "children", "veterans", "saint", "st", "sacred", "deaconess",
    ]
    /// Words before such a word that name no hospital: "the community hospital", "a general ward".
    static let notInstitutionNames: WordSet = [
        "the", "a", "an", "at", "to", "from", "in", "of", "and", "or", "our", "this", "that", "outside", "local", "other",
        "same", "another", "prior", "previous", "with", "by", "for", "on",
    ]

    /// Words for "house number" in several languages, written before the number.
    static let houseNumberWords: WordSet = ["d", "dom", "bud", "budynok", "nr", "no", "numero", "num", "hausnr", "house"]
    /// Words right before an address's house number: "lives at 630 ...", "moved to 4 ...".
    static let addressCues: WordSet = ["at", "to", "address", "from", "in", "is"]

    /// Street words written before the street's name: "ul. Długa", "rue Lepic", "via Roma".
    static let streetWordsBeforeName: WordSet = [
        "ul", "ulica", "ulitsa", "vul", "vulytsia", "rue", "via", "viale", "corso", "piazza", "calle", "avenida", "rua",
        "aleja", "al", "plac", "pr", "prospekt", "bul", "bulvar", "avenue", "boulevard", "strada", "str", "pasaje", "paseo",
    ]

    /// Flat and apartment words after a house number: "kv. 8", "Apt 2B", "m. 4".
    static let flatWords: WordSet = ["apt", "apartment", "suite", "ste", "unit", "flat", "kv", "kvartira", "lok", "m", "app", "door", "dept", "piso", "et"]
    /// Street words that are rarely anything else after a number in clinical text ("3 way foley",
    /// "2 point restraints" are not addresses).
    static let unambiguousStreetWords: WordSet = [
        "street", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive", "terrace", "parkway", "pkwy",
        "highway", "hwy", "crescent", "utca", "katu", "ulica", "strasse", "weg", "allee", "gasse", "laan", "straat",
        "vej", "gatan", "prospekt", "cadde", "caddesi", "sokak", "avenida", "calle", "rua",
    ]
    static let postcodeLabels: WordSet = ["postcode", "zip", "zipcode", "postleitzahl", "plz", "cep", "cap"]

    /// The first half of a UK or Canadian postcode: "NG2", "SW1A", "K1A", "M5V".
    func isOutwardCode(_ text: ReportText, _ token: ReportText.Token) -> Bool {
        let b = text.bytes[token.start..<token.end].map { $0 & 0xDF }
        guard (2...4).contains(b.count), b.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x10 && $0 <= 0x19) }) else { return false }
        let letter = { (x: UInt8) in x >= 0x41 && x <= 0x5A }
        let digit = { (x: UInt8) in x >= 0x10 && x <= 0x19 }  // digits after clearing bit 5
        return letter(b[0]) && b.dropFirst().contains(where: digit) && b.count >= 2 && (digit(b[1]) || (b.count > 2 && digit(b[2])))
    }

    /// The second half: digit letter letter ("9BN") or digit letter digit ("0B1").
    func isInwardCode(_ text: ReportText, _ token: ReportText.Token) -> Bool {
        let b = Array(text.bytes[token.start..<token.end])
        guard b.count == 3 else { return false }
        let isDigit = { (x: UInt8) in x >= 0x30 && x <= 0x39 }
        let isLetter = { (x: UInt8) in (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A }
        return isDigit(b[0]) && isLetter(b[1]) && (isLetter(b[2]) || isDigit(b[2]))
    }
}
