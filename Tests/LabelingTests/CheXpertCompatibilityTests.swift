import Foundation
@testable import Labeling
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
            let cells = labeler.labelColumns(row[0]).map { $0.labelFileCell(for: task.kind) }
            XCTAssertEqual(cells, Array(row.dropFirst()), row[0])
        }
        XCTAssertEqual(expected.count, 5)
    }

    static func rows(_ url: URL) throws -> [[String]] {
        try CSVRecords.parse([UInt8](Data(contentsOf: url)), file: url.path).map(\.fields)
    }
}
