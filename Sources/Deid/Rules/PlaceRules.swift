/// Street addresses, "City, ST 12345", ZIP codes, places introduced by "lives in", and hospital
/// and institution names.
struct PlaceRules {
    static let streetSuffixes: WordSet = [
        "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "drive", "dr", "lane", "ln", "way", "court",
        "ct", "place", "pl", "parkway", "pkwy", "highway", "hwy", "circle", "cir", "terrace", "ter", "trail", "trl",
        "square", "sq", "pike", "row", "alley",
    ]
    static let directions: WordSet = ["n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west"]
    static let unitWords: WordSet = ["apt", "apartment", "suite", "ste", "unit", "floor", "fl", "room", "rm"]
    static let states: Set<String> = [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME",
        "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
        "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC",
    ]
    /// Words that end an institution's name.
    static let institutionWords: WordSet = [
        "hospital", "hospitals", "clinic", "clinics", "health", "healthcare", "infirmary", "university", "college",
        "institute", "center", "centre", "sanatorium", "hospice", "pavilion", "medical",
    ]
    /// Capitalised words that follow an institution's name without being part of it.
    static let notPlaceWords: WordSet = [
        "emergency", "department", "radiology", "imaging", "finalized", "signed", "dictated", "patient", "comparison",
        "technique", "findings", "impression", "history", "exam", "on", "at", "and", "the", "for", "view", "questions",
        "location", "clinical", "indication", "report", "ordering", "referring", "attending", "physician", "in",
    ]
    static let placeIntroducers: [[String]] = [
        ["lives", "in"], ["living", "in"], ["resides", "in"], ["resident", "of"], ["moved", "from"], ["moved", "to"],
        ["transferred", "from"], ["transferred", "to"], ["transfer", "from"], ["visiting", "from"], ["traveled", "to"],
        ["travelled", "to"], ["traveled", "from"], ["born", "in"], ["works", "at"], ["employed", "at"],
    ]

    static let introducerSeconds = Dictionary(grouping: placeIntroducers, by: { $0[0] }).mapValues { Set($0.map { $0[1] }) }

    static func apply(_ text: ReportText, into marks: inout Candidates) {
        let t = text.tokens
        var i = 0
        while i < t.count {
            if let end = streetAddress(text, at: i) { marks.add(t[i].start, t[end].end, .place); i = end + 1; continue }
            if let (first, end) = cityStateZip(text, at: i) { marks.add(t[first].start, t[end].end, .place); i = end + 1; continue }
            if let end = introducedPlace(text, at: i) { marks.add(t[i + 2].start, t[end].end, .place); i = end + 1; continue }
            i += 1
        }
        institutions(text, into: &marks)
    }

    static func isCapitalisedWord(_ token: ReportText.Token) -> Bool { token.capitalised && token.hasLetter && !token.hasDigit }

    /// `1234 N Meridian St`, `55 West 4th Street, Apt 2B`, `PO Box 9922`.
    static func streetAddress(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens
        if i + 2 < t.count, text.token(t[i], is: "po"), text.token(t[i + 1], is: "box"), t[i + 2].hasDigit,
           text.sameLine(t[i], t[i + 2]) { return i + 2 }
        guard t[i].hasDigit, !t[i].hasLetter, t[i].count <= 6, i + 2 < t.count else { return nil }
        var k = i + 1
        if text.token(t[k], isOneOf: directions), t[k].capitalised { k += 1 }
        var words = 0
        while k < t.count, words < 4, text.sameLine(t[i], t[k]), t[k].capitalised || (t[k].hasDigit && t[k].hasLetter) {
            if text.token(t[k], isOneOf: streetSuffixes), words > 0 {
                var end = k
                if end + 1 < t.count, text.token(t[end + 1], isOneOf: directions), t[end + 1].capitalised,
                   text.sameLine(t[end], t[end + 1]) { end += 1 }
                // Apartment or suite: ", Apt 2B".
                if end + 2 < t.count, text.token(t[end + 1], isOneOf: unitWords), text.sameLine(t[end], t[end + 2]),
                   t[end + 2].hasDigit { end += 2 }
                return end
            }
            words += 1
            k += 1
        }
        return nil
    }

