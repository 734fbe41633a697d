/// Tells English from German report text, offline and per report, for a folder with
/// `language = auto`.
///
/// Why a word count and not a model: the decision is between two languages only, radiology text is
/// short and telegraphic ("Kein Erguss.", "No effusion."), and the evidence must be explainable to
/// whoever asks why a report was read as German. Each word counts for at most one language:
/// - function words and negations that exist in one language only (der/die/das/und/nicht/kein/mit/
///   bei against the/and/of/with/no/is); words both languages share ("in", "an", "also", "normal",
///   "Thorax", "Pneumothorax") count for neither;
/// - frequent radiology words of one language ("Befund", "Fraktur", "Erguss"; "findings", "effusion");
/// - umlauts and ß, which English reports do not use;
/// - German morphology (-ung, -ungen, -keit, -heit, -lich, -isch, -ierung) and English morphology
///   (-ing, -ness, -ly, -ity, -ed) on longer words.
/// Tags left by de-identification (`[NAME]`, `[DATE]`) and Open-i's `XXXX` marks are English-looking
/// words that say nothing about the report, so they are skipped.
///
/// Fail-safe direction: a text with no evidence, or as much English as German evidence, is English,
/// which is what every folder was before languages existed. Accuracy on the test corpora is in
/// Docs/configuration.md ("Report language"), printed by
/// `swift test --skip-build --scratch-path .build-test --filter LanguageDetectorAccuracyTests`.
public enum LanguageDetector {
    /// What the decision rests on: points for each language and the words that gave them (at most
    /// a few of each, for messages).
    public struct Evidence: Sendable, Equatable {
        public var german: Int
        public var english: Int
        public var germanWords: [String]
        public var englishWords: [String]

        /// German only when German evidence outweighs English evidence; a tie (including no
        /// evidence at all) is English, radd's language before `auto`.
        public var language: ReportLanguage { german > english ? .de : .en }
    }

    /// The report's language: `evidence(text).language`.
    public static func detect(_ text: String) -> ReportLanguage {
        evidence(text).language
    }

    /// How many words to keep for a message.
    private static let keptWords = 8

    public static func evidence(_ text: String) -> Evidence {
        var result = Evidence(german: 0, english: 0, germanWords: [], englishWords: [])
        for word in words(of: text) {
            let (language, points) = score(word)
            guard points > 0, let language else { continue }
            switch language {
            case .de:
                result.german += points
                if result.germanWords.count < keptWords { result.germanWords.append(word) }
            case .en:
                result.english += points
                if result.englishWords.count < keptWords { result.englishWords.append(word) }
            }
        }
        return result
    }

    /// The lower-cased words of `text`, without de-identification tags (`[NAME]`, `[AGE 90+]`) and
    /// without Open-i's `XXXX` marks. A word is a run of letters; "Knie-TEP" is two words.
    public static func words(of text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inTag = false
        var tagLength = 0
        func flush() {
            if !current.isEmpty, !current.allSatisfy({ $0 == "x" }) || current.count < 3 { words.append(current) }
            current = ""
        }
        for character in text {
            if inTag {
                tagLength += 1
                // A bracket left open by the text itself ("[see above") must not swallow the rest.
                if character == "]" || character == "\n" || tagLength > 40 { inTag = false }
                continue
            }
            if character == "[" {
                flush()
                inTag = true
                tagLength = 0
                continue
            }
            if character.isLetter {
                current.append(contentsOf: character.lowercased())
            } else {
                flush()
            }
        }
        flush()
        return words
    }

    /// Which language a single word speaks for, and how strongly.
    public static func score(_ word: String) -> (ReportLanguage?, Int) {
        if germanWords.contains(word) { return (.de, 2) }
        if englishWords.contains(word) { return (.en, 2) }
        if word.contains(where: { "äöüß".contains($0) }) { return (.de, 2) }
        guard word.count >= 6 else { return (nil, 0) }
        if germanSuffixes.contains(where: { word.hasSuffix($0) }) { return (.de, 1) }
        if englishSuffixes.contains(where: { word.hasSuffix($0) }) { return (.en, 1) }
        return (nil, 0)
    }

