import Control
import Foundation
import Labeling
import RaddCore
@testable import RaddDaemon
import XCTest

/// An export's rows are written as bytes: they must be exactly what CSVRow and JSONLine write.
final class ExportFormattingTests: XCTestCase {
    static let awkwardCells = [
        "", "plain", "a,b", "say \"hi\"", "\"", "line\nbreak", "cr\ronly", "crlf\r\npair", "\r\n", "\r", "\n", "ends\r",
        "tab\there", "bell\u{7}", "nul\u{0}", "back\\slash", "slash/", "caf\u{E9}", "e\u{301}", ",\u{301}", "\"\u{301}",
        "\r\u{301}\n", "\u{1F600}", "1.0", "-1.0", "0", "0.0", "12", "1e3", "2.5", "nan", "inf", "-0", "1e15",
        "123456789012345678", "0x1p3", " 1", "\u{661}", "Yes", "Undefined", "left;right",
    ]

    func rows(_ format: ExportRows.Format, columns: [String], numeric: Set<String>, cells: [[String]]) -> String {
        var rows = ExportRows(format: format, columns: columns, numeric: numeric)
        for row in cells {
            for cell in row { rows.append(cell) }
            rows.endRow()
        }
        XCTAssertEqual(rows.count, cells.count)
        return rows.text
    }

    func testRowsAreWrittenAsCSVRowAndJSONLineWriteThem() {
        let cells = Self.awkwardCells
        let columns = (0...cells.count).map { "column \($0)" }
        let numeric = Set(columns.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        // Each awkward cell in a numeric column and in a text column, and a row without cells.
        let table = [cells, ["x"] + cells, []]
        XCTAssertEqual(rows(.csv, columns: columns, numeric: numeric, cells: table),
                       table.map { CSVRow.line($0) + "\n" }.joined())
        // A CRLF inside a field is a line break like any other: quoted, or the row would split.
        XCTAssertEqual(CSVRow.line(["crlf\r\npair", "\r\n"]), "\"crlf\r\npair\",\"\r\n\"")
        XCTAssertEqual(rows(.jsonl, columns: columns, numeric: numeric, cells: table),
                       table.map { JSONLine.object(columns: columns, cells: $0, numeric: numeric) + "\n" }.joined())
        // Names that need escaping, and more cells than columns (JSONLine zips them).
        let oddColumns = ["a \"quoted\" name", "tab\tname", "caf\u{E9}"]
        XCTAssertEqual(rows(.jsonl, columns: oddColumns, numeric: ["tab\tname"], cells: [["1", "2", "3", "4"]]),
                       JSONLine.object(columns: oddColumns, cells: ["1", "2", "3", "4"], numeric: ["tab\tname"]) + "\n")
    }

    func testLabelValueCellsAreTheTasksCells() {
        let columns = ["report_id", "No Finding", "Effusion", "Bleed", "follow_up"]
        for kind in [LabelTask.Kind.multilabel, .binary] {
            let numeric: Set<String> = kind == .multilabel ? ["No Finding", "Effusion"] : []
            for format in [ExportRows.Format.csv, .jsonl] {
                var rows = ExportRows(format: format, columns: columns, numeric: numeric)
                var expected = ""
                for value in LabelValue.allCases {
                    let cells = ["7", value.labelFileCell(for: kind), value.labelFileCell(for: kind), value.labelFileCell(for: kind), ""]
                    rows.append("7")
                    for _ in 0..<3 { rows.append(value, of: kind) }
                    rows.append("")
                    rows.endRow()
                    expected += (format == .csv ? CSVRow.line(cells) : JSONLine.object(columns: columns, cells: cells, numeric: numeric)) + "\n"
                }
                XCTAssertEqual(rows.text, expected, "\(kind) \(format)")
            }
        }
    }
}
