@testable import Deid
import Foundation
import XCTest

final class WorldLexiconTests: XCTestCase {
    /// Ranges rather than exact counts: a regeneration from newer package versions moves them a
    /// little, a broken derivation (an empty or truncated list, a lost filter) moves them a lot.
    func testCountsAreInTheExpectedRanges() {
        XCTAssertTrue((140_000...190_000).contains(Lexicon.englishZipf.count), "\(Lexicon.englishZipf.count)")
        XCTAssertTrue((55_000...75_000).contains(Lexicon.dictionaryWords.count), "\(Lexicon.dictionaryWords.count)")
        XCTAssertTrue((35_000...45_000).contains(Lexicon.basicWords.count), "\(Lexicon.basicWords.count)")
        XCTAssertTrue((60_000...85_000).contains(Lexicon.worldFirstNames.count), "\(Lexicon.worldFirstNames.count)")
        XCTAssertTrue((145_000...180_000).contains(Lexicon.worldLastNames.count), "\(Lexicon.worldLastNames.count)")
        XCTAssertTrue((75_000...90_000).contains(Lexicon.placeNames.count), "\(Lexicon.placeNames.count)")
        XCTAssertTrue((1_500...2_800).contains(Lexicon.clinicalAbbreviations.count), "\(Lexicon.clinicalAbbreviations.count)")
        XCTAssertTrue((1_500...2_500).contains(Lexicon.radiologyWords.count), "\(Lexicon.radiologyWords.count)")
        let distinctNames = Lexicon.worldFirstNames.union(Lexicon.worldLastNames).count
        XCTAssertTrue((150_000...250_000).contains(distinctNames), "\(distinctNames)")
    }

    func testBasicWordsAreAlmostAllDictionaryWords() {
        // SCOWL 35 is a subset of SCOWL 50 but for a handful of variant spellings.
        let outside = Lexicon.basicWords.subtracting(Lexicon.dictionaryWords)
        XCTAssertLessThan(outside.count, 200, "\(outside.prefix(20))")
        XCTAssertTrue(Lexicon.basicWords.contains("CHEST"))
        XCTAssertTrue(Lexicon.dictionaryWords.contains("PNEUMONIA"))
        XCTAssertFalse(Lexicon.dictionaryWords.contains("BALTIMORE"), "capitalised entries are proper nouns")
        XCTAssertFalse(Lexicon.dictionaryWords.contains("CHEST'S"), "possessives are dropped")
    }

