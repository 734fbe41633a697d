import Foundation
import RaddCore

/// Names of patients, doctors and other people in German letters and reports.
///
/// German capitalises every noun, so a capital letter says nothing about a name, and a German
/// dictionary would not help much either: the names in German hospitals are German, Turkish,
/// Polish, Russian, Arabic and more, and many are also words ("Fuß", "Leber", "Weber"). So a name
/// needs evidence around it:
/// - a form of address or a title before it ("Frau", "Herrn", "Dr. med.", "OÄ", "Prof. Dr.");
/// - a role or a label ("Patientin", "Name:", "Untersucher:", "Geschrieben von");
/// - a birth marker after it ("Manuela Beuerle, * 19.04.2020", "Meyr geb. 12.9.1940");
/// - the signature block after the closing formula ("Mit freundlichen Grüßen");
/// - a known first name right before a capitalised word at the head of the letter.
/// Once found, a name's words are marked wherever else they stand as a name in the same text.
struct GermanNames {
    let text: String
    let knowledge: NameKnowledge

    struct Word {
        var range: Range<String.Index>
        var string: String
        var lower: String
        /// A dot directly after the word ("Dr.", "K.").
        var dotted: Bool
        var capitalised: Bool { string.first?.isUppercase == true }
        var isInitial: Bool { string.count == 1 && capitalised && dotted }
    }

