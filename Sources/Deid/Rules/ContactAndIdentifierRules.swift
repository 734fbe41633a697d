/// Phone and fax numbers (also international, short and extension-only ones), e-mail addresses,
/// URLs, IP addresses, SSNs and every kind of ID number. Ranges of values ("100-120",
/// "1900-0700", "60-70s") are not identifiers: nursing notes are full of them.
struct ContactAndIdentifierRules {
    /// Words after which the next number-bearing token is an identifier, whatever it looks like.
    static let idKeywords: WordSet = [
        "mrn", "mr", "acc", "accession", "account", "acct", "id", "identifier", "serial", "sn", "license", "licence",
        "lic", "npi", "dea", "order", "encounter", "visit", "case", "specimen", "device", "badge", "member", "policy",
        "insurance", "requisition", "req", "record", "ssn", "fin", "csn", "har", "empi", "upi", "unit", "lot", "model",
    ]
    /// Lab values that reach six digits ("Plt 150000", "viral load 250000"): a number after them is
    /// a result, not an identifier.
    static let labWords: WordSet = ["plt", "plts", "platelets", "wbc", "hct", "hgb", "glucose", "cd4", "load", "copies", "vl", "count"]
    static let fillers: WordSet = ["number", "no", "num", "nbr", "nr", "is", "of"]

    static let phoneSeparators: Set<[UInt8]> = [[0x2D], [0x2E], [0x20], [0x29, 0x20], [0x29], [0x29, 0x2D]]

    /// Words before a short number that make it a phone extension or a pager: "ext. 4567",
    /// "pager 1234", "beeper #2345", "page 4-5678". The number needs four digits or more, so
    /// "page 2" and "ph 7.35" stay.
    static let shortNumberWords: WordSet = [
        "ext", "extension", "pager", "beeper", "pgr", "bpr", "page", "paged", "tel", "phone", "ph", "cell", "fax",
        "telephone", "mobile", "beep", "pg",
    ]
    /// Words before a seven-digit-less "555-1234" that make it a phone number rather than a range
    /// ("500-1000 cc"): a number with a leading zero after the hyphen ("555-0142") needs none.
    static let phoneContext: WordSet = [
        "phone", "ph", "tel", "telephone", "cell", "mobile", "call", "called", "calls", "calling", "page", "paged", "pager",
        "beeper", "pgr", "fax", "contact", "number", "num", "no", "home", "work", "reach", "reached", "dial", "ext",
        "extension", "office", "voicemail", "vm", "line",
    ]

    static func apply(_ text: ReportText, into marks: inout Candidates) {
        let t = text.tokens
        let b = text.bytes
        var i = 0
        while i < t.count {
            if let end = phone(text, at: i) { marks.add(phoneStart(text, i), t[end].end, .contact); i = end + 1; continue }
            if let (start, end) = internationalPhone(text, at: i) { marks.add(start, t[end].end, .contact); i = end + 1; continue }
            if let end = shortPhone(text, at: i) { marks.add(phoneStart(text, i), t[end].end, .contact); i = end + 1; continue }
            if let end = extensionOnly(text, at: i) { marks.add(t[end == i ? i : i + 1].start, t[end].end, .contact); i = end + 1; continue }
            if let end = ssn(text, at: i) { marks.add(t[i].start, t[end].end, .identifier); i = end + 1; continue }
            if let end = ipv4(text, at: i) { marks.add(t[i].start, t[end].end, .contact); i = end + 1; continue }
            if text.token(t[i], isOneOf: idKeywords), let (first, last) = identifierAfterKeyword(text, at: i) {
                marks.add(t[first].start, t[last].end, .identifier)
                i = last + 1
                continue
            }
            if let last = standaloneIdentifier(text, at: i) {
                marks.add(t[i].start, t[last].end, .identifier)
                i = last + 1
                continue
            }
            i += 1
        }
        // E-mail addresses and URLs are found in the bytes: their tokens are split by punctuation.
        var k = 0
        while k < b.count {
            if b[k] == 0x40, let (start, end) = email(b, at: k) { marks.add(start, end, .contact); k = end; continue }
            if b[k] | 0x20 == 0x68 || b[k] | 0x20 == 0x77 || b[k] | 0x20 == 0x66, let end = url(b, at: k) {
                marks.add(k, end, .contact)
                k = end
                continue
            }
            k += 1
        }
    }