    func testEnglishZipfRanksCommonWordsHigh() throws {
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(Lexicon.englishZipf["THE"]), 70)
        let effusion = try XCTUnwrap(Lexicon.englishZipf["EFFUSION"])
        XCTAssertLessThan(effusion, try XCTUnwrap(Lexicon.englishZipf["CHEST"]))
        XCTAssertGreaterThanOrEqual(effusion, 15)
        XCTAssertGreaterThanOrEqual(Lexicon.englishZipf.values.min() ?? 0, 15, "the floor is Zipf 1.5")
        XCTAssertNil(Lexicon.englishZipf["A"], "one-letter words are left out")
        XCTAssertNil(Lexicon.englishZipf["DON'T"], "letters only")
    }

    func testWorldNamesHoldAccentedAndFoldedForms() {
        for name in ["NICHOLSON", "KOVÁCS", "KOVACS", "VIRTANEN", "KORHONEN", "SHEVCHENKO", "IVANOV",
                     "SMITH", "AALDERINK", "NGUYEN", "MÜLLER", "MULLER"] {
            XCTAssertTrue(Lexicon.worldLastNames.contains(name), name)
        }
        for name in ["ANNA", "OLENA", "JUHANI", "MARY", "JOSÉ", "JOSE"] {
            XCTAssertTrue(Lexicon.worldFirstNames.contains(name), name)
        }
        XCTAssertFalse(Lexicon.worldLastNames.contains("Kovács"), "keys are upper-cased")
        XCTAssertFalse(Lexicon.worldLastNames.contains("ИВАНОВ"), "Latin script only")
        XCTAssertTrue(Lexicon.firstNames.isSubset(of: Lexicon.worldFirstNames))
        XCTAssertTrue(Lexicon.lastNames.isSubset(of: Lexicon.worldLastNames))
    }

    func testPlaceNames() {
        for place in ["BALTIMORE", "NEW YORK", "BUDAPEST", "HELSINKI", "MARYLAND", "GERMANY", "SALT LAKE CITY",
                      "PUERTO RICO", "ŁÓDŹ", "LODZ", "ZÜRICH", "ZURICH", "WINSTON SALEM", "KOREA", "PRINCE GEORGE S"] {
            XCTAssertTrue(Lexicon.placeNames.contains(place), place)
        }
        XCTAssertFalse(Lexicon.placeNames.contains("BALTIMORE COUNTY"), "counties without the word County")
        XCTAssertFalse(Lexicon.placeNames.contains { $0.contains("  ") || $0.hasPrefix(" ") || $0.hasSuffix(" ") })
        let longest = Lexicon.placeNames.map { $0.split(separator: " ").count }.max()
        XCTAssertEqual(Lexicon.placeNameMaxWords, longest)
        XCTAssertTrue((4...12).contains(Lexicon.placeNameMaxWords), "\(Lexicon.placeNameMaxWords)")
    }

    func testClinicalAbbreviations() {
        for word in ["PT", "NSG", "ABG", "HO", "LASIX", "SXN", "LEVOPHED", "ZOSYN", "CONT'D", "Q4H", "FIO2", "ICU", "CT"] {
            XCTAssertTrue(Lexicon.clinicalAbbreviations.contains(word), word)
        }
        // Single-word safe terms that are census names stay on the safe list only.
        XCTAssertFalse(Lexicon.clinicalAbbreviations.contains("PARKINSON"))
        XCTAssertFalse(Lexicon.clinicalAbbreviations.contains("HICKMAN"))
    }

    /// An abbreviation that is one of the 1,000 commonest first names would hide that name from
    /// the allow-list rule wherever it stands; only these deliberate exceptions may.
    func testClinicalAbbreviationsAreNoCommonFirstNames() {
        let deliberateExceptions: Set<String> = ["MAX", "MAE", "ANA"]
        let commonest = Lexicon.firstNameCumulativePercent.sorted { $0.value < $1.value }.prefix(1_000)
        let commonFirstNames = Set(commonest.map(\.key))
        let collisions = Lexicon.clinicalAbbreviations.intersection(commonFirstNames).subtracting(deliberateExceptions)
        XCTAssertEqual(collisions, [])
        XCTAssertTrue(deliberateExceptions.isSubset(of: commonFirstNames), "an exception that is no longer one should go")
    }

    func testRadiologyWordsComeFromTheOddReports() {
        XCTAssertTrue(Lexicon.radiologyWords.contains("CARDIOMEDIASTINAL"))
        XCTAssertTrue(Lexicon.radiologyWords.contains("PNEUMOTHORAX"))
        XCTAssertFalse(Lexicon.radiologyWords.contains("XXXX"), "the curators' identifier mask")
        XCTAssertFalse(Lexicon.radiologyWords.contains { $0.count < 2 })
    }

    func testEveryKeyIsUpperCasedLettersOnly() {
        let sets: [(String, Set<String>)] = [
            ("dictionaryWords", Lexicon.dictionaryWords), ("basicWords", Lexicon.basicWords),
            ("worldFirstNames", Lexicon.worldFirstNames), ("worldLastNames", Lexicon.worldLastNames),
            ("radiologyWords", Lexicon.radiologyWords), ("englishZipf", Set(Lexicon.englishZipf.keys)),
        ]
        for (name, words) in sets {
            let odd = words.filter { $0 != $0.uppercased() || !$0.allSatisfy(\.isLetter) }
            XCTAssertEqual(odd.count, 0, "\(name): \(odd.prefix(10))")
        }
        let oddPlaces = Lexicon.placeNames.filter { $0 != $0.uppercased() || !$0.allSatisfy { $0.isLetter || $0 == " " } }
        XCTAssertEqual(oddPlaces.count, 0, "\(oddPlaces.prefix(10))")
    }

    /// The committed *+Data.swift files must be what derive.py makes of the committed lists.
    func testDerivedSwiftIsCurrent() throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Deid/Lexicons/derive.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--check"]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, message)
    }

    /// Not a test of speed (no timing assertion): prints the first-use cost for the record. Run
    /// it on its own, or the sets are parsed already.
    func testPrintFirstUseParseTime() {
        let start = Date()
        let total = Lexicon.englishZipf.count + Lexicon.dictionaryWords.count + Lexicon.basicWords.count
            + Lexicon.worldFirstNames.count + Lexicon.worldLastNames.count + Lexicon.placeNameMaxWords
            + Lexicon.clinicalAbbreviations.count + Lexicon.radiologyWords.count
        print("World lexicons: \(total) entries parsed in \(Int(Date().timeIntervalSince(start) * 1_000)) ms")
        XCTAssertGreaterThan(total, 0)
    }
}
