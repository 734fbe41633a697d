import RaddCore

/// A day without time zone or calendar machinery: Foundation's formatters depend on locale data,
/// and the corpus must be the same on every machine.
struct CalendarDate: Comparable {
    var year: Int
    var month: Int
    var day: Int

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                             "August", "September", "October", "November", "December"]

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func random(years: ClosedRange<Int>, using rng: inout SplitMix64) -> CalendarDate {
        let year = rng.int(years)
        let month = rng.int(1...12)
        return CalendarDate(year: year, month: month, day: rng.int(1...daysIn(month: month, year: year)))
    }

    static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    func adding(days: Int) -> CalendarDate {
        var result = self
        var remaining = days
        while remaining > 0 {
            result.day += 1
            if result.day > Self.daysIn(month: result.month, year: result.year) {
                result.day = 1
                result.month += 1
                if result.month > 12 { result.month = 1; result.year += 1 }
            }
            remaining -= 1
        }
        while remaining < 0 {
            result.day -= 1
            if result.day < 1 {
                result.month -= 1
                if result.month < 1 { result.month = 12; result.year -= 1 }
                result.day = Self.daysIn(month: result.month, year: result.year)
            }
            remaining += 1
        }
        return result
    }

    /// Whole years from `self` (a birth date) to `date`.
    func age(on date: CalendarDate) -> Int {
        date.year - year - ((date.month, date.day) < (month, day) ? 1 : 0)
    }

    var iso: String { "\(year)-\(pad(month))-\(pad(day))" }
    var monthName: String { Self.monthNames[month - 1] }
    var monthAbbreviation: String { String(monthName.prefix(3)) }

    func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
