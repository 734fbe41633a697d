import Foundation
import RaddCore

/// Streets, postal codes with their town, towns after "wohnhaft", a list of cities, and the
/// names of hospitals and practices, as German-speaking countries write them.
extension GermanPatterns {
    /// Endings of street names written as one word ("Friedrichstraße", "Sporgasse").
    static let streetSuffixPattern = "straße|strasse|str\\.|gasse|allee|chaussee|damm|ufer|promenade|steig|stieg|pfad|zeile|kai|weg|platz|ring|markt|berg|hof|graben|wall|tor|brücke|feld|garten|anger|winkel|höhe|park"
    /// Of those, the endings that are also common in clinical words ("Zugangsweg", "Arbeitsplatz",
    /// "Schnürring", "Befund"): a street only with a house number or on an address line.
    static let weakStreetSuffixes: [String] = ["weg", "platz", "ring", "markt", "berg", "hof", "graben", "wall", "tor", "brücke", "feld", "garten", "anger", "winkel", "höhe", "park", "damm", "ufer", "kai", "zeile", "pfad", "steig", "stieg"]

    /// Cities and towns that a letter names on their own ("Berlin, 03.09.2030", "aus Graz").
    /// The larger German, Austrian and Swiss towns, without those that are also words ("Essen",
    /// "Halle", "Hof", "Weil", "Hamm", "Mainz" is kept: no word).
    static let cities: Set<String> = [
        "berlin", "hamburg", "münchen", "muenchen", "köln", "koeln", "frankfurt", "stuttgart", "düsseldorf", "duesseldorf",
        "dortmund", "leipzig", "bremen", "dresden", "hannover", "nürnberg", "nuernberg", "duisburg", "bochum", "wuppertal",
        "bielefeld", "bonn", "münster", "muenster", "mannheim", "karlsruhe", "augsburg", "wiesbaden", "mönchengladbach",
        "gelsenkirchen", "aachen", "braunschweig", "kiel", "chemnitz", "magdeburg", "freiburg", "krefeld", "lübeck",
        "luebeck", "oberhausen", "erfurt", "rostock", "kassel", "hagen", "potsdam", "saarbrücken", "saarbruecken", "ludwigshafen",
        "oldenburg", "leverkusen", "osnabrück", "osnabrueck", "solingen", "heidelberg", "herne", "neuss", "darmstadt",
        "paderborn", "regensburg", "ingolstadt", "würzburg", "wuerzburg", "wolfsburg", "ulm", "heilbronn", "offenbach",
        "göttingen", "goettingen", "bottrop", "pforzheim", "recklinghausen", "reutlingen", "fürth", "bremerhaven", "koblenz",
        "erlangen", "bergisch", "trier", "jena", "moers", "siegen", "hildesheim", "cottbus", "salzgitter", "gütersloh",
        "schwerin", "witten", "gera", "iserlohn", "zwickau", "düren", "esslingen", "ratingen", "marl", "lünen", "hanau",
        "velbert", "ludwigsburg", "flensburg", "tübingen", "tuebingen", "villingen", "konstanz", "minden", "worms",
        "dessau", "marburg", "gießen", "giessen", "greifswald", "stralsund", "wismar", "neubrandenburg", "frankfurt/oder",
        "halberstadt", "weimar", "bamberg", "bayreuth", "passau", "landshut", "rosenheim", "kempten", "lindau", "fulda",
        "coburg", "schweinfurt", "aschaffenburg", "friedrichshafen", "baden-baden", "lüneburg", "celle", "wolfenbüttel",
        "goslar", "hameln", "stade", "cuxhaven", "wilhelmshaven", "emden", "aurich", "leer", "norden", "husum", "heide",
        "neumünster", "eberswalde", "brandenburg", "neuruppin", "frankfurt(oder)", "görlitz", "bautzen", "plauen", "freiberg",
        "wien", "graz", "linz", "salzburg", "innsbruck", "klagenfurt", "villach", "wels", "st. pölten", "dornbirn",
        "feldkirch", "bregenz", "leoben", "krems", "zürich", "zuerich", "genf", "basel", "bern", "lausanne", "luzern",
        "winterthur", "st. gallen", "lugano", "biel", "thun", "chur", "schaffhausen", "vaduz", "luxemburg", "spandau",
        "charlottenburg", "kreuzberg", "neukölln", "pankow", "steglitz", "tempelhof", "schöneberg", "lichtenberg",
        "marzahn", "hellersdorf", "reinickendorf", "treptow", "köpenick", "wedding", "moabit", "friedrichshain",
        "prenzlauer", "buch", "zehlendorf", "wilmersdorf", "altona", "eppendorf", "harburg", "wandsbek", "bergedorf",
        "schwabing", "pasing", "sendling", "giesing", "bogenhausen",
    ]
    /// "Buch", "Norden", "Leer", "Heide" and "Marl" are German words too: only with a postal code
    /// or after "wohnhaft" or "in" at the start of a line.
    static let citiesThatAreWords: Set<String> = ["buch", "norden", "leer", "heide", "marl", "wedding", "bergisch", "celle", "moers", "biel", "thun", "krems", "wels", "hagen", "siegen", "minden"]

