import Deid
import DeidCorpus
import Foundation
import RaddCore
import XCTest

/// The German rules (language = de): each kind of evidence the issue names, clinical words that
/// must survive, and the 20 GraSCCo development letters as a regression check.
final class GermanDeidentifierTests: XCTestCase {
    let german = RuleDeidentifier(language: .de)

    /// The text with every span replaced by its tag.
    func clean(_ text: String) -> String {
        RuleDeidentifier.replace(german.phiSpans(in: text, structured: StructuredPHI()), in: text, policy: DeidPolicy())
    }

    func assertRemoved(_ values: [String], from text: String, file: StaticString = #filePath, line: UInt = #line) {
        let result = clean(text)
        for value in values {
            XCTAssertFalse(result.contains(value), "'\(value)' left in: \(result)", file: file, line: line)
        }
    }

    func assertKept(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(clean(text), text, file: file, line: line)
    }

    func testDatesInEveryCommonGermanForm() {
        XCTAssertEqual(clean("Aufnahme am 14.03.2024, Kontrolle 14.3.24."), "Aufnahme am [DATE], Kontrolle [DATE].")
        XCTAssertEqual(clean("Operation am 14. März 2024 und erneut im März 2024."), "Operation am [DATE] und erneut im [DATE].")
        XCTAssertEqual(clean("Stationär vom 14.03. bis 21.03.2024."), "Stationär vom [DATE] bis [DATE].")
        XCTAssertEqual(clean("Wiedervorstellung in KW 12, Termin 12. KW."), "Wiedervorstellung in [DATE], Termin [DATE].")
        XCTAssertEqual(clean("Rektum-CA (ED 04/2018), Z.n. Hüft-TEP 2015."), "Rektum-CA (ED [DATE]), Z.n. Hüft-TEP [DATE].")
        XCTAssertEqual(clean("Chemotherapie 03-06/2022, Befund 2023-04-26."), "Chemotherapie [DATE]-[DATE], Befund [DATE].")
        XCTAssertEqual(clean("Anfang Februar verschlechtert."), "Anfang [DATE] verschlechtert.")
        XCTAssertEqual(clean("geb. 21/06/1967"), "geb. [DATE]")
    }

    func testTitlesAndFormsOfAddressIntroduceNames() {
        assertRemoved(["Hartmann"], from: "Sehr geehrte Frau Dr. med. Hartmann,")
        assertRemoved(["Yılmaz"], from: "wir berichten über Herrn Yılmaz, der sich vorstellte.")
        assertRemoved(["Kowalczyk"], from: "Befundet von OA Dr. Kowalczyk.")
        assertRemoved(["Iwanowa"], from: "CA Prof. Dr. Iwanowa hat den Patienten gesehen.")
        assertRemoved(["Al-Hassan"], from: "Dipl.-Med. Al-Hassan, Stationsarzt")
        assertRemoved(["Weber"], from: "Mit freundlichen Grüßen\n\nPriv.-Doz. Dr. Weber\nOberarzt")
        // The titles themselves are not names: they stay, so readers see who signed.
        XCTAssertTrue(clean("Sehr geehrte Frau Dr. med. Hartmann,").hasPrefix("Sehr geehrte Frau Dr. med. [NAME]"), clean("Sehr geehrte Frau Dr. med. Hartmann,"))
        // "Frau Kollegin" is a salutation, not a name.
        assertKept("Sehr geehrte Frau Kollegin, sehr geehrter Herr Kollege,")
    }

    func testNamesFromTheCountriesGermanHospitalsSee() {
        let letter = """
            Patientin: Ayşe Demir, * 02.05.1961
            Mitbehandelt von Frau Agnieszka Wiśniewska und Herrn Dmitri Sokolov.
            Pat. Mohammed Al-Sayed wurde informiert.

            Mit freundlichen Grüßen

            Jens Petersen
            Assistenzarzt
            """
        assertRemoved(["Ayşe", "Demir", "Agnieszka", "Wiśniewska", "Dmitri", "Sokolov", "Mohammed", "Al-Sayed", "Jens", "Petersen", "1961"], from: letter)
        // A name found once is found again without its title.
        XCTAssertFalse(clean("Herr Sokolov klagt über Schmerzen. Sokolov erhält Ibuprofen.").contains("Sokolov"))
    }

