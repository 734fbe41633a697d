import Foundation
import RaddCore

/// Dates, ages, contacts, identifiers and places as German letters and reports write them.
///
/// German text differs from the US forms the English rules know in ways that matter both ways:
/// dates are day-first with dots ("14.03.2024", "14.3.24", "vom 14.03."), a slash is month/year
/// ("ED 04/2018", "Z.n. OP 7/63"), decimals use a comma (so "2.3." is a date, not a number),
/// phone numbers start with a 0 area code ("030/1234567"), and an address is "Straße 12, PLZ City".
/// Patterns work on the String (ICU regular expressions) and mark UTF-8 byte ranges, like every rule.
struct GermanPatterns {
    let text: String

    /// A match's UTF-8 byte range. Native strings index by UTF-8 offset, so this is cheap.
    func bytes(_ range: Range<String.Index>) -> Range<Int> {
        text.utf8.distance(from: text.startIndex, to: range.lowerBound)..<text.utf8.distance(from: text.startIndex, to: range.upperBound)
    }

    func mark(_ range: Range<String.Index>, _ category: PHISpan.Category, into marks: inout Candidates) {
        let r = bytes(range)
        marks.add(r.lowerBound, r.upperBound, category)
    }

    /// The lower-cased word that ends before `index` on the same line, across spaces and
    /// punctuation ("" if none).
    func wordBefore(_ index: String.Index) -> String {
        var word = ""
        var i = index
        while i > text.startIndex {
            i = text.index(before: i)
            let c = text[i]
            if c == "\n" || c == "\r" { break }
            if c.isLetter || c.isNumber {
                word.insert(c, at: word.startIndex)
            } else if !word.isEmpty {
                break
            }
        }
        return word.lowercased()
    }

    /// The lower-cased word that starts at or after `index` (after spaces only) on the same line.
    func wordAfter(_ index: String.Index) -> String {
        var i = index
        while i < text.endIndex, text[i] == " " || text[i] == "\t" { i = text.index(after: i) }
        var word = ""
        while i < text.endIndex, text[i].isLetter || text[i] == "µ" { word.append(text[i]); i = text.index(after: i) }
        return word.lowercased()
    }

    func characterBefore(_ index: String.Index) -> Character? { index > text.startIndex ? text[text.index(before: index)] : nil }
    func characterAt(_ index: String.Index) -> Character? { index < text.endIndex ? text[index] : nil }

    static func isDay(_ s: Substring) -> Bool { Int(s).map { (1...31).contains($0) } ?? false }
    static func isMonth(_ s: Substring) -> Bool { Int(s).map { (1...12).contains($0) } ?? false }

    // MARK: Dates

    /// Month names and their abbreviations, lower-cased; "mär"/"maerz" as typed without umlauts.
    static let monthPattern = "januar|jänner|jaenner|jan|februar|feber|feb|märz|maerz|mär|mrz|april|apr|mai|juni|jun|juli|jul|august|aug|september|sept|sep|oktober|okt|november|nov|dezember|dez"
    /// Full month names, which are dates on their own after a preposition ("im Februar").
    static let fullMonths: Set<String> = [
        "januar", "jänner", "februar", "märz", "maerz", "april", "mai", "juni", "juli", "august", "september", "oktober",
        "november", "dezember",
    ]
    /// Words before a month name alone that make it a point in time ("im März", "Anfang Mai").
    static let monthContext: Set<String> = [
        "im", "seit", "ab", "bis", "anfang", "mitte", "ende", "vom", "von", "zum", "monat", "letzten", "vergangenen",
        "kommenden", "nächsten", "diesen", "des", "am", "bereits",
    ]
    /// Units after a four-digit number that make it a quantity, not a year ("2000 mg", "1950 ml").
    static let quantityUnits: Set<String> = [
        "mg", "g", "kg", "µg", "ug", "mcg", "ml", "l", "ie", "i", "e", "einheiten", "mmol", "µmol", "mol", "kcal", "kj", "cm",
        "mm", "m", "km", "stück", "stk", "x", "mal", "zellen", "leukozyten", "gy", "cgy", "mgy", "msv", "sv", "ms", "s",
        "sek", "min", "h", "std", "stunden", "tage", "tagen", "wochen", "jahre", "jahren", "ng", "pg", "u", "mu", "prozent",
        "punkte", "schritte", "meter", "gramm", "milligramm", "liter", "dosen", "hub", "hübe", "tropfen", "tbl", "tabl",
        "tabletten", "kapseln", "iu", "mbq", "gbq", "kbq", "ev", "kev", "kv", "mas", "ma", "hz", "khz", "mhz",
    ]
    /// Words before "N/NN" that make it a score, a grade or a ratio, not a month and year.
    static let scoreWords: Set<String> = [
        "kraftgrad", "kraft", "grad", "vas", "nrs", "visus", "score", "gcs", "zyklus", "zyklen", "stadium", "nyha", "ccs",
        "ecog", "karnofsky", "apgar", "tag", "woche", "ssw", "bifurkation", "dosis", "fraktion", "fraktionen", "rr", "puls",
        "frequenz", "verhältnis", "ratio", "dtr", "reflexe", "schmerz", "schmerzen", "schmerzskala", "punkte", "sitzung",
        "segment", "gravida", "para", "g", "p", "bwk", "lwk", "hwk", "th", "l", "c", "s",
    ]

