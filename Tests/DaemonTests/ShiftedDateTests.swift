import Foundation
import RaddCore
import XCTest

/// Exam dates are shifted by arithmetic where that gives what the calendar gives, and by the
/// calendar everywhere else.
final class ShiftedDateTests: XCTestCase {
    /// The shift as `Pseudonymizer.shiftedDate` computed it before it had a fast path.
    func calendarShift(_ text: String, days: Int) -> String? {
        let digits = text.prefix(10).filter(\.isNumber)
        guard digits.count >= 8, let year = Int(digits.prefix(4)), let month = Int(digits.dropFirst(4).prefix(2)),
              let day = Int(digits.dropFirst(6).prefix(2)) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              calendar.component(.day, from: date) == day,
              let shifted = calendar.date(byAdding: .day, value: -days, to: date) else { return nil }
        let parts = calendar.dateComponents([.year, .month, .day], from: shifted)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    func testShiftedDatesAreTheCalendarsDates() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        var day = formatter.date(from: "1599-11-01")!
        let end = formatter.date(from: "2101-03-01")!
        var shift = 0
        while day < end {
            let iso = formatter.string(from: day)
            let compact = iso.replacingOccurrences(of: "-", with: "")
            shift = shift % 365 + 1
            for text in [iso, iso + "T23:59:59Z", compact, compact + "101500", iso + "\r\n"] {
                XCTAssertEqual(Pseudonymizer.date(text, movedBack: shift), calendarShift(text, days: shift), "\(text) - \(shift)")
            }
            day = day.addingTimeInterval(86_400 * 5)
        }
        let odd = ["2024-02-30", "2023-02-29", "2024-02-29", "2100-02-29", "2000-02-29", "2024-13-01", "2024-00-10", "2024-01-00",
                   "2024-01-32", "1582-10-10", "1600-01-01", "0000-01-01", "0001-01-01", "202403", "2024-3-1", "",
                   "\u{FF12}\u{FF10}\u{FF12}\u{FF14}-03-01", "2024-03-0\u{301}1", "2024-03-01\u{301}", "2024\r\n-03-01",
                   "2024-03\r\n-01", "x2024-03-01", "2024-03-01x", "99999-01-01", "2024/03/01 10:00", "2024-03-01\u{1F600}"]
        for text in odd {
            for days in [1, 60, 365, 0, -30, 200_000] {
                XCTAssertEqual(Pseudonymizer.date(text, movedBack: days), calendarShift(text, days: days), "\(text) - \(days)")
            }
        }
    }
}
