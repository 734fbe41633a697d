import Control
import Foundation
import Labeling
import RaddCore
import Store

/// Exam dates moved back by each patient's shift, whose HMAC is computed once per patient.
struct ShiftedExamDates {
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
