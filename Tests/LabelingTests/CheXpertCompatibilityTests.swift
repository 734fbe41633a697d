import Foundation
import Labeling
import RaddCore
import XCTest

/// On the CheXpert labeler's own sample reports, radd's chexpert task gives the labeler's own
/// sample output, cell for cell, "No Finding" included.
final class CheXpertCompatibilityTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testTheLabelersSampleOutputIsReproduced() throws {
        let task = try LabelTask.load("chexpert", directories: [Self.repository.path + "/policies/tasks"])
        let expected = try Self.rows(Self.repository.appendingPathComponent("Tests/LabelingTests/Fixtures/chexpert_labeler_labeled_reports.csv"))
        XCTAssertEqual(expected[0], ["Reports"] + task.columns, "the output header is the labeler's")
        let labeler = RuleLabeler(task: task)
        for row in expected.dropFirst() {
            let cells = labeler.labelColumns(row[0]).map { value -> String in
                switch value {
                case .positive: return "1.0"
                case .negative: return "0.0"
                case .uncertain: return "-1.0"
                case .undefined: return ""
                }
            }
            XCTAssertEqual(cells, Array(row.dropFirst()), row[0])
        }
        XCTAssertEqual(expected.count, 5)
    }

    /// The sample's CSV: quoted cells with line breaks, LF line ends.
    static func rows(_ url: URL) throws -> [[String]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows: [[String]] = [[]], cell = "", quoted = false
        for c in text {
            if quoted { if c == "\"" { quoted = false } else { cell.append(c) } }
            else if c == "\"" { quoted = true }
            else if c == "," { rows[rows.count - 1].append(cell); cell = "" }
            else if c == "\n" || c == "\r\n" { rows[rows.count - 1].append(cell); cell = ""; rows.append([]) }
            else { cell.append(c) }
        }
        if !cell.isEmpty || !(rows.last?.isEmpty ?? true) { rows[rows.count - 1].append(cell) }
        return rows.filter { !$0.isEmpty }
    }
}
