import Foundation
import Control
import DeidCorpus
import RaddCore
import Store
import XCTest

/// The training-data workflow end to end through a real raddd on the 3,080 Open-i development
/// reports: label exports, instruction data split by patient, a gold worksheet filled from the
/// Open-i gold and scored inside raddd exactly as offline, review decisions as gold.
final class TrainingDataTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let openiReports = repository.appendingPathComponent("Tests/IngestTests/Fixtures/csv/openi_reports.csv").path
    static let openiGold = repository.appendingPathComponent("Tests/LabelingTests/Fixtures/openi_gold_chestxray14.csv").path
    static let findings = ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia", "Pneumothorax",
                           "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia"]

    /// Open-i has no patient ids. The test gives every three consecutive reports one made-up
    /// patient, so that the train/validation split has patients with several reports to keep together.
    static func openiWithPatients() throws -> (csv: String, uids: [String], withText: Int) {
        let rows = strictCSV(try String(contentsOfFile: openiReports, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n"))
        let header = rows[0]
        let uid = header.firstIndex(of: "uid")!
        let textColumns = ["indication", "comparison", "findings", "impression"].compactMap { header.firstIndex(of: $0) }
        var csv = CSVLine.join(header + ["patient_id"]) + "\n"
        var uids: [String] = [], withText = 0
        for (index, row) in rows.dropFirst().enumerated() where row.count == header.count {
            csv += CSVLine.join(row + ["P\(index / 3)"]) + "\n"
            uids.append(row[uid])
            if textColumns.contains(where: { !row[$0].trimmingCharacters(in: .whitespaces).isEmpty }) { withText += 1 }
        }
        return (csv, uids, withText)
    }

    struct Status: Decodable {
        var queueDepth: Int
        var reportsByState: [String: Int]
    }

    struct Evaluation: Decodable, Equatable {
        struct Metrics: Decodable, Equatable {
            var truePositives: Int, falsePositives: Int, falseNegatives: Int, trueNegatives: Int
            var f1: Double?
        }
        struct Interval: Decodable, Equatable { var lower: Double; var upper: Double }
        struct Finding: Decodable, Equatable { var finding: String; var metrics: Metrics; var f1Interval: Interval? }
        var reports: Int
        var findings: [Finding]
        var micro: Metrics
    }

    func testOpenIReportsExportGoldRoundTripAndReview() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--settle-time", "0"])
        let openi = try Self.openiWithPatients()
        XCTAssertEqual(openi.uids.count, 3080)
        try harness.drop("openi.csv", openi.csv)
        try DaemonHarness.waitFor("every Open-i report stored and labelled by the rules", timeout: 240) {
            let status = try harness.decode(Status.self, harness.raddctl(["status", "--json"]))
            return status.queueDepth == 0 && status.reportsByState["labelled", default: 0] == openi.withText
        }
        let reportCount = openi.withText

        // Label exports: CSV and JSON lines, one row per report, every row parses.
        let csvPath = harness.root + "/labels.csv", jsonPath = harness.root + "/labels.jsonl"
        for (format, path) in [("csv", csvPath), ("jsonl", jsonPath)] {
            let run = harness.raddctl(["export", "labels", "--task", "chestxray14", "--format", format, "--out", path])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stderr.contains("wrote \(reportCount) rows"), run.stderr)
        }
        let rows = strictCSV(try String(contentsOfFile: csvPath, encoding: .utf8))
        let header = try XCTUnwrap(rows.first)
        XCTAssertEqual(header, ["report_id", "patient_pseudonym", "accession_pseudonym", "exam_date", "modality", "exam_code"]
                       + Self.findings + ["labeler", "labeler_version", "model", "prompt_hash", "task_version", "labelled_at", "language"])
        XCTAssertEqual(rows.count, reportCount + 1)
        for row in rows.dropFirst() {
            XCTAssertEqual(row.count, header.count)
            for cell in row[6..<20] { XCTAssertTrue(["", "1.0", "0.0", "-1.0"].contains(cell), "cell '\(cell)'") }
            XCTAssertEqual(row[1].count, 64, "a patient pseudonym on every row")
        }
        let jsonLines = try String(contentsOfFile: jsonPath, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(jsonLines.count, reportCount)
        for line in jsonLines {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(Set(object.keys), Set(header))
        }

        // Instruction data: chat-format pairs, train and validation split by patient.
        let instructDir = harness.root + "/instruct"
        let instruct = harness.raddctl(["export", "instruct", "--task", "chestxray14", "--labeler", "rules", "--format", "jsonl",
                                        "--val-fraction", "0.2", "--seed", "3", "--out", instructDir])
        XCTAssertEqual(instruct.status, 0, instruct.stderr)
        var groupsByFile: [String: Set<String>] = [:]
        let manifest = strictCSV(try String(contentsOfFile: instructDir + "/manifest.csv", encoding: .utf8))
        XCTAssertEqual(manifest.first, ["file", "line", "report_id", "group", "language"])
        XCTAssertTrue(manifest.dropFirst().allSatisfy { $0.last == "en" }, "Open-i is English")
        for row in manifest.dropFirst() { groupsByFile[row[0], default: []].insert(row[3]) }
        let train = groupsByFile["train.jsonl"] ?? [], validation = groupsByFile["val.jsonl"] ?? []
        XCTAssertTrue(train.isDisjoint(with: validation), "no patient is in both files")
        XCTAssertEqual(manifest.count - 1, reportCount)
        let patientShare = Double(validation.count) / Double(train.count + validation.count)
        XCTAssertEqual(patientShare, 0.2, accuracy: 0.04)
        var examples = 0
        for file in ["train.jsonl", "val.jsonl"] {
            var info = stat()
            XCTAssertEqual(stat(instructDir + "/" + file, &info), 0)
            XCTAssertEqual(info.st_mode & 0o777, 0o600)
            for line in try String(contentsOfFile: instructDir + "/" + file, encoding: .utf8).split(separator: "\n") {
                let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let messages = try XCTUnwrap(object["messages"] as? [[String: String]])
                XCTAssertEqual(messages.map { $0["role"] ?? "" }, ["system", "user", "assistant"])
                XCTAssertFalse(messages[1]["content"]!.isEmpty)
                let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(messages[2]["content"]!.utf8)) as? [String: [String: String]])
                XCTAssertEqual(Set(answer["findings"]!.keys), Set(Self.findings))
                examples += 1
            }
        }
        XCTAssertEqual(examples, reportCount)

        // Pseudonyms: the one raddctl prints is the one the exports carry.
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        let pseudonymizer = try XCTUnwrap(store.pseudonymizer)
        store.close()
        let printed = harness.raddctl(["pseudonym", "--kind", "accession", openi.uids[0]])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        XCTAssertEqual(printed.stdout.trimmingCharacters(in: .whitespacesAndNewlines), pseudonymizer.pseudonym(openi.uids[0]))
        XCTAssertTrue(rows.contains { $0[2] == pseudonymizer.pseudonym(openi.uids[0]) })
        let patient = harness.run(DaemonHarness.raddctl, ["--socket", harness.socketPath, "pseudonym", "--kind", "patient", "MRN-4711-NOT-AUDITED"])
        XCTAssertEqual(patient.status, 0, patient.stderr)
        XCTAssertEqual(patient.stdout.trimmingCharacters(in: .whitespacesAndNewlines), pseudonymizer.pseudonym("MRN-4711-NOT-AUDITED"))

        // Gold: sample a worksheet, fill it from the Open-i gold, import it.
        let worksheet = harness.root + "/worksheet.csv"
        let sample = harness.raddctl(["gold", "sample", "--task", "chestxray14", "--n", "500", "--stratify-by", "rules", "--seed", "11",
                                      "--out", worksheet])
        XCTAssertEqual(sample.status, 0, sample.stderr)
        let sheet = strictCSV(try String(contentsOfFile: worksheet, encoding: .utf8))
        XCTAssertEqual(sheet.first, ["report_id", "accession_pseudonym", "report_text"] + Self.findings)
        XCTAssertEqual(sheet.count, 501)
        XCTAssertTrue(sheet.dropFirst().allSatisfy { !$0[2].isEmpty && $0[3...].allSatisfy(\.isEmpty) }, "text, and empty finding columns")
        let uidByPseudonym = Dictionary(openi.uids.map { (pseudonymizer.pseudonym($0), $0) }, uniquingKeysWith: { first, _ in first })
        let goldRows = strictCSV(try String(contentsOfFile: Self.openiGold, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n"))
        let goldByUID = Dictionary(goldRows.dropFirst().map { (String($0[0].dropFirst(3)), Array($0[1...14])) }, uniquingKeysWith: { first, _ in first })
        var filled = CSVLine.join(sheet[0]) + "\n"
        for row in sheet.dropFirst() {
            let values = try XCTUnwrap(goldByUID[try XCTUnwrap(uidByPseudonym[row[1]])])
            filled += CSVLine.join(Array(row[0...2]) + values) + "\n"
        }
        try filled.write(toFile: worksheet, atomically: true, encoding: .utf8)

        // Refusals name the line and change nothing.
        let bad = harness.root + "/bad.csv"
        var wrong = Array(sheet[2][0...2]) + Array(repeating: "0", count: 14)
        wrong[5] = "2"
        try [CSVLine.join(sheet[0]), CSVLine.join(Array(sheet[1][0...2]) + Array(repeating: "0", count: 14)), CSVLine.join(wrong), ""]
            .joined(separator: "\n").write(toFile: bad, atomically: true, encoding: .utf8)
        let invalid = harness.raddctl(["gold", "import", "--task", "chestxray14", bad])
        XCTAssertEqual(invalid.status, 1)
        let wrongLine = (CSVLine.join(sheet[0]) + "\n" + CSVLine.join(Array(sheet[1][0...2])) + "\n").filter { $0 == "\n" }.count + 1
        XCTAssertTrue(invalid.stderr.contains("bad.csv: line \(wrongLine): '2' in column 'Effusion'"), invalid.stderr)
        var unknown = sheet[1]
        unknown[1] = String(repeating: "ab", count: 32)
        try (CSVLine.join(sheet[0]) + "\n" + CSVLine.join(Array(unknown[0...2]) + Array(repeating: "0", count: 14)) + "\n")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let stranger = harness.raddctl(["gold", "import", "--task", "chestxray14", bad])
        XCTAssertEqual(stranger.status, 1)
        XCTAssertTrue(stranger.stderr.contains("line 2: no current report has the accession pseudonym"), stranger.stderr)
        let noGold = harness.raddctl(["eval", "--task", "chestxray14", "--labeler", "rules", "--against", "gold"])
        XCTAssertEqual(noGold.status, 4, "nothing was imported: " + noGold.stderr)

        let imported = harness.raddctl(["gold", "import", "--task", "chestxray14", worksheet])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("imported 500 gold answers"), imported.stdout)
        let again = harness.raddctl(["gold", "import", "--task", "chestxray14", worksheet])
        XCTAssertTrue(again.stdout.contains("imported 0 gold answers") && again.stdout.contains("500 unchanged"), again.stdout)

        // The evaluation inside raddd gives the offline figures on the same data.
        let rulesExport = harness.root + "/rules.csv"
        XCTAssertEqual(harness.raddctl(["export", "labels", "--task", "chestxray14", "--labeler", "rules", "--format", "csv", "--out", rulesExport]).status, 0)
        let inside = harness.raddctl(["eval", "--task", "chestxray14", "--labeler", "rules", "--against", "gold", "--json"])
        XCTAssertEqual(inside.status, 0, inside.stderr)
        let offline = harness.raddctl(["eval", "--task", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--gold", worksheet,
                                       "--pred", rulesExport, "--json"])
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let insideFigures = try JSONDecoder().decode(Evaluation.self, from: Data(inside.stdout.utf8))
        let offlineFigures = try JSONDecoder().decode(Evaluation.self, from: Data(offline.stdout.utf8))
        XCTAssertEqual(insideFigures.reports, 500)
        XCTAssertEqual(insideFigures, offlineFigures)
        XCTAssertGreaterThan(insideFigures.micro.truePositives, 50)
        let insideText = harness.raddctl(["eval", "--task", "chestxray14", "--labeler", "rules", "--against", "gold"]).stdout
        let offlineText = harness.raddctl(["eval", "--task", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--gold", worksheet,
                                           "--pred", rulesExport]).stdout
        XCTAssertEqual(Self.tableLines(insideText), Self.tableLines(offlineText))

        // Review: a report with gold is off the list; resolving another records its gold.
        struct ReviewList: Decodable { struct Item: Decodable { var reportID: Int64 }; var items: [Item] }
        let goldIDs = Set(sheet.dropFirst().compactMap { Int64($0[0]) })
        let review = try harness.decode(ReviewList.self, harness.raddctl(["review", "list", "--task", "chestxray14", "--limit", "1000", "--json"]))
        XCTAssertFalse(review.items.isEmpty)
        XCTAssertTrue(review.items.allSatisfy { !goldIDs.contains($0.reportID) })
        let item = review.items[0].reportID
        let shown = harness.raddctl(["review", "show", String(item), "--task", "chestxray14"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.contains("rules"), shown.stdout)
        let resolved = harness.raddctl(["review", "resolve", String(item), "--task", "chestxray14", "--set", "Effusion=1", "--set", "Edema=0"])
        XCTAssertEqual(resolved.status, 0, resolved.stderr)
        XCTAssertTrue(resolved.stdout.contains("Effusion positive"), resolved.stdout)
        let afterReview = try harness.decode(ReviewList.self, harness.raddctl(["review", "list", "--task", "chestxray14", "--limit", "1000", "--json"]))
        XCTAssertFalse(afterReview.items.contains { $0.reportID == item })
        XCTAssertEqual(try JSONDecoder().decode(Evaluation.self, from: Data(harness.raddctl(["eval", "--task", "chestxray14", "--labeler", "rules",
                                                                                              "--against", "gold", "--json"]).stdout.utf8)).reports, 501)
        let badFinding = harness.raddctl(["review", "resolve", String(item), "--task", "chestxray14", "--set", "Spleen=1"])
        XCTAssertEqual(badFinding.status, 1)
        XCTAssertTrue(badFinding.stderr.contains("no finding 'Spleen'"), badFinding.stderr)

        // Every export's audit record carries its row count; the pseudonym's value is never audited.
        let exports = try Self.auditRecords(harness, type: "export").filter { $0.object?.hasPrefix("export ") == true && $0.outcome == "success" }
        XCTAssertGreaterThan(exports.count, 3)
        XCTAssertTrue(exports.allSatisfy { $0.object!.contains(" rows=") }, "\(exports.map(\.object))")
        let labelRows = exports.filter { $0.object!.hasPrefix("export labels") && $0.object!.contains("format=csv") && $0.object!.contains("labeler=final") }
            .compactMap { $0.object!.components(separatedBy: " rows=").last.flatMap { Int($0) } }
        XCTAssertEqual(labelRows.reduce(0, +), reportCount)
        let queries = try Self.auditRecords(harness, type: "query")
        XCTAssertTrue(queries.contains { $0.object == "pseudonym kind=accession" })
        XCTAssertFalse(queries.contains { $0.object?.contains("MRN-4711-NOT-AUDITED") == true })
        XCTAssertEqual(harness.stop().status, 0)
    }

    struct AuditRecord: Decodable { var event: String; var object: String?; var outcome: String }

    /// Every audit record of one type, page after page.
    static func auditRecords(_ harness: DaemonHarness, type: String) throws -> [AuditRecord] {
        struct Page: Decodable { var records: [AuditRecord]; var next: Int64? }
        var records: [AuditRecord] = [], after: Int64 = 0
        while true {
            let page = try harness.decode(Page.self, harness.raddctl(["audit", "list", "--type", type, "--limit", "1000", "--after", "\(after)", "--json"]))
            records += page.records
            guard let next = page.next else { return records }
            after = next
        }
    }

    /// The result table of `raddctl eval`'s text, without the lines that name the inputs.
    static func tableLines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.lowercased().contains("gold") && !$0.lowercased().contains("pred") }
    }
}

