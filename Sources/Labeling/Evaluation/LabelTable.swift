import Foundation
import RaddCore

/// A problem in a label file, located precisely enough to fix it by hand.
public struct LabelFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var problem: String

    public init(file: String, line: Int? = nil, _ problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String { line.map { "\(file):\($0): \(problem)" } ?? "\(file): \(problem)" }
}

/// A label file as the CheXpert labeler and our gold sets write it: a header, an id (or report
/// text) column first, then one column per finding.
public struct LabelTable: Sendable {
    public var file: String
    public var idColumn: String
    /// Finding column names exactly as spelled in the header.
    public var findings: [String]
    public var rowIDs: [String]
    /// `values[row][finding]`, findings in header order.
    public var values: [[LabelValue]]
    /// The 1-based line each row starts on, for error messages.
    public var rowLines: [Int]
    /// Columns read as text rather than labels (a binary task's follow-up: "spleen;liver"), by
    /// their header name: one cell per row.
    public var answers: [String: [String]] = [:]

    public var rowCount: Int { rowIDs.count }

    /// Only the columns of `names` (matched as finding names are), in the table's order: a gold
    /// file may carry more than the task asks about (Open-i's gold has "normal").
    public func keeping(_ names: [String]) -> LabelTable {
        let wanted = Set(names.map(LabelTable.normalizedFindingName))
        let kept = findings.indices.filter { wanted.contains(LabelTable.normalizedFindingName(findings[$0])) }
        var copy = self
        copy.findings = kept.map { findings[$0] }
        copy.values = values.map { row in kept.map { row[$0] } }
        return copy
    }

    /// `answerColumns` names columns kept as text (`answers`) instead of read as labels. With
    /// `onlyFindings`, other columns are skipped unread: an export's provenance columns or a
    /// worksheet's report text are not labels.
    public static func load(path: String, answerColumns: [String] = [], onlyFindings: [String]? = nil) throws -> LabelTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LabelFileError(file: path, "cannot read it")
        }
        return try parse(data, file: path, answerColumns: answerColumns, onlyFindings: onlyFindings)
    }

    public static func parse(_ text: String, file: String, answerColumns: [String] = [], onlyFindings: [String]? = nil) throws -> LabelTable {
        try parse(Data(text.utf8), file: file, answerColumns: answerColumns, onlyFindings: onlyFindings)
    }

    public static func parse(_ data: Data, file: String, answerColumns: [String] = [], onlyFindings: [String]? = nil) throws -> LabelTable {
        let (header, rows) = try rectangularRecords(data, file: file)
        guard header.fields.count >= 2 else {
            throw LabelFileError(file: file, line: header.line, "the header needs an id column and at least one finding column")
        }
        var seen: [String: String] = [:]
        for name in header.fields.dropFirst() {
            let key = normalizedFindingName(name)
            guard !key.isEmpty else { throw LabelFileError(file: file, line: header.line, "a finding column has an empty name") }
            if let earlier = seen[key] {
                throw LabelFileError(file: file, line: header.line, "columns \"\(earlier)\" and \"\(name)\" name the same finding")
            }
            seen[key] = name
        }

        let answerKeys = Set(answerColumns.map(normalizedFindingName))
        let isAnswer = header.fields.map { answerKeys.contains(normalizedFindingName($0)) }
        let wanted = onlyFindings.map { Set($0.map(normalizedFindingName)) }
        let isSkipped = header.fields.indices.map { index in
            index > 0 && !isAnswer[index] && wanted.map { !$0.contains(normalizedFindingName(header.fields[index])) } == true
        }
        var table = LabelTable(file: file, idColumn: header.fields[0],
                               findings: header.fields.indices.dropFirst().filter { !isAnswer[$0] && !isSkipped[$0] }.map { header.fields[$0] },
                               rowIDs: [], values: [], rowLines: [])
        for column in header.fields.indices.dropFirst() where isAnswer[column] { table.answers[header.fields[column]] = [] }
        for record in rows {
            var row: [LabelValue] = []
            row.reserveCapacity(table.findings.count)
            for (column, cell) in record.fields.enumerated().dropFirst() where !isSkipped[column] {
                if isAnswer[column] {
                    table.answers[header.fields[column]]?.append(cell)
                    continue
                }
                guard let value = labelValue(cell) else {
                    throw LabelFileError(file: file, line: record.line,
                                         "\"\(cell)\" in column \"\(header.fields[column])\" is not a label (1, 0, -1, blank, Yes, No or Undefined)")
                }
                row.append(value)
            }
            table.rowIDs.append(record.fields[0])
            table.values.append(row)
            table.rowLines.append(record.line)
        }
        return table
    }

    /// A CSV file's header and rows with their line numbers, every row as wide as the header
    /// (blank lines skipped): for files whose cells are not all labels, such as gold worksheets.
    public static func records(path: String) throws -> (header: [String], rows: [(line: Int, fields: [String])]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw LabelFileError(file: path, "cannot read it") }
        let (header, rows) = try rectangularRecords(data, file: path)
        return (header.fields, rows.map { ($0.line, $0.fields) })
    }

    /// The header and the rows below it, each as wide as the header. A stray blank line (often
    /// the last one) is not a row.
    static func rectangularRecords(_ data: Data, file: String) throws -> (header: CSVRecords.Record, rows: [CSVRecords.Record]) {
        guard String(validating: [UInt8](data), as: UTF8.self) != nil else { throw LabelFileError(file: file, "not UTF-8 text") }
        let records = try CSVRecords.parse([UInt8](data), file: file)
        guard let header = records.first else { throw LabelFileError(file: file, "empty file: expected a header row") }
        var rows: [CSVRecords.Record] = []
        for record in records.dropFirst() {
            if record.fields.count == 1 && record.fields[0].isEmpty { continue }
            guard record.fields.count == header.fields.count else {
                throw LabelFileError(file: file, line: record.line, "\(record.fields.count) fields, but the header has \(header.fields.count)")
            }
            rows.append(record)
        }
        return (header, rows)
    }

    /// Column names match case-insensitively with spaces and underscores equivalent, because
    /// CheXpert writes "Pleural Effusion" while ChestX-ray14 writes "Pleural_Thickening".
    public static func normalizedFindingName(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: "_", with: " ")
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    public static func labelValue(_ cell: String) -> LabelValue? {
        let text = cell.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return .undefined }
        switch text.lowercased() {
        case "yes": return .positive
        case "no": return .negative
        case "undefined": return .uncertain
        default: break
        }
        switch Double(text) {
        case 1: return .positive
        case 0: return .negative
        case -1: return .uncertain
        default: return nil
        }
    }
}

