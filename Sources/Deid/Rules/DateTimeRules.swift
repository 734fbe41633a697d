/// Dates in every written form, day names, holidays and ages over 89.
///
/// Times of day are not PHI: HIPAA Safe Harbor lists dates, not times, and nursing notes hold
/// hundreds of them ("at 1030", "10:32", "0700-1900"). A time written with a date
/// ("3/14/2024 10:32") leaves the time unmarked; only the date is.
///
/// A month/day without a year ("7/22", "on 9/7") is a date by default, because notes write their
/// dates that way; the clinical fractions and scores that share its shape are told apart by the
/// words around them (the sets below) and by the bytes glued to them (decimals, "+", ranges).
struct DateTimeRules {
    static let months: [String: Int] = [
        "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
        "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
        "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    ]
    /// Words that introduce a date: with one of them, a day/month order ("on 22/7") is a date too.
    static let dateIntroducers: WordSet = ["on", "dated", "since", "from", "until", "through", "thru", "till", "by", "date", "dos", "dob"]
    /// Words that make even a score-shaped number a date ("dated 5/5", "since 4/5"). "on" and "from"
    /// are not among them: "on 10/5" is as often a vent setting and "from 2/6" a murmur change.
    static let strongDateWords: WordSet = ["dated", "date", "dos", "dob", "since", "until", "till", "through", "thru"]
    /// Words before a hyphenated month-day without a year ("on 7-22"): without one, "7-22" is a range.
    static let hyphenDateWords: WordSet = ["on", "dated", "date", "since", "until", "till", "through", "thru", "dos", "dob"]
    static let ageUnits: WordSet = ["year", "years", "yr", "yrs", "yo", "y"]
    static let dayNames: WordSet = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    /// Abbreviated day names are also words ("sat", "sun", "wed", "mon" in "O2 sat"), so they need
    /// a word before them that introduces a day, or a date right after them ("Mon 3/14").
    static let dayAbbreviations: WordSet = ["mon", "tue", "tues", "wed", "weds", "thu", "thur", "thurs", "fri", "sat", "sun"]
    static let dayContext: WordSet = [
        "on", "this", "next", "last", "since", "until", "till", "by", "from", "every", "each", "before", "after",
        "through", "thru", "sched", "scheduled", "due",
    ]
    static let ambiguousDayAbbreviations: WordSet = ["sat", "sun", "wed"]
    static let strictDayContext: WordSet = ["on", "this", "next", "last", "every", "each", "since", "until", "till", "by"]
    /// Holidays are elements of dates; they are marked after a word that introduces a day
    /// ("over Christmas", "since Thanksgiving") or before a day word ("Christmas Eve").
    static let holidays: WordSet = [
        "christmas", "xmas", "thanksgiving", "easter", "halloween", "hanukkah", "chanukah", "kwanzaa", "passover",
    ]
    static let holidayContext: WordSet = dayContext.union(["over", "during", "for", "at", "around", "past", "of", "before", "after"])
    static let holidayFollowers: WordSet = ["eve", "day", "weekend", "holiday", "holidays", "break", "week"]
    /// Capitalised words that make a holiday with "Day" after them ("Labor Day", "Mother's Day").
    static let holidayDays: WordSet = ["memorial", "labor", "independence", "veterans", "presidents", "valentine", "mother", "father", "mlk", "columbus", "boxing"]

    /// Words after a number that make it a quantity, never a date or a year: "1/2 tab", "in 10 days",
    /// "since 02 mg" are doses, durations and measurements.
    static let unitWords: WordSet = [
        "mg", "mcg", "g", "gm", "gms", "kg", "ml", "cc", "l", "lpm", "liter", "liters", "litre", "litres", "ns", "tab", "tabs", "tablet",
        "tablets", "pill", "pills", "cap", "caps", "amp", "amps", "unit", "units", "u", "meq", "mmol", "strength", "inch",
        "inches", "cm", "mm", "oz", "cup", "cups", "dose", "doses", "full", "bottle", "bottles", "set", "sets", "vial",
        "vials", "wk", "wks", "week", "weeks", "day", "days", "d", "hr", "hrs", "hour", "hours", "h", "min", "mins", "minute",
        "minutes", "sec", "secs", "seconds", "month", "months", "mo", "mos", "times", "x", "bpm", "mmhg", "percent",
        "degree", "degrees", "deg", "f", "c", "beats", "breaths", "puffs", "drops", "gtt", "gtts", "mph", "lbs", "lb",
        "pounds", "feet", "ft", "kcal", "cal", "calories", "french", "fr", "gauge", "ga",
    ]
    /// After the common fractions and small counts only ("1/2 of", "3/4 way", "2/4 side rails",
    /// "1/2 positive"): words that would be too loose after any month/day.
    static let fractionFollowers: WordSet = [
        "of", "in", "way", "normal", "amount", "portion", "meal", "meals", "tray", "inch", "positive", "negative", "pos", "neg",
        "side", "siderails", "rails", "sr", "bottle", "bottles",
    ]
    static let commonFractions: Set<Int> = [102, 103, 203, 104, 304, 108, 308, 508, 708]

    /// Strength and murmur grades (x/5, x/6) after "on": "MAE on 5/5"? rare, but "strength on
    /// exam 4/5" and "murmur on auscultation 2/6" are not dates.
    static let gradeWords: WordSet = [
        "strength", "motor", "mae", "power", "grip", "ue", "le", "rue", "lue", "rle", "lle", "bue", "ble", "extremities",
        "muscle", "flexion", "extension", "sem", "murmur", "murmurs", "systolic", "diastolic", "hsm", "exam", "grade",
    ]
    /// Murmurs (x/6), pulses and reflexes (x/4): "2/6 SEM", "pulses 2/4", "DTR 2/4".
    static let murmurWords: WordSet = [
        "murmur", "murmurs", "sem", "hsm", "dm", "sm", "systolic", "diastolic", "pulse", "pulses", "edema", "reflex",
        "reflexes", "dtr", "dtrs", "pedal", "radial", "dp", "pt", "rub", "gallop", "pitting", "nonpitting",
    ]
    /// Pain and other x/10 ratings: "pain 3/10", "rates 4/10", "HA 6/10".
    static let painWords: WordSet = [
        "pain", "scale", "rates", "rated", "rating", "rate", "score", "level", "discomfort", "ha", "headache", "cramping",
        "nausea", "anxiety", "severity", "intensity", "vas", "nrs", "denies", "reports", "sore", "ache", "relief",
        "medicated", "tolerable", "comfort", "goal",
    ]
    /// Scores of any shape: "apgars 8/9", "score 7/9", "grade 2/4".
    static let scoreWords: WordSet = ["scale", "score", "scores", "apgar", "apgars", "grade", "gr", "graded", "stage", "staged"]
    /// Orientation and pupils (x/3, x/4): "oriented 3/3", "A&O 4/4", "pupils 3/3 brisk".
    static let orientationWords: WordSet = [
        "oriented", "orientated", "orientation", "ao", "aao", "aox", "aaox", "o", "alert", "pupils", "perrl", "perrla", "brisk",
    ]
    /// Ventilator settings write pressures as x/y: "PS 10/5", "peep 5/ps 10", "CPAP 5/5", "bipap 12/6".
    static let ventWords: WordSet = [
        "peep", "ps", "psv", "cpap", "bipap", "fio2", "vent", "ventilator", "settings", "setting", "ac", "simv", "imv",
        "prvc", "pc", "vc", "aprv", "niv", "nippv", "epap", "ipap", "tv", "vt", "rr", "trach", "ett", "mask", "sbt", "rsbi",
        "mmv",
    ]
    /// Year introducers: "in 1995", "during 2003", "year 2004", "class of 1998", "summer 2010". A
    /// four-digit year with no such word is not marked: a bare number in a note is more often a
    /// count, a dose or a clock time.
    static let yearIntroducers: WordSet = [
        "in", "during", "circa", "c", "ca", "year", "yr", "of", "spring", "summer", "fall", "autumn", "winter",
        "early", "late", "mid", "around", "approx", "approximately", "since", "from", "until", "till", "by",
        "before", "after", "through", "thru", "between", "to", "and", "dob", "born", "birth", "yob",
    ]
    /// Of the introducers, those that also come before a clock time ("since 2000", "from 1900",
    /// "until 1930"): after them a number that is a valid clock time (hhmm) is left alone.
    static let clockIntroducers: WordSet = [
        "since", "from", "until", "till", "by", "before", "after", "through", "thru", "between", "to", "and", "around",
        "approx", "approximately",
    ]
    /// Two-digit years after these only ("in '95" needs none): "in 95", "since 02", "from 98".
    static let twoDigitYearIntroducers: WordSet = ["in", "since", "from", "until", "till", "during", "circa", "c", "ca", "year", "of"]
    /// Two-digit numbers after "in" that are durations far more often than years ("recheck in 30").
    static let roundDurations: Set<Int> = [10, 15, 20, 30, 40, 45, 60]
    /// Vital signs and lab words before "in"/"from" make the number a value: "sats from 98", "HR in 95".
    static let valueWords: WordSet = [
        "sat", "sats", "o2", "spo2", "sao2", "hr", "rr", "bp", "sbp", "dbp", "map", "temp", "t", "tmax", "pulse", "glucose",
        "bs", "fs", "fsbs", "fsbg", "bg", "k", "na", "hct", "hgb", "plt", "wbc", "inr", "ptt", "cvp", "icp", "cpp", "etco2",
        "uop", "uo", "fio2", "peep", "weight", "wt", "ph", "pco2", "po2", "level", "levels", "range", "ranging", "dropped",
        "decreased", "increased", "down", "up", "went", "drop", "gcs", "rass", "bpm", "was", "were", "remains", "titrated",
        "weaned", "changed", "rose", "fell", "improved", "came", "increase", "decrease", "wean", "titrate",
    ]

    static func apply(_ text: ReportText, into marks: inout Candidates) {
        let t = text.tokens
        // The last token of the last year marked, for the second end of "from 1999 to 2003".
        var lastYear = -10
        var i = 0
        while i < t.count {
            if let end = numericDate(text, at: i) {
                if end == i + 2, separator(text, t[i], t[i + 1]) == 0x2F, separator(text, t[i + 1], t[i + 2]) == 0x2D {
                    // "7/20-22": two marks, so surrogate date shifting does not read "7/20-22" as a
                    // date of 2022.
                    marks.add(t[i].start, t[i + 1].end, .date)
                    marks.add(t[end].start, t[end].end, .date)
                } else {
                    marks.add(t[i].start, t[end].end, .date)
                }
                i = end + 1
                continue
            }
            if let (first, last) = monthNameDate(text, at: i) {
                marks.add(t[first].start, t[last].end, .date)
                i = last + 1
                continue
            }
            if let end = compactDate(text, at: i) {
                marks.add(t[i].start, t[end].end, .date)
                i = end + 1
                continue
            }
            if t[i].hasDigit, let (start, end) = year(text, at: i, lastYear: lastYear) {
                marks.add(start, t[end].end, .date)
                lastYear = end
                i = end + 1
                continue
            }
            if t[i].hasLetter, let end = dayOrHoliday(text, at: i) {
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

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// The single separator byte between two tokens, if that is all there is.
    static func separator(_ text: ReportText, _ a: ReportText.Token, _ b: ReportText.Token) -> UInt8? {
        b.start - a.end == 1 ? text.bytes[a.end] : nil
    }

    /// The token right before `i` on the same line, with only spaces, a colon or an opening
    /// parenthesis between them: the word that introduces a date or a year.
    static func wordBefore(_ text: ReportText, _ i: Int) -> Int? {
        guard i > 0 else { return nil }
        let gap = text.gap(text.tokens[i - 1], text.tokens[i])
        guard !gap.isEmpty, gap.count <= 3, gap.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x3A || $0 == 0x28 }) else { return nil }
        return i - 1
    }

    /// The token right after `i` on the same line, with at most two spaces between them.
    static func wordAfter(_ text: ReportText, _ i: Int) -> Int? {
        let t = text.tokens
        guard i + 1 < t.count else { return nil }
        let gap = text.gap(t[i], t[i + 1])
        guard gap.count <= 2, gap.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return nil }
        return i + 1
    }

    /// Whether any of `words` is among the `before` tokens before `first` or the `after` tokens
    /// after `last`, in the same sentence on the same line: "Sats in 90s. Since 02 ..." does not
    /// make the year a saturation.
    static func near(_ text: ReportText, _ first: Int, _ last: Int, _ words: WordSet, before: Int = 4, after: Int = 3) -> Bool {
        let t = text.tokens
        var k = first - 1
        while k >= 0, k >= first - before, !endsClause(text, t[k], t[k + 1]) {
            if text.token(t[k], isOneOf: words) { return true }
            k -= 1
        }
        k = last + 1
        while k < t.count, k <= last + after, !endsClause(text, t[k - 1], t[k]) {
            if text.token(t[k], isOneOf: words) { return true }
            k += 1
        }
        return false
    }

    /// A line break, a semicolon or a full stop before a space lies between two neighbouring
    /// tokens ("7.35" is one number, "mg. Since" two clauses).
    static func endsClause(_ text: ReportText, _ a: ReportText.Token, _ b: ReportText.Token) -> Bool {
        var k = a.end
        while k < b.start {
            let c = text.bytes[k]
            if c == 0x0A || c == 0x0D || c == 0x3B { return true }
            if c == 0x2E || c == 0x21 || c == 0x3F, k + 1 < b.start, text.bytes[k + 1] == 0x20 || text.bytes[k + 1] == 0x0A { return true }
            k += 1
        }
        return false
    }

    /// `3/14/2024`, `03-14-24`, `14.03.2024`, `2024-03-14`, `2024/3/14`, `03/2024`, a month/day
    /// without a year (`7/22`, `on 9/7`) unless it is a score or a fraction, and with a word that
    /// introduces a date a hyphenated month-day (`on 7-22`).
    static func numericDate(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens
        guard i + 1 < t.count, let a = digits(text, t[i]), let sep = separator(text, t[i], t[i + 1]),
              sep == 0x2F || sep == 0x2D || sep == 0x2E, let b = digits(text, t[i + 1]) else { return nil }
        // "2024-03-14T10:32": the day and the hour are one token; the token is marked with the date.
        if i + 2 < t.count, sep == 0x2D, t[i].count == 4, plausibleYear(a), (1...12).contains(b), separator(text, t[i + 1], t[i + 2]) == sep,
           let day = isoDayWithTime(text, t[i + 2]), (1...31).contains(day) {
            return i + 2
        }
        // A decimal point between two numbers is a measurement unless a third part follows.
        if i + 2 < t.count, separator(text, t[i + 1], t[i + 2]) == sep, let c = digits(text, t[i + 2]) {
            let (la, lb, lc) = (t[i].count, t[i + 1].count, t[i + 2].count)
            if la == 4, lb <= 2, lc <= 2, plausibleYear(a), (1...12).contains(b), (1...31).contains(c) { return i + 2 }
            // "Settings 500/14/5/40", "ABG 7.42/38/92/26": part of a longer chain of values.
            if gluedToOtherNumbers(text, i, i + 2) { return nil }
            if la <= 2, lb <= 2, lc == 4 || lc == 2, validDayMonth(a, b) {
                if lc == 4 && !plausibleYear(c) { return nil }
                return i + 2
            }
            return nil
        }
        if t[i].count <= 2, t[i + 1].count <= 2 {
            if sep == 0x2F {
                guard slashDateWithoutYear(text, at: i, a, b) else { return nil }
                // "7/20-22": a range of days belongs to the date.
                return dayRange(text, after: i + 1) ? i + 2 : i + 1
            }
            if sep == 0x2D { return hyphenDateWithoutYear(text, at: i, a, b) ? i + 1 : nil }
            return nil
        }
        // Month and year: 03/2024.
        if sep == 0x2F || sep == 0x2D, t[i].count <= 2, (1...12).contains(a), t[i + 1].count == 4, plausibleYear(b) {
            return i + 1
        }
        return nil
    }

    /// The day of "14T10" (ISO 8601 date and time written together), if the token has that shape.
    static func isoDayWithTime(_ text: ReportText, _ token: ReportText.Token) -> Int? {
        let b = text.bytes
        guard token.count >= 4, token.count <= 9, isDigit(b[token.start]), isDigit(b[token.start + 1]),
              b[token.start + 2] | 0x20 == 0x74, b[(token.start + 3)..<token.end].allSatisfy(isDigit) else { return nil }
        return Int(b[token.start] - 0x30) * 10 + Int(b[token.start + 1] - 0x30)
    }

    /// `7/22`, `since 10/16`, `on 22/7`: a date unless the words around it make it a score, a
    /// fraction or a setting, or the bytes glued to it make it part of another number.
    static func slashDateWithoutYear(_ text: ReportText, at i: Int, _ a: Int, _ b: Int) -> Bool {
        let t = text.tokens
        let introducer = wordBefore(text, i).flatMap { text.token(t[$0], isOneOf: dateIntroducers) ? $0 : nil }
        // Month first, the US order notes use; day first only after a word that introduces a date.
        guard ((1...12).contains(a) && (1...31).contains(b)) || (introducer != nil && validDayMonth(a, b)) else { return false }
        if gluedToOtherNumbers(text, i, i + 1) { return false }
        if let introducer, text.token(t[introducer], isOneOf: strongDateWords) { return true }
        // "1 1/2", "24 2/7 weeks": a fraction after a whole number.
        if i > 0, digits(text, t[i - 1]) != nil, text.gapIsSpace(t[i - 1], t[i]) { return false }
        if let next = wordAfter(text, i + 1) {
            if text.token(t[next], isOneOf: unitWords) { return false }
            // Common fractions and counts out of a small total ("2/4 side rails", "BCx 1/2 positive").
            if commonFractions.contains(a * 100 + b) || (a <= b && b <= 4), text.token(t[next], isOneOf: fractionFollowers) {
                return false
            }
        }
        // Strength (x/5) and murmur (x/6) grades, unless a date word comes right before and no
        // word about strength or murmurs is near ("performed on 4/5" is a date).
        if b == 5, a <= 5, introducer == nil || near(text, i, i + 1, gradeWords) { return false }
        // A murmur grade is written with its murmur ("2/6 SEM"); a bare x/6 is as often a date
        // ("last bm 3/6").
        if b == 6, a <= 6, near(text, i, i + 1, murmurWords) || near(text, i, i + 1, gradeWords) { return false }
        if b == 4, a <= 4, near(text, i, i + 1, murmurWords) || near(text, i, i + 1, orientationWords) { return false }
        if b == 3, a <= 3, near(text, i, i + 1, orientationWords) { return false }
        if b == 10, near(text, i, i + 1, painWords) { return false }
        if near(text, i, i + 1, scoreWords) || near(text, i, i + 1, ventWords) { return false }
        return true
    }

    /// `on 7-22`, `since 10-16`: without such a word a hyphenated pair is a range ("10-12").
    static func hyphenDateWithoutYear(_ text: ReportText, at i: Int, _ a: Int, _ b: Int) -> Bool {
        let t = text.tokens
        guard let introducer = wordBefore(text, i), text.token(t[introducer], isOneOf: hyphenDateWords),
              (1...12).contains(a), (1...31).contains(b), !gluedToOtherNumbers(text, i, i + 1) else { return false }
        if let next = wordAfter(text, i + 1), text.token(t[next], isOneOf: unitWords) { return false }
        return true
    }

    /// Bytes glued to a pair of numbers that make it part of something else: a decimal
    /// ("7.35/45"), a grade ("+2/6", "4/5+"), a chain ("7.35/45/88", "120/80/72"), a percentage, or
    /// a range with a plain number ("1/2-1", "1-1/2"); a range of two dates ("7/20-7/22") is kept.
    static func gluedToOtherNumbers(_ text: ReportText, _ first: Int, _ last: Int) -> Bool {
        let t = text.tokens, bytes = text.bytes
        let s = t[first].start, e = t[last].end
        if s > 0 {
            let before = bytes[s - 1]
            if before == 0x2F || before == 0x2B || before == 0x25 { return true }
            if before == 0x2E, s >= 2, isDigit(bytes[s - 2]) { return true }
            if before == 0x2D, s >= 2, isDigit(bytes[s - 2]),
               !(first >= 2 && separator(text, t[first - 2], t[first - 1]) == 0x2F) { return true }
        }
        if e < bytes.count {
            let after = bytes[e]
            if after == 0x2F || after == 0x2B || after == 0x25 { return true }
            if after == 0x2E, e + 1 < bytes.count, isDigit(bytes[e + 1]) { return true }
            if after == 0x2D, e + 1 < bytes.count, isDigit(bytes[e + 1]),
               !(last + 2 < t.count && separator(text, t[last + 1], t[last + 2]) == 0x2F), !dayRange(text, after: last) { return true }
        }
        return false
    }

    /// "-22" after the day of "7/20": a later day of the same month, not followed by more of a number.
    static func dayRange(_ text: ReportText, after day: Int) -> Bool {
        let t = text.tokens
        guard day + 1 < t.count, separator(text, t[day], t[day + 1]) == 0x2D, t[day + 1].count <= 2,
              let first = digits(text, t[day]), let last = digits(text, t[day + 1]), last > first, last <= 31 else { return false }
        let e = t[day + 1].end
        guard e < text.bytes.count else { return true }
        let after = text.bytes[e]
        if after == 0x2F || after == 0x25 || after == 0x2D || after == 0x2B { return false }
        if after == 0x2E, e + 1 < text.bytes.count, isDigit(text.bytes[e + 1]) { return false }
        if let next = wordAfter(text, day + 1), text.token(t[next], isOneOf: unitWords) { return false }
        return true
    }

    static func validDayMonth(_ a: Int, _ b: Int) -> Bool {
        ((1...12).contains(a) && (1...31).contains(b)) || ((1...31).contains(a) && (1...12).contains(b))
    }

    static func plausibleYear(_ y: Int) -> Bool { (1900...2099).contains(y) }

    /// A four-digit number that reads as a clock time (hhmm): "1900", "2003", "0700".
    static func isClockTime(_ v: Int) -> Bool { v / 100 <= 23 && v % 100 < 60 }

    /// The byte where an apostrophe in front of a two-digit year starts ("'92", "’92"), if there is
    /// one and it does not follow a digit or letter ("5'10" is a height). A curly apostrophe
    /// (U+2019, three bytes) separates words like the straight one.
    static func apostropheYear(_ text: ReportText, _ token: ReportText.Token) -> Int? {
        let bytes = text.bytes
        guard token.count == 2, !token.hasLetter else { return nil }
        if token.start > 0, bytes[token.start - 1] == 0x27 {
            return token.start >= 2 && ReportText.isWordByte(bytes[token.start - 2]) ? nil : token.start - 1
        }
        if token.start >= 3, bytes[token.start - 3] == 0xE2, bytes[token.start - 2] == 0x80, bytes[token.start - 1] == 0x99 {
            let before = token.start - 4
            return before >= 0 && ReportText.isWordByte(bytes[before]) && ReportText.punctuationLength(bytes, at: before) == 0
                && bytes[before] < 0x80 ? nil : token.start - 3
        }
        return nil
    }

    /// The number is a quantity, a value or a time, never a year: glued to `%`, `/`, `:`, a decimal
    /// point or a range hyphen, or followed by a unit ("in 20 min", "since 02 mg", "2000 hours").
    static func quantity(_ text: ReportText, at i: Int, lookingBack: Bool = true) -> Bool {
        let t = text.tokens, bytes = text.bytes
        let s = t[i].start, e = t[i].end
        if lookingBack, s > 0 {
            let before = bytes[s - 1]
            if before == 0x2F || before == 0x3A || before == 0x2B || before == 0x23 { return true }
            if before == 0x2E || before == 0x2C || before == 0x2D, s >= 2, isDigit(bytes[s - 2]) { return true }
        }
        if e < bytes.count {
            let after = bytes[e]
            if after == 0x25 || after == 0x2F || after == 0x3A { return true }
            if after == 0x2E || after == 0x2C || after == 0x2D, e + 1 < bytes.count, isDigit(bytes[e + 1]) { return true }
        }
        if let next = wordAfter(text, i) {
            if text.token(t[next], isOneOf: unitWords) || text.token(t[next], is: "am") || text.token(t[next], is: "pm") { return true }
        }
        return false
    }

    /// A year on its own: `'92`, `in ’95`, `in 95`, `since 02`, `in 1995`, `(2010)`, `year 2004`,
    /// `class of 1998`, `1999-2003`, `from 1999 to 2003`. Returns the byte the mark starts at (an
    /// apostrophe belongs to the year) and the year's token. A bare four-digit number is not a
    /// year, and after a word that also introduces clock times ("since 2000") neither is a number
    /// that reads as one: nursing notes write "since 2000" for eight in the evening.
    static func year(_ text: ReportText, at i: Int, lastYear: Int) -> (Int, Int)? {
        let t = text.tokens
        if let apostrophe = apostropheYear(text, t[i]) { return (apostrophe, i) }
        guard t[i].count == 2 || t[i].count == 4, let value = digits(text, t[i]) else { return nil }
        if t[i].count == 4, plausibleYear(value), i + 1 < t.count, separator(text, t[i], t[i + 1]) == 0x2D,
           t[i + 1].count == 4, let other = digits(text, t[i + 1]), plausibleYear(other),
           !isClockTime(value) || !isClockTime(other), !quantity(text, at: i + 1, lookingBack: false) {
            return (t[i].start, i + 1)
        }
        if quantity(text, at: i) { return nil }
        let bytes = text.bytes
        if t[i].count == 4, plausibleYear(value), t[i].start > 0, bytes[t[i].start - 1] == 0x28,
           t[i].end < bytes.count, bytes[t[i].end] == 0x29 {
            return (t[i].start, i)
        }
        guard let p = wordBefore(text, i) else { return nil }
        if t[i].count == 2 {
            // "from 98 to 02": the second end of a range of years.
            if lastYear == p - 1, text.token(t[p], is: "to") || text.token(t[p], is: "and") || text.token(t[p], is: "until") {
                return (t[i].start, i)
            }
            // "recheck in 30", "until 15": round numbers after "in" or "until" are minutes.
            if roundDurations.contains(value), text.token(t[p], is: "in") || text.token(t[p], is: "until") || text.token(t[p], is: "till") {
                return nil
            }
            guard text.token(t[p], isOneOf: twoDigitYearIntroducers), !text.token(t[p], is: "of") || classOrSeason(text, p),
                  !near(text, p, p, valueWords, before: 3, after: 0),
                  !(p > 0 && !endsClause(text, t[p - 1], t[p]) && digits(text, t[p - 1]) != nil) else { return nil }
            return (t[i].start, i)
        }
        guard plausibleYear(value), text.token(t[p], isOneOf: yearIntroducers) else { return nil }
        let lower = text.lower(t[p])
        // The second end of a range of years: "from 1999 to 2003", "between 1999 and 2003".
        if lower == "to" || lower == "and" || lower == "through" || lower == "thru" || lower == "until" || lower == "till" {
            if lastYear == p - 1 { return (t[i].start, i) }
        }
        if lower == "to" || lower == "and" { return nil }
        if lower == "of", !classOrSeason(text, p) { return nil }
        if text.token(t[p], isOneOf: clockIntroducers), isClockTime(value) { return nil }
        return (t[i].start, i)
    }

    /// "class of", "summer of", "end of": the only words that make "of" introduce a year.
    static func classOrSeason(_ text: ReportText, _ of: Int) -> Bool {
        guard of > 0 else { return false }
        return text.token(text.tokens[of - 1], isOneOf: classOrSeasonWords)
    }
    static let classOrSeasonWords: WordSet = ["class", "spring", "summer", "fall", "autumn", "winter", "end", "beginning", "start", "middle"]

    /// `Monday`, `on Sat`, `Mon 3/14`, `over Christmas`, `Christmas Eve`, `New Year's`, `Labor Day`.
    /// Every word dayOrHoliday looks for first: most words are turned away by their hash before
    /// any string is made or hashed.
    static let dayOrHolidayWords = dayNames.union(dayAbbreviations).union(holidays).union(holidayDays).union(["new"])

    /// "New Year's", "Mother’s": an "s" after a straight or curly apostrophe right after token `k`
    /// belongs to the holiday.
    static func isPossessiveS(_ text: ReportText, after k: Int) -> Bool {
        let t = text.tokens
        guard k + 1 < t.count, text.token(t[k + 1], is: "s") else { return false }
        return separator(text, t[k], t[k + 1]) == 0x27 || text.gap(t[k], t[k + 1]).elementsEqual([0xE2, 0x80, 0x99])
    }

    static func dayOrHoliday(_ text: ReportText, at i: Int) -> Int? {
        let t = text.tokens
        let token = t[i]
        guard !token.hasDigit, token.count >= 3, token.count <= 12, dayOrHolidayWords.mayContain(hash: text.wordHashes[i]) else {
            return nil
        }
        let word = text.lower(token)
        if dayNames.contains(word) { return i }
        var introduced: Bool { wordBefore(text, i).map { text.token(t[$0], isOneOf: dayContext) } ?? false }
        let next = wordAfter(text, i)
        if dayAbbreviations.contains(word) {
            // "on sat 95%" is a saturation; "Mon 3/14" is a day.
            if let next, t[next].hasDigit { return numericDate(text, at: next) != nil ? i : nil }
            // "from sun exposure", "after sat up": the words that are also common words need a
            // word that only introduces a day.
            if ambiguousDayAbbreviations.contains(word) {
                return wordBefore(text, i).map { text.token(t[$0], isOneOf: strictDayContext) } ?? false ? i : nil
            }
            return introduced ? i : nil
        }
        var followed: Bool { next.map { text.token(t[$0], isOneOf: holidayFollowers) } ?? false }
        if holidays.contains(word) {
            let context = wordBefore(text, i).map { text.token(t[$0], isOneOf: holidayContext) } ?? false
            guard context || followed else { return nil }
            return followed && (text.token(t[next!], is: "eve") || text.token(t[next!], is: "day")) ? next : i
        }
        if word == "new", let year = next, text.token(t[year], is: "year") || text.token(t[year], is: "years") {
            var end = year
            if isPossessiveS(text, after: end) { end += 1 }
            let after = wordAfter(text, end)
            if let after, text.token(t[after], is: "eve") || text.token(t[after], is: "day") { return after }
            let context = wordBefore(text, i).map { text.token(t[$0], isOneOf: holidayContext) } ?? false
            return context || (token.capitalised && t[year].capitalised && end > year) ? end : nil
        }
        if token.capitalised, holidayDays.contains(word) {
            var end = i
            if isPossessiveS(text, after: end) { end += 1 }
            if let day = wordAfter(text, end), t[day].capitalised, text.token(t[day], is: "day") { return day }
        }
        return nil
    }

    /// `March 14, 2024`, `Mar 14`, `14 Mar 2024`, `14-MAR-2024`, `March 2024`, `Mar. 14th`, `Mar '92`,
    /// with an optional day name in front. A month name alone is not a date ("may represent").
    /// Month and day names and abbreviations, asked by hash first for the same quick refusal.
    static let monthOrDayWords = WordSet(Set(months.keys)).union(dayNames).union(dayAbbreviations)

    static func monthNameDate(_ text: ReportText, at i: Int) -> (Int, Int)? {
        let t = text.tokens
        func month(_ k: Int) -> Int? {
            guard k < t.count, t[k].hasLetter, !t[k].hasDigit, t[k].count >= 3, t[k].count <= 9,
                  monthOrDayWords.mayContain(hash: text.wordHashes[k]) else { return nil }
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
        // A word that can begin no month or day name begins no date here ("14 Mar" begins with
        // its number, which passes).
        if !t[i].hasDigit {
            guard t[i].count >= 3, t[i].count <= 9, monthOrDayWords.mayContain(hash: text.wordHashes[i]) else { return nil }
        }
        if i + 1 < t.count, text.token(t[i], isOneOf: dayNames) || text.token(t[i], isOneOf: dayAbbreviations),
           close(i, i + 1), month(i + 1) != nil || (day(i + 1) && text.token(t[i], isOneOf: dayNames)) {
            return monthNameDate(text, at: i + 1).map { (first, $0.1) }
        }
        if month(i) != nil {
            // Month day [year] | Month year | Month 'yy
            if close(i, i + 1), day(i + 1), apostropheYear(text, t[i + 1]) == nil {
                if close(i + 1, i + 2), year(i + 2), t[i + 2].count == 4 { return (first, i + 2) }
                return (first, i + 1)
            }
            if close(i, i + 1), year(i + 1), t[i + 1].count == 4 { return (first, i + 1) }
            if close(i, i + 1), apostropheYear(text, t[i + 1]) != nil { return (first, i + 1) }
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

    /// A number written with a one-letter unit glued on: `98Y`.
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
    static let yearSuffix: Set<String> = ["y"]

    static func isAgeOver89(_ text: ReportText, at i: Int) -> Bool {
        let t = text.tokens
        guard t[i].hasDigit else { return false }
        if let age = number(text, t[i], suffix: yearSuffix), (90...130).contains(age) { return true }
        guard let age = digits(text, t[i]), (90...130).contains(age), t[i].count <= 3 else { return false }
        if i + 1 < t.count, t[i + 1].start - t[i].end <= 1, text.token(t[i + 1], isOneOf: ageUnits) { return true }
        if i > 0, text.token(t[i - 1], is: "age") || text.token(t[i - 1], is: "aged") { return true }
        return false
    }
}
