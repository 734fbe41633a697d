/// Dates in every written form, times of day, and ages over 89. Numbers that only look like dates
/// ("5/5 strength", "24 2/7 weeks", "2.5 mg") are left alone: a slash date needs a year or a word
/// that introduces a date, and decimal numbers are never dates.
struct DateTimeRules {
    static let months: [String: Int] = [
        "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
        "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
        "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    ]
    static let dateIntroducers: Set<String> = ["on", "dated", "since", "from", "until", "through", "till", "by", "date", "dos", "dob"]
    static let ageUnits: Set<String> = ["year", "years", "yr", "yrs", "yo", "y"]
    static let dayNames: Set<String> = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    static func apply(_ text: ReportText, into marks: inout Candidates) {
        let t = text.tokens
        var i = 0
        while i < t.count {
            if let end = numericDate(text, at: i) {
                marks.add(t[i].start, t[end].end, .date)
                i = end + 1
                continue
            }
            if let (first, last) = monthNameDate(text, at: i) {
                marks.add(t[first].start, t[last].end, .date)
                i = last + 1
                continue
            }
            if let end = time(text, at: i) {
                marks.add(t[i].start, t[end].end, .date)
                i = end + 1
                continue
            }
            if let end = compactDate(text, at: i) {
                marks.add(t[i].start, t[end].end, .date)
                i = end + 1
                continue
            }
            if isAgeOver89(text, at: i) { marks.add(t[i].start, t[i].end, .age) }
            i += 1
        }
    }

    static func digits(_ text: ReportText, _ token: ReportText.Token) -> Int? {
        guard token.hasDigit, !token.hasLetter, token.count <= 9 else { return nil }
        var value = 0
        for k in token.start..<token.end { value = value * 10 + Int(text.bytes[k] - 0x30) }
        return value
    }

    /// The single separator byte between two tokens, if that is all there is.
    static func separator(_ text: ReportText, _ a: ReportText.Token, _ b: ReportText.Token) -> UInt8? {
        b.start - a.end == 1 ? text.bytes[a.end] : nil
    }

    /// `3/14/2024`, `03-14-24`, `14.03.2024`, `2024-03-14`, `2024/3/14`, and with an introducing
    /// word (`on 3/14`) a date without a year.
    static func numericDate(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens
        guard i + 1 < t.count, let a = digits(text, t[i]), let sep = separator(text, t[i], t[i + 1]),
              sep == 0x2F || sep == 0x2D || sep == 0x2E, let b = digits(text, t[i + 1]) else { return nil }
        // A decimal point between two numbers is a measurement unless a third part follows.
        if i + 2 < t.count, separator(text, t[i + 1], t[i + 2]) == sep, let c = digits(text, t[i + 2]) {
            let (la, lb, lc) = (t[i].count, t[i + 1].count, t[i + 2].count)
            if la == 4, lb <= 2, lc <= 2, plausibleYear(a), (1...12).contains(b), (1...31).contains(c) { return i + 2 }
            if la <= 2, lb <= 2, lc == 4 || lc == 2, validDayMonth(a, b) {
                if lc == 4 && !plausibleYear(c) { return nil }
                return i + 2
            }
            return nil
        }
        guard sep == 0x2F, t[i].count <= 2, t[i + 1].count <= 2, validDayMonth(a, b) else {
            // Month and year: 03/2024.
            if sep == 0x2F || sep == 0x2D, t[i].count <= 2, (1...12).contains(a), t[i + 1].count == 4, plausibleYear(b) {
                return i + 1
            }
            return nil
        }
        guard i > 0, text.token(t[i - 1], isOneOf: dateIntroducers) else { return nil }
        return i + 1
    }

    static func validDayMonth(_ a: Int, _ b: Int) -> Bool {
        ((1...12).contains(a) && (1...31).contains(b)) || ((1...31).contains(a) && (1...12).contains(b))
    }

    static func plausibleYear(_ y: Int) -> Bool { (1900...2099).contains(y) }

    /// `March 14, 2024`, `Mar 14`, `14 Mar 2024`, `14-MAR-2024`, `March 2024`, `Mar. 14th`, with an
    /// optional day name in front. A month name alone is not a date ("may represent").
    static func monthNameDate(_ text: ReportText, at i: Int) -> (Int, Int)? {
        let t = text.tokens
        func month(_ k: Int) -> Int? {
            guard k < t.count, t[k].hasLetter, !t[k].hasDigit, t[k].count <= 9 else { return nil }
            return months[text.lower(t[k])]
        }
        func day(_ k: Int) -> Bool {
            guard k < t.count, t[k].count <= 4, t[k].hasDigit else { return false }
            if let d = digits(text, t[k]) { return t[k].count <= 2 && (1...31).contains(d) }
            // 14th, 1st, 22nd, 3rd
            let lower = text.lower(t[k])
            let number = lower.prefix { $0.isNumber }
            guard let d = Int(number), (1...31).contains(d) else { return false }
            return ["st", "nd", "rd", "th"].contains(String(lower.dropFirst(number.count)))
        }
        func year(_ k: Int) -> Bool {
            guard k < t.count, let y = digits(text, t[k]) else { return false }
            return (t[k].count == 4 && plausibleYear(y)) || t[k].count == 2
        }
        func close(_ a: Int, _ b: Int) -> Bool { b < t.count && t[b].start - t[a].end <= 3 && text.sameLine(t[a], t[b]) }
        let first = i
        if i + 1 < t.count, text.token(t[i], isOneOf: dayNames), month(i + 1) != nil || day(i + 1) {
            return monthNameDate(text, at: i + 1).map { (first, $0.1) }
        }
        if month(i) != nil {
            // Month day [year] | Month year
            if close(i, i + 1), day(i + 1) {
                if close(i + 1, i + 2), year(i + 2), t[i + 2].count == 4 { return (first, i + 2) }
                return (first, i + 1)
            }
            if close(i, i + 1), year(i + 1), t[i + 1].count == 4 { return (first, i + 1) }
            return nil
        }
        if day(i), close(i, i + 1), month(i + 1) != nil {
            if close(i + 1, i + 2), year(i + 2) { return (first, i + 2) }
            // "14 Mar" alone needs the month to be written as a word, not a three-letter code that
            // could be a unit ("2 mar" is not a measurement, but keep it strict).
            return t[i + 1].count >= 3 ? (first, i + 1) : nil
        }
        return nil
    }

    /// `10:32`, `10:32 AM`, `22:15:07`, `10 pm`, `1032 hours`, `1032h`.
    static func time(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens
        if let value = number(text, t[i], suffix: ["h"]), t[i].count == 5, value / 100 <= 23, value % 100 < 60 { return i }
        guard let h = digits(text, t[i]) else { return nil }
        func meridiem(_ k: Int) -> Int? {
            guard k < t.count, t[k].start - t[k - 1].end <= 1 else { return nil }
            if text.token(t[k], is: "am") || text.token(t[k], is: "pm") { return k }
            if (text.token(t[k], is: "a") || text.token(t[k], is: "p")), k + 1 < t.count, text.token(t[k + 1], is: "m"),
               separator(text, t[k], t[k + 1]) == 0x2E { return k + 1 }
            return nil
        }
        if i + 1 < t.count, separator(text, t[i], t[i + 1]) == 0x3A, t[i].count <= 2, h <= 24,
           let m = digits(text, t[i + 1]), t[i + 1].count == 2, m < 60 {
            var end = i + 1
            if end + 1 < t.count, separator(text, t[end], t[end + 1]) == 0x3A, let s = digits(text, t[end + 1]),
               t[end + 1].count == 2, s < 60 { end += 1 }
            return meridiem(end + 1) ?? end
        }
        if t[i].count <= 2, (1...12).contains(h), let end = meridiem(i + 1) { return end }
        if t[i].count == 4, h / 100 <= 23, h % 100 < 60, i + 1 < t.count, text.sameLine(t[i], t[i + 1]),
           text.token(t[i + 1], is: "hours") || text.token(t[i + 1], is: "hrs") || text.token(t[i + 1], is: "h") {
            return i
        }
        return nil
    }

    /// `20240314`, `202403141032`, `20240314103200`: a date written without separators.
    static func compactDate(_ text: ReportText, at i: Int) -> Int? {
        let token = text.tokens[i]
        guard token.hasDigit, !token.hasLetter, [8, 12, 14].contains(token.count) else { return nil }
        let b = text.bytes
        func number(_ from: Int, _ length: Int) -> Int {
            (0..<length).reduce(0) { $0 * 10 + Int(b[token.start + from + $1] - 0x30) }
        }
        guard plausibleYear(number(0, 4)), (1...12).contains(number(4, 2)), (1...31).contains(number(6, 2)) else { return nil }
        return i
    }

    /// A number written with a one-letter unit glued on: `1032h`, `98Y`.
    static func number(_ text: ReportText, _ token: ReportText.Token, suffix: Set<String>) -> Int? {
        guard token.hasDigit, token.hasLetter, token.count >= 2, token.count <= 6 else { return nil }
        let last = text.bytes[token.end - 1] | 0x20
        guard suffix.contains(String(UnicodeScalar(last))) else { return nil }
        var value = 0
        for k in token.start..<(token.end - 1) {
            let b = text.bytes[k]
            guard b >= 0x30 && b <= 0x39 else { return nil }
            value = value * 10 + Int(b - 0x30)
        }
        return value
    }

    /// `92-year-old`, `92 yo`, `92 y/o`, `98Y`, `age 95`, `aged 91`: ages over 89 identify a person.
    static func isAgeOver89(_ text: ReportText, at i: Int) -> Bool {
        let t = text.tokens
        if let age = number(text, t[i], suffix: ["y"]), (90...130).contains(age) { return true }
        guard let age = digits(text, t[i]), (90...130).contains(age), t[i].count <= 3 else { return false }
        if i + 1 < t.count, t[i + 1].start - t[i].end <= 1, text.token(t[i + 1], isOneOf: ageUnits) { return true }
        if i > 0, text.token(t[i - 1], is: "age") || text.token(t[i - 1], is: "aged") { return true }
        return false
    }
}