    /// Words only German uses, function words first, then report vocabulary. Not here because
    /// English uses them too: in, an, also, so, was, war, man, hat, gut, lt, normal, thorax, status,
    /// post.
    static let germanWords: Set<String> = [
        // Articles, pronouns, conjunctions, prepositions, auxiliaries.
        "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen",
        "und", "oder", "sowie", "bzw", "aber", "jedoch", "allerdings", "sonst", "auch", "noch", "nur",
        "nicht", "kein", "keine", "keinen", "keiner", "keines", "keinem", "ohne", "mit", "bei", "von",
        "vom", "zum", "zur", "im", "am", "ins", "auf", "aus", "nach", "bis", "zu", "für", "über",
        "unter", "vor", "seit", "durch", "gegen", "zwischen", "neben", "sich", "als", "wie", "ist",
        "sind", "wird", "werden", "wurde", "wurden", "waren", "haben", "kann", "mehr",
        "weiter", "weitere", "weiterer", "weiteren", "sehr", "etwas", "dies", "diese", "dieser",
        "ebenfalls", "jeweils", "einschließlich", "insbesondere", "deutlich", "leicht", "mäßig",
        "gering", "geringe", "geringer", "geringen", "wenig",
        // Sides, abbreviations and common report words.
        "links", "rechts", "li", "re", "bds", "beidseits", "beidseitig", "ggf", "evtl",
        "befund", "befunde", "beurteilung", "fragestellung", "klinik", "anamnese", "indikation",
        "technik", "voraufnahme", "voruntersuchung", "vergleich", "aufnahme", "aufnahmen",
        "fraktur", "frakturen", "erguss", "ergüsse", "verdacht", "nachweis", "hinweis", "hinweise",
        "anhalt", "regelrecht", "regelrechte", "regelrechter", "regelrechten", "unauffällig",
        "unauffällige", "altersentsprechend", "lunge", "lungen", "herz", "zwerchfell", "rippen",
        "knochen", "weichteile", "weichteilschwellung", "gelenk", "gelenke", "gelenkspalt",
        "stellung", "sprunggelenk", "oberes", "oberen", "unteres", "unteren", "seitlich", "strahlengang",
        "infiltrat", "infiltrate", "stauung", "herzgröße", "kompensiert", "frei", "freie", "freier",
        "randsinus", "mittelständig", "schlank", "kalksalzgehalt", "zeichen", "vd", "osg", "usg",
        "schwellung", "darstellung", "kontrolle", "empfehlung", "empfohlen", "ausschluss",
        "auszuschließen", "fraglich", "fragliche", "möglicherweise", "ehesten", "vereinbar",
    ]

    /// Words only English uses. Not here because German uses them too (or tags and headings
    /// print them): in, an, also, so, was, normal, status, post, name, date, patient, mediastinum,
    /// mediastinal, bilateral, degenerative, silhouette; nor "a", which German reports write in
    /// "Weber A".
    static let englishWords: Set<String> = [
        "the", "and", "of", "with", "no", "is", "are", "were", "be", "been", "there", "to", "for",
        "on", "at", "or", "not", "without", "this", "that", "these", "those", "has", "have", "by",
        "from", "as", "which", "within", "than", "into", "may", "could", "likely", "seen", "noted",
        "evidence", "acute", "clear", "right", "left", "lungs", "lung", "heart", "size", "chest",
        "effusion", "effusions", "fracture", "fractures", "findings", "finding", "impression",
        "indication", "comparison", "history", "views", "view", "limits", "unchanged",
        "stable", "mild", "small", "large", "both", "again", "prior", "previous", "new",
        "old", "otherwise", "soft", "tissue", "tissues", "bony", "bones", "joint", "ankle", "swelling",
        "consolidation", "opacity", "opacities", "focal", "pleural", "displaced", "identified",
        "appear", "appears", "appearance", "shows", "demonstrates", "suggest", "suggests",
        "unremarkable", "grossly", "possible", "probable", "cannot", "excluded",
        "changes", "change", "upper", "lower", "contour", "contours",
        "abnormality", "abnormalities", "process", "negative", "positive", "pain", "cough", "year",
        "years", "male", "female",
    ]

    /// German endings on words of six letters or more ("Stellung", "Auffälligkeit", "Therapie",
    /// "dokumentiert", "regelmäßig" already counts for its umlaut). English writes -y where German
    /// writes -ie (therapy, Therapie).
    static let germanSuffixes = ["ung", "ungen", "keit", "heit", "lich", "liche", "lichen", "licher",
                                 "isch", "ische", "ischen", "ischer", "ierung", "tigkeit", "chen", "lage",
                                 "ie", "iert", "ierte", "ierten", "ieren", "ig", "ige", "igen", "iger"]

    /// English endings on words of six letters or more. "-tion" is not one: German has Konsolidation,
    /// Position, Aspiration.
    static let englishSuffixes = ["ing", "ness", "ly", "ity", "ed", "ies", "ous"]
}

extension LanguageSetting {
    /// The language of one report under this setting: the fixed one, or the detector's reading of
    /// its text.
    public func language(of text: String) -> ReportLanguage {
        switch self {
        case .fixed(let language): return language
        case .auto: return LanguageDetector.detect(text)
        }
    }
}