    func places(into marks: inout Candidates) {
        // One-word streets with or without a number: "Friedrichstraße 55", "Pettenkoferstraße",
        // "Sauerbruchplatz 8", "Sporgasse 11", "Hauptstr. 5a".
        let street = ("(?<![\\p{L}\\-])(\\p{Lu}[\\p{L}\\-]*?(?:\(Self.streetSuffixPattern)))(?![\\p{L}])(?:[ ]?(\\d{1,4}(?:[ ]?[a-zA-Z](?![\\p{L}]))?(?:[ ]?[-–\\/][ ]?\\d{1,4}[a-z]?)?)(?![\\d,.]\\d))?")
        for m in text.find(street) {
            guard let name = m.optional(1) else { continue }
            let lower = name.lowercased()
            let hasNumber = m.has(2)
            let isWeak = Self.weakStreetSuffixes.contains { lower.hasSuffix($0) } && !lower.hasSuffix("straße") && !lower.hasSuffix("strasse")
            if isWeak && !hasNumber && !addressFollows(m.range.upperBound) { continue }
            if isWeak && lower.count <= 5 { continue }  // "Weg", "Platz", "Berg", "Hof" alone
            // A weak street with a number in a clinical sentence ("Zugangsweg 2"): only where an
            // address follows or the line is short (a letterhead or an address block).
            if isWeak && !addressFollows(m.range.upperBound) && !shortLine(m.range) && !addressLine(m.range) { continue }
            mark(m.range, .place, into: &marks)
        }
        // Two-word streets: "Berliner Straße 12", "Lange Str. 5", "Am Hasenstall\n20223 Klein Haasbeck",
        // "An der Alster 5".
        for m in text.find(#"(?<![\p{L}])(\p{Lu}[\p{L}\-]+[ ](?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer|Chaussee|Markt|Steig|Graben|Wall)|(?:Am|An der|An den|Im|In der|In den|Auf der|Auf dem|Zum|Zur|Unter den|Alte|Alter|Neue|Neuer|Hinter der|Vor dem)[ ]\p{Lu}[\p{L}\-]+(?:[ ]\p{Lu}[\p{L}\-]+)?)(?![\p{L}])(?:[ ]?(\d{1,4}[a-z]?(?:[ ]?[-–\/][ ]?\d{1,4}[a-z]?)?)(?![\d,.]\d))?"#) {
            let hasNumber = m.has(2)
            let head = m[1].split(separator: " ").first.map(String.init) ?? ""
            let isPreposition = ["Am", "An", "Im", "In", "Auf", "Zum", "Zur", "Unter", "Alte", "Alter", "Neue", "Neuer", "Hinter", "Vor"].contains(head)
            if isPreposition {
                // "Im Verlauf", "Am Ende": a street only when a postal code follows on the next line
                // or after a comma, or on a short address line with a number.
                guard addressFollows(m.range.upperBound) || (hasNumber && shortLine(m.range)) else { continue }
            }
            mark(m.range, .place, into: &marks)
        }
        // Postal code and town: "10117 Berlin", "D-10115 Berlin", "20223 Klein Haasbeck", "8010 Graz".
        for m in text.find(#"(?<![\d,.\/\-\p{L}])((?:D|A|CH)-)?(\d{4,5})[ ](\p{Lu}[\p{L}\-]+(?:[ ](?:am|an der|im|ob der|bei|in|\/)[ ]?\p{Lu}[\p{L}\-]+|[ ]\p{Lu}[\p{L}\-]+){0,2})"#) {
            let code = m[2]
            let town = String(m[3])
            let firstWord = town.split(separator: " ").first.map { $0.lowercased() } ?? ""
            if Self.quantityUnits.contains(firstWord) { continue }
            let isAddress = m.has(1) || afterStreetOrLabel(m.range.lowerBound) || lineStartsAt(m.range.lowerBound)
                || Self.cities.contains(firstWord) || ["wohnhaft", "in", "aus"].contains(wordBefore(m.range.lowerBound))
            guard isAddress else { continue }
            // Four digits are an Austrian or Swiss code only in an address, never a year before a town.
            if code.count == 4, !(afterStreetOrLabel(m.range.lowerBound) || m.has(1)) { continue }
            // Trailing words that are not part of the town: "Berlin Tel", "Graz Sehr".
            var end = m.range(3).upperBound
            let parts = town.split(separator: " ")
            if parts.count > 1, let last = parts.last, ["Tel", "Telefon", "Fax", "Deutschland", "Österreich", "Schweiz"].contains(String(last)) {
                end = text.index(end, offsetBy: -(last.count + 1))
            }
            mark(m.range.lowerBound..<end, .place, into: &marks)
        }
        // Towns after "wohnhaft (in)", "geboren in", "aus": "wohnhaft in Klagenfurt".
        for m in text.find(#"(?:[Ww]ohnhaft|[Ww]ohnt|[Gg]eboren|[Ll]ebt|[Aa]ufgewachsen|Wohnort:?|Wohnsitz:?|Ort:?|Geburtsort:?)(?:[ ](?:in|im|bei))?[ ](\p{Lu}[\p{L}\-]+(?:[ ](?:am|an der|im|bei)[ ]\p{Lu}[\p{L}\-]+|[ ]\p{Lu}[\p{L}\-]+)?)"#) {
            mark(m.range(1), .place, into: &marks)
        }
        // The place line of a letter: "Lahnstein, den 14. Januar 2025", "Berlin, am 16.5.2018",
        // "Bad Ems, 03.09.2030" at the start of a line.
        for m in text.find(#"(?m)^[ \t]*(\p{Lu}[\p{L}\-]+(?:[ ](?:am|an der|im|ob der|bei)?[ ]?\p{Lu}[\p{L}\-]+)?),[ ]?(?:den|am)?[ ]?(?=\d{1,2}\.[ ]?(?:\d{1,2}\.|\p{L}))"#) {
            let word = m[1].lowercased()
            if ["datum", "befund", "stand", "aufnahme", "entlassung", "untersuchung", "termin"].contains(word) { continue }
            mark(m.range(1), .place, into: &marks)
        }
        // Cities from the list, capitalised, anywhere: "Berlin, am 16.5.2018", "in Graz".
        for m in text.find(#"(?<![\p{L}\-])(\p{Lu}[\p{L}]+(?:\.[ ]\p{Lu}\p{L}+)?)(?:-(\p{Lu}[\p{L}]+))?(?![\p{L}])"#) {
            let word = m[1].lowercased()
            guard Self.cities.contains(word) else { continue }
            if Self.citiesThatAreWords.contains(word) { continue }
            mark(m.range, .place, into: &marks)
        }
        // Countries: Safe Harbor would keep them, but a patient's country of origin in a small
        // hospital's letter narrows who it is, and the German corpora mark them as places.
        for m in text.find(#"(?<![\p{L}\-])(\p{Lu}[\p{L}]+)(?![\p{L}\-])"#) where Self.countries.contains(String(m[1])) {
            mark(m.range, .place, into: &marks)
        }
    }

