/// Name and word lists for the rule de-identifier, embedded in the binary (see SOURCE.txt).
///
/// The census sets hold upper-cased ASCII strings, so a rule upper-cases a token once and asks
/// all three (the world lexicons of Lexicon+World.swift follow the same rule, accents kept). Each list is parsed on first use (tens of milliseconds for the surnames) and then
/// shared; `static let` makes that one-time initialisation thread-safe.
public enum Lexicon {
    /// 1990 US Census female and male first names: 5,163 names.
    public static let firstNames: Set<String> = Set(firstNameCumulativePercent.keys)

    /// 1990 US Census surnames: all 88,799 of them, which cover 90.5% of the people sampled.
    public static let lastNames: Set<String> = Set(lastNameCumulativePercent.keys)

    /// English words (SCOWL word list) that are also a census first name or surname: "MASS",
    /// "WHITE", "YOUNG", "HILL", "BONE", "WILL", "MAY". A rule should see a name cue before
    /// calling one of these a name.
    public static let commonWords: Set<String> = Set(
        commonWordsData.split(separator: "\n").map { $0.uppercased() })

    /// How common a first name is: the percentage of people whose first name is this one or a
    /// more common one (MARY 2.629, JAMES 3.318, ...up to about 90). Smaller is more common. A
    /// name on both the female and the male list gets the smaller of its two figures.
    public static let firstNameCumulativePercent: [String: Double] = parseNameFrequencies(firstNamesData)

    /// The same measure for surnames: SMITH 1.006, ... AALDERINK 90.483.
    public static let lastNameCumulativePercent: [String: Double] = parseNameFrequencies(lastNamesData)

    private static func parseNameFrequencies(_ data: String) -> [String: Double] {
        var frequencies: [String: Double] = [:]
        for line in data.split(separator: "\n") {
            guard let tab = line.firstIndex(of: "\t"), let percent = Double(line[line.index(after: tab)...]) else {
                preconditionFailure("malformed embedded name line \(line)")
            }
            frequencies[String(line[..<tab])] = percent
        }
        return frequencies
    }
}
