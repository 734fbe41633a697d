import Foundation
import RaddCore
@testable import Store
import XCTest

/// What a label export reads: the same answers as the label sets hold, from indexes only.
final class ExportPageTests: XCTestCase {
    var directory: String!
    let key = try! DatabaseKey(hex: String(repeating: "c3", count: 32))
    let actor = AuditActor(uid: 1000, username: "tester", pid: 42)
    let findings = ["Atelectasis", "Cardiomegaly", "Effusion", "Pleural_Thickening"]

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-export-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func store() throws -> ReportStore {
        try ReportStore(path: directory + "/radd.db", key: key, labelPlan: LabelPlan(jobs: [("t", "rules"), ("t", "llm")]))
    }

    @discardableResult
    func put(_ metadata: ReportMetadata, into store: ReportStore) throws -> Int64 {
        let claim = "c-\(UUID().uuidString)"
        let report = Report(source: ReportSource(fileName: "r.hl7", format: .hl7v2, claimID: claim, byteCount: 10),
                            metadata: metadata, text: "Text \(claim).", receivedAt: Date())
        let file = IngestedFile(claimID: claim, folder: "drop", sourceName: "r.hl7", format: .hl7v2, byteCount: 10,
                                sha256: UUID().uuidString)
        return try XCTUnwrap(try store.commit(file, reports: [report.phiFree], actor: actor).stored.first)
    }

    func answer(_ reportID: Int64, by labeler: String, values: [(String, LabelValue)], followUp: [String]? = nil,
                provenance: LabelProvenance, in store: ReportStore) throws {
        let job = try XCTUnwrap(try store.nextLabelJob(labeler: labeler, excluding: []))
        XCTAssertEqual(job.reportID, reportID)
        try store.commitLabels(job: job, labelerVersion: provenance.version, values: values, followUp: followUp,
                               provenance: provenance, members: nil, actor: actor)
    }

    /// The answers as the label sets give them to everything else that reads them.
    func expectedAnswers(_ store: ReportStore, reportID: Int64) throws -> [(labeler: String, values: [LabelValue], followUp: [String]?, provenance: LabelProvenance)] {
        try store.labelSets(reportID: reportID).filter { $0.task == "t" }.map { set in
            let byFinding = Dictionary(set.values.map { ($0.finding, $0.value) }, uniquingKeysWith: { $1 })
            let provenance = set.provenance
            return (set.labeler, findings.map { byFinding[$0] ?? .undefined }, set.followUp,
                    LabelProvenance(labeler: provenance.labeler, version: provenance.version, model: provenance.model,
                                    promptHash: provenance.promptHash, taskVersion: provenance.taskVersion,
                                    labelledAt: provenance.labelledAt))
        }
    }

