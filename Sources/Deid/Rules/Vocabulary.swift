import Foundation

/// What a word is by the lexicons alone, before any context: the allow-list side of the
/// de-identifier (after Philter, Norgeot et al. 2020). A word that is neither known vocabulary nor
/// explained by a safe pattern is suspect wherever a name or place can stand, so recall does not
/// depend on a name or place having been listed.
enum WordStanding: Equatable {
    /// Clinical and radiology vocabulary and abbreviations ("PT", "NSG", "ABG", "lasix",
    /// "cardiomediastinal"): never a name or place on its own; only a title ("Dr. Ho") makes one.
    case clinical
    /// An English word that no name list holds, or whose use as a word is far more common.
    case common
    /// An English word that is also a name ("White", "Young", "Bill", "Mark"): a name only with a
    /// cue (a title, an introducing phrase, a name next to it).
    case commonAndName
    /// An English word that is far more often a first name in clinical writing than a word
    /// ("Carol", "Nancy"): a name in any letter case unless the sentence shows otherwise.
    case nameLeaning
    /// A listed first name or surname that is no English word ("Nicholson", "Kovács").
    case name
    /// A listed city, country or state that is no English word ("Baltimore", "Budapest").
    case place
    /// Known to no list: a name or place nobody listed, or a rare word or misspelling.
    case unknown
}

/// The lexicons merged into one table, so a token costs one hash lookup: the de-identifier must
/// stay above 5 MB/s per core, and most tokens are looked up.
struct Vocabulary: Sendable {
    struct Entry: Sendable {
        var flags: UInt16
        var zipf: UInt8
    }

    static let clinical: UInt16 = 1 << 0
    static let dictionary: UInt16 = 1 << 1
    static let basic: UInt16 = 1 << 2
    static let censusFirst: UInt16 = 1 << 3
    static let censusLast: UInt16 = 1 << 4
    static let worldFirst: UInt16 = 1 << 5
    static let worldLast: UInt16 = 1 << 6
    static let place: UInt16 = 1 << 7
    /// Words of real radiology reports: vocabulary, but below the name and place lists, since a
    /// report also says "immigrant from Bangladesh".
    static let radiology: UInt16 = 1 << 8

    private let entries: [String: Entry]

    /// The lexicons shipped with radd (Sources/Deid/Lexicons), built once on first use.
    static let standard = Vocabulary()

    init() {
        var entries: [String: Entry] = [:]
        entries.reserveCapacity(Lexicon.englishZipf.count + Lexicon.worldLastNames.count + Lexicon.placeNames.count)
        for (word, zipf) in Lexicon.englishZipf { entries[word, default: Entry(flags: 0, zipf: 0)].zipf = zipf }
        func add(_ words: Set<String>, _ flag: UInt16) {
            for word in words { entries[word, default: Entry(flags: 0, zipf: 0)].flags |= flag }
        }
        add(Lexicon.clinicalAbbreviations, Self.clinical)
        add(Lexicon.radiologyWords, Self.radiology)
        add(Lexicon.dictionaryWords, Self.dictionary)
        add(Self.medicalWords(), Self.dictionary)
        add(Lexicon.commonWords, Self.dictionary)
        add(Lexicon.basicWords, Self.basic)
        add(Lexicon.firstNames, Self.censusFirst)
        add(Lexicon.lastNames, Self.censusLast)
        add(Lexicon.worldFirstNames, Self.worldFirst)
        add(Lexicon.worldLastNames, Self.worldLast)
        // Single-word places only: longer ones are matched as phrases (`isPlacePhrase`).
        add(Lexicon.placeNames.filter { !$0.contains(" ") }, Self.place)
        self.entries = entries
    }

    func entry(_ upper: String) -> Entry? { entries[upper] }

    /// Debian's medical word list (package hunspell-en-med, OpenMedSpel and others, GPL-3+): read
    /// from the system at run time, not copied into radd. General word lists miss most clinical
    /// vocabulary ("ectopy", "granulomata", "levophed"), and a clinical word taken for a name
    /// is a replaced word in every note. Without the package (install.sh installs it) more rare
    /// clinical words are replaced: the safe direction.
    static let medicalWordListPath = "/usr/share/hunspell/en_med_glut.dic"