    /// Titles, degrees and forms of address, lower-cased without dots: they come before a name
    /// (and may be chained: "Prim. Univ. Prof. Dr. med."), and are never part of it.
    static let titles: Set<String> = [
        "dr", "dres", "dra", "drin", "dr.in", "med", "dent", "vet", "rer", "nat", "phil", "jur", "habil", "prof", "pd", "priv",
        "doz", "univ", "prim", "dipl", "ing", "mag", "msc", "bsc", "md", "phd", "mba", "mph", "oa", "oä", "oae", "ca", "cä",
        "fa", "fä", "ass", "assistenzarzt", "assistenzärztin", "dgks", "dgkp", "sr", "schw", "pfl", "frau", "herr", "herrn",
        "fr", "hr", "hrn", "univ-prof", "priv-doz", "dipl-med", "dipl-psych", "mult", "sc", "facharzt", "fachärztin",
        "oberarzt", "oberärztin", "chefarzt", "chefärztin", "stationsarzt", "stationsärztin", "assistenz", "kollegin",
        "kollege", "kollegen", "arzt", "ärztin", "in", "pharm", "pol", "oec", "iur", "theol", "mudr", "univ-doz", "dozent",
        "dozentin", "h", "c",
    ]
    /// Titles that introduce a name only with a dot ("Dr." but not the word "in"), or in capitals
    /// ("OA", "PD", "DGKS"); forms of address always do.
    static let addressWords: Set<String> = ["frau", "herr", "herrn", "fr", "hr", "hrn"]
    /// Words after "Frau"/"Herr" that are not names: "Sehr geehrte Frau Kollegin", "Herr Doktor".
    static let notNamesAfterAddress: Set<String> = [
        "kollegin", "kollege", "kollegen", "doktor", "doktorin", "professor", "professorin", "dr", "prof", "pd", "primar",
        "primaria", "oberarzt", "oberärztin", "chefarzt", "chefärztin", "patientin", "patient", "mutter", "vater", "tochter",
        "sohn", "ehefrau", "ehemann", "dozent", "dozentin", "magister", "magistra", "dipl", "ministerin", "minister",
    ]
    /// Roles and labels after which a name follows ("Patientin Manuela Beuerle", "Name: Tupolev",
    /// "Untersucher: OA Dr. ...", "Geschrieben von Amadea Leber"). Weaker than a title: the first
    /// word must look like a name (a known name, or two capitalised words).
    static let roleWords: Set<String> = [
        "patient", "patientin", "patienten", "pat", "name", "namen", "vorname", "nachname", "untersucher", "untersucherin",
        "befunder", "befunderin", "leiter", "leiterin", "vorstand", "klinikvorstand", "direktor", "direktorin", "assistenz",
        "assistenzarzt", "assistenzärztin", "stationsarzt", "stationsärztin", "oberarzt", "oberärztin", "chefarzt",
        "chefärztin", "facharzt", "fachärztin", "hausarzt", "hausärztin", "operateur", "operateurin", "anästhesist",
        "anästhesistin", "zuweiser", "zuweiserin", "einweiser", "einweiserin", "überweiser", "überweiserin", "von", "durch",
        "gez", "ansprechpartner", "ansprechpartnerin", "kollegin", "kollege",
        "therapeut", "therapeutin", "physiotherapeut", "physiotherapeutin", "pflegekraft", "betreuer", "betreuerin",
        "angehörige", "angehöriger", "ehefrau", "ehemann", "tochter", "sohn", "mutter", "vater", "bezugsperson", "i.a", "i.v",
        "sekretariat", "schreibkraft", "mta", "mtra",
    ]
    /// Words that are never part of a name even when capitalised: roles, sections, salutations.
    static let neverNames: Set<String> = [
        "sehr", "geehrte", "geehrter", "liebe", "lieber", "werte", "werter", "verehrte", "verehrter", "mit", "freundlichen",
        "kollegialen", "grüßen", "grüssen", "gruß", "gruss", "befund", "befunde", "diagnose", "diagnosen", "anamnese",
        "therapie", "verlauf", "procedere", "beurteilung", "epikrise", "empfehlung", "empfehlungen", "medikation",
        "arztbrief", "entlassungsbrief", "entlassungsbericht", "bericht", "klinik", "abteilung", "station", "ambulanz",
        "praxis", "krankenhaus", "klinikum", "universität", "datum", "seite", "telefon", "tel", "fax", "email", "e-mail",
        "stationsarzt", "stationsärztin", "oberarzt", "oberärztin", "chefarzt", "chefärztin", "assistenzarzt",
        "assistenzärztin", "facharzt", "fachärztin", "leiter", "leiterin", "direktor", "direktorin", "ärztlicher",
        "ärztliche", "leitender", "leitende", "geschäftsführender", "geschäftsführende", "kommissarischer", "sekretariat",
        "oa", "oä", "ca", "pd", "dr", "prof", "med", "univ", "priv", "doz", "dipl", "prim", "ass", "und", "der", "die", "das",
        "den", "dem", "des", "im", "am", "an", "in", "zu", "für", "bei", "nach", "vom", "zum", "zur", "unterschrift", "gez",
        "anlage", "anlagen", "kopie", "ablage", "original", "info", "information", "zertifiziert", "mitglied", "ihr", "ihre",
        "ihnen", "wir", "uns", "unsere", "unser", "vertretung", "i.v", "i.a", "team", "department", "leitung", "pflege",
        "schwester", "pfleger", "dgks", "md", "phd", "msc", "patientin", "patient", "patienten", "patientinnen", "name", "vorname", "geb", "geboren",
        "untersucher", "untersuchung", "assistenz", "befunder", "radiologe", "radiologin", "facharztin", "ärztin", "arzt",
        "kollegin", "kollege", "frau", "herr", "herrn", "dres", "dra", "mta", "mtra", "röntgen", "ct", "mrt", "sonographie",
    ]
    /// Name particles: "von Wetterstein", "dos Santos Aveiro", "van der Berg", "El Amrani".
    static let particles: Set<String> = ["von", "van", "de", "dos", "da", "di", "du", "del", "della", "zu", "ter", "ten", "al", "el", "ben", "bin", "ibn", "abu", "la", "le"]