    func testAnExportPageHoldsTheCurrentReportsWithTheAnswersTheirLabelSetsHold() throws {
        let store = try store()
        let observed = try put(ReportMetadata(accession: "A1", patientID: "P1", examCode: "71046", modality: "CR",
                                              observedAt: "2024-03-01T10:15:00", reportedAt: "2024-03-02"), into: store)
        let reportedOnly = try put(ReportMetadata(accession: "A2", reportedAt: "20240305"), into: store)
        let superseded = try put(ReportMetadata(accession: "A4"), into: store)
        let rules = LabelProvenance(labeler: "rules", version: "rules-2", task: "t", taskVersion: 2)
        let llm = LabelProvenance(labeler: "llm", version: "llm-1", model: "org/model, \"q4\"", endpoint: "http://127.0.0.1:8091",
                                  promptHash: String(repeating: "ab", count: 32), task: "t", taskVersion: 2, temperature: 0.2,
                                  labelledAt: "2026-11-24T08:00:00Z", latencyMilliseconds: 812, promptTokens: 900,
                                  evaluatedPromptTokens: 40, completionTokens: 60, discardedQuotes: 0, requests: 1)
        try answer(observed, by: "rules", values: zip(findings, [.positive, .negative, .uncertain, .undefined]).map { ($0, $1) },
                   provenance: rules, in: store)
        // Out of the task's order, one finding missing, one the task does not have.
        try answer(observed, by: "llm", values: [("Effusion", .negative), ("Nodule", .positive), ("Atelectasis", .uncertain)],
                   followUp: ["left", "right"], provenance: llm, in: store)
        try answer(reportedOnly, by: "rules", values: zip(findings, [.negative, .negative, .positive, .positive]).map { ($0, $1) },
                   provenance: rules, in: store)
        try answer(superseded, by: "rules", values: [("Effusion", .positive)], provenance: rules, in: store)
        let unlabelled = try put(ReportMetadata(accession: "A3"), into: store)
        let correction = try put(ReportMetadata(accession: "A4", status: .corrected), into: store)
        XCTAssertEqual(try store.report(id: superseded)?.supersededBy, correction)

        let page = try store.exportPage(task: "t", findings: findings, since: nil, until: nil, afterReportID: 0, limit: 10)
        XCTAssertEqual(page.map(\.id), [observed, reportedOnly], "current reports with answers only, by id")
        XCTAssertFalse(page.contains { $0.id == unlabelled || $0.id == superseded })
        let first = try XCTUnwrap(page.first)
        XCTAssertEqual(first.examDate, "2024-03-01T10:15:00", "the observation time first")
        XCTAssertEqual(page.last?.examDate, "20240305", "else the report's time")
        XCTAssertEqual(first.patientPseudonym, store.pseudonymizer?.pseudonym("P1"))
        XCTAssertEqual(first.accessionPseudonym, store.pseudonymizer?.pseudonym("A1"))
        XCTAssertEqual(first.modality, "CR")
        XCTAssertEqual(first.examCode, "71046")
        for report in page {
            let expected = try expectedAnswers(store, reportID: report.id)
            XCTAssertEqual(report.answers.map(\.labeler), expected.map(\.labeler))
            XCTAssertEqual(report.answers.map(\.values), expected.map(\.values))
            XCTAssertEqual(report.answers.map(\.followUp), expected.map(\.followUp))
            XCTAssertEqual(report.answers.map(\.provenance), expected.map(\.provenance))
        }
        XCTAssertEqual(first.answers.last?.values, [.uncertain, .undefined, .negative, .undefined])

        XCTAssertEqual(try store.exportPage(task: "t", findings: findings, since: nil, until: nil, afterReportID: 0, limit: 1).map(\.id),
                       [observed])
        XCTAssertEqual(try store.exportPage(task: "t", findings: findings, since: nil, until: nil, afterReportID: observed, limit: 10)
            .map(\.id), [reportedOnly])
        XCTAssertEqual(try store.exportPage(task: "t", findings: findings, since: "2999-01-01T00:00:00Z", until: nil, afterReportID: 0,
                                            limit: 10).count, 0)
        XCTAssertEqual(try store.exportPage(task: "other", findings: findings, since: nil, until: nil, afterReportID: 0, limit: 10).count, 0)
    }

    func testALabelSetsValuesAreMatchedToTheFindingsByName() throws {
        let store = try store()
        let reports = try (0..<3).map { try put(ReportMetadata(accession: "A\($0)"), into: store) }
        let rules = LabelProvenance(labeler: "rules", version: "rules-2")
        for report in reports {
            try answer(report, by: "rules", values: zip(findings, [.positive, .negative, .uncertain, .undefined]).map { ($0, $1) },
                       provenance: rules, in: store)
        }
        // A finding whose stored name is the task's only as a String (another normalisation).
        let lastSet = try XCTUnwrap(try store.labelSets(reportID: reports[2]).first?.id)
        let precomposed = "Pleural_Thickening\u{E9}", decomposed = "Pleural_Thickeninge\u{301}"
        try store.database.prepare("""
            INSERT INTO labels (report_id, finding, value, labeler, labeler_version, created_at, label_set_id, task)
            VALUES (?, ?, 'positive', 'rules', 'rules-2', '2026-11-24T08:00:00Z', ?, 't')
            """).bind([.integer(reports[2]), .text(decomposed), .integer(lastSet)]).run()
        let names = findings + [precomposed]
        let page = try store.exportPage(task: "t", findings: names, since: nil, until: nil, afterReportID: 0, limit: 10)
        XCTAssertEqual(page.map { $0.answers[0].values }, [
            [.positive, .negative, .uncertain, .undefined, .undefined],
            [.positive, .negative, .uncertain, .undefined, .undefined],
            [.positive, .negative, .uncertain, .undefined, .positive],
        ])
        // The findings in another order than they were written.
        let reordered = try store.exportPage(task: "t", findings: names.reversed(), since: nil, until: nil, afterReportID: 0, limit: 1)
        XCTAssertEqual(reordered.first?.answers[0].values, [.undefined, .undefined, .uncertain, .negative, .positive])
    }

