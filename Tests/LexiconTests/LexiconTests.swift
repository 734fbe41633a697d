@testable import Deid
import Foundation
import XCTest

final class NameLexiconTests: XCTestCase {
    func testCountsMatchTheCensusLists() {
        // 4,275 female + 1,219 male names, 331 of them on both lists.
        XCTAssertEqual(Lexicon.firstNames.count, 5_163)
        XCTAssertEqual(Lexicon.lastNames.count, 88_799)
        XCTAssertEqual(Lexicon.commonWords.count, 4_685)
    }

    func testKnownNamesArePresentUpperCased() {
        for name in ["JOHN", "MARY", "JAMES", "PATRICIA", "MARIA", "JOSE"] {
            XCTAssertTrue(Lexicon.firstNames.contains(name), name)
        }
        for name in ["SMITH", "NGUYEN", "GARCIA", "KOWALSKI", "OCONNOR", "MCDONALD", "AALDERINK"] {
            XCTAssertTrue(Lexicon.lastNames.contains(name), name)
        }
        XCTAssertFalse(Lexicon.lastNames.contains("Smith"), "keys are upper-cased")
        XCTAssertFalse(Lexicon.firstNames.contains("PNEUMOTHORAX"))
    }

    func testFrequenciesOrderNamesByCommonness() throws {
        XCTAssertEqual(try XCTUnwrap(Lexicon.lastNameCumulativePercent["SMITH"]), 1.006, accuracy: 0.0005)
        XCTAssertEqual(try XCTUnwrap(Lexicon.firstNameCumulativePercent["MARY"]), 2.629, accuracy: 0.0005)
        // JAMES is a male and a (rare) female name: the more common standing counts.
        XCTAssertEqual(try XCTUnwrap(Lexicon.firstNameCumulativePercent["JAMES"]), 3.318, accuracy: 0.0005)
        XCTAssertLessThan(
            try XCTUnwrap(Lexicon.lastNameCumulativePercent["GARCIA"]),
            try XCTUnwrap(Lexicon.lastNameCumulativePercent["KOWALSKI"]))
    }

    func testCommonWordsAreWordsThatAreAlsoNames() {
        for word in ["MASS", "WHITE", "YOUNG", "HILL", "BONE", "WALL", "HEAD", "SMALL", "ROSE", "WILL", "MAY", "MARK"] {
            XCTAssertTrue(Lexicon.commonWords.contains(word), word)
            XCTAssertTrue(Lexicon.firstNames.contains(word) || Lexicon.lastNames.contains(word), word)
        }
        XCTAssertFalse(Lexicon.commonWords.contains("NGUYEN"), "a name but not an English word")
        XCTAssertFalse(Lexicon.commonWords.contains("LUNG") && !Lexicon.lastNames.contains("LUNG"))
    }
}

final class ClinicalSafeListTests: XCTestCase {
    let safeList = ClinicalSafeList.standard

    /// The matched substrings, for readable assertions.
    private func found(in text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return safeList.protectedRanges(in: text).map { range in
            var matched = String.UnicodeScalarView()
            matched.append(contentsOf: scalars[range])
            return String(matched)
        }
    }

    func testTheListHasSeveralHundredTerms() {
        XCTAssertGreaterThan(safeList.terms.count, 500)
        XCTAssertTrue(safeList.terms.contains("Hunt and Hess"))
    }

    func testNamedSignsScoresAndDevicesAreFound() {
        XCTAssertEqual(found(in: "Sonographic Murphy's sign."), ["Sonographic Murphy's sign"])
        XCTAssertEqual(found(in: "Murphy sign was"), ["Murphy sign"])
        XCTAssertEqual(found(in: "Kerley B lines at the bases"), ["Kerley B lines"])
        XCTAssertEqual(found(in: "SAH, Hunt and Hess grade 3"), ["Hunt and Hess"])
        XCTAssertEqual(found(in: "Hunt & Hess 2, Hunt-Hess 2"), ["Hunt & Hess", "Hunt-Hess"])
        XCTAssertEqual(found(in: "Swan-Ganz catheter tip in the PA"), ["Swan-Ganz catheter", "PA"])
        XCTAssertEqual(found(in: "BI-RADS 4: suspicious"), ["BI-RADS"])
        XCTAssertEqual(found(in: "known Parkinson disease"), ["Parkinson disease"])
        XCTAssertEqual(found(in: "dementia with Lewy bodies; Lewy body"), ["Lewy bodies", "Lewy body"])
        XCTAssertEqual(found(in: "Smith fracture of the distal radius"), ["Smith fracture"])
        XCTAssertEqual(found(in: "circle of Willis is patent"), ["circle of Willis"])
        XCTAssertEqual(found(in: "fluid in Morison's pouch"), ["Morison's pouch"])
        XCTAssertEqual(found(in: "Anderson and D'Alonzo classification type II"), ["Anderson and D'Alonzo classification"])
    }

    func testReportVocabularyIsProtectedInAnyCase() {
        XCTAssertEqual(found(in: "IMPRESSION: negative"), ["IMPRESSION", "negative"])
        XCTAssertEqual(found(in: "PORTABLE AP CHEST"), ["PORTABLE", "AP", "CHEST"])
    }