    /// `Indianapolis, IN 46202`, `IN 46202-1234`: the city words, the state and the ZIP. The ZIP
    /// is required: most state codes are also words or credentials ("Jane Roe, MD", "PA view").
    static func cityStateZip(_ text: ReportText, at i: Int) -> (Int, Int)? {
        let t = text.tokens
        guard t[i].count == 2, t[i].allCaps, states.contains(text.string(t[i])) else { return nil }
        guard i + 1 < t.count, DateTimeRules.digits(text, t[i + 1]) != nil, t[i + 1].count == 5,
              text.sameLine(t[i], t[i + 1]) else { return nil }
        var end = i + 1
        if end + 1 < t.count, DateTimeRules.separator(text, t[end], t[end + 1]) == 0x2D, t[end + 1].count == 4 { end += 1 }
        // The city: capitalised words right before ", ST".
        var first = i
        guard i > 0, text.gap(t[i - 1], t[i]).first == 0x2C else { return (i, end) }
        var k = i - 1
        while k >= 0, i - k <= 3, isCapitalisedWord(t[k]), text.sameLine(t[k], t[i]) {
            first = k
            if k == 0 || !text.gapIsSpace(t[k - 1], t[k]) { break }
            k -= 1
        }
        return (first, end)
    }

    /// "lives in Carmel", "transferred from Muncie": the capitalised words after the phrase.
    static func introducedPlace(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens
        guard i + 2 < t.count else { return nil }
        guard isCapitalisedWord(t[i + 2]), let seconds = introducerSeconds[text.lower(t[i])],
              seconds.contains(text.lower(t[i + 1])) else { return nil }
        var end = i + 2
        while end + 1 < t.count, end - i < 4, isCapitalisedWord(t[end + 1]), text.gapIsSpace(t[end], t[end + 1]) { end += 1 }
        return end
    }

    /// A run of capitalised words ending in an institution word: "Methodist Hospital", "St.
    /// Vincent Medical Center", "Riley Children's Hospital", "University of Chicago Medical Center".
    static func institutions(_ text: ReportText, into marks: inout Candidates) {
        let t = text.tokens
        var i = 0
        while i < t.count {
            guard t[i].capitalised, text.token(t[i], isOneOf: institutionWords) else { i += 1; continue }
            var last = i
            while last + 1 < t.count, t[last + 1].capitalised, text.token(t[last + 1], isOneOf: institutionWords),
                  text.gapIsSpace(t[last], t[last + 1]) { last += 1 }
            // "University of Chicago ..."
            if last + 2 < t.count, text.token(t[last + 1], is: "of"), isCapitalisedWord(t[last + 2]) {
                last += 2
                while last + 1 < t.count, isCapitalisedWord(t[last + 1]), text.gapIsSpace(t[last], t[last + 1]) { last += 1 }
            }
            var first = i
            var k = i - 1
            while k >= 0, i - k <= 5 {
                let gapOK = text.gapIsSpace(t[k], t[first], allowing: [0x2E, 0x27, 0x2D])
                guard gapOK else { break }
                if isCapitalisedWord(t[k]) || (t[k].count == 1 && text.token(t[k], is: "s")) || t[k].allCaps {
                    first = k
                    k -= 1
                } else { break }
            }
            // "the Hospital" or a sentence that starts "Hospital course" names nothing, and
            // "Medical" must end in Center, College, ... to be part of a name.
            if (first < i || last > i + 1), !text.token(t[last], is: "medical") {
                // A branch or city after the name: "Community Hospital North", "Franciscan Health
                // Indianapolis", "Methodist Hospital in Evansville".
                var end = last
                if end + 1 < t.count, isCapitalisedWord(t[end + 1]), text.gapIsSpace(t[end], t[end + 1]),
                   !text.token(t[end + 1], isOneOf: Self.notPlaceWords) {
                    end += 1
                }
                if end + 2 < t.count, text.token(t[end + 1], is: "in"), isCapitalisedWord(t[end + 2]),
                          text.gapIsSpace(t[end], t[end + 1]), text.gapIsSpace(t[end + 1], t[end + 2]) {
                    marks.add(t[end + 2].start, t[end + 2].end, .place)
                    if end + 3 < t.count, isCapitalisedWord(t[end + 3]), text.gapIsSpace(t[end + 2], t[end + 3]),
                       !text.token(t[end + 3], isOneOf: Self.notPlaceWords) {
                        marks.add(t[end + 2].start, t[end + 3].end, .place)
                    }
                }
                marks.add(t[first].start, t[end].end, .place)
            }
            i = last + 1
        }
    }
}