    func apply(into marks: inout Candidates, byteRange: (Range<String.Index>) -> Range<Int>) {
        let words = Self.words(of: text)
        var found: [Int] = []  // word indices marked as name words

        func sameLine(_ a: Int, _ b: Int) -> Bool { !text[words[a].range.upperBound..<words[b].range.lowerBound].contains { $0 == "\n" } }
        func gap(_ a: Int, _ b: Int) -> Substring { text[words[a].range.upperBound..<words[b].range.lowerBound] }
        func isTitle(_ k: Int) -> Bool {
            let w = words[k]
            let key = w.lower
            // "Dr.in", the feminine form, is written with the ending glued to the dot.
            if key == "in", k > 0, words[k - 1].lower == "dr", gap(k - 1, k) == "." { return true }
            guard Self.titles.contains(key) else { return false }
            if Self.addressWords.contains(key) { return w.capitalised }
            // "CA" and "FA" are also carcinoma and a drug class: a title only before another one
            // ("CA Dr. Meier"). "med." is a title only inside a chain ("Dr. med.", "Dipl.-Med.").
            if key == "ca" || key == "cä" || key == "fa" || key == "fä" {
                return k + 1 < words.count && ["dr", "prof", "pd", "priv", "univ", "doz"].contains(words[k + 1].lower)
            }
            // "h.c." (honoris causa) in lower case only: "C." alone is a vitamin or an initial.
            if key == "h" || key == "c" { return w.string == key && w.dotted }
            if ["med", "dent", "vet", "rer", "nat", "phil", "jur", "habil", "mult", "sc", "in", "ing", "pharm", "pol", "oec", "iur", "theol"].contains(key) {
                return k > 0 && Self.titles.contains(words[k - 1].lower) && words[k - 1].lower != "in" && gap(k - 1, k).count <= 2
                    || k > 0 && ["dr", "dipl", "prof"].contains(words[k - 1].lower)
            }
            // "Dr.", "Prof." with a dot; "OA", "PD", "DGKS" in capitals; "Dr.in".
            return w.dotted || (w.string.count >= 2 && w.string == w.string.uppercased()) || key == "drin" || w.string.hasSuffix(".in")
                || ["assistenzarzt", "assistenzärztin", "oberarzt", "oberärztin", "chefarzt", "chefärztin", "stationsarzt", "stationsärztin", "facharzt", "fachärztin"].contains(key)
                || (w.string.count >= 2 && w.string.first?.isUppercase == true && ["Dr", "Prof", "Priv", "Doz", "Univ", "Prim", "Dipl", "Mag"].contains(w.string))
        }
        func nameWord(_ k: Int) -> Bool {
            let w = words[k]
            guard w.capitalised, !w.string.contains(where: \.isNumber) else { return false }
            let key = w.lower
            if Self.neverNames.contains(key) || Self.titles.contains(key) && w.dotted && key != "c" && key != "h" { return false }
            if w.isInitial { return true }
            return w.string.count >= 2
        }
        func isParticle(_ k: Int) -> Bool {
            guard !words[k].dotted else { return false }
            if Self.particles.contains(words[k].lower) { return true }
            // "van der Berg", "von der Leyen": the article only right after van/von.
            return ["der", "den"].contains(words[k].lower) && k > 0 && ["van", "von"].contains(words[k - 1].lower)
        }

        /// The name after position `k` (titles skipped): up to four name words on the line,
        /// joined by spaces, hyphens, an initial's dot, or one comma ("DAMARIS, Dyonisia").
        func run(from k: Int) -> ClosedRange<Int>? {
            var j = k
            while j < words.count, isTitle(j), j == k || sameLine(j - 1, j) { j += 1 }
            guard j < words.count, j == k || sameLine(j - 1, j) || gap(j - 1, j).allSatisfy({ $0 == " " || $0 == "\n" || $0 == "\t" }) else { return nil }
            var first: Int?
            var last: Int?
            var commas = 0
            var count = 0
            while j < words.count, count < 4 {
                if let l = last {
                    let g = gap(l, j)
                    guard sameLine(l, j) else { break }
                    let trimmed = g.filter { $0 != " " && $0 != "\t" }
                    if trimmed == "," {
                        // "Weil, Klementine" or "Žeželj, Marija": one comma, between two name words,
                        // when the part before is one word.
                        guard commas == 0, count == 1, nameWord(j), !words[j].isInitial else { break }
                        commas += 1
                    } else if !(trimmed.isEmpty || trimmed == "-" || (trimmed == "." && words[l].isInitial)) {
                        break
                    }
                }
                if isParticle(j), j + 1 < words.count, sameLine(j, j + 1), nameWord(j + 1) || isParticle(j + 1) {
                    // "Jürgen W. von Wetterstein", "Dhayana dos Santos Aveiro": part of the name.
                    if first == nil { first = j }
                    last = j
                    j += 1
                    continue
                }
                guard nameWord(j) else { break }
                if isTitle(j), last != nil { break }
                if first == nil { first = j }
                last = j
                count += 1
                j += 1
            }
            guard let first, let last else { return nil }
            // An initial alone is a name only right after a form of address ("Herr M. berichtet"):
            // elsewhere "M." is as often "Morbus".
            if first == last, words[first].isInitial {
                guard first > 0, Self.addressWords.contains(words[first - 1].lower) else { return nil }
            }
            return first...last
        }

        func markRun(_ r: ClosedRange<Int>) {
            found.append(contentsOf: r)
            // "Dres. med. Hoffmann & Yilmaz": a second name joined by "&" shares the evidence.
            let next = r.upperBound + 1
            if next < words.count, sameLine(r.upperBound, next), gap(r.upperBound, next).trimmingCharacters(in: .whitespaces) == "&",
               let second = run(from: next) {
                found.append(contentsOf: second)
            }
        }

        func looksLikeName(_ r: ClosedRange<Int>) -> Bool {
            if r.count >= 2 { return true }
            let upper = words[r.lowerBound].string.uppercased()
            return knowledge.isFirstName(upper) || knowledge.isLastName(upper) || Lexicon.worldFirstNames.contains(upper) || Lexicon.worldLastNames.contains(upper)
        }

        var k = 0
        while k < words.count {
            let w = words[k]
            let key = w.lower
            if isTitle(k) {
                // A title chain, then the name; "Frau Kollegin Sudeck" skips the role word.
                var j = k
                while j < words.count, isTitle(j) || (Self.notNamesAfterAddress.contains(words[j].lower) && words[j].capitalised), j == k || sameLine(j - 1, j) { j += 1 }
                let nextLine = j < words.count && j > k && gap(j - 1, j).allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "." || $0 == ":" }) && gap(j - 1, j).filter({ $0 == "\n" }).count <= 1
                if j < words.count, j > k, sameLine(j - 1, j) || nextLine, let r = run(from: j) {
                    markRun(r)
                    k = r.upperBound + 1
                    continue
                }
                k = max(j, k + 1)
                continue
            }
            if Self.roleWords.contains(key), k + 1 < words.count {
                // "Patientin Manuela Beuerle", "Name: Tupolev", "Geschrieben von Amadea Leber".
                let g = gap(k, k + 1).filter { $0 != " " && $0 != "\t" }
                // "Pat. Irina Popovic" and "gez. Meier" are abbreviations; after "Patientin." a
                // new sentence starts.
                let dotAllowed = ["pat", "gez", "i.a", "i.v", "vidiert", "diktiert"].contains(key)
                let introduces = g.isEmpty || g == ":" || g == ":\n" || (dotAllowed && (g == "." || g == ".:"))
                // "von" and "durch" introduce a person only after "geschrieben", "diktiert",
                // "untersucht", "befundet" ("Tragen von AT-Strümpfen" does not).
                let previous = k > 0 ? words[k - 1].lower : ""
                let agentOK = !(key == "von" || key == "durch")
                    || ["geschrieben", "diktiert", "untersuchung", "untersucht", "befundet", "vidiert", "gelesen", "erstellt", "freigegeben", "unterschrieben"].contains(previous)
                if introduces, agentOK, let r = run(from: k + 1), looksLikeName(r) || g.contains(":") {
                    markRun(r)
                    k = r.upperBound + 1
                    continue
                }
            }
            k += 1
        }

        // Before a birth marker: "Manuela Beuerle, * 19.04.2020", "Meyr geb. 12.9.1940",
        // "Holger M. Recklinghausen * 23.11.1979", "Žeželj, Marija geb. am ...".
        for m in text.find(#"[ ,]*(?:\*|geb\.|geboren am|geboren|geb)[ ]?(?:am[ ]?)?\d"#) {
            guard let before = words.lastIndex(where: { $0.range.upperBound <= m.range.lowerBound }) else { continue }
            guard text[words[before].range.upperBound..<m.range.lowerBound].allSatisfy({ $0 == " " || $0 == "," }) else { continue }
            var start = before
            var n = 0
            while start >= 0, nameWord(start) || isParticle(start), n < 4 {
                if start < before {
                    let g = gap(start, start + 1).filter { $0 != " " }
                    guard sameLine(start, start + 1), g.isEmpty || g == "," || g == "-" || (g == "." && words[start].isInitial) else { break }
                }
                n += 1
                start -= 1
            }
            start += 1
            guard start <= before, !isTitle(start) || start < before else { continue }
            while start < before, isTitle(start) { start += 1 }
            markRun(start...before)
        }

        // A person's age right after the name: "Kacper, 14 J.", "Zofia (9 Jahre)", "Marija, eine
        // knapp 16-jährige Patientin".
        for m in text.find(#"(\p{Lu}[\p{Ll}\-]+)(?:,[ ]?|[ ]\()(?:eine?[ ](?:knapp[ ])?)?\d{1,3}[ ]?(?:J\.|J\)|Jahre\)|Jahre alt|[-–]?[ ]?jährig)"#) {
            guard let k = words.firstIndex(where: { $0.range.lowerBound == m.range(1).lowerBound }), nameWord(k), !Self.genericName(words[k].lower) else { continue }
            // "Kind, 9 J." and "Patientin, 80 J." name no one: the word must be a known first name.
            let upper = words[k].string.uppercased()
            guard Self.commonFirstNames.contains(upper) || Lexicon.worldFirstNames.contains(upper) || knowledge.isFirstName(upper),
                  !Self.relations.contains(words[k].lower) else { continue }
            markRun(k...k)
        }

        // The signature block: the lines after the closing formula, up to the next empty-line run
        // of text that reads as prose.
        for m in text.find(#"(?i)(?:grüßen|grüssen|gruß|gruss|grüße)[^\n]*\n"#) {
            var lines = 0
            guard var j = words.firstIndex(where: { $0.range.lowerBound >= m.range.upperBound }) else { continue }
            while j < words.count, lines < 8 {
                let lineEnd = text[words[j].range.lowerBound...].firstIndex(of: "\n") ?? text.endIndex
                var lineWords: [Int] = []
                var i = j
                while i < words.count, words[i].range.lowerBound < lineEnd { lineWords.append(i); i += 1 }
                // A line of prose (many lower-case words) ends the block.
                let lower = lineWords.filter { !words[$0].capitalised && !isParticle($0) }.count
                if lower > 2 { break }
                var p = 0
                while p < lineWords.count {
                    let q = lineWords[p]
                    if isTitle(q) || !nameWord(q) { p += 1; continue }
                    if let r = run(from: q), r.count >= 2 || words[r.lowerBound].isInitial == false && r.lowerBound > lineWords[0] && isTitle(r.lowerBound - 1) {
                        // Two name words ("Kevin Schlauberger"), or one after a title.
                        let inside = r.filter { !Self.neverNames.contains(words[$0].lower) }
                        if !inside.isEmpty && !r.contains(where: { Self.genericName(words[$0].lower) }) { markRun(r) }
                        p = lineWords.firstIndex(of: r.upperBound).map { $0 + 1 } ?? p + 1
                        continue
                    }
                    p += 1
                }
                lines += 1
                j = i
            }
        }

        // The head of the letter: a line of two to four name words that starts with a known first
        // name ("Alissa Rieser", "Eberhard Ehrenberger, * 3.2.1959").
        for m in text.find(#"(?m)^[ \t\uFEFF]*(\p{Lu}[\p{L}\-]+)[ ]+(?:\p{Lu}\.[ ]?)?(\p{Lu}[\p{L}\-]+)(?:[ ]+\p{Lu}[\p{L}\-]+)?[ \t]*(?:,|$)"#) {
            let given = String(m[1])
            let upper = given.uppercased()
            guard (knowledge.isFirstName(upper) || Lexicon.worldFirstNames.contains(upper)) && !Self.neverNames.contains(given.lowercased()) else { continue }
            guard !Self.genericName(String(m[2]).lowercased()) else { continue }
            let idx = words.indices.filter { words[$0].range.lowerBound >= m.range.lowerBound && words[$0].range.upperBound <= m.range.upperBound }
            if let a = idx.first, let b = idx.last { markRun(a...b) }
        }

        // A common first name and a capitalised word after it, anywhere: "Yorgos Kokiniakis MD",
        // "Eberhard Ehrenberger". The second word must not say what something is ("Maria Hilf",
        // a department, a role).
        for k in words.indices.dropLast() where Self.commonFirstNames.contains(words[k].string.uppercased()) && words[k].capitalised {
            let next = k + 1
            guard sameLine(k, next), gap(k, next).allSatisfy({ $0 == " " || $0 == "-" }), nameWord(next), !words[next].isInitial || next + 1 < words.count else { continue }
            guard !Self.genericName(words[next].lower), !Self.articles.contains(words[next].lower) else { continue }
            var end = next
            if words[next].isInitial, next + 1 < words.count, sameLine(next, next + 1), nameWord(next + 1) { end = next + 1 }
            markRun(k...end)
        }

        // A common first name on its own ("Aktuell gehe es Maria gut"): young patients and
        // relatives are named so. The list holds no German word, so capitalisation suffices.
        // In capitals it is an acronym as often ("RITA", radio-frequency ablation).
        for k in words.indices where words[k].capitalised && !words[k].dotted && words[k].string != words[k].string.uppercased()
            && Self.commonFirstNames.contains(words[k].string.uppercased()) {
            markRun(k...k)
        }

        // Every other occurrence of a found name word, and its genitive ("Marijas"), where it
        // stands as a name: not after an article or a preposition ("am Fuß", "der Leber").
        var names = Set<String>()
        for k in found where !words[k].isInitial && words[k].string.count >= 3 && !isParticle(k) && !Self.neverNames.contains(words[k].lower) {
            names.insert(words[k].string.uppercased())
        }
        var all = Set(found)
        if !names.isEmpty {
            for k in words.indices where !all.contains(k) && words[k].capitalised {
                let upper = words[k].string.uppercased()
                let genitive = upper.hasSuffix("S") ? String(upper.dropLast()) : ""
                guard names.contains(upper) || names.contains(genitive) else { continue }
                if k > 0, sameLine(k - 1, k), Self.articles.contains(words[k - 1].lower) { continue }
                all.insert(k)
            }
        }
        for k in all.sorted() {
            let r = byteRange(words[k].range)
            marks.add(r.lowerBound, r.upperBound, .name)
        }
        // Join the parts of one name (with the space, hyphen or comma between them) into one mark.
        for k in all.sorted() where all.contains(k + 1) && k + 1 < words.count && sameLine(k, k + 1) {
            let g = gap(k, k + 1)
            if g.count <= 3, g.allSatisfy({ $0 == " " || $0 == "-" || $0 == "," || $0 == "." }) {
                let r = byteRange(words[k].range.lowerBound..<words[k + 1].range.upperBound)
                marks.add(r.lowerBound, r.upperBound, .name)
            }
        }
        // An initial right before a marked surname belongs to it ("K. Kummer", "Holger M. Recklinghausen").
        for k in words.indices where words[k].isInitial && k + 1 < words.count && all.contains(k + 1) && sameLine(k, k + 1) {
            let r = byteRange(words[k].range.lowerBound..<text.index(after: words[k].range.upperBound))
            marks.add(r.lowerBound, r.upperBound, .name)
        }
    }

    /// First names common in German-speaking countries, among them Turkish, Polish, Russian,
    /// Arabic, Balkan, Italian and others, upper-cased. Unlike the world list (where "Bei",
    /// "Magen" and "Tage" are names somewhere), none of them is a German word, so a pair
    /// "first name + capitalised word" is a name without other evidence.
    static let commonFirstNames: Set<String> = Set("""
        ALEXANDER ANDREAS ANTON ARMIN ARNE AXEL BENEDIKT BENJAMIN BERND BERNHARD BJÖRN BORIS BRUNO CARSTEN CHRISTIAN CHRISTOPH
        CLAUS DANIEL DAVID DENNIS DETLEF DIETER DIETMAR DIRK DOMINIK EBERHARD EDGAR EGON ELIAS EMIL ERICH ERIK ERNST EUGEN
        FABIAN FELIX FERDINAND FLORIAN FRANK FRANZ FRIEDRICH FRITZ GEORG GERALD GERHARD GERD GÜNTER GÜNTHER GUSTAV HANNES
        HANS HARALD HEIKO HEINER HEINRICH HEINZ HELMUT HENNING HERBERT HERMANN HOLGER HORST HUBERT HUGO INGO JAKOB JAN JANNIK
        JENS JOACHIM JOCHEN JOHANN JOHANNES JONAS JONATHAN JÖRG JOSEF JOSEPH JULIAN JÜRGEN KAI KARL KARSTEN KAY KLAUS KONRAD
        KONSTANTIN KURT LARS LAURENZ LEON LEONARD LOTHAR LUDWIG LUKAS LUTZ MAGNUS MALTE MANFRED MARCEL MARCO MARCUS MARIO
        MARKUS MARTIN MARVIN MATHIAS MATTHIAS MAXIMILIAN MICHAEL MORITZ NICO NIKLAS NIKOLAUS NORBERT OLAF OLIVER OSKAR OTTO
        PASCAL PATRICK PAUL PETER PHILIPP RAINER RALF RALPH REINHARD RENÉ RICHARD ROBERT ROLAND ROLF RUDOLF RÜDIGER SEBASTIAN
        SIEGFRIED SIMON STEFAN STEFFEN STEPHAN SVEN THEO THOMAS THORSTEN TILL TIM TOBIAS TORSTEN UDO ULF ULRICH UWE VALENTIN
        VOLKER WALTER WERNER WILFRIED WILHELM WOLFGANG
        ADELHEID AGNES ALEXANDRA ALINA ALISSA ANDREA ANGELA ANGELIKA ANITA ANJA ANKE ANNA ANNE ANNEGRET ANNIKA ANTJE ANTONIA
        ASTRID BARBARA BEATE BETTINA BIANCA BIRGIT BRIGITTE CAROLA CAROLIN CHARLOTTE CHRISTA CHRISTIANE CHRISTINA CHRISTINE
        CLAUDIA CORINNA CORNELIA DAGMAR DANIELA DORIS DOROTHEA EDITH ELFRIEDE ELISABETH ELKE ELLEN EMILIA EMMA ERIKA ESTHER
        EVA FRANZISKA FRIEDERIKE GABRIELE GERDA GERTRUD GISELA GUDRUN HANNA HANNAH HEIDI HEIKE HELENE HELGA HENRIETTE HILDE
        HILDEGARD HUBERTA ILSE INA INES INGE INGEBORG INGRID IRENE IRIS IRMGARD JANA JANINA JASMIN JESSICA JOHANNA JUDITH
        JULIA JULIANE JUTTA KARIN KATHARINA KATHRIN KATJA KERSTIN KLARA KLEMENTINE KRISTINA LAURA LEA LENA LINA LISA LOUISE
        LUISE MAGDALENA MANUELA MARGARETE MARGIT MARGOT MARIA MARIANNE MARIE MARINA MARION MARLENE MARTHA MARTINA MECHTHILD
        MELANIE MICHAELA MIRIAM MONIKA NADINE NADJA NATALIE NICOLE NINA PATRICIA PAULA PETRA RAMONA REGINA RENATE RITA ROSWITHA
        RUTH SABINE SABRINA SANDRA SARAH SILKE SIMONE SOPHIA SOPHIE STEFANIE STEPHANIE SUSANNE SVENJA SYLVIA TANJA THERESA
        TINA UlRIKE ULRIKE URSULA UTE VANESSA VERA VERENA VERONIKA VERONICA WALTRAUD XENIA YVONNE
        AHMET MEHMET MUSTAFA ALI HÜSEYIN HASAN HASSAN IBRAHIM ISMAIL MURAT EMRE ÖMER OSMAN YUSUF RAMAZAN KEMAL CEM BURAK
        FATMA AYŞE AYSE EMINE HATICE ZEYNEP ELIF ÖZLEM MERVE SELIN DERYA
        PIOTR KRZYSZTOF TOMASZ PAWEŁ PAWEL MAREK MICHAŁ MICHAL GRZEGORZ JAKUB ŁUKASZ LUKASZ WOJCIECH AGNIESZKA KATARZYNA
        MAŁGORZATA MALGORZATA JOANNA MAGDALENA DOROTA EWA BARBARA
        IWAN IVAN SERGEJ SERGEI DMITRI DMITRIJ WLADIMIR VLADIMIR NIKOLAI ALEXEJ JURI OLGA TATJANA NATALIA NATASCHA SWETLANA
        SVETLANA LJUDMILA IRINA JELENA ELENA GALINA VALENTINA OKSANA ANASTASIA
        MOHAMMED MOHAMMAD MOHAMED MUHAMMAD AHMAD AHMED KHALED KHALID OMAR SAMIR KARIM TARIK TAREK YOUSSEF AMIR WALID NOUR
        FATIMA AISHA LEILA LAYLA MARYAM SAMIRA YASMIN RANIA
        MARIJA MILAN DRAGAN ZORAN GORAN NIKOLA DEJAN IVANA JOVANA SNEŽANA SNEZANA DANIJELA MIRJANA ANA MARKO LUKA
        GIUSEPPE GIOVANNI ANTONIO FRANCESCO LUCA MARCO ALESSANDRO GIULIA FRANCESCA CHIARA
        KORNÉL ISTVÁN LÁSZLÓ ZOLTÁN JÁNOS DHAYANA YORGOS GEORGIOS DIMITRIOS KONSTANTINOS NIKOS
        """.split(whereSeparator: \.isWhitespace).map { String($0).uppercased() })

    /// Words for people by their relation or age that are also first names somewhere in the
    /// world lists.
    static let relations: Set<String> = [
        "kind", "kinder", "junge", "mädchen", "säugling", "baby", "frau", "mann", "herr", "tochter", "sohn", "enkel",
        "enkelin", "bruder", "schwester", "mutter", "vater", "oma", "opa", "tante", "onkel", "nichte", "neffe", "cousin",
        "cousine", "partner", "partnerin", "freund", "freundin", "patient", "patientin", "bewohner", "bewohnerin",
    ]

    /// Articles, prepositions and adjective endings before a noun: a found name after them is the
    /// ordinary word ("am Fuß", "der Leber", "im Winter").
    static let articles: Set<String> = [
        "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "einem", "einen", "eines", "am", "im", "vom",
        "zum", "zur", "beim", "ins", "ans", "aufs", "mit", "ohne", "über", "unter", "an", "auf", "in", "bei", "nach", "von",
        "linken", "rechten", "linker", "rechter", "linkes", "rechtes", "li", "re", "beide", "beiden", "beidseits", "morbus",
        "m", "syndrom", "typ", "nach", "sog", "kein", "keine", "keinen",
    ]

    /// Words that say what something is, not who: department and role words ("Oberärztin").
    static func genericName(_ lower: String) -> Bool {
        neverNames.contains(lower) || GermanPatterns.genericInstitutionWords.contains(lower)
            || GermanPatterns.genericEndings.contains { lower.hasSuffix($0) }
            || ["arzt", "ärztin", "ärzte", "brief", "bericht", "befund"].contains { lower.hasSuffix($0) }
    }

    static func words(of text: String) -> [Word] {
        text.find(#"[\p{L}\p{N}][\p{L}\p{N}'’]*"#).map { m in
            let s = String(text[m.range])
            let dotted = m.range.upperBound < text.endIndex && text[m.range.upperBound] == "."
            return Word(range: m.range, string: s, lower: s.lowercased(), dotted: dotted)
        }
    }
}
