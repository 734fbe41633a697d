import Control
import Foundation
import Labeling
import RaddCore
import Store

extension ControlRequestHandler {
    static let maxExportPage = 5000

    /// One page of a label export, read in the transaction that writes its `export` audit record
    /// with the page's row count. Rows carry pseudonyms, the exam date shifted per patient and
    /// de-identified codes only, never text or identifiers.
    func exportPage(_ task: LabelTask, labeler: String, format: String, since: String?, until: String?, after: Int64,
                    limit: Int, actor: AuditActor) throws -> ExportPage {
        let columns = ["report_id", "patient_pseudonym", "accession_pseudonym", "exam_date", "modality", "exam_code"]
            + task.columns + ["labeler", "labeler_version", "model", "prompt_hash", "task_version", "labelled_at"]
        let numeric = Set(task.kind == .multilabel ? task.columns.filter { $0 != task.followUp?.name } : [])
        var object = "export labels task=\(task.name) labeler=\(labeler.prefix(64)) format=\(format) after=\(after)"
        if let since { object += " since=\(since)" }
        if let until { object += " until=\(until)" }
        let policy = context.live.labelPolicy
        // LabelTask.withNoFinding's rule, with the ignored findings looked up once per page.
        let countsAgainstNoFinding = task.noFinding.map { rule in task.findings.map { !rule.ignoring.contains($0.name) } }
        do {
            return try store.database.transaction {
                let page = try store.exportPage(task: task.name, findings: task.findings.map(\.name), since: since, until: until,
                                                afterReportID: after, limit: limit)
                var rows = ExportRows(format: format == "csv" ? .csv : .jsonl, columns: columns, numeric: numeric)
                var examDates = ShiftedExamDates(pseudonymizer: store.pseudonymizer)
                for report in page {
                    var answers: [String: TaskAnswer] = [:]
                    for set in report.answers {
                        answers[set.labeler] = TaskAnswer(values: set.values, followUp: set.followUp, provenance: set.provenance)
                    }
                    let chosen: (answer: TaskAnswer, source: String)?
                    if labeler == "final" {
                        chosen = finalAnswer(task, answers, under: policy)
                    } else {
                        chosen = answers[labeler].map { ($0, labeler) }
                    }
                    guard let (answer, source) = chosen else { continue }
                    let provenance = answer.provenance
                    rows.append(String(report.id))
                    rows.append(report.patientPseudonym ?? "")
                    rows.append(report.accessionPseudonym ?? "")
                    rows.append(examDates.shifted(report.examDate, patientPseudonym: report.patientPseudonym) ?? "")
                    rows.append(report.modality ?? "")
                    rows.append(report.examCode ?? "")
                    // What task.cells(for:) gives, without a String per cell.
                    if let countsAgainstNoFinding {
                        let anything = zip(countsAgainstNoFinding, answer.values).contains { $0 && ($1 == .positive || $1 == .uncertain) }
                        rows.append(anything ? .undefined : .positive, of: task.kind)
                    }
                    for value in answer.values { rows.append(value, of: task.kind) }
                    if task.followUp != nil {
                        rows.append(answer.followUp.map { $0.isEmpty ? "Undefined" : $0.joined(separator: ";") } ?? "")
                    }
                    rows.append(source)
                    rows.append(provenance.version)
                    rows.append(provenance.model ?? "")
                    rows.append(provenance.promptHash ?? "")
                    rows.append(provenance.taskVersion.map(String.init) ?? "")
                    rows.append(provenance.labelledAt ?? "")
                    rows.endRow()
                }
                let next = page.count == limit ? page.last?.id : nil
                try store.audit.append(event: .export, action: .read, outcome: .success, actor: actor, object: object + " rows=\(rows.count)")
                return ExportPage(columns: columns, text: rows.text, rowCount: rows.count, next: next)
            }
        } catch {
            try? store.database.transaction {
                try store.audit.append(event: .export, action: .read, outcome: .minorFailure, outcomeText: ReportStore.auditText(for: error),
                                       actor: actor, object: object)
            }
            throw error
        }
    }
}

/// Exam dates moved back by each patient's shift, whose HMAC is computed once per patient.
private struct ShiftedExamDates {
    let pseudonymizer: Pseudonymizer?
    private var shifts: [String: Int] = [:]

    init(pseudonymizer: Pseudonymizer?) {
        self.pseudonymizer = pseudonymizer
    }

    /// As `Pseudonymizer.shiftedDate`.
    mutating func shifted(_ date: String?, patientPseudonym: String?) -> String? {
        guard let pseudonymizer, let date, let patientPseudonym else { return nil }
        let days = shifts[patientPseudonym] ?? pseudonymizer.dateShiftDays(patientPseudonym: patientPseudonym)
        shifts[patientPseudonym] = days
        return Pseudonymizer.date(date, movedBack: days)
    }
}