    func testAddressesPhonesAndHospitals() {
        let head = """
            Universitätsklinikum Musterstadt
            Klinik für Unfallchirurgie
            Musterstraße 12, 10115 Berlin
            Tel. 030/1234567, Fax +49 30 1234 568
            sekretariat@klinikum-musterstadt.de
            """
        let result = clean(head)
        for value in ["Musterstadt", "Musterstraße", "10115", "Berlin", "1234567", "1234 568", "sekretariat@"] {
            XCTAssertFalse(result.contains(value), "'\(value)' left in: \(result)")
        }
        assertRemoved(["Lindenweg 4"], from: "wohnhaft Lindenweg 4, 80331 München")
        assertRemoved(["Charité"], from: "Vorbehandlung in der Charité.")
        assertRemoved(["Kropka"], from: "auswärts (Praxis Dr. Kropka) voroperiert")
        assertRemoved(["Klinikum Nord"], from: "Verlegung ins Klinikum Nord am Vortag.")
        // A department is not a hospital's name.
        assertKept("Klinik für Innere Medizin\nAbteilung für Radiologie")
    }

    func testCaseAndInsuranceNumbers() {
        assertRemoved(["4711081"], from: "Fall-Nr.: 4711081")
        assertRemoved(["A123456789"], from: "Versichertennr. A123456789")
        assertRemoved(["88231"], from: "Pat.-ID 88231")
        assertRemoved(["A23"], from: "Aufnahme auf Station A23.")
    }

    func testRelativesTheirAgesAndOrigins() {
        XCTAssertEqual(clean("zwei Kinder (Kacper, 14 J., und Zofia, 9 J.), geboren in Stettin"),
                       "zwei Kinder ([NAME], [AGE] J., und [NAME], [AGE] J.), geboren in [PLACE]")
        XCTAssertEqual(clean("Lukas (8 Jahre) kam mit der Mutter."), "[NAME] ([AGE] Jahre) kam mit der Mutter.")
        // A word for a person is no name, whatever the world's name lists say.
        XCTAssertEqual(clean("Röntgen OSG rechts (Kind, 9 J.)"), "Röntgen OSG rechts (Kind, [AGE] J.)")
        assertRemoved(["23/45678"], from: "Aufnahmezahl: 23/45678")
    }

    func testARadiologyReportHeadAndSignature() {
        let report = """
            Klinikum Stuttgart – Katharinenhospital
            Zentrum für Radiologie, Kriegsbergstr. 60, 70174 Stuttgart
            Name: Kovačević, Dragana     Geb.-Datum: 9.4.1987     Fall: 40012345
            Einsender: Station 3B, Dr. Wagenknecht (Durchwahl -4512)
            CT Thorax mit KM vom 2.12.2024, 14:35 Uhr
            Befund: Keine Lungenarterienembolie. Kein Pleuraerguss. Mediastinale Lymphknoten bis 8 mm.
            Elektronisch freigegeben durch OÄ Dr. med. Friederike Sandmann-Öztürk am 02.12.2024 15:10.
            Zweitbefunder: FA Mehmet Aydın
            Kopie an: Hausarztpraxis Dr. Leinweber, Hauptstraße 22b, 71332 Waiblingen
            Dres. med. Hoffmann & Yilmaz; Prof. Dr. Dr. h.c. Oberhuber; Dr. C. Finger; RITA-Therapie
            """
        let result = clean(report)
        for value in ["Katharinenhospital", "Kriegsbergstr", "70174", "Kovačević", "Dragana", "1987", "40012345", "3B",
                      "Wagenknecht", "4512", "2.12.2024", "Friederike", "Sandmann", "Öztürk", "Mehmet", "Aydın", "Leinweber",
                      "Hauptstraße", "Waiblingen", "Hoffmann", "Yilmaz", "Oberhuber", "Finger"] {
            XCTAssertFalse(result.contains(value), "'\(value)' left in: \(result)")
        }
        for kept in ["Zentrum für Radiologie", "CT Thorax mit KM", "14:35 Uhr", "Keine Lungenarterienembolie", "8 mm", "RITA-Therapie"] {
            XCTAssertTrue(result.contains(kept), "'\(kept)' lost: \(result)")
        }
    }

    func testAges() {
        XCTAssertEqual(clean("Die 80-jährige Patientin"), "Die [AGE]-jährige Patientin")
        XCTAssertEqual(clean("im Alter von 93 Jahren"), "im Alter von [AGE 90+] Jahren")
    }

