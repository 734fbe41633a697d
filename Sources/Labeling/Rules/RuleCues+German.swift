/// The German cues. Written with umlauts and ß as radiologists write them; `WordRules.phrase`
/// folds them (ä → ae, ß → ss, ...) exactly as the report's words are folded. Words written with
/// a trailing `*` match any word that starts with them ("fraglich*": fragliche, fraglicher).
extension RuleCues {
    private static let germanWords = WordRules(
        letters: .unicodeGerman,
        abbreviations: [
            // Folded as words are ("rö" is "roe").
            "re", "li", "bds", "ca", "dist", "prox", "lat", "med", "seitl", "eb", "ggf", "evtl", "bzw", "vs", "inkl",
            "zb", "sog", "bzgl", "max", "min", "mind", "st", "nr", "dr", "prof", "pat", "ant", "post", "roe", "etc",
            "ds", "vgl", "insb", "mittl", "diskr", "lig", "proc",
        ],
        compoundTails: true)

    private static func germanPhrases(_ list: [String]) -> [[String]] { list.map(germanWords.phrase) }

    private static let germanPreNegationUncertainty = germanPhrases([
        "nicht auszuschließen", "nicht sicher auszuschließen", "nicht mit Sicherheit auszuschließen",
        "nicht ausgeschlossen", "nicht sicher ausgeschlossen", "nicht mit Sicherheit ausgeschlossen",
        "nicht sicher", "nicht eindeutig", "nicht zweifelsfrei", "nicht mit Sicherheit", "nicht zu sichern",
        "zum Ausschluss", "zum Ausschluß", "z. A.", "Ausschluss?", "Frage nach", "Fragestellung",
    ])

    static let german = RuleCues(
        words: germanWords,
        preNegationUncertainty: germanPreNegationUncertainty,
        negation: germanPhrases([
            "kein", "keine", "keinen", "keiner", "keines", "keinem", "keinerlei", "ohne", "nicht", "weder",
            "kein Nachweis", "kein Nachweis von", "kein Nachweis einer", "kein Nachweis eines", "kein Anhalt für",
            "kein Anhalt", "kein Hinweis auf", "kein Hinweis", "Ausschluss", "Ausschluß", "ausgeschlossen", "frei von",
            "nicht nachweisbar", "fehlend", "fehlende", "fehlender",
        ]),
        pseudoNegation: germanPhrases([
            // "Nicht dislozierte Fraktur": the fracture is there; only its displacement is denied.
            "nicht disloziert*", "nicht * disloziert*", "nicht verschoben*", "nicht * verschoben*",
            "kein* * Dislokation", "ohne * Dislokation", "kein* Dislokation", "ohne Dislokation",
            "kein* * Stellungsänderung", "kein* Stellungsänderung", "ohne * Stellungsänderung", "ohne Stellungsänderung",
            "keine Änderung", "ohne Änderung", "keine wesentliche Änderung", "keine Befundänderung",
            "nicht nur", "nicht konsolidiert", "nicht * konsolidiert", "nicht durchbaut", "nicht * durchbaut",
            "nicht verheilt", "nicht mehr disloziert*",
        ]),
        postNegation: germanPhrases([
            "nicht nachweisbar", "nicht abgrenzbar", "nicht erkennbar", "nicht sichtbar", "nicht darstellbar",
            "nicht feststellbar", "nicht nachzuweisen", "nicht abzugrenzen", "nicht zu erkennen", "nicht zu sehen",
            "nicht abgrenzen", "nicht nachweisen", "nicht erkennen", "nicht vor", "nicht mehr", "nicht gesehen",
            "ausgeschlossen", "ausgeschlossen werden", "unauffällig", "regelrecht", "intakt", "frei",
            "ausgeheilt", "abgeheilt", "verheilt",
            // Structured reports: "Fraktur: nein", "Frakturen: keine".
            ": nein", ": keine", ": kein", ": negativ",
        ]),
        postNegationReach: RuleCues.reachAfter,
        negationBarriers: ["mit", "welche", "welcher", "welches"],
        negationClosers: ["nachweisbar", "abgrenzbar", "erkennbar", "sichtbar", "darstellbar", "feststellbar"],
        uncertainty: germanPhrases([
            // Longer phrases first: Phrase.all leaves out those found only inside them.
            "V. a.", "Verdacht auf", "Verdacht", "fraglich*", "DD", "differentialdiagnostisch",
            "differenzialdiagnostisch", "möglicherweise", "möglich*", "am ehesten", "a. e.", "vereinbar mit",
            "wahrscheinlich", "vermutlich", "suspekt auf", "suspekt*", "verdächtig auf", "verdächtig*", "eventuell",
            "evtl.", "kann", "könnte", "denkbar", "passend zu", "spricht für", "im Sinne", "i. S.", "zur Abklärung",
            "Abklärung", "unklar*", "oder", "?",
        ] + ["nicht auszuschließen", "nicht sicher auszuschließen", "nicht ausgeschlossen"]),
        // The possibility tier, as in English: raised as possible, not read as probable. "Am
        // ehesten", "wahrscheinlich", "vereinbar mit", "im Sinne" and "A oder B" read the image.
        possibility: Set(germanPhrases([
            "V. a.", "Verdacht auf", "Verdacht", "fraglich*", "DD", "differentialdiagnostisch",
            "differenzialdiagnostisch", "möglicherweise", "möglich*", "suspekt auf", "suspekt*", "verdächtig auf",
            "verdächtig*", "eventuell", "evtl.", "kann", "könnte", "denkbar", "zur Abklärung", "Abklärung", "unklar*", "?",
        ])).union(germanPreNegationUncertainty),
        // After a mention these say what it is, not whether it is there: "Aufhellungslinie,
        // vereinbar mit ..." hedges the line's meaning.
        onlyBeforeMention: ["oder", "vereinbar", "passend", "spricht", "im", "i"],
        causeHedges: germanPhrases([
            "am ehesten im Rahmen", "am ehesten bei", "am ehesten bedingt", "am ehesten durch", "am ehesten als Folge",
            "a. e. im Rahmen", "vermutlich im Rahmen", "wahrscheinlich im Rahmen", "im Rahmen", "am ehesten Folge",
        ]),
        differential: ["dd", "differentialdiagnostisch", "differenzialdiagnostisch"],
        differentialAfterComma: true,
        afterMentionStops: ["mit"],
        // Contrast ends a cue's reach as "but" and "however" do; "bei" brings in circumstances
        // ("Keine Fraktur bei deutlicher Weichteilschwellung"). "Sowie" and "und" only add to a
        // list, through which a negation reaches ("keine Fraktur sowie Luxation"): not ends.
        scopeEnders: Set(germanPhrases([
            "jedoch", "aber", "allerdings", "bei", "doch", "dagegen", "hingegen", "während", "wobei", "außer",
            "ansonsten", "sonst", "wenngleich", "obwohl", "obgleich",
        ]).compactMap(\.first)))
}