/// Export rows as UTF-8, byte for byte as `CSVRow.line` and `JSONLine.object` write them (one
/// line per row): a String per cell, per row and per line was a large share of an export's time.
struct ExportRows {
    enum Format { case csv, jsonl }

    let format: Format
    /// For JSON lines, each column's quoted name and colon, after the comma between keys.
    private let keys: [[UInt8]]
    private let numeric: [Bool]
    /// A label value's cell is one of a few texts (by value, kind and whether the column is
    /// numeric), and a JSON number costs a formatter call.
    private var labelCells = [[UInt8]?](repeating: nil, count: 16)
    private var bytes: [UInt8] = []
    private(set) var count = 0
    private var column = 0

    init(format: Format, columns: [String], numeric: Set<String>) {
        self.format = format
        keys = columns.enumerated().map { Array((($0.offset == 0 ? "" : ",") + JSONText.quoted($0.element) + ":").utf8) }
        self.numeric = columns.map(numeric.contains)
        bytes.reserveCapacity(1 << 20)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func append(_ cell: String) {
        guard startCell() else { return }
        appendValue(cell)
        column += 1
    }

    mutating func append(_ value: LabelValue, of kind: LabelTask.Kind) {
        guard startCell() else { return }
        let key = Self.labelCellIndex(value, kind, numeric: column < numeric.count && numeric[column])
        if let cell = labelCells[key] {
            bytes.append(contentsOf: cell)
        } else {
            let start = bytes.count
            appendValue(value.labelFileCell(for: kind))
            labelCells[key] = Array(bytes[start...])
        }
        column += 1
    }

    private static func labelCellIndex(_ value: LabelValue, _ kind: LabelTask.Kind, numeric: Bool) -> Int {
        let valueIndex: Int
        switch value {
        case .positive: valueIndex = 0
        case .negative: valueIndex = 1
        case .uncertain: valueIndex = 2
        case .undefined: valueIndex = 3
        }
        return valueIndex + (kind == .binary ? 4 : 0) + (numeric ? 8 : 0)
    }

    mutating func endRow() {
        if format == .jsonl {
            if column == 0 { bytes.append(UInt8(ascii: "{")) }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "\n"))
        column = 0
        count += 1
    }

    /// Writes what comes before a cell; false for a cell past the last column of a JSON line
    /// (JSONLine.object zips columns and cells).
    private mutating func startCell() -> Bool {
        switch format {
        case .csv:
            if column > 0 { bytes.append(UInt8(ascii: ",")) }
        case .jsonl:
            guard column < keys.count else { return false }
            if column == 0 { bytes.append(UInt8(ascii: "{")) }
            bytes.append(contentsOf: keys[column])
        }
        return true
    }

    private mutating func appendValue(_ cell: String) {
        switch format {
        case .csv: appendCSVField(cell)
        case .jsonl: appendJSONValue(cell)
        }
    }

    /// CSVRow.line quotes a field holding a comma, a quote, a carriage return or a line feed.
    /// Text with non-ASCII bytes is left to CSVRow itself.
    private mutating func appendCSVField(_ cell: String) {
        let written = cell.utf8.withContiguousStorageIfAvailable { field -> Bool in
            var quoted = false
            for index in field.indices {
                switch field[index] {
                case 0x80...: return false
                case UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "\n"), UInt8(ascii: "\r"): quoted = true
                default: break
                }
            }
            guard quoted else {
                bytes.append(contentsOf: field)
                return true
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in field {
                if byte == UInt8(ascii: "\"") { bytes.append(byte) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
            return true
        }
        if written != true { bytes.append(contentsOf: CSVRow.line([cell]).utf8) }
    }

    /// JSONLine.object's value: null when empty, a number in a numeric column, else a string
    /// escaped as JSONText.quoted escapes it (every byte below 0x80 is a whole scalar in UTF-8,
    /// and the others are copied as they are).
    private mutating func appendJSONValue(_ cell: String) {
        if cell.isEmpty {
            bytes.append(contentsOf: "null".utf8)
        } else if numeric[column], let number = Double(cell) {
            bytes.append(contentsOf: (number == number.rounded() && abs(number) < 1e15 ? String(format: "%.1f", number) : String(number)).utf8)
        } else {
            bytes.append(UInt8(ascii: "\""))
            for byte in cell.utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
                case UInt8(ascii: "\n"): bytes.append(contentsOf: #"\n"#.utf8)
                case UInt8(ascii: "\r"): bytes.append(contentsOf: #"\r"#.utf8)
                case UInt8(ascii: "\t"): bytes.append(contentsOf: #"\t"#.utf8)
                case ..<0x20:
                    let digits = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: #"\u00"#.utf8)
                    bytes.append(digits[Int(byte >> 4)])
                    bytes.append(digits[Int(byte & 0x0F)])
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}