    func testClinicalVocabularySurvives() {
        assertKept("Distale Fibulafraktur Typ Weber B rechts, kein Anhalt für Morbus Sudeck.")
        assertKept("Kraftgrad 4/5, VAS 3/10, GCS 15, Inegy 10/20 mg 0-0-1, Metamizol 2000 mg.")
        assertKept("Bandscheibenvorfall L5/S1, Th12-Fraktur, Dosis 64 Gy in 32 Fraktionen.")
        assertKept("Befund: Kein Erguss. Innenknöchel intakt. Sprunggelenksgabel kongruent.")
        assertKept("Z.n. Cholezystektomie, M. Parkinson, Hashimoto-Thyreoiditis, Baker-Zyste.")
        assertKept("Röntgen OSG rechts in 2 Ebenen, 1,5 cm Dislokation, Hb 12,3 g/dl.")
    }

    func testTheSameLetterInEnglishModeMissesWhatGermanFinds() {
        // Why the language matters: the English rules read "14.03.2024" and "Musterstraße 12,
        // 10115 Berlin" differently, and German evidence is what catches them.
        let text = "Frau Hartmann, geb. 14.03.1961, Musterstraße 12, 10115 Berlin"
        let english = RuleDeidentifier(language: .en)
        let germanResult = clean(text)
        XCTAssertEqual(germanResult, "Frau [NAME], geb. [DATE], [PLACE], [PLACE]")
        XCTAssertNotEqual(RuleDeidentifier.replace(english.phiSpans(in: text, structured: StructuredPHI()), in: text, policy: DeidPolicy()), germanResult)
        XCTAssertTrue(german.method.contains("-de"), german.method)
        XCTAssertFalse(english.method.contains("-de"), "English keeps the stored method name")
    }

    func testAReportIsReadInItsOwnLanguage() throws {
        var report = Report(source: ReportSource(fileName: "a.txt", format: .plainText, claimID: "c", byteCount: 1),
                            text: "Herr Petersen, geb. 14.03.1961", receivedAt: Date(), language: .de)
        let deidentified = try RuleDeidentifier().deidentify(report)
        XCTAssertEqual(deidentified.report.text, "Herr [NAME], geb. [DATE]")
        XCTAssertTrue(deidentified.method.contains("-de"))
        report.language = .en
        XCTAssertFalse(try RuleDeidentifier().deidentify(report).method.contains("-de"))
    }

    /// The 20 GraSCCo development letters, scored as the shared scorer does over the HIPAA-like
    /// types (titles and professions are not PHI). The rules were written against these letters,
    /// so this guards against regressions; it does not measure unseen text.
    func testTheGraSCCoDevelopmentLettersStayAboveTheTargets() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/grascco-dev/spans.jsonl").standardized.path
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), path)
        let kept: [String: PHISpan.Category] = [
            "DATE": .date, "NAME_PATIENT": .name, "NAME_DOCTOR": .name, "ID": .identifier, "LOCATION_CITY": .place,
            "LOCATION_HOSPITAL": .place, "LOCATION_ZIP": .place, "LOCATION_STREET": .place, "LOCATION_COUNTRY": .place,
            "CONTACT_PHONE": .contact, "CONTACT_FAX": .contact, "CONTACT_EMAIL": .contact, "AGE": .age,
        ]
        struct Document: Decodable {
            struct Span: Decodable { var start: Int; var end: Int; var type: String }
            var id: String
            var text: String
            var spans: [Span]
        }
        var scores = Scores()
        var documents = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.isEmpty {
            let document = try JSONDecoder().decode(Document.self, from: Data(line.utf8))
            // The corpus counts offsets in code points, as PHISpan does.
            let gold = document.spans.compactMap { span in
                kept[span.type].map { PHISpan(start: span.start, length: span.end - span.start, category: $0) }
            }
            scores.add(text: document.text, gold: gold, predicted: german.phiSpans(in: document.text, structured: StructuredPHI()))
            documents += 1
        }
        XCTAssertEqual(documents, 20)
        let recall = try XCTUnwrap(scores.overallRecall.rate)
        let precision = try XCTUnwrap(scores.overallPrecision.rate)
        print(String(format: "GraSCCo dev (20 letters, German rules): token recall %.3f, precision %.3f", recall, precision))
        for miss in scores.misses.prefix(15) { print("  missed \(miss.category.rawValue): \(miss.context)") }
        XCTAssertGreaterThanOrEqual(recall, 0.95)
        XCTAssertGreaterThanOrEqual(precision, 0.80)
    }
}