enum CSVLine {
    static func join(_ fields: [String]) -> String { CSVRow.line(fields) }
}

/// No PHI reaches an export: synthetic reports full of it (a seed the de-identifier was not
/// developed on) arrive as HL7 messages with the patient's name, MRN, birth date and accession
/// in their headers, and every kind of export is searched for every inserted value.
final class ExportPHITests: XCTestCase {
    static func hl7Escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\E\\"
            case "|": out += "\\F\\"
            case "^": out += "\\S\\"
            case "~": out += "\\R\\"
            case "&": out += "\\T\\"
            default: out.append(character)
            }
        }
        return out
    }

    /// Whole-word occurrences.
    static func occurrences(of value: String, in text: String) -> Int {
        let pattern = "(?<![A-Za-z0-9])" + NSRegularExpression.escapedPattern(for: value) + "(?![A-Za-z0-9])"
        let expression = try! NSRegularExpression(pattern: pattern)
        return expression.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
    }

    static func message(_ report: SyntheticReport) -> String {
        let name = report.structured.patientNames.first.map { "\($0.family)^\($0.given.joined(separator: " "))" } ?? ""
        let mrn = report.structured.identifiers.first ?? "", accession = report.structured.identifiers.dropFirst().first ?? ""
        let birth = (report.structured.dates.first ?? "").replacingOccurrences(of: "-", with: "")
        var obr = Array(repeating: "", count: 26)
        obr[0] = "OBR"; obr[1] = "1"; obr[3] = accession; obr[4] = "71046^XR CHEST^CPT"; obr[7] = "20240314101500"; obr[25] = "F"
        let lines = report.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            "OBX|\(index + 1)|TX|71046^XR CHEST^CPT||\(hl7Escaped(String(line)))||||||F"
        }
        return (["MSH|^~\\&|RIS|HOSP|RADD|HOSP|20240314103000||ORU^R01|SYN\(report.index)|P|2.5.1",
                 "PID|1||\(mrn)^^^HOSP^MR||\(name)||\(birth)|M", obr.joined(separator: "|")] + lines).joined(separator: "\r") + "\r"
    }

    func testNoSyntheticPHIInAnyExport() throws {
        let reports = SyntheticCorpus.generate(seed: 7, count: 150)
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--settle-time", "0"])
        for report in reports { try harness.drop("syn\(report.index).hl7", Self.message(report)) }
        try DaemonHarness.waitFor("every synthetic report stored and labelled", timeout: 120) {
            let status = try harness.decode(TrainingDataTests.Status.self, harness.raddctl(["status", "--json"]))
            return status.queueDepth == 0 && status.reportsByState["labelled", default: 0] == reports.count
        }
        let out = harness.root + "/exports"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for command in [["export", "labels", "--format", "csv", "--out", out + "/labels.csv"],
                        ["export", "labels", "--format", "jsonl", "--out", out + "/labels.jsonl"],
                        ["export", "instruct", "--labeler", "rules", "--format", "jsonl", "--out", out + "/instruct"],
                        ["gold", "sample", "--n", "150", "--seed", "1", "--out", out + "/worksheet.csv"]] {
            let run = harness.raddctl(command)
            XCTAssertEqual(run.status, 0, "\(command): \(run.stderr)")
        }
        var exported = ""
        for file in ["labels.csv", "labels.jsonl", "instruct/train.jsonl", "instruct/val.jsonl", "instruct/manifest.csv", "worksheet.csv"] {
            exported += try String(contentsOfFile: out + "/" + file, encoding: .utf8) + "\n"
        }
        // Identifiers and birth dates are nowhere, in any form raddd saw them.
        var identifiers: Set<String> = []
        for report in reports {
            identifiers.formUnion(report.structured.identifiers)
            for date in report.structured.dates { identifiers.formUnion([date, date.replacingOccurrences(of: "-", with: "")]) }
        }
        XCTAssertEqual(identifiers.filter { exported.contains($0) }.sorted(), [], "an identifier or birth date in an export")

        // Each report's exported text (instruction example and worksheet) holds no PHI value more
        // often than the original holds the same words outside PHI ("Small" as a surname and as
        // "small effusion"): an occurrence beyond those is PHI the de-identifier let through.
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        let pseudonymizer = try XCTUnwrap(store.pseudonymizer)
        store.close()
        var textsByAccession: [String: [String]] = [:]
        let sheet = strictCSV(try String(contentsOfFile: out + "/worksheet.csv", encoding: .utf8))
        for row in sheet.dropFirst() { textsByAccession[row[1], default: []].append(row[2]) }
        let manifest = strictCSV(try String(contentsOfFile: out + "/instruct/manifest.csv", encoding: .utf8)).dropFirst()
        let accessionByID = Dictionary(sheet.dropFirst().map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first })
        var linesByFile: [String: [Substring]] = [:]
        for file in ["train.jsonl", "val.jsonl"] {
            linesByFile[file] = try String(contentsOfFile: out + "/instruct/" + file, encoding: .utf8).split(separator: "\n")
        }
        for entry in manifest {
            let line = try XCTUnwrap(linesByFile[entry[0]]?[Int(entry[1])! - 1])
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: [[String: String]]])
            textsByAccession[try XCTUnwrap(accessionByID[entry[2]]), default: []].append(object["messages"]![1]["content"]!)
        }
        var leaks: [String] = []
        for report in reports {
            let accession = pseudonymizer.pseudonym(report.structured.identifiers.dropFirst().first ?? "")
            let texts = try XCTUnwrap(textsByAccession[accession], "report \(report.index) is in the exports")
            XCTAssertEqual(texts.count, 2)
            var outsideGold = Array(report.text.unicodeScalars)
            for gold in report.gold {
                for offset in gold.span.start..<(gold.span.start + gold.span.length) { outsideGold[offset] = " " }
            }
            let original = String(String.UnicodeScalarView(outsideGold))
            // Placeholders are radd's own words ("[AGE 90+]" is HIPAA's aggregate for ages over 89).
            let placeholders = try NSRegularExpression(pattern: "\\[[A-Z][A-Z0-9 +]*\\]")
            let exportedTexts = texts.map { placeholders.stringByReplacingMatches(in: $0, range: NSRange($0.startIndex..., in: $0), withTemplate: " ") }
            for value in Set(report.gold.map(\.text)) where value.count >= 2 {
                let allowed = Self.occurrences(of: value, in: original)
                for text in exportedTexts where Self.occurrences(of: value, in: text) > allowed {
                    leaks.append("report \(report.index): '\(value)'")
                }
            }
        }
        XCTAssertEqual(leaks, [], "PHI the de-identifier let through into an export")
        XCTAssertEqual(harness.stop().status, 0)
    }
}
