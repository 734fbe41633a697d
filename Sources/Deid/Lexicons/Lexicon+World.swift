/// The allow-list lexicons of the rule de-identifier: English and clinical vocabulary a word may
/// be explained by, and world name and place lists, embedded in the binary (see SOURCE.txt).
///
/// Keys are upper-cased as Swift's `uppercased()` spells them, accents kept (KOVÁCS) and, for
/// names and places, the ASCII-folded spelling too (KOVACS), so a rule upper-cases a token once
/// and asks every set. Each list is parsed on first use and then shared; `static let` makes
/// that one-time initialisation thread-safe.
extension Lexicon {
    /// English words of wordfreq's large list with Zipf frequency 1.5 or more (about one use in
    /// 30 million words), letters only, at least two of them: word → Zipf × 10, rounded. THE is
    /// 77, PNEUMOTHORAX about 30; a rule can call a word English only above some floor.
    public static let englishZipf: [String: UInt8] = parseZipf(englishZipfData)

    /// Every lower-case entry of Debian's wamerican (SCOWL size 50), letters only, possessives
    /// dropped: the English a report's words are checked against.
    public static let dictionaryWords: Set<String> = parseWords(dictionaryWordsData)

    /// The same from wamerican-small (SCOWL size 35): basic vocabulary, a word nobody is named
    /// after unless a name cue says so.
    public static let basicWords: Set<String> = parseWords(basicWordsData)

    /// First names of the 105 countries of names-dataset (each country's 1,500 commonest, both
    /// genders), Latin script only, with their ASCII folds, plus the census first names.
    public static let worldFirstNames: Set<String> = parseWords(worldFirstNamesData)

    /// Surnames likewise: each country's 1,500 commonest plus all census surnames.
    public static let worldLastNames: Set<String> = parseWords(worldLastNamesData)

    /// Cities and towns of 5,000 people or more (GeoNames), countries (common, short and official
    /// names), capitals, every country's regions and provinces (ISO 3166-2) and US counties
    /// without "County"/"Parish"/....
    /// Multi-word places are their letter runs joined by one space: "NEW YORK", "WINSTON SALEM",
    /// "ST LOUIS", "PRINCE GEORGE S"; a rule matches phrases of up to `placeNameMaxWords` words
    /// tokenised the same way.
    public static let placeNames: Set<String> = parseWords(placeNamesData)

    /// The most words of any entry of `placeNames`.
    public static let placeNameMaxWords: Int = placeNames.reduce(0) { longest, place in
        max(longest, place.utf8.reduce(1) { words, byte in byte == UInt8(ascii: " ") ? words + 1 : words })
    }

    /// Clinical abbreviations, nursing shorthand, drug names and units that are never a name or a
    /// place in these texts (PT, NSG, ABG, HO, SXN, LEVOPHED), plus the one-word clinical safe
    /// terms that are no census name (ICU, LASIX). Hand-written; see clinical_abbreviations.txt
    /// for its policy and the few deliberate exceptions that are also names (MAX, FOLEY).
    public static let clinicalAbbreviations: Set<String> = parseWords(clinicalAbbreviationsData)

    /// Words of the Open-i chest X-ray reports with an odd uid (letters only, two or more, the
    /// curators' XXXX mask left out). The even-uid reports are held out: measure the allow-list
    /// rule's precision on those, not on these.
    public static let radiologyWords: Set<String> = parseWords(radiologyWordsData)

    // The lists are split on UTF-8 bytes, not Characters: several hold accented letters, and
    // Character splitting would run grapheme breaking over megabytes of text on first use.
    private static let newline = UInt8(ascii: "\n")
    private static let tab = UInt8(ascii: "\t")

    private static func parseWords(_ data: String) -> Set<String> {
        let lines = data.utf8.split(separator: newline)
        var words = Set<String>(minimumCapacity: lines.count)
        for line in lines {
            words.insert(String(decoding: line, as: UTF8.self))
        }
        return words
    }

    private static func parseZipf(_ data: String) -> [String: UInt8] {
        let lines = data.utf8.split(separator: newline)
        var zipf = [String: UInt8](minimumCapacity: lines.count)
        for line in lines {
            guard let tabIndex = line.firstIndex(of: tab) else {
                preconditionFailure("malformed embedded Zipf line \(String(decoding: line, as: UTF8.self))")
            }
            // Two decimal digits, written by derive.py; cheaper than a String and UInt8(_:) per line.
            var value: UInt8 = 0
            for digit in line[line.index(after: tabIndex)...] {
                precondition((48...57).contains(digit), "malformed embedded Zipf line")
                value = value * 10 + (digit - 48)
            }
            zipf[String(decoding: line[..<tabIndex], as: UTF8.self)] = value
        }
        return zipf
    }
}
