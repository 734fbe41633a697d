import Foundation

/// UTC, second precision, ISO 8601: the one time format radd stores, prints and logs.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    public static func date(_ string: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: string)
    }

    /// A time bound given by a person, in the stored format so that stored times compare with
    /// it as strings: a date alone ("2026-11-24") is its midnight UTC; a time needs its zone.
    public static func normalizedBound(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.count == 10, let midnight = date(trimmed + "T00:00:00Z") { return string(midnight) }
        return date(trimmed).map(string)
    }
}
