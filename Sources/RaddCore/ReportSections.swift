import Foundation

/// The parts of a radiology report that labelers and researchers ask for by name, found from the
/// headings radiologists write ("FINDINGS:", "Impression:"). Text before the first recognised
/// heading, and under headings not listed here, belongs to no section but stays in the full text.
public struct ReportSections: Equatable, Sendable {
    public var indication: String?
    public var comparison: String?
    public var findings: String?
    public var impression: String?

    public init(indication: String? = nil, comparison: String? = nil, findings: String? = nil, impression: String? = nil) {
        self.indication = indication
        self.comparison = comparison
        self.findings = findings
        self.impression = impression
    }

    enum Kind { case indication, comparison, findings, impression, other }

    /// Headings in use at the hospitals whose exports we have seen, upper-cased. "Other" ones
    /// end the previous section without starting one of ours.
    static let headings: [String: Kind] = [
        "INDICATION": .indication, "INDICATIONS": .indication, "HISTORY": .indication,
        "CLINICAL HISTORY": .indication, "CLINICAL INFORMATION": .indication,
        "CLINICAL INDICATION": .indication, "REASON FOR EXAM": .indication, "REASON FOR STUDY": .indication,
        "COMPARISON": .comparison, "COMPARISONS": .comparison, "PRIOR STUDIES": .comparison,
        "FINDINGS": .findings, "FINDING": .findings,
        "IMPRESSION": .impression, "IMPRESSIONS": .impression, "CONCLUSION": .impression,
        "CONCLUSIONS": .impression, "OPINION": .impression,
        "TECHNIQUE": .other, "PROCEDURE": .other, "RECOMMENDATION": .other, "RECOMMENDATIONS": .other,
        "ADDENDUM": .other, "NOTE": .other,
        // German reports (upper-cased as above: "Befund:" is "BEFUND").
        "FRAGESTELLUNG": .indication, "INDIKATION": .indication,
        "KLINIK": .indication, "KLINISCHE ANGABEN": .indication, "ANAMNESE": .indication,
        "VORAUFNAHMEN": .comparison, "VORAUFNAHME": .comparison, "VERGLEICH": .comparison, "VORBEFUNDE": .comparison,
        "BEFUND": .findings, "BEFUNDE": .findings,
        "BEURTEILUNG": .impression, "ZUSAMMENFASSUNG": .impression,
        "TECHNIK": .other, "UNTERSUCHUNG": .other, "EMPFEHLUNG": .other, "NACHTRAG": .other,
    ]

    /// Splits `text` at lines that start with a known heading and a colon.
    public init(parsing text: String) {
        self.init()
        var current: Kind?
        var buffer: [Substring] = []
        func flush() {
            guard let kind = current else { return }
            let body = buffer.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if !body.isEmpty { append(body, to: kind) }
            buffer = []
        }
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if let (kind, rest) = Self.heading(in: line) {
                flush()
                current = kind
                buffer = [rest]
            } else if current != nil {
                buffer.append(line)
            }
        }
        flush()
    }

    private mutating func append(_ body: String, to kind: Kind) {
        func joined(_ existing: String?) -> String { existing.map { $0 + "\n" + body } ?? body }
        switch kind {
        case .indication: indication = joined(indication)
        case .comparison: comparison = joined(comparison)
        case .findings: findings = joined(findings)
        case .impression: impression = joined(impression)
        case .other: break
        }
    }

    /// A heading is a known name at the start of the line (after spaces), then a colon.
    static func heading(in line: Substring) -> (Kind, Substring)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).uppercased()
        guard name.count <= 24, let kind = headings[name] else { return nil }
        return (kind, line[line.index(after: colon)...])
    }
}