    static func digitCount(_ text: ReportText, _ token: ReportText.Token) -> Int {
        text.bytes[token.start..<token.end].reduce(0) { $0 + ($1 >= 0x30 && $1 <= 0x39 ? 1 : 0) }
    }

    static func isDigits(_ token: ReportText.Token, count: Int) -> Bool { token.hasDigit && !token.hasLetter && token.count == count }

    /// A leading `(` of an area code belongs to the number.
    static func phoneStart(_ text: ReportText, _ i: Int) -> Int {
        let start = text.tokens[i].start
        return start > 0 && text.bytes[start - 1] == 0x28 ? start - 1 : start
    }

    /// `(317) 555-0142`, `317-555-0142`, `317.555.0142`, `317 555 0142`, `+1 317 555 0142`, with an
    /// extension.
    static func phone(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens
        var k = i
        // The country code: `+1 317 ...`, `1-317-...`.
        if isDigits(t[k], count: 1), text.bytes[t[k].start] == 0x31, k + 3 < t.count, t[k + 1].start - t[k].end <= 2 { k += 1 }
        guard k + 2 < t.count, isDigits(t[k], count: 3), isDigits(t[k + 1], count: 3), isDigits(t[k + 2], count: 4) else { return nil }
        let gap1 = text.gap(t[k], t[k + 1]), gap2 = text.gap(t[k + 1], t[k + 2])
        guard Self.phoneSeparators.contains(Array(gap1)), gap2 == [0x2D] || gap2 == [0x2E] || gap2 == [0x20] else { return nil }
        // A space-separated triple is only a phone number when it is not a measurement list.
        if gap1 == [0x20] && gap2 == [0x20] && k == i && !(t[k].start > 0 && text.bytes[t[k].start - 1] == 0x28) { return nil }
        var end = k + 2
        if end + 2 < t.count, text.token(t[end + 1], is: "ext") || text.token(t[end + 1], is: "x"),
           text.sameLine(t[end], t[end + 2]), t[end + 2].hasDigit, !t[end + 2].hasLetter { end += 2 }
        // "x437" written as one token.
        else if end + 1 < t.count, t[end + 1].start - t[end].end <= 1, text.bytes[t[end + 1].start] | 0x20 == 0x78,
                t[end + 1].count >= 2, text.bytes[(t[end + 1].start + 1)..<t[end + 1].end].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            end += 1
        }
        return end
    }

    static func ssn(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens
        guard i + 2 < t.count, isDigits(t[i], count: 3), isDigits(t[i + 1], count: 2), isDigits(t[i + 2], count: 4),
              text.gap(t[i], t[i + 1]) == [0x2D], text.gap(t[i + 1], t[i + 2]) == [0x2D] else { return nil }
        return i + 2
    }

    static func ipv4(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens
        guard i + 3 < t.count else { return nil }
        for k in i...(i + 3) {
            guard t[k].hasDigit, !t[k].hasLetter, t[k].count <= 3, DateTimeRules.digits(text, t[k]).map({ $0 <= 255 }) == true else { return nil }
            if k > i, text.gap(t[k - 1], t[k]) != [0x2E] { return nil }
        }
        return i + 3
    }

    /// The value after `MRN:`, `Acc#`, `account number`, `serial number`, `license no.`: tokens with
    /// a digit, joined by `-`, `/` or `.` (`RAD-2024-118823`, `SN-4482-XK9`).
    static func identifierAfterKeyword(_ text: ReportText, at i: Int) -> (Int, Int)? {
        let t = text.tokens
        var k = i + 1
        var skipped = 0
        while k < t.count, skipped < 3, !t[k].hasDigit, text.sameLine(t[i], t[k]),
              text.token(t[k], isOneOf: fillers) || text.token(t[k], isOneOf: idKeywords),
              // "serial SN-8491-EJ2": a keyword glued to the number is part of it.
              !(k + 1 < t.count && DateTimeRules.separator(text, t[k], t[k + 1]) == 0x2D && t[k + 1].hasDigit) {
            k += 1
            skipped += 1
        }
        guard k < t.count, text.sameLine(t[i], t[k]), t[k].start - t[k - 1].end <= 4 else { return nil }
        let first = k
        var last = k
        while last + 1 < t.count, let sep = DateTimeRules.separator(text, t[last], t[last + 1]),
              sep == 0x2D || sep == 0x2F || sep == 0x2E || sep == 0x5F { last += 1 }
        let hasDigit = t[first...last].contains { $0.hasDigit }
        guard hasDigit else { return nil }
        // "1 unit 250 cc", "unit 250cc": a quantity after the keyword, not a value of it.
        if let next = DateTimeRules.wordAfter(text, last), text.token(t[next], isOneOf: DateTimeRules.unitWords) { return nil }
        if first == last, isQuantityWithUnit(text, t[first]) { return nil }
        // "unit 3 mg" or "model 2" are not identifiers: require some length.
        let digits = t[first...last].reduce(0) { $0 + digitCount(text, $1) }
        guard digits >= 3 || t[first...last].contains(where: { $0.hasLetter && $0.hasDigit }) else { return nil }
        return (first, last)
    }

    /// Numbers that can only be identifiers: six digits or more in one token or a hyphenated run
    /// (`00482913`, `RAD-2024-118823`, `A12345678`). Dates and phone numbers are caught before.
    static func standaloneIdentifier(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens
        var last = i
        while last + 1 < t.count, let sep = DateTimeRules.separator(text, t[last], t[last + 1]), sep == 0x2D || sep == 0x5F,
              t[last + 1].hasDigit || t[last + 1].allCaps { last += 1 }
        let digits = t[i...last].reduce(0) { $0 + digitCount(text, $1) }
        guard digits >= 6 else { return nil }
        // "100-120", "1900-0700", "60-70s", "100-120bpm": two values of at most four digits, each
        // perhaps with a unit glued on, are a range. Codes start with letters ("RAD-2024-118823").
        if last == i + 1, isRangeEnd(text, t[i]), isRangeEnd(text, t[last]) { return nil }
        // "Nystatin 500000 units", "Plt 150000": a quantity or a lab value.
        if let next = DateTimeRules.wordAfter(text, last), text.token(t[next], isOneOf: DateTimeRules.unitWords) { return nil }
        if last == i, let before = DateTimeRules.wordBefore(text, i), text.token(t[before], isOneOf: labWords) { return nil }
        // 1.2345678 is a number, not an ID.
        if i > 0, text.gap(t[i - 1], t[i]) == [0x2E], !t[i - 1].hasLetter { return nil }
        return last
    }

    /// Up to four digits, then letters only: "120", "70s", "3L", "120bpm".
    static func isRangeEnd(_ text: ReportText, _ token: ReportText.Token) -> Bool {
        var k = token.start
        while k < token.end, DateTimeRules.isDigit(text.bytes[k]) { k += 1 }
        guard k > token.start, k - token.start <= 4 else { return false }
        while k < token.end {
            guard !DateTimeRules.isDigit(text.bytes[k]) else { return false }
            k += 1
        }
        return true
    }

    /// Digits with a unit glued on ("250cc", "20mg"): a quantity, not an ID.
    static func isQuantityWithUnit(_ text: ReportText, _ token: ReportText.Token) -> Bool {
        guard token.hasDigit, token.hasLetter, DateTimeRules.isDigit(text.bytes[token.start]) else { return false }
        var k = token.start
        while k < token.end, DateTimeRules.isDigit(text.bytes[k]) { k += 1 }
        let unit = ReportText.string(text.bytes, ReportText.Token(index: token.index, start: k, end: token.end, hasLetter: true, hasDigit: false, capitalised: false, allCaps: false)) {
            $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0
        }
        return DateTimeRules.unitWords.contains(unit)
    }

    /// `555-0142`, `call 555-1234`: three digits, a hyphen and four, without an area code. Without
    /// a word about phones before it, a number with no leading zero after the hyphen is a range
    /// ("500-1000 cc").
    static func shortPhone(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens, bytes = text.bytes
        guard i + 1 < t.count, isDigits(t[i], count: 3), isDigits(t[i + 1], count: 4), text.gap(t[i], t[i + 1]) == [0x2D] else { return nil }
        let s = t[i].start, e = t[i + 1].end
        if s > 0, [0x2D, 0x2F, 0x2E, 0x2B, 0x3A].contains(bytes[s - 1]) { return nil }
        if e < bytes.count, [0x2D, 0x2F, 0x25, 0x3A, 0x2B].contains(bytes[e]) || (bytes[e] == 0x2E && e + 1 < bytes.count && DateTimeRules.isDigit(bytes[e + 1])) {
            return nil
        }
        if let next = DateTimeRules.wordAfter(text, i + 1), text.token(t[next], isOneOf: DateTimeRules.unitWords) { return nil }
        // "#555-1234" is written as a number to call.
        if s > 0, bytes[s - 1] == 0x23 { return i + 1 }
        if bytes[t[i + 1].start] == 0x30 || DateTimeRules.near(text, i, i + 1, phoneContext, before: 5, after: 0) { return i + 1 }
        return nil
    }

    /// `x4567`, `ext. 4567`, `extension 4567`, `pager 1234`, `beeper #2345`, `pgr 12345`,
    /// `page 4-5678`: a short number that a word or an `x` makes a phone. Returns the last token;
    /// the mark starts at the number (the word is kept), or at the `x4567` token.
    static func extensionOnly(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens, bytes = text.bytes
        let token = t[i]
        // "x4567" as one token.
        if token.hasLetter, token.hasDigit, token.count >= 5, token.count <= 6, bytes[token.start] | 0x20 == 0x78,
           bytes[(token.start + 1)..<token.end].allSatisfy(DateTimeRules.isDigit) {
            if let next = DateTimeRules.wordAfter(text, i), text.token(t[next], isOneOf: DateTimeRules.unitWords) { return nil }
            // A capital "X1234" is a code or a label unless a phone word stands before it; nurses
            // write the extension with a small x ("call x4567").
            if bytes[token.start] == 0x58 {
                let cue = (max(0, i - 2)..<i).contains { text.token(t[$0], isOneOf: AllowListRules.phoneCues) || text.token(t[$0], isOneOf: shortNumberWords) }
                if !cue { return nil }
            }
            return i
        }
        guard token.hasLetter, !token.hasDigit, i + 1 < t.count, text.token(token, isOneOf: shortNumberWords) else { return nil }
        let gap = text.gap(token, t[i + 1])
        guard !gap.isEmpty, gap.count <= 4, gap.allSatisfy({ $0 == 0x20 || $0 == 0x2E || $0 == 0x3A || $0 == 0x23 || $0 == 0x2D }),
              DateTimeRules.digits(text, t[i + 1]) != nil else { return nil }
        // A full number after the word is found by the phone rules on the next token.
        if phone(text, at: i + 1) != nil || shortPhone(text, at: i + 1) != nil { return nil }
        var last = i + 1
        var digits = t[last].count
        while last + 1 < t.count, text.gap(t[last], t[last + 1]) == [0x2D], DateTimeRules.digits(text, t[last + 1]) != nil {
            last += 1
            digits += t[last].count
        }
        guard (4...15).contains(digits) else { return nil }
        let e = t[last].end
        if e < bytes.count, bytes[e] == 0x25 || bytes[e] == 0x2F || (bytes[e] == 0x2E && e + 1 < bytes.count && DateTimeRules.isDigit(bytes[e + 1])) {
            return nil
        }
        if let next = DateTimeRules.wordAfter(text, last), text.token(t[next], isOneOf: DateTimeRules.unitWords) { return nil }
        return last
    }

    /// `+36 1 234 5678`, `+358 40 1234567`, `+44 20 7946 0958`, `+7 495 123-45-67`, `0044 20 7946 0958`:
    /// a `+` (or `00`) and a country code, then groups of digits separated by a space, a hyphen, a
    /// dot or parentheses, eight to fifteen digits in all (the E.164 limit). National numbers with
    /// a trunk zero (`020 7946 0958`, `06-12345678`, `01 23 45 67 89`) need ten or eleven digits. Returns the byte the
    /// mark starts at (the `+`) and the last token.
    static func internationalPhone(_ text: ReportText, at i: Int) -> (Int, Int)? {
        let t = text.tokens, bytes = text.bytes
        let token = t[i]
        guard token.hasDigit, !token.hasLetter else { return nil }
        var start = token.start
        let plus = token.start > 0 && bytes[token.start - 1] == 0x2B
        if plus {
            guard token.count <= 3 else { return nil }
            start -= 1
            // "4+5": a plus between numbers is arithmetic or a grade.
            if start > 0, ReportText.isWordByte(bytes[start - 1]) { return nil }
        } else {
            // "0044 20 ...": the international call prefix instead of the plus; "020 7946 0958",
            // "06-12345678", "01 23 45 67 89": a national number with its trunk zero.
            guard token.count >= 2, token.count <= 5, bytes[token.start] == 0x30, bytes[token.start + 1] != 0x30
                    || (token.count >= 4 && bytes[token.start + 2] != 0x30) else { return nil }
            if start > 0, [0x2E, 0x2C, 0x2F, 0x2D, 0x3A].contains(bytes[start - 1]) { return nil }
        }
        let national = !plus && bytes[token.start + 1] != 0x30
        // "03-31-2020 11:48" is a date and a time.
        if national, DateTimeRules.numericDate(text, at: i) != nil { return nil }
        var last = i
        var digits = token.count
        while last + 1 < t.count, DateTimeRules.digits(text, t[last + 1]) != nil, digits + t[last + 1].count <= 15,
              !(t[last + 1].end < bytes.count && bytes[t[last + 1].end] == 0x3A) {
            let gap = text.gap(t[last], t[last + 1])
            guard !gap.isEmpty, gap.count <= 2, gap.allSatisfy({ $0 == 0x20 || $0 == 0x2D || $0 == 0x2E || $0 == 0x28 || $0 == 0x29 }) else { break }
            last += 1
            digits += t[last].count
        }
        // National numbers have ten or eleven digits; after "00" the country code makes more.
        guard last > i, plus ? digits >= 8 : national ? (10...11).contains(digits) : digits >= 10 else { return nil }
        if national, !t[i...last].contains(where: { $0.count >= 3 }) && last - i < 4 { return nil }
        if let next = DateTimeRules.wordAfter(text, last), text.token(t[next], isOneOf: DateTimeRules.unitWords) { return nil }
        return (start, last)
    }

    static func isEmailByte(_ c: UInt8) -> Bool {
        ReportText.isWordByte(c) || c == 0x2E || c == 0x5F || c == 0x2D || c == 0x2B || c == 0x25
    }

    static func email(_ b: [UInt8], at sign: Int) -> (Int, Int)? {
        var start = sign
        while start > 0, isEmailByte(b[start - 1]) { start -= 1 }
        var end = sign + 1
        var dots = 0
        while end < b.count, ReportText.isWordByte(b[end]) || b[end] == 0x2E || b[end] == 0x2D {
            if b[end] == 0x2E { dots += 1 }
            end += 1
        }
        while end > sign + 1, b[end - 1] == 0x2E { end -= 1; dots -= 1 }
        guard start < sign, dots >= 1 else { return nil }
        return (start, end)
    }

    static func url(_ b: [UInt8], at k: Int) -> Int? {
        func starts(_ prefix: StaticString) -> Bool {
            guard k + prefix.utf8CodeUnitCount <= b.count else { return false }
            if k > 0, ReportText.isWordByte(b[k - 1]) { return false }
            for j in 0..<prefix.utf8CodeUnitCount {
                var c = b[k + j]
                if c >= 0x41 && c <= 0x5A { c += 0x20 }
                if c != prefix.utf8Start[j] { return false }
            }
            return true
        }
        guard starts("http://") || starts("https://") || starts("www.") || starts("ftp://") else { return nil }
        var end = k
        while end < b.count, b[end] > 0x20, b[end] != 0x22, b[end] != 0x3C, b[end] != 0x3E, b[end] != 0x29 { end += 1 }
        while end > k, [0x2E, 0x2C, 0x3B, 0x3A].contains(b[end - 1]) { end -= 1 }
        return end
    }
}
