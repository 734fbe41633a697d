@testable import Ingest
import Foundation
import RaddCore
import XCTest

final class FHIRReaderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fhir")

    func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
    }

    func read(_ json: String) throws -> [ParsedReport] {
        try FHIRReader.reports(from: Array(json.utf8))
    }

    func assertMalformed(_ json: String, location: String, problem: String, file: StaticString = #filePath, line: UInt = #line) {
        assertMalformed(Array(json.utf8), location: location, problem: problem, file: file, line: line)
    }

    func assertMalformed(_ bytes: [UInt8], location: String, problem: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try FHIRReader.reports(from: bytes), file: file, line: line) { error in
            XCTAssertEqual(error as? IngestError, .malformed(format: "FHIR", location: location, problem: problem),
                           file: file, line: line)
        }
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// A DiagnosticReport with the given extra members (JSON text without braces).
    static func report(_ members: String, status: String = "final") -> String {
        #"{"resourceType":"DiagnosticReport","status":"\#(status)","code":{"text":"XR CHEST"},\#(members)}"#
    }

    // MARK: US Core samples

    func testUSCoreChestXRayXHTMLBecomesText() throws {
        let reports = try FHIRReader.reports(from: try fixture("uscore_DiagnosticReport-chest-xray-report.json"))
        XCTAssertEqual(reports, [ParsedReport(
            accession: nil, patientID: "example", examCode: "30746-2", examDescription: "Portable XR Chest Views",
            modality: nil, observedAt: "2019-02-03T19:43:30.000Z", reportedAt: "2019-02-04T19:43:30.000Z",
            status: .final, text: """
                Result
                Chest Portable
                INDICATION/CLINICAL QUESTION: Fever / Pneumonia
                COMPARISON: None.
                FINDINGS:
                LINES AND TUBES: None.
                LUNGS AND PLEURA:
                Clear lungs. Normal pulmonary vascularity.
                No pleural effusion.
                No pneumothorax.
                HEART, MEDIASTINUM AND HILA:
                Heart is normal in size.
                Normal mediastinal and hilar contour.
                BONES AND SOFT TISSUES:
                No acute abnormality.
                IMPRESSION:
                No acute abnormality.
                WSN: O19IC-SC-0211
                Dictated By: Cure MD, Christine J Dictated Date/Time: 02/03/19 7:44 pm Reviewed By: Cure MD, Christine J Signed By: Cure MD, Christine J Signed Date/Time: 02/03/19 7:44 pm Transcribed By: CSB Transcribed Date/Time: 02/03/19 7:43 pm
                """)])
        let sections = ReportSections(parsing: reports[0].text)
        XCTAssertEqual(sections.indication, nil)  // "INDICATION/CLINICAL QUESTION" is not a heading ReportSections knows
        XCTAssertEqual(sections.comparison, "None.")
        XCTAssertEqual(sections.impression?.hasPrefix("No acute abnormality."), true)
    }

    /// Its only text is a PDF in presentedForm (no conclusion): read through the PDF's text layer
    /// (expected text from `pdftotext` on the decoded attachment, checked by eye).
    func testUSCoreBoneDensityIsReadFromItsPDF() throws {
        let reports = try FHIRReader.reports(from: try fixture("uscore_DiagnosticReport-bone-density-report.json"))
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports.first?.text, "Health eData Inc\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\nDXA Bone density quantitative measurement panel\nReport")
    }

    // MARK: containers

    func testBundleKeepsDiagnosticReportsAndIgnoresOtherResources() throws {
        let json = """
            {"resourceType":"Bundle","type":"collection","entry":[
              {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1"}},
              {"resource":\(Self.report(#""identifier":[{"system":"urn:oid:1.2.3","value":"OTHER-1"},{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"ACSN"}]},"value":"ACC-1"}],"subject":{"reference":"urn:uuid:p1"},"conclusion":"Normal.","effectivePeriod":{"start":"2024-05-01T10:00:00Z"}"#))},
              {"resource":\(Self.report(#""basedOn":[{"reference":"ServiceRequest/order-9"}],"subject":{"reference":"https://x.example/fhir/Patient/42/_history/3"},"category":[{"coding":[{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"CT"}]}],"conclusion":"Stable.""#, status: "preliminary"))}
            ]}
            """
        XCTAssertEqual(try read(json), [
            ParsedReport(accession: "ACC-1", patientID: "p1", examDescription: "XR CHEST", observedAt: "2024-05-01T10:00:00Z",
                         status: .final, text: "Normal."),
            ParsedReport(accession: "order-9", patientID: "42", examDescription: "XR CHEST", modality: "CT",
                         status: .preliminary, text: "Stable."),
        ])
    }

    func testBundleWithoutDiagnosticReport() {
        assertMalformed(#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation"}}]}"#,
                        location: "Bundle.entry", problem: "no DiagnosticReport in the Bundle")
    }

    func testNDJSONOneReportPerLine() throws {
        let lines = [
            Self.report(#""identifier":[{"value":"N1"}],"subject":{"identifier":{"value":"MRN1"}},"conclusion":"One.""#),
            "",
            Self.report(#""identifier":[{"system":"http://hospital.example/accession","value":"N2"}],"conclusion":"Two.""#, status: "partial"),
            Self.report(#""identifier":[{"value":"N3"}],"presentedForm":[{"contentType":"text/plain","data":"\#(Self.base64("Three.\r\nDone."))"}]"#),
        ]
        let reports = try read(lines.joined(separator: "\n") + "\n")
        XCTAssertEqual(reports.map(\.accession), ["N1", "N2", "N3"])
        XCTAssertEqual(reports.map(\.text), ["One.", "Two.", "Three.\nDone."])
        XCTAssertEqual(reports.map(\.status), [.final, .preliminary, .final])
        XCTAssertEqual(reports[0].patientID, "MRN1")
    }

    /// A bad line fails alone (FilePartsTests has the rest); its error names the line.
    func testNDJSONErrorsNameTheLine() throws {
        let good = Self.report(#""conclusion":"One.""#)
        let patient = try FHIRReader.read(Array([good, good, #"{"resourceType":"Patient","id":"x"}"#].joined(separator: "\n").utf8))
        XCTAssertEqual(patient.reports.count, 2)
        XCTAssertEqual(patient.failures.map(\.error), [.malformed(format: "FHIR", location: "line 3", problem: "resourceType is Patient, not DiagnosticReport")])
        let broken = try FHIRReader.read(Array([good, "", #"{"resourceType": tru}"#].joined(separator: "\n").utf8))
        XCTAssertEqual(broken.failures.map(\.error), [.malformed(format: "FHIR", location: "line 3, column 18", problem: "not valid JSON: expected a JSON value")])
    }

    // MARK: text

    func testHTMLEntitiesAndBlocks() throws {
        let html = """
            <html><head><title>Secret title</title><style>p{}</style></head><body>
            <h2>FINDINGS:</h2><p>Heart   size &lt; normal &amp; lungs &quot;clear&quot;.<br>No &#x2014; effusion&#160;seen &#8805; 2&nbsp;cm.</p>
            <!-- <p>comment</p> --><ul><li>Caf&eacute; &unknown; &#150;</li><li>B</li></ul>
            <table><tr><td>L</td><td>R</td></tr></table><p>IMPRESSION:<br/><br/>Normal.</p></body></html>
            """
        let json = Self.report(#""presentedForm":[{"contentType":"text/html; charset=utf-8","data":"\#(Self.base64(html))"}]"#)
        XCTAssertEqual(try read(json).first?.text, """
            FINDINGS:
            Heart size < normal & lungs "clear".
            No — effusion seen ≥ 2 cm.
            Café &unknown; –
            B
            L R
            IMPRESSION:

            Normal.
            """)
    }

    func testLatin1CharsetAndPreferenceOverConclusion() throws {
        let latin1: [UInt8] = Array("Pneumothorax r".utf8) + [0xE9] + Array("sorb".utf8) + [0xE9, 0x2E]
        let json = Self.report(#""conclusion":"Short.","presentedForm":[{"contentType":"application/pdf","data":"JVBERi0="},{"contentType":"text/plain;charset=ISO-8859-1","data":"\#(Data(latin1).base64EncodedString())"}]"#)
        XCTAssertEqual(try read(json).first?.text, "Pneumothorax résorbé.")
    }

    func testConclusionFallback() throws {
        let json = Self.report(#""conclusion":"No acute disease.","presentedForm":[{"contentType":"application/pdf","data":"JVBERi0xLjQ="},{"contentType":"text/plain","url":"https://x.example/r.txt"}]"#)
        XCTAssertEqual(try read(json).first?.text, "No acute disease.")
    }

    func testNoTextAndNoConclusion() {
        assertMalformed(Self.report(#""presentedForm":[{"contentType":"image/png","data":"iVBORw0KGgo="}]"#),
                        location: "DiagnosticReport", problem: "no presentedForm text and no conclusion")
    }

    // MARK: status and errors

    func testAmendedAndCorrectedBecomeCorrected() throws {
        XCTAssertEqual(try read(Self.report(#""conclusion":"x""#, status: "amended")).first?.status, .corrected)
        XCTAssertEqual(try read(Self.report(#""conclusion":"x""#, status: "corrected")).first?.status, .corrected)
        XCTAssertEqual(try read(Self.report(#""conclusion":"x""#, status: "registered")).first?.status, .preliminary)
    }

    func testCancelledIsMalformedAndNamed() {
        assertMalformed(Self.report(#""conclusion":"x""#, status: "entered-in-error"), location: "DiagnosticReport.status",
                        problem: "status entered-in-error is not a report to store (only final, amended, corrected, appended, preliminary, partial, registered)")
    }

    func testWrongResourceType() {
        assertMalformed(#"{"resourceType":"Observation","valueString":"secret"}"#, location: "resource",
                        problem: "resourceType is Observation, not DiagnosticReport")
        assertMalformed(#"{"resourceType":"Name Of A Patient","x":1}"#, location: "resource",
                        problem: "resourceType is not DiagnosticReport")
        assertMalformed(#"[1,2]"#, location: "byte 0", problem: "the JSON is not an object, so not a FHIR resource")
    }

    func testInvalidJSONNamesTheByte() {
        assertMalformed(#"{"resourceType":"DiagnosticReport","status":"final",}"#, location: "byte 52",
                        problem: "not valid JSON: expected a member name in quotes")
        assertMalformed("{\"a\":\"unterminated}", location: "byte 5", problem: "not valid JSON: string never closed")
        assertMalformed("{\n  \"a\": 1\n}\n}", location: "byte 13", problem: "unexpected data after the JSON value")
    }

    func testHundredThousandLevelsAreRejectedWithoutRecursion() {
        let depth = 100_000
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: depth) + [UInt8](repeating: UInt8(ascii: "]"), count: depth)
        assertMalformed(bytes, location: "byte 100", problem: "JSON nested deeper than 100 levels")
        let objects = Array(String(repeating: #"{"a":"#, count: depth).utf8) + [UInt8](repeating: UInt8(ascii: "}"), count: depth)
        assertMalformed(objects, location: "byte 500", problem: "JSON nested deeper than 100 levels")
    }

    func testExactlyOneHundredLevelsAreFine() throws {
        let nested = String(repeating: "[", count: 99) + String(repeating: "]", count: 99)
        XCTAssertEqual(try read(Self.report(#""conclusion":"ok","extension":\#(nested)"#)).first?.text, "ok")
    }
}