    /// Countries by their German names (and common abbreviations), as written, capitalised.
    static let countries: Set<String> = [
        "Deutschland", "BRD", "Österreich", "Schweiz", "USA", "Amerika", "Kanada", "Mexiko", "Brasilien", "Argentinien",
        "England", "Großbritannien", "Schottland", "Irland", "Frankreich", "Spanien", "Portugal", "Italien", "Griechenland",
        "Niederlande", "Holland", "Belgien", "Luxemburg", "Dänemark", "Schweden", "Norwegen", "Finnland", "Polen",
        "Tschechien", "Slowakei", "Ungarn", "Rumänien", "Bulgarien", "Kroatien", "Serbien", "Bosnien", "Slowenien",
        "Albanien", "Kosovo", "Mazedonien", "Montenegro", "Türkei", "Russland", "Ukraine", "Weißrussland", "Belarus",
        "Litauen", "Lettland", "Estland", "Moldawien", "Georgien", "Armenien", "Aserbaidschan", "Kasachstan", "Syrien",
        "Irak", "Iran", "Afghanistan", "Pakistan", "Indien", "China", "Japan", "Vietnam", "Thailand", "Libanon", "Jordanien",
        "Israel", "Palästina", "Ägypten", "Marokko", "Algerien", "Tunesien", "Libyen", "Eritrea", "Somalia", "Äthiopien",
        "Nigeria", "Ghana", "Kamerun", "Kenia", "Südafrika", "Australien", "Neuseeland", "Philippinen", "Indonesien",
    ]

