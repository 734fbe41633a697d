/// A day of the Gregorian calendar by plain arithmetic, for the dates whose reading and shifting
/// need no calendar object: ASCII text, a real day of a month, years from 1600 on (Foundation's
/// Gregorian calendar is Julian before October 1582). Everything else is left to `Calendar`.
struct CivilDate {
    var year: Int
    var month: Int
    var day: Int

    /// The date in the first ten characters' digits (YYYY, MM, DD), when the fast rules apply.
    init?(leadingDigitsOf text: String) {
        var digits: [Int] = []
        var index = 0
        for byte in text.utf8.prefix(11) {
            // Past ASCII, a Character may span bytes; "\r\n" is one Character of two.
            guard byte < 0x80, byte != UInt8(ascii: "\r") || index >= 10 else { return nil }
            if index < 10, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { digits.append(Int(byte - UInt8(ascii: "0"))) }
            index += 1
        }
        guard digits.count >= 8 else { return nil }
        year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
        month = digits[4] * 10 + digits[5]
        day = digits[6] * 10 + digits[7]
        guard year >= Self.firstYear, (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, of: year) else { return nil }
    }

    static let firstYear = 1600

    static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    func movedBack(_ days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber - days) }

    /// YYYY-MM-DD, as String(format: "%04d-%02d-%02d") writes it.
    var text: String {
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }
}