    func dates(into marks: inout Candidates) {
        // 14.03.2024, 14.3.24, 14. 03. 2024, 14.03. (no year): day-first with dots.
        for m in text.find(#"(?<![\d.,])(\d{1,2})\.[ ]?(\d{1,2})\.(?:[ ]?(\d{4}|\d{2}(?!\d)))?(?!\d|,\d)"#) {
            // "03.17.2027" is a date typed month-first: with a four-digit year either order counts.
            guard (Self.isDay(m[1]) && Self.isMonth(m[2])) || (m[3].count == 4 && Self.isMonth(m[1]) && Self.isDay(m[2])) else { continue }
            if !m.has(3) {
                // "2.3." without a year: a date unless it is part of a longer number ("1.2.3.") or
                // a list number at a line start with no word after it ("2.3. - ..."). A numbered
                // heading ("2.1. Befund") is still marked: a lost heading number costs little.
                if characterAt(m.range.upperBound) == "." || characterAt(m.range.upperBound).map({ $0.isNumber }) == true { continue }
                if lineStartsAt(m.range.lowerBound), characterAt(m.range.upperBound) == " ", wordAfter(m.range.upperBound).isEmpty { continue }
            }
            mark(m.range, .date, into: &marks)
        }
        // 21/06/1967, 14/3/2023, 03/09/30: day/month/year with slashes; 2023-04-26 (ISO).
        for m in text.find(#"(?<![\d\/])(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})(?![\d\/])"#) where Self.isDay(m[1]) && Self.isMonth(m[2]) {
            mark(m.range, .date, into: &marks)
        }
        for m in text.find(#"(?<!\d)(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?!\d)"#) { mark(m.range, .date, into: &marks) }
        // Month and year: "ED 04/2018", "Z.n. Colitis 7/2063", "(7/63-11/63)", "Rektum-CA (2/18)".
        for m in text.find(#"(?<![\d\/.,])(\d{1,2})\/(\d{4}|\d{2})(?!\d|\/|,\d|\.\d)"#) where Self.isMonth(m[1]) {
            if m[2].count == 2, Self.scoreWords.contains(wordBefore(m.range.lowerBound)) { continue }
            // "Inegy 10/20 mg" is a combination dose.
            if Self.quantityUnits.contains(wordAfter(m.range.upperBound)) { continue }
            mark(m.range, .date, into: &marks)
        }
        // The start of a range written "03-06/2022" or "10 - 11/2022".
        for m in text.find(#"(?<![\d\/.,])(\d{1,2})[ ]?[-–][ ]?(\d{1,2})\/(\d{4}|\d{2})(?![\d\/])"#) where Self.isMonth(m[1]) && Self.isMonth(m[2]) {
            let first = m.range.lowerBound..<text.index(m.range.lowerBound, offsetBy: m[1].count)
            mark(first, .date, into: &marks)
        }
        // Month names: "14. März 2024", "5. März2063", "März 2024", "Sept. 2063", "1. Nov", "im Februar".
        let monthRegex = ("(?<![\\p{L}])(?:(\\d{1,2})\\.\\s?)?(\(Self.monthPattern))(?![\\p{L}])\\.?(?:\\s?((?:19|20)?\\d\\d(?!\\d)))?")
        for m in text.find(monthRegex, caseInsensitive: true) {
            let hasDay = m.has(1)
            let hasYear = m.has(3)
            guard let month = m.optional(2)?.lowercased() else { continue }
            // A bare two-digit number after a month is a day count or a dose as often as a year.
            if hasYear, !hasDay, let year = m.optional(3), year.count == 2, !Self.fullMonths.contains(month) { continue }
            let capitalised = m.optional(2)?.first?.isUppercase == true
            if hasDay || hasYear {
                if !capitalised && !hasDay { continue }  // "mai" lower case: not the month
                mark(m.range, .date, into: &marks)
            } else if Self.fullMonths.contains(month), capitalised, Self.monthContext.contains(wordBefore(m.range.lowerBound)) {
                mark(m.range, .date, into: &marks)
            }
        }
        // The first day of a range: "01.-03.05.2020", "vom 3. bis 5. März".
        for m in text.find(#"(?<![\d.,])(\d{1,2})\.[ ]?(?:[-–]|bis|und)[ ]?(?=\d{1,2}\.[ ]?(?:\d{1,2}\.|\#(Self.monthPattern)))"#, caseInsensitive: true) where Self.isDay(m[1]) {
            mark(m.range(1), .date, into: &marks)
        }
        // A turn of the year: "2019/2020", "2019/20".
        for m in text.find(#"(?<![\d.,\/])(?:19|20)\d\d\/(?:19|20)?\d\d(?!\d)"#) { mark(m.range, .date, into: &marks) }
        // Calendar weeks: "KW 12", "KW12", "12. KW", "Kalenderwoche 12".
        for m in text.find(#"(?<![\p{L}])(?:KW|Kw|Kalenderwoche)[ ]?\d{1,2}(?!\d)|(?<!\d)\d{1,2}\.[ ]?(?:KW|Kalenderwoche)(?![\p{L}])"#) {
            mark(m.range, .date, into: &marks)
        }
        // Years on their own: "Z.n. Hüft-TEP 2057", "(ED 2018)", "im Jahr 2016", "seit 1998".
        for m in text.find(#"(?<![\d.,\/:\-])(19\d\d|20\d\d)(?!\d|,\d|\.\d|\/|:\d)"#) {
            let after = wordAfter(m.range.upperBound)
            if Self.quantityUnits.contains(after) { continue }
            mark(m.range, .date, into: &marks)
        }
    }

    func lineStartsAt(_ index: String.Index) -> Bool {
        var i = index
        while i > text.startIndex {
            i = text.index(before: i)
            if text[i] == "\n" || text[i] == "\r" { return true }
            if text[i] != " " && text[i] != "\t" { return false }
        }
        return true
    }

    // MARK: Ages

    func ages(into marks: inout Candidates) {
        // "80-jährige", "16–jähriges Mädchen", "80 jährige", "im Alter von 80 Jahren", "Alter: 80",
        // "80 J.", "(80 J)", "im 80. Lebensjahr".
        for m in text.find(#"(?<![\d,.])(\d{1,3})(?=[ ]?[-–]?[ ]?(?:jährig|Jährig|jaehrig|J\.|J\)|J,|j\.|Jahre alt|Jahre,? alt|LJ|\.[ ]?Lebensjahr|\.[ ]?LJ))"#) {
            guard let age = Int(m[1]), age <= 120 else { continue }
            mark(m.range, .age, into: &marks)
        }
        // In brackets after a person: "(8 Jahre)", "(80 J)", "Kacper, 14 J.".
        for m in text.find(#"\((\d{1,3})[ ]?(?:Jahre|J\.?|LJ)\)"#) { mark(m.range(1), .age, into: &marks) }
        for m in text.find(#"(?:Alter(?: von)?|Alter:|Lebensalter:?|alt:?)[ ]?(\d{1,3})(?![\d,.]\d)"#) {
            mark(m.range(1), .age, into: &marks)
        }
        // Written-out ages before "-jährig" ("Fünfzigjährige", "Fünfzig-jährige"): the word itself.
        for m in text.find(#"(?<![\p{L}])((?:zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|dreissig|vierzig|fünfzig|sechzig|siebzig|achtzig|neunzig|hundert)\p{L}*?)(?=[ ]?[-–]?[ ]?jährige[rnms]?[ ]+(?:Patient|Patientin|Pat\.|Mann|Frau|Mädchen|Junge|Kind|Herr|Säugling))"#, caseInsensitive: true) {
            mark(m.range(1), .age, into: &marks)
        }
    }

    // MARK: Contacts and identifiers

    /// Words before a number that make it a telephone or fax number.
    static let phoneWords: Set<String> = [
        "tel", "telefon", "telefonisch", "fon", "phone", "fax", "telefax", "durchwahl", "dw", "nummer", "rufnummer", "handy",
        "mobil", "mobilnummer", "unter", "erreichbar", "zentrale", "sekretariat", "pforte", "info", "piepser", "funk",
        "hotline", "notruf", "kontakt", "o", "oder",
    ]

    func contacts(into marks: inout Candidates) {
        for m in text.find(#"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"#) { mark(m.range, .contact, into: &marks) }
        for m in text.find(#"(?:https?:\/\/|www\.)[^\s<>"]+[^\s<>".,;:)]"#) { mark(m.range, .contact, into: &marks) }
        // International: "+49 30 1234 567", "+49 (0)30 12345-67", "0049 30 ...".
        for m in text.find(#"(?<![\d\w])(?:\+|00)\d{2,3}[ \-\/]?(?:\(0\)[ ]?)?\d{1,5}(?:[ \-\/]?\d{2,8}){1,4}(?!\d)"#) {
            mark(m.range, .contact, into: &marks)
        }
        // National: "030/1234567", "02216/325-15423", "0233-220-312257", "030 110-2612 o. 2522".
        for m in text.find(#"(?<![\d,.\/\w\-])(?:\(0\d{1,5}\)|0\d{1,5})(?:[ ]?[\/\-][ ]?|[ ])\d{2,8}(?:[ \-\/]\d{1,8}){0,3}(?:[ ]?(?:o\.|oder|\/|,)[ ]?\d{2,8})?(?!\d|,\d|\.\d)"#) {
            let digits = text[m.range].filter(\.isNumber).count
            guard digits >= 6 else { continue }
            // "03-06/2022" is a range of months, not a number to call.
            if String(text[m.range]).range(of: #"^\d{1,2}\s?[-–]\s?\d{1,2}/\d{2,4}$"#, options: .regularExpression) != nil { continue }
            mark(m.range, .contact, into: &marks)
        }
        // Any digits after a phone word: "Terminvereinbarung unter 5110-2882", "Tel. 2522".
        for m in text.find(#"(?<![\p{L}])(\p{L}+)\.?:?[ \t]*(?:[+\-]?\d[\d \-\/]{2,}\d)(?:[ ]?(?:o\.|oder)[ ]?\d{2,8})?"#) {
            let word = m[1].lowercased()
            guard Self.phoneWords.contains(word) || word.hasSuffix("vereinbarung") || word.hasSuffix("telefon") else { continue }
            let number = text[m.range].firstIndex(where: { $0.isNumber || $0 == "+" })!
            let digits = text[number..<m.range.upperBound].filter(\.isNumber).count
            // "unter 3 Tagen" is not a number to call: four digits at least, and no unit after it.
            guard digits >= 4, !Self.quantityUnits.contains(wordAfter(m.range.upperBound)) else { continue }
            mark(number..<m.range.upperBound, .contact, into: &marks)
        }
    }

    /// Labels of case, patient, insurance, order and specimen numbers, lower-cased, compared with
    /// their dots and hyphens removed ("Fall-Nr." → "fallnr", "Pat.-ID" → "patid").
    static let idLabels: Set<String> = [
        "fallnummer", "fallnr", "fall", "falln", "patid", "patientenid", "pid", "piz", "patnr", "patientennummer",
        "patientennr", "enr", "eingangsnummer", "eingangsnr", "vorgangsnr", "vorgangsnummer", "auftragsnummer", "auftragsnr",
        "versichertennr", "versichertennummer", "versnr", "kvnr", "krankenversichertennummer", "versicherungsnummer",
        "versicherungsnr", "aufnahmenummer", "aufnahmenr", "aufnnr", "befundnummer", "befundnr", "labornummer", "labornr",
        "barcode", "accession", "akz", "aktenzeichen", "tagebuchnr", "tagebuchnummer", "journalnr", "einsendenr",
        "einsendenummer", "probennr", "probennummer", "untersuchungsnummer", "untersuchungsnr", "unr", "mrn", "id", "nr",
        "nummer", "kennnummer", "ikz", "ik", "ikennzeichen", "institutionskennzeichen", "bsnr", "lanr", "svnr",
        "sozialversicherungsnummer", "geburtsnummer", "kassennr", "kassennummer", "mitgliedsnr", "mitgliedsnummer",
        "aufnahmezahl", "aufnahmezl", "geschäftszahl", "aktenzahl", "gz", "az", "histonr", "histologienr", "jnr", "bnr", "anr", "ordernr", "zimmer", "zi", "zimmernr", "bett", "station",
        "intensivstation", "normalstation", "wachstation", "ambulanz", "op", "saal", "raum", "ebene", "og", "haus", "trakt",
    ]
    /// Of the labels, those that name a place in the hospital: the code after them is short
    /// ("Station A23", "Zi. 119", "OP II") and is an identifier only when it holds a digit or is
    /// a short code in capitals.
    static let wardLabels: Set<String> = ["zimmer", "zi", "zimmernr", "bett", "station", "intensivstation", "normalstation", "wachstation", "ambulanz", "op", "saal", "raum", "ebene", "og", "haus", "trakt"]

    func identifiers(into marks: inout Candidates) {
        // "Fallnummer: 34998877", "Pat.-ID 123", "E-Nr.: 17217277", "Vorgangs-Nr. 01776324221",
        // "Versichertennr. A123456789", "Station A23", "Zi: 119", "Station: 2111".
        // The code sits in a look-ahead, so that a label's match never swallows the next label
        // ("im OP II": "im" is tried and refused without consuming "OP").
        for m in text.find(#"(?<![\p{L}])((?:\p{L}++[.\-]{0,2}+){1,3}+)(?=[ ]?(?:Nr\.?|-Nr\.?|Nummer)?[ ]?[:#]?[ \t]*([A-Z]{0,4}[\-]?\d[\dA-Z\-\/.]*[\dA-Z]|\d|[A-Z]{1,3}\d{0,4}|[IVX]{1,4})(?![\p{L}\d]))"#) {
            let label = m[1].lowercased().filter { $0.isLetter }
            guard Self.idLabels.contains(label) || (label.hasSuffix("nr") && label.count > 3) || label.hasSuffix("nummer") else { continue }
            let code = m[2]
            let isWard = Self.wardLabels.contains(label)
            if isWard {
                // "Station 4", "Station A23", "OP II", "Zi: 119": short codes only.
                guard code.count <= 6 else { continue }
                if label == "op", !code.allSatisfy({ "IVX".contains($0) }) && !code.contains(where: \.isNumber) { continue }
                if code.allSatisfy(\.isLetter), label != "station", label != "op" { continue }
            } else {
                guard code.contains(where: \.isNumber) else { continue }
                if label == "nr" || label == "nummer" || label == "id" || label == "fall" {
                    // Only a number of several digits after these short words ("Nr. 3" is a list item).
                    guard code.filter(\.isNumber).count >= 4 else { continue }
                }
            }
            if Self.quantityUnits.contains(wordAfter(m.range(2).upperBound)) { continue }
            mark(m.range(2), .identifier, into: &marks)
        }
        // Long digit strings are identifiers wherever they are: six digits or more, not a phone
        // or a date (marked already, and the union keeps the longer mark), not a quantity.
        for m in text.find(#"(?<![\d,.\/\-])\d{6,}(?!\d|,\d|\.\d)"#) where !Self.quantityUnits.contains(wordAfter(m.range.upperBound)) {
            mark(m.range, .identifier, into: &marks)
        }
        // Codes that mix letters and digits after an identifier-like hyphen ("ID-4711-A").
        for m in text.find(#"(?<![\p{L}\d])(?:DIN|ISO|EN)(?:[ ](?:DIN|ISO|EN))*[ ]\d{3,5}(?:-\d+)?"#) { mark(m.range, .identifier, into: &marks) }
    }
}