    func testCommonSurnamesAloneAreNotProtected() {
        XCTAssertEqual(found(in: "Discussed with Dr. Murphy and Dr. Smith."), [])
        XCTAssertEqual(found(in: "Graves, Wilson, Baker, Bell, Tanner"), [])
        XCTAssertEqual(found(in: "Marcus Gunn called"), [])
        XCTAssertEqual(found(in: "Marcus Gunn pupil"), ["Marcus Gunn pupil"])
    }

    func testMatchingIgnoresCaseAndAcceptsPossessives() {
        XCTAssertEqual(found(in: "HODGKIN LYMPHOMA"), ["HODGKIN LYMPHOMA"])
        XCTAssertEqual(found(in: "Parkinson's, parkinsons, PARKINSON’S"), ["Parkinson's", "parkinsons", "PARKINSON’S"])
        XCTAssertEqual(found(in: "Graves' disease"), ["Graves' disease"])
        XCTAssertEqual(found(in: "SJÖGREN and Sjögren"), ["SJÖGREN", "Sjögren"])
        // "Huntington's" is listed with its possessive: the bare word is a surname and a place.
        XCTAssertEqual(found(in: "Huntington's, Huntington Hospital, Huntington disease"), ["Huntington's", "Huntington disease"])
    }

    func testWholeWordsOnly() {
        XCTAssertEqual(found(in: "Gravesend, grave disease, Parkinsonia, CTX, uS"), ["uS"])
        XCTAssertEqual(found(in: "xParkinson Parkinson2"), [])
        XCTAssertEqual(found(in: "Graves disease"), ["Graves disease"])
    }

    func testPhraseSeparators() {
        XCTAssertEqual(found(in: "Swan Ganz\nSWAN-GANZ"), ["Swan Ganz", "SWAN-GANZ"])
        XCTAssertEqual(found(in: "Kerley\nB lines"), ["Kerley\nB lines"])
        // A full stop ends the phrase: here "Kerley" stands alone.
        XCTAssertEqual(found(in: "Kerley. B lines"), ["Kerley"])
        XCTAssertEqual(found(in: "Smith / Jones fracture"), ["Jones fracture"])
    }

    func testLongestMatchWinsAndMatchesDoNotOverlap() {
        XCTAssertEqual(found(in: "non-Hodgkin lymphoma"), ["non-Hodgkin lymphoma"])
        XCTAssertEqual(found(in: "Kerley B"), ["Kerley B"])
        XCTAssertEqual(found(in: "Kerley"), ["Kerley"])
        XCTAssertEqual(found(in: "CT ABDOMEN AND PELVIS WITH CONTRAST"), ["CT", "ABDOMEN AND PELVIS", "WITH CONTRAST"])
    }

    func testRangesAreUnicodeScalarOffsets() {
        let text = "Ré: 😀 Crohn’s disease"
        let ranges = safeList.protectedRanges(in: text)
        XCTAssertEqual(ranges, [6..<21])
        XCTAssertEqual(safeList.matches(in: text).first?.term, "Crohn disease")
    }

    func testIsSafeTerm() {
        XCTAssertTrue(safeList.isSafeTerm("hunt and hess"))
        XCTAssertTrue(safeList.isSafeTerm("Hodgkin's"))
        XCTAssertFalse(safeList.isSafeTerm("Hodgkin lymphoma today"))
        XCTAssertFalse(safeList.isSafeTerm(""))
    }

    func testCustomListAndEdgeCases() {
        let list = ClinicalSafeList(terms: ["Alpha Beta", "Alpha", "Gamma's"])
        XCTAssertEqual(list.protectedRanges(in: ""), [])
        XCTAssertEqual(list.protectedRanges(in: "alpha beta"), [0..<10])
        XCTAssertEqual(list.protectedRanges(in: "alpha gamma gamma's"), [0..<5, 12..<19])
        XCTAssertEqual(list.protectedRanges(in: "alpha'"), [0..<5], "a lone apostrophe after a non-s is no possessive")
        XCTAssertEqual(list.protectedRanges(in: "alpha's"), [0..<7])
    }

    /// Not a test of speed (no timing assertion): prints the throughput for the record.
    func testPrintThroughput() {
        let paragraph = """
            EXAM: CT CHEST WITH CONTRAST. HISTORY: 67-year-old with Hodgkin lymphoma, prior Whipple.
            FINDINGS: Kerley B lines. Swan-Ganz catheter tip in the right pulmonary artery. Small
            left pleural effusion. No pneumothorax. Discussed with Dr. Murphy at 14:32 on 03/04/2021.
            IMPRESSION: BI-RADS 4 lesion; Fleischner follow-up recommended.\n
            """
        let text = String(repeating: paragraph, count: 20_000)
        let bytes = text.utf8.count
        let start = Date()
        let count = safeList.protectedRanges(in: text).count
        let seconds = Date().timeIntervalSince(start)
        print("ClinicalSafeList: \(count) matches in \(bytes / 1_000_000) MB, \(Int(Double(bytes) / seconds / 1_000_000)) MB/s")
        XCTAssertEqual(count, 20_000 * safeList.protectedRanges(in: paragraph).count)
    }
}