    /// A postal code follows, after a comma or on the next line: the text before is an address line.
    func addressFollows(_ index: String.Index) -> Bool {
        var i = index
        var newlines = 0
        while i < text.endIndex, [" ", ",", "\t", "\n", "\r"].contains(text[i]) {
            if text[i] == "\n" { newlines += 1 }
            i = text.index(after: i)
        }
        guard newlines <= 1 else { return false }
        var digits = 0
        if text[i...].hasPrefix("D-") || text[i...].hasPrefix("A-") { i = text.index(i, offsetBy: 2) }
        while i < text.endIndex, text[i].isNumber { digits += 1; i = text.index(after: i) }
        return (digits == 4 || digits == 5) && i < text.endIndex && text[i] == " "
    }

    /// A street, a comma after a street number, or "PLZ:" comes right before the postal code.
    func afterStreetOrLabel(_ index: String.Index) -> Bool {
        var i = index
        var sawComma = false
        var sawNewline = false
        while i > text.startIndex {
            let p = text.index(before: i)
            let c = text[p]
            if c == "," { sawComma = true } else if c == "\n" { sawNewline = true } else if c != " " && c != "\t" && c != "\r" { break }
            i = p
        }
        guard i > text.startIndex else { return false }
        let before = wordBefore(index)
        if before == "plz" || before == "ort" { return true }
        guard sawComma || sawNewline else { return false }
        // The line (or text) before ends in a house number or a street word.
        let head = text[..<i]
        let lineStart = head.lastIndex(where: { $0 == "\n" }).map { text.index(after: $0) } ?? text.startIndex
        let line = head[lineStart...].lowercased()
        if line.range(of: #"(straße|strasse|str\.|gasse|weg|platz|allee|ring|damm|ufer|markt|steig|graben|wall|chaussee)\s*\d*\s*[a-z]?$"#, options: .regularExpression) != nil { return true }
        if line.range(of: #"\p{L}+\s+\d{1,4}\s?[a-z]?$"#, options: .regularExpression) != nil { return true }
        // An address block: the line before is a street-like "Am ..." line.
        return line.range(of: #"^(am|an der|im|in der|auf der|auf dem|zum|zur)\s"#, options: .regularExpression) != nil
    }

    /// The line holds a postal code before a town, or a phone label: an address line.
    func addressLine(_ range: Range<String.Index>) -> Bool {
        String(line(around: range)).range(of: #"(^|[^\d])\d{4,5} \p{Lu}|Tel\.?:|Fax:?|Telefon"#, options: .regularExpression) != nil
    }

    /// The match sits on a line of at most eight words: an address block or a letterhead.
    func shortLine(_ range: Range<String.Index>) -> Bool {
        line(around: range).split(whereSeparator: { $0 == " " || $0 == "\t" }).count <= 8
    }

    /// The whole line (or lines) holding `range`, without the line breaks around it.
    func line(around range: Range<String.Index>) -> Substring {
        let start = text[..<range.lowerBound].lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
        let end = text[range.upperBound...].firstIndex(of: "\n") ?? text.endIndex
        return text[start..<end]
    }

    // MARK: Hospitals and practices

    /// Words that head an institution's name ("Klinikum Nord", "Praxis Dr. Kropka"), lower-cased;
    /// a word ending in one of `hospitalEndings` heads one too ("Diakonissenkrankenhauses").
    static let hospitalHeads: Set<String> = [
        "klinikum", "universitätsklinikum", "uniklinikum", "universitätsklinik", "uniklinik", "krankenhaus", "krankenhauses",
        "spital", "hospital", "praxis", "gemeinschaftspraxis", "mvz", "charité", "charite", "kliniken", "klinikverbund",
        "krankenanstalt", "krankenanstaltenverbund", "lehrkrankenhaus", "landeskrankenhaus", "kreiskrankenhaus",
        "kreisklinik", "kreisklinikum", "stadtklinik", "landesklinik", "landesklinikum", "reha-klinik", "rehaklinik",
        "rehabilitationsklinik", "fachklinik", "privatklinik", "tagesklinik", "sanatorium", "pflegeheim", "altenheim",
        "seniorenheim", "hospiz", "ambulatorium", "diakonie", "diakonissenkrankenhaus", "marienhospital", "elisabethkrankenhaus",
        "johanniter", "malteser", "helios", "asklepios", "vivantes", "sana", "agaplesion", "rhön-klinikum",
    ]
    static let hospitalEndings = ["klinikum", "krankenhaus", "krankenhauses", "klinik", "kliniken", "spital", "hospital", "hospitals", "praxis", "sanatorium"]
    /// Words inside a department's or institution's name that say what it is, not which one:
    /// without a word outside these, "Klinik für Innere Medizin" names no hospital.
    static let genericInstitutionWords: Set<String> = [
        "klinik", "klinikum", "kliniken", "krankenhaus", "krankenhauses", "abteilung", "abteilungen", "institut", "zentrum",
        "für", "und", "der", "des", "die", "das", "am", "an", "im", "mit", "innere", "inneren", "medizin", "allgemeine",
        "allgemeinen", "medizinische", "medizinischen", "universität", "universitäts", "hochschule", "lehrkrankenhaus",
        "akademisches", "akademische", "department", "praxis", "facharzt", "fachärztin", "fachärzte", "ambulanz", "station",
        "notaufnahme", "poliklinik", "tagesklinik", "sektion", "bereich", "klinische", "klinischen", "plastische",
        "ästhetische", "spezielle", "operative", "konservative", "interdisziplinäre", "interdisziplinäres", "diagnostische",
        "interventionelle", "zentrale", "zentrales", "städtisches", "städtische", "evangelisches", "katholisches",
        "evangelische", "katholische", "gemeinschaftspraxis", "mvz", "versorgungszentrum", "medizinisches", "unfallchirurgie",
        "chirurgie", "radiologie", "neuroradiologie", "orthopädie", "traumatologie", "neurologie", "psychiatrie",
        "psychosomatik", "onkologie", "hämatologie", "kardiologie", "pneumologie", "gastroenterologie", "nephrologie",
        "urologie", "gynäkologie", "geburtshilfe", "pädiatrie", "kinderheilkunde", "dermatologie", "venerologie",
        "allergologie", "anästhesiologie", "intensivmedizin", "notfallmedizin", "nuklearmedizin", "strahlentherapie",
        "pathologie", "neurochirurgie", "gefäßchirurgie", "herzchirurgie", "thoraxchirurgie", "viszeralchirurgie",
        "allgemeinchirurgie", "handchirurgie", "kinderchirurgie", "mund", "kiefer", "gesichtschirurgie", "augenheilkunde",
        "hals", "nasen", "ohrenheilkunde", "hno", "geriatrie", "rheumatologie", "endokrinologie", "diabetologie",
        "infektiologie", "angiologie", "palliativmedizin", "schmerztherapie", "rehabilitation", "sportmedizin",
        "arbeitsmedizin", "labormedizin", "mikrobiologie", "transfusionsmedizin", "physikalische", "epilepsie", "einheit",
        "schwerpunkt", "team", "wirbelsäulenchirurgie", "endoprothetik", "sporttraumatologie", "kinder", "jugend",
        "jugendmedizin", "erwachsene", "gmbh", "ggmbh", "ag", "e.v", "ev", "ug", "kg", "ohg", "stiftung", "verbund", "campus",
        "standort", "haus", "gebäude", "ebene", "dr", "med", "prof", "priv", "doz", "pd",
    ]

    func hospitals(into marks: inout Candidates) {
        // A segment is a run of words on one line without a comma, semicolon, colon or bracket
        // between them. The words are found once for the whole text: matching per segment would
        // bridge the whole text to ICU again for every line.
        let all = text.find(#"[\p{L}][\p{L}\-.]*"#).map { (range: $0.range, word: String(text[$0.range])) }
        var segments: [ArraySlice<(range: Range<String.Index>, word: String)>] = []
        var first = 0
        for k in all.indices.dropFirst() where text[all[k - 1].range.upperBound..<all[k].range.lowerBound].contains(where: { "\n,;:()[]".contains($0) }) {
            segments.append(all[first..<k])
            first = k
        }
        if first < all.count { segments.append(all[first...]) }
        for slice in segments where slice.contains(where: { isHospitalHead($0.word) }) {
            let words = Array(slice)
            guard let headIndex = words.firstIndex(where: { isHospitalHead($0.word) }) else { continue }
            // The name runs from the head (or from "Klinik"/"Abteilung" before it at the segment's
            // start) over capitalised words and connectors; a lower-case word ends it.
            var end = headIndex
            var k = headIndex + 1
            let connectors: Set<String> = ["der", "des", "für", "am", "an", "im", "und", "zu", "zum", "zur", "vom", "von", "st.", "sankt", "dr.", "med.", "prof.", "in", "bei", "ob"]
            while k < words.count {
                let w = words[k].word
                if w.first?.isUppercase == true { end = k } else if !connectors.contains(w.lowercased()) { break }
                // A word ending in a dot ends the sentence unless it is a title ("Dr.", "St.").
                if w.hasSuffix("."), !connectors.contains(w.lowercased()) { break }
                k += 1
            }
            let nameWords = words[headIndex...end].map { $0.word }
            let proper = nameWords.contains { w in
                let lw = w.lowercased().trimmingCharacters(in: .init(charactersIn: ".-"))
                return w.first?.isUppercase == true && !Self.genericInstitutionWords.contains(lw) && !isHospitalHead(w)
                    && !Self.genericEndings.contains(where: { lw.hasSuffix($0) })
            }
            // "Charité" names one hospital on its own; compound heads ("Diakonissenkrankenhauses")
            // carry their own name; a generic head needs a proper word after it.
            let head = words[headIndex].word.lowercased()
            let ownName = head.hasPrefix("charit") || (!Self.hospitalHeads.contains(head) && Self.hospitalEndings.contains { head.hasSuffix($0) } && !Self.genericHeadCompounds.contains { head.hasPrefix($0) })
            guard proper || ownName else { continue }
            var start = headIndex
            // "Klinik für Allgemeinchirurgie des Diakonissenkrankenhauses Bärental": from the
            // segment's start when it begins with the department and the hospital is named in it.
            let departmentStart = ["klinik", "abteilung", "universitätsklinik", "zentrum", "institut", "department", "sektion", "ambulanz"]
            if headIndex > 0, departmentStart.contains(words[0].word.lowercased()), lineStartsAt(words[0].range.lowerBound),
               words[0..<headIndex].allSatisfy({ $0.word.first?.isUppercase == true || connectors.contains($0.word.lowercased()) }) {
                start = 0
            }
            mark(words[start].range.lowerBound..<words[end].range.upperBound, .place, into: &marks)
        }
    }

    /// Compounds of a hospital word that name a kind of clinic, not one clinic: "Tagesklinik",
    /// "Poliklinik", "Universitätsklinik für ...".
    static let genericHeadCompounds = ["tages", "poli", "universitäts", "uni", "kinder", "frauen", "augen", "haut", "hno", "zahn", "kiefer", "frühgeborenen", "nacht", "reha", "fach", "privat", "akut", "notfall", "psychiatrische", "akademisches"]
    static let genericEndings = ["logie", "iatrie", "pädie", "medizin", "heilkunde", "chirurgie", "therapie", "station", "ambulanz", "abteilung", "zentrum", "diagnostik", "pflege", "sprechstunde", "nachsorge", "einheit"]

    func isHospitalHead(_ word: String) -> Bool {
        let w = word.lowercased().trimmingCharacters(in: .init(charactersIn: ".-"))
        if Self.hospitalHeads.contains(w) { return true }
        guard word.first?.isUppercase == true else { return false }
        return Self.hospitalEndings.contains { w.hasSuffix($0) && w.count > $0.count + 2 }
    }
}