    /// The reader must give what JSONDecoder gives, or leave the text to JSONDecoder.
    func testProvenanceIsReadAsJSONDecoderReadsIt() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let written = [
            LabelProvenance(labeler: "rules", version: "rules-2", task: "chestxray14", taskVersion: 2),
            LabelProvenance(labeler: "llm:org/model", version: "llm-2+0123456789ab+org/model", model: "org/model-7b.Q4_K_M.gguf",
                            endpoint: "unix:/run/radd/llm.sock", promptHash: String(repeating: "9f", count: 32), task: "t",
                            taskVersion: 0, temperature: 0, labelledAt: "2026-11-24T08:00:00Z", latencyMilliseconds: 1234,
                            promptTokens: 1, evaluatedPromptTokens: 0, completionTokens: -3, discardedQuotes: 2, requests: 3),
            LabelProvenance(labeler: "llm", version: "v", model: "quote \" backslash \\ tab \t line \n é 😀", temperature: 0.7),
            LabelProvenance(labeler: "", version: "", temperature: 1e-7),
        ].map { String(decoding: try! encoder.encode($0), as: UTF8.self) }
        let handWritten = [
            #"{"labeler":"rules","version":"rules-2"}"#,
            #" { "version" : "v" , "labeler" : "l" , "model" : null, "taskVersion" : 7 } "#,
            #"{"labeler":"l","version":"v","taskVersion":2.0}"#,
            #"{"labeler":"l","version":"v","taskVersion":-0}"#,
            #"{"labeler":"l","version":"v","taskVersion":007}"#,
            #"{"labeler":"l","version":"v","taskVersion":1e2}"#,
            #"{"labeler":"l","version":"v","taskVersion":123456789012345678901234}"#,
            #"{"labeler":"l","version":"v","taskVersion":"2"}"#,
            #"{"labeler":"l","version":"v","temperature":1e999}"#,
            #"{"labeler":"l","version":"v","temperature":-0.5E+2}"#,
            #"{"labeler":"l","version":"v","temperature":.5}"#,
            #"{"labeler":"l","version":"v","model":"caf\u00e9"}"#,
            #"{"labeler":"l","version":"v","model":"a\/b\\c\"d\b\f\n\r\t"}"#,
            #"{"labeler":"l","version":"v","model":"bad \x escape"}"#,
            #"{"labeler":"l","version":"v","model":true}"#,
            #"{"labeler":"l","version":"v","model":["nested"]}"#,
            #"{"labeler":"l","version":"v","reviewer":"a later field"}"#,
            #"{"labeler":"l","version":"v","labeler":"twice"}"#,
            #"{"labeler":null,"version":"v"}"#,
            #"{"version":"v"}"#,
            #"{"labeler":"l","version":"v"} trailing"#,
            #"{"labeler":"l","version":"v",}"#,
            #"{}"#, "", "[]", "null", "{\"labeler\":\"l\",\"version\":\"raw\ttab\"}",
        ]
        let decoder = JSONDecoder()
        var readDirectly = 0
        for json in written + handWritten {
            let expected = ExportedProvenance.decode(json, with: decoder, labeler: "column labeler", version: "column version")
            let direct = Array(json.utf8).withUnsafeBufferPointer(ExportedProvenance.read)
            if let direct {
                readDirectly += 1
                XCTAssertEqual(direct, expected, json)
            }
        }
        XCTAssertGreaterThanOrEqual(readDirectly, written.count + 3, "what the store writes is read without JSONDecoder")
        let undecodable = ExportedProvenance.decode("{", with: decoder, labeler: "rules", version: "rules-2")
        XCTAssertEqual(undecodable, LabelProvenance(labeler: "rules", version: "rules-2"))
    }

    /// An export is fast because it decrypts index pages, not report text and whole label rows.
    func testTheExportQueriesReadCoveringIndexes() throws {
        let store = try store()
        func plan(_ sql: String) throws -> String {
            try store.database.prepare("EXPLAIN QUERY PLAN " + sql).all { $0.text(3) ?? "" }.joined(separator: "\n")
        }
        let reports = try plan(ReportStore.exportReports), values = try plan(ReportStore.exportLabelValues)
        XCTAssertTrue(reports.contains("COVERING INDEX reports_export"), reports)
        XCTAssertTrue(values.contains("COVERING INDEX labels_answered"), values)
    }
}
