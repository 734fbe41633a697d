import Foundation
import RaddCore

/// Writes the de-identified text: each span replaced according to the policy. Surrogates are
/// derived from a keyed hash of the original value, so one person or date gets the same
/// replacement everywhere in a report and across reports, and nothing is random.
struct Replacement {
    let policy: DeidPolicy
    let pseudonymizer: Pseudonymizer?
    let patientID: String?

    static let tags: [PHISpan.Category: String] = [
        .name: "[NAME]", .date: "[DATE]", .contact: "[CONTACT]", .identifier: "[ID]", .place: "[PLACE]",
        .age: "[AGE 90+]", .other: "[PHI]",
    ]
    static let surrogateGiven = ["Alex", "Jordan", "Casey", "Morgan", "Riley", "Taylor", "Jamie", "Avery", "Quinn", "Rowan"]
    static let surrogateFamily = ["Ashford", "Bellamy", "Calloway", "Delacroix", "Everly", "Fairbanks", "Galloway",
                                  "Hollis", "Kingsley", "Lockhart", "Merriweather", "Pemberton", "Thornbury", "Whitcombe"]

    func apply(_ spans: [PHISpan], to text: String) -> String {
        guard !spans.isEmpty else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var cursor = 0
        for span in spans {
            out.append(contentsOf: scalars[cursor..<span.start])
            let original = String(String.UnicodeScalarView(scalars[span.start..<(span.start + span.length)]))
            out.append(contentsOf: replacement(for: original, category: span.category).unicodeScalars)
            cursor = span.start + span.length
        }
        out.append(contentsOf: scalars[cursor...])
        return String(out)
    }

    func replacement(for original: String, category: PHISpan.Category) -> String {
        // English marks only ages over 89 (HIPAA's rule); German marks every stated age, and
        // "[AGE 90+]" for a nine-year-old would state a falsehood.
        if category == .age, let age = Int(original.filter(\.isNumber)), age < 90 { return "[AGE]" }
        guard policy.replacement == .surrogates else { return Self.tags[category] ?? "[PHI]" }
        switch category {
        case .name:
            let words = original.split(whereSeparator: { !$0.isLetter })
            let index = stableIndex(original.uppercased())
            if words.count <= 1 { return Self.surrogateFamily[index % Self.surrogateFamily.count] }
            return Self.surrogateGiven[index % Self.surrogateGiven.count] + " " + Self.surrogateFamily[(index / 7) % Self.surrogateFamily.count]
        case .date:
            return policy.shiftDates ? (DateShift(days: shiftDays).apply(to: original) ?? "[DATE]") : "[DATE]"
        case .identifier:
            return pseudonymizer.map { "ID-" + $0.pseudonym(original).prefix(10).uppercased() } ?? "[ID]"
        default:
            return Self.tags[category] ?? "[PHI]"
        }
    }

    /// 1 to 365 days back, fixed per patient: intervals between one patient's dates are kept.
    var shiftDays: Int {
        guard let pseudonymizer, let patientID else { return 0 }
        let hex = pseudonymizer.pseudonym("date-shift:" + patientID).prefix(8)
        return -(Int(hex, radix: 16).map { $0 % 365 } ?? 0) - 1
    }

    func stableIndex(_ value: String) -> Int {
        let digest = pseudonymizer.map { $0.pseudonym("surrogate:" + value) } ?? Digest.hex(Digest.sha256(Array(value.utf8)))
        return Int(digest.prefix(8), radix: 16) ?? 0
    }
}

/// Shifts a written date by whole days, keeping its written form, for the numeric forms radd
/// can parse back (`3/14/2024`, `03/14/24`, `2024-03-14`); other forms are not shifted.
struct DateShift {
    let days: Int

    func apply(to written: String) -> String? {
        let parts = written.split(whereSeparator: { $0 == "/" || $0 == "-" || $0 == "." }).map(String.init)
        guard parts.count == 3, parts.allSatisfy({ Int($0) != nil }) else { return nil }
        let separator = written.first { $0 == "/" || $0 == "-" || $0 == "." }.map(String.init) ?? "/"
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let isoOrder = parts[0].count == 4
        var components = DateComponents()
        components.year = Int(isoOrder ? parts[0] : parts[2])
        components.month = Int(isoOrder ? parts[1] : parts[0])
        components.day = Int(isoOrder ? parts[2] : parts[1])
        if let year = components.year, year < 100 { components.year = year + (year < 50 ? 2000 : 1900) }
        guard let date = calendar.date(from: components),
              let shifted = calendar.date(byAdding: .day, value: days, to: date) else { return nil }
        let c = calendar.dateComponents([.year, .month, .day], from: shifted)
        guard let y = c.year, let m = c.month, let d = c.day else { return nil }
        if isoOrder { return String(format: "%04d%@%02d%@%02d", y, separator, m, separator, d) }
        let year = parts[2].count == 2 ? String(format: "%02d", y % 100) : String(y)
        let month = parts[0].count == 2 ? String(format: "%02d", m) : String(m)
        let day = parts[1].count == 2 ? String(format: "%02d", d) : String(d)
        return month + separator + day + separator + year
    }
}