    /// The list's lower-case entries, upper-cased: capitalised entries are eponyms and brand
    /// names, which stay for the name rules and the clinical safe list to judge.
    static func medicalWords(path: String = medicalWordListPath) -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var words = Set<String>()
        words.reserveCapacity(80_000)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var start = 0
            var lower = true
            var length = 0
            var end = -1  // where the word ends: at "/" (affix flags) or the line's end
            for (index, byte) in raw.enumerated() {
                if byte == 0x0A {
                    let stop = end >= 0 ? end : index
                    if lower, length >= 3, stop - start == length {
                        words.insert(String(decoding: raw[start..<stop], as: UTF8.self).uppercased())
                    }
                    start = index + 1
                    lower = true
                    length = 0
                    end = -1
                } else if end < 0 {
                    if byte == 0x2F { end = index } else if byte >= 0x61 && byte <= 0x7A { length += 1 } else { lower = false }
                }
            }
        }
        return words
    }

    /// How a word stands by the lists alone, or by its form when no list knows it. `upper` is the
    /// word upper-cased.
    func standing(_ upper: String, mode: DeidPolicy.Mode) -> WordStanding {
        let listed = listedStanding(upper, mode: mode)
        guard listed == .unknown else { return listed }
        return explainedByForm(upper, mode: mode) ? .common : .unknown
    }

    /// Clinical and English word endings that no name or place has: medical vocabulary is thinly
    /// covered by general word lists ("levophed", "cardiomediastinal", "extubated"), and these
    /// endings explain most of what they miss. Names with such endings ("Caroline") are listed,
    /// and the lists are asked first.
    static let wordEndings: [String] = [
        "ITIS", "OSIS", "ECTOMY", "OTOMY", "OSTOMY", "EMIA", "AEMIA", "ALGIA", "OLOGY", "OGRAM", "GRAPHY", "PATHY",
        "PLASTY", "SCOPY", "SCOPIC", "OMEGALY", "ECTASIS", "PLEGIA", "PARESIS", "PNEA", "URIA", "CARDIA", "TROPHY",
        "GENIC", "OTIC", "ATIC", "ETIC", "ICAL", "IDAL", "ULAR", "INAL", "ONAL", "EAL", "IAL", "OUS", "IVE",
        "ATED", "IZED", "ISED", "ATION", "ATIONS", "MENT", "NESS", "LESS", "ABLE", "IBLE", "IZE", "ISE", "ING",
        "OLOL", "PRIL", "SARTAN", "STATIN", "CILLIN", "MYCIN", "AZOLE", "FLOXACIN", "DIPINE", "TIDINE", "PRAZOLE",
        "AZEPAM", "OLAM", "ONIUM", "CAINE", "IFENE", "PARIN", "OXACIN", "VUDINE", "NAVIR", "MAB", "NIB", "ASE",
        "PHED", "OSINE", "ONE", "IDE", "ATE", "IDINE", "AMINE", "OXIN", "ULIN", "ANOL", "ENOL", "PHYTE", "CYTE",
        "BLAST", "OMA", "OMAS", "ITIDES", "OID", "OIDS", "ULES", "ULE", "IZATION", "ECTOMIES", "LYSIS", "LYTIC",
    ]
    /// Clinical word beginnings ("cardio", "pneumo", "hepato"): compounds no list holds.
    static let wordBeginnings: [String] = [
        "CARDIO", "PNEUMO", "HEPAT", "NEPHR", "NEURO", "GASTR", "HEMAT", "HAEMAT", "ANGIO", "OSTEO", "BRONCH",
        "PULMON", "THORAC", "MEDIASTIN", "INTRA", "EXTRA", "SUPRA", "INFRA", "RETRO", "TRANS",
        "HYPER", "HYPO", "ANTI", "PSEUDO", "MICRO", "MACRO", "ENDO", "INTER", "COSTO", "VERTEBR",
        "CHOLE", "ENCEPH", "CRANI", "ARTERI", "VENO", "LYMPH", "DERMAT", "CYSTO", "URETER", "URETHR", "COLO", "ENTERO",
        "ESOPHAG", "OESOPHAG", "LAPARO", "THROMB", "EMBOL", "ATHERO", "CALCIF", "FIBRO", "ADENO", "CARCIN", "METASTA",
        "RADIO", "ECHO", "ELECTRO", "TACHY", "BRADY", "SEMI", "MULTI", "BILAT",
    ]

    /// Whether a word no list holds is explained by its form: an inflection of a known word
    /// ("diuresed", "sats", "suctioning"), a clinical ending or beginning, or one slip of the
    /// keyboard from a known word ("pateint", "recieved").
    func explainedByForm(_ upper: String, mode: DeidPolicy.Mode) -> Bool {
        // Bytes, not String: hasSuffix and hasPrefix on String walk grapheme clusters, and this
        // runs for every word no list knows.
        let letters = Array(upper.utf8)
        let count = letters.count
        guard count >= 4 else { return false }
        func ends(with ending: [UInt8]) -> Bool {
            ending.count <= count && letters[(count - ending.count)...].elementsEqual(ending)
        }
        for ending in Self.wordEndingBytes where count >= ending.count + 3 && ends(with: ending) { return true }
        for beginning in Self.wordBeginningBytes where count >= beginning.count + 3 && letters.starts(with: beginning) { return true }
        for suffix in Self.inflectionBytes where count > suffix.count + 2 && ends(with: suffix) {
            let stem = letters[..<(count - suffix.count)]
            if isVocabulary(String(decoding: stem, as: UTF8.self), mode: mode)
                || isVocabulary(String(decoding: stem, as: UTF8.self) + "E", mode: mode) { return true }
        }
        if isTruncation(upper) { return true }
        guard count >= 5 else { return false }
        // Of the letters left out, a doubled letter written once is by far the commonest
        // ("efects", "ocasional"); trying every letter everywhere costs too much per word.
        for k in 0..<count {
            var longer = letters
            longer.insert(letters[k], at: k)
            if isVocabulary(String(decoding: longer, as: UTF8.self), mode: mode) { return true }
        }
        guard count >= 6 else { return false }
        // One transposition or one letter too many away from vocabulary.
        for k in 0..<(count - 1) where letters[k] != letters[k + 1] {
            var swapped = letters
            swapped.swapAt(k, k + 1)
            if isVocabulary(String(decoding: swapped, as: UTF8.self), mode: mode) { return true }
        }
        for k in 0..<count {
            var shorter = letters
            shorter.remove(at: k)
            if isVocabulary(String(decoding: shorter, as: UTF8.self), mode: mode) { return true }
        }
        return false
    }

    static let wordEndingBytes = wordEndings.map { Array($0.utf8) }
    static let wordBeginningBytes = wordBeginnings.map { Array($0.utf8) }
    static let inflectionBytes = ["S", "ES", "ED", "D", "ING", "ER", "LY"].map { Array($0.utf8) }

    /// Known vocabulary that is no name: what an inflection or a slip can be explained by.
    private func isVocabulary(_ upper: String, mode: DeidPolicy.Mode) -> Bool {
        switch listedStanding(upper, mode: mode) {
        case .clinical, .common: return true
        case .commonAndName, .nameLeaning, .name, .place, .unknown: return false
        }
    }

    /// Words for peoples and languages: capitalised like names, and no PHI ("African American",
    /// "Hispanic", "Finnish").
    static let peoples: Set<String> = [
        "AFRICAN", "AMERICAN", "AMERICANS", "ASIAN", "CAUCASIAN", "HISPANIC", "LATINO", "LATINA", "LATINX", "EUROPEAN",
        "NATIVE", "INDIAN", "ALASKAN", "HAWAIIAN", "PACIFIC", "ISLANDER", "ARAB", "ARABIC", "JEWISH", "CHRISTIAN",
        "MUSLIM", "CATHOLIC", "PROTESTANT", "HINDU", "BUDDHIST", "ENGLISH", "SPANISH", "FRENCH", "GERMAN", "ITALIAN",
        "PORTUGUESE", "RUSSIAN", "UKRAINIAN", "POLISH", "HUNGARIAN", "FINNISH", "SWEDISH", "NORWEGIAN", "DANISH",
        "DUTCH", "GREEK", "TURKISH", "PERSIAN", "FARSI", "CHINESE", "MANDARIN", "CANTONESE", "JAPANESE", "KOREAN",
        "VIETNAMESE", "TAGALOG", "FILIPINO", "HAITIAN", "CREOLE", "SOMALI", "AMHARIC", "HEBREW", "YIDDISH", "URDU",
        "HINDI", "BENGALI", "PUNJABI", "GUJARATI", "TAMIL", "CAMBODIAN", "KHMER", "LAOTIAN", "HMONG", "THAI",
        "MEXICAN", "CUBAN", "PUERTO", "RICAN", "DOMINICAN", "BRAZILIAN", "CANADIAN", "BRITISH", "IRISH", "SCOTTISH",
        "AFRICAN-AMERICAN", "BLACK", "WHITE", "EASTERN", "WESTERN", "NORTHERN", "SOUTHERN", "MEDICARE", "MEDICAID",
    ]

    /// A popular first name that is also an English word ("Maria", "Jack", "Mark"), which a
    /// capital letter in mid-sentence marks as the name.
    func isPopularFirstName(_ upper: String) -> Bool {
        guard let percent = Lexicon.firstNameCumulativePercent[upper] else { return false }
        return percent < 50
    }

    /// A census or world first name, or surname, for pairing words that are also vocabulary.
    func isFirstName(_ upper: String) -> Bool { (entries[upper]?.flags ?? 0) & (Self.censusFirst | Self.worldFirst) != 0 }
    func isLastName(_ upper: String) -> Bool { (entries[upper]?.flags ?? 0) & (Self.censusLast | Self.worldLast) != 0 }
    /// A listed clinical abbreviation or radiology word, by the lists alone (no form checks: the
    /// name rules ask this for every word in capitals).
    func isClinicalWord(_ upper: String) -> Bool {
        guard let flags = entries[upper]?.flags else { return false }
        return flags & Self.clinical != 0 || (flags & Self.radiology != 0 && flags & Self.nameFlags == 0)
    }
    func isCensusLastName(_ upper: String) -> Bool { (entries[upper]?.flags ?? 0) & Self.censusLast != 0 }
    /// An entry of the English dictionaries, not merely a frequent string of web text ("UCSF").
    func isDictionaryWord(_ upper: String) -> Bool { (entries[upper]?.flags ?? 0) & (Self.dictionary | Self.clinical) != 0 }

    /// Vocabulary words in sorted order, for truncations ("intol", "hypotens").
    private static let sortedVocabulary: [String] = Vocabulary.standard.entries.compactMap { key, entry in
        entry.flags & (Vocabulary.clinical | Vocabulary.dictionary | Vocabulary.radiology) != 0 && entry.flags & Vocabulary.nameFlags == 0 ? key : nil
    }.sorted()
    static let nameFlags: UInt16 = censusFirst | censusLast | worldFirst | worldLast | place

    /// Whether `upper` begins a longer vocabulary word that is no name: clinical writing cuts
    /// words short ("intol", "hypotens", "diff").
    func isTruncation(_ upper: String) -> Bool {
        let words = Self.sortedVocabulary
        var low = 0
        var high = words.count
        while low < high {
            let middle = (low + high) / 2
            if words[middle] < upper { low = middle + 1 } else { high = middle }
        }
        var k = low
        while k < words.count, words[k].hasPrefix(upper) {
            if words[k].utf8.count > upper.utf8.count { return true }
            k += 1
        }
        return false
    }

    private func listedStanding(_ upper: String, mode: DeidPolicy.Mode) -> WordStanding {
        if Self.peoples.contains(upper) { return .common }
        guard let entry = entries[upper] else { return .unknown }
        let flags = entry.flags
        if flags & Self.clinical != 0 { return .clinical }
        let census = flags & (Self.censusFirst | Self.censusLast) != 0
        // Radiology words outrank the world lists, which hold everyday words of many languages,
        // but not the census names and the places ("immigrant from Bangladesh").
        if flags & Self.radiology != 0, !census, flags & Self.place == 0 { return .clinical }
        let anyName = census || flags & (Self.worldFirst | Self.worldLast) != 0
        if flags & Self.dictionary != 0 {
            // An English word that only the world lists call a name ("the", "are") is a word.
            guard census else { return .common }
            // A popular first name that only the larger dictionary knows as a word is written far
            // more often as a name than as the word in clinical notes ("carol", "nancy", "sally").
            if flags & Self.basic == 0, flags & Self.censusFirst != 0,
               let percent = Lexicon.firstNameCumulativePercent[upper], percent < 60 {
                return .nameLeaning
            }
            return .commonAndName
        }
        if census { return .name }
        // Places before the world name lists: a state or city that is also somebody's name
        // somewhere ("Alabama") is frequent in English text only because it is a place.
        if flags & Self.place != 0 { return upper.utf8.count <= 3 && entry.zipf >= 40 ? .common : .place }
        // The world lists come from social-network profiles and hold everyday words of many
        // languages; a word English text uses very often ("ok", "online") is a word first.
        if anyName { return entry.zipf >= 35 ? .common : .name }
        let threshold: UInt8 = mode == .recall ? 20 : 15
        return entry.zipf >= threshold ? .common : .unknown
    }

    /// Whether `words` (upper-cased, one space between) name a listed place.
    func isPlacePhrase(_ words: String) -> Bool { Lexicon.placeNames.contains(words) }

    /// First words of the places written in several words ("NEW" of "NEW YORK"): a phrase is
    /// built only from a word that can begin one, and most words are refused by their hash.
    static let placePhraseFirstWords = WordSet(Set(Lexicon.placeNames.compactMap { place in
        place.firstIndex(of: " ").map { String(place[..<$0]) }
    }))
    func beginsPlacePhrase(_ upper: String) -> Bool { Self.placePhraseFirstWords.contains(upper) }
    func mayBeginPlacePhrase(hash: UInt64) -> Bool { Self.placePhraseFirstWords.mayContain(hash: hash) }
}
