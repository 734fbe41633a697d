import Deid
import XCTest

/// The allow-list layer: names and places nobody listed, any letter case, and clinical words kept.
/// The sentences are written in the styles the other teams' evaluation sets showed (nursing notes,
/// international PII sentences), not taken from them.
final class AllowListTests: XCTestCase {
    let recall = RuleDeidentifier()
    let balanced = RuleDeidentifier(policy: DeidPolicy(mode: .balanced))

    /// The words of `text` inside spans found by `deidentifier`.
    func found(_ text: String, by deidentifier: RuleDeidentifier? = nil) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return (deidentifier ?? recall).phiSpans(in: text, structured: StructuredPHI()).map {
            String(String.UnicodeScalarView(scalars[$0.start..<($0.start + $0.length)]))
        }
    }

    func assertReplaced(_ words: [String], in text: String, by deidentifier: RuleDeidentifier? = nil,
                        file: StaticString = #filePath, line: UInt = #line) {
        let spans = found(text, by: deidentifier).joined(separator: " | ")
        for word in words where !spans.contains(word) {
            XCTFail("'\(word)' was not replaced in: \(text)\n  spans: \(spans)", file: file, line: line)
        }
    }

    func assertKept(_ words: [String], in text: String, by deidentifier: RuleDeidentifier? = nil,
                    file: StaticString = #filePath, line: UInt = #line) {
        let spanWords = Set(found(text, by: deidentifier).flatMap { $0.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init) })
        for word in words where spanWords.contains(word) {
            XCTFail("'\(word)' was replaced in: \(text)", file: file, line: line)
        }
    }

    func testListedNamesAreFoundInAnyLetterCase() {
        assertReplaced(["nicholson"], in: "dr nicholson aware of k 3.2, will replete.")
        assertReplaced(["CAROL"], in: "PT'S WIFE CAROL IN TO VISIT, UPDATED ON PLAN.")
        assertReplaced(["carol"], in: "wife carol called, questions answered.")
        assertReplaced(["bill"], in: "spoke with son bill re: plan of care.")
        assertReplaced(["Kovács", "Virtanen", "Shevchenko"], in: "Contact Kovács Péter, Aino Virtanen or Olena Shevchenko about the results.")
    }

    func testNamesNoListHoldsAreFoundWhereANameStands() {
        assertReplaced(["Kshlerin"], in: "Please send the records to Mrs. Zelda Kshlerin before Friday.")
        assertReplaced(["zyxquorth"], in: "family meeting with zyxquorth and the team.")
    }

    func testClinicalAbbreviationsAreNeverNames() {
        let note = """
            Neuro: Pt A&Ox3, MAE. CV: BP 110/60, HR 80s NSR. Resp: ABG 7.38/42/88, sx'd for sm amt thick secretions.
            NSG: HO aware. PT consult placed. GI: abd soft, +BS, tol TF at goal. GU: foley patent, lasix 20mg IV given.
            """
        assertKept(["Pt", "BP", "HR", "NSR", "ABG", "NSG", "HO", "PT", "GI", "abd", "BS", "tol", "TF", "GU", "foley", "lasix",
                    "Neuro", "Resp", "MAE", "CV", "sx", "amt", "secretions"], in: note)
    }

    func testPlacesAndHospitalsInContext() {
        assertReplaced(["baltimore"], in: "pt lives in baltimore with her daughter.")
        assertReplaced(["GH"], in: "transferred from the floor, previously at GH for 2 weeks.")
        assertReplaced(["Budapest"], in: "She moved from Budapest last year.")
        assertReplaced(["Baystate"], in: "Seen in the Baystate ER overnight.")
    }

    func testInternationalAddresses() {
        assertReplaced(["Kossuth", "utca", "12", "1055", "Budapest"], in: "Her address is Kossuth Lajos utca 12, 1055 Budapest.")
        assertReplaced(["8734", "Kshlerin", "Ridge"], in: "Ship it to 8734 Kshlerin Ridge, Suite 456.")
        assertReplaced(["00100", "Helsinki"], in: "Mannerheimintie 5 A 7, 00100 Helsinki")
    }

    func testRadiologyVocabularyIsKept() {
        let report = """
            FINDINGS: The cardiomediastinal silhouette is within normal limits. Costophrenic angles are sharp.
            No pneumothorax. Degenerative changes of the thoracic spine. Calcified granuloma in the right upper lobe.
            IMPRESSION: No acute cardiopulmonary abnormality.
            """
        XCTAssertEqual(found(report), [])
    }

    func testBalancedModeKeepsLowerCaseUnknownWordsButFindsCapitalisedOnes() {
        assertKept(["zyxquorth"], in: "family meeting with the zyxquorth team.", by: balanced)
        assertReplaced(["Kshlerin"], in: "Please send the records to Zelda Kshlerin before Friday.", by: balanced)
        XCTAssertEqual(balanced.method, "rules-2-balanced+tags")
        XCTAssertEqual(recall.method, "rules-2+tags")
    }

    func testPolicyFileChoosesTheMode() throws {
        let path = NSTemporaryDirectory() + "deid-\(UUID().uuidString).policy"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "mode = balanced\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try DeidPolicy(contentsOf: path).mode, .balanced)
        try "replacement = tags\nmode = strict\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DeidPolicy(contentsOf: path)) {
            XCTAssertEqual("\($0)", "\(path):2: mode 'strict' is not one of recall, balanced")
        }
    }

    /// A nursing note in the usual shorthand, lower case and capitals mixed: the PHI goes, the
    /// shorthand, drugs, vitals and times stay.
    func testANursingNoteKeepsItsShorthandAndLosesItsPHI() {
        let note = """
            nursing progress note 0700-1900
            pt is 78 yo man s/p cabg x3 on 10/16, extubated this am w/o difficulty. on 2l nc, sats 97%, rr 18-22.
            hemodynamics: hr 70s afib w/ occ pvc's, sbp 100-120. levophed weaned off at 1000. neo gtt @ 0.5 mcg/kg/min.
            neuro: a+ox2, confused at times, reoriented easily. seen by neuro dr. o'malley who recommends head ct.
            renal: uo 30-50cc/hr, bun/cr 32/1.4. lytes repleted per ss. CV: +2/6 SEM, no ectopy.
            social: wife carol in to visit. daughter mary and son-in-law jim visited. they live in worcester.
            contact # 617-555-1212. dispo: rehab at GH vs home. d/c foley 7/22 if stable.
            """
        assertReplaced(["10/16", "malley", "carol", "mary", "jim", "worcester", "617-555-1212", "GH", "7/22"], in: note)
        assertKept(["0700", "1900", "cabg", "extubated", "nc", "sats", "afib", "pvc", "sbp", "100", "120", "levophed", "neo",
                    "gtt", "mcg", "ox2", "reoriented", "ct", "uo", "bun", "cr", "lytes", "ss", "SEM", "ectopy", "wife",
                    "daughter", "son", "in", "law", "visited", "rehab", "foley", "1000", "2", "6"], in: note)
    }
}