extension LabelValue {
    /// How a label file writes the value: the CheXpert labeler's 1.0, 0.0, -1.0 and blank for
    /// multi-label tasks; Yes, No, Undefined for binary ones. `LabelTable` reads both back.
    public func labelFileCell(for kind: LabelTask.Kind) -> String {
        switch (kind, self) {
        case (.multilabel, .positive): return "1.0"
        case (.multilabel, .negative): return "0.0"
        case (.multilabel, .uncertain): return "-1.0"
        case (.multilabel, .undefined): return ""
        case (.binary, .positive): return "Yes"
        case (.binary, .negative): return "No"
        case (.binary, _): return "Undefined"
        // An extraction task has no finding values; its cell is its phrases.
        case (.extraction, _): return ""
        }
    }
}

/// A small RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks (the
/// CheXpert labeler's first column is the whole report text). Labeling must not depend on Ingest,
/// whose CSV reader is built for report exports, so this one is kept here and kept minimal.
enum CSVRecords {
    struct Record {
        var line: Int
        var fields: [String]
    }

    static func parse(_ bytes: [UInt8], file: String) throws -> [Record] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1
        var recordLine = 1
        var quoteOpenedOn: Int?
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var fieldWasQuoted = false

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        func endRecord() {
            endField()
            records.append(Record(line: recordLine, fields: fields))
            fields.removeAll(keepingCapacity: true)
        }

        while index < bytes.count {
            let byte = bytes[index]
            if quoteOpenedOn != nil {
                if byte == quote {
                    if index + 1 < bytes.count && bytes[index + 1] == quote {
                        field.append(quote)
                        index += 1
                    } else {
                        quoteOpenedOn = nil
                    }
                } else {
                    if byte == lf { line += 1 }
                    field.append(byte)
                }
            } else if byte == quote {
                guard field.isEmpty && !fieldWasQuoted else {
                    throw LabelFileError(file: file, line: line, "a quote inside an unquoted field (RFC 4180 needs the whole field quoted)")
                }
                quoteOpenedOn = line
                fieldWasQuoted = true
            } else if byte == comma {
                endField()
            } else if byte == cr || byte == lf {
                if byte == cr && index + 1 < bytes.count && bytes[index + 1] == lf { index += 1 }
                endRecord()
                line += 1
                recordLine = line
            } else {
                guard !fieldWasQuoted else {
                    throw LabelFileError(file: file, line: line, "text after the closing quote of a field")
                }
                field.append(byte)
            }
            index += 1
        }
        if let opened = quoteOpenedOn {
            throw LabelFileError(file: file, line: opened, "a quoted field is never closed")
        }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return records
    }
}
