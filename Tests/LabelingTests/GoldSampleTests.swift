@testable import Labeling
import RaddCore
import XCTest

/// The gold worksheet's sample: strata of a labeler's answers and the seeded equal draw.
final class GoldSampleTests: XCTestCase {
    let chest = try! LabelTask.load("chestxray14", directories: LabelerIDTests.directories)
    let ankle = try! LabelTask.load("ankle-fracture", directories: LabelerIDTests.directories)

    static let strata: [String: [Int64]] = [
        "Effusion": [3, 7, 11, 15, 19], "no positive finding": [1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 16, 17],
        "uncertain only": [14], "Pneumothorax": [18, 20, 21],
    ]

    /// Drawn by raddd's gold.sample before the draw moved here (ControlRequestHandler+Gold.swift
    /// at a0a2a7d): a worksheet drawn again with the same seed must list the same reports.
    func testTheSameSeedDrawsTheSameSampleAsBefore() {
        XCTAssertEqual(GoldSample.draw(8, from: Self.strata, seed: 42),
                       ["Effusion": [15, 7, 11], "Pneumothorax": [18, 21], "no positive finding": [4, 13], "uncertain only": [14]])
        XCTAssertEqual(GoldSample.draw(5, from: Self.strata, seed: 0),
                       ["Effusion": [19, 11], "Pneumothorax": [18], "no positive finding": [4], "uncertain only": [14]])
        XCTAssertEqual(GoldSample.draw(100, from: Self.strata, seed: 7),
                       ["Effusion": [7, 3, 19, 11, 15], "Pneumothorax": [20, 18, 21],
                        "no positive finding": [8, 6, 5, 9, 2, 17, 1, 4, 10, 16, 12, 13], "uncertain only": [14]])
    }

    func testEqualSharesAndWhatASmallStratumCannotGiveGoesToTheOthers() {
        let drawn = GoldSample.draw(12, from: Self.strata, seed: 3)
        XCTAssertEqual(drawn.mapValues(\.count), ["Effusion": 4, "Pneumothorax": 3, "no positive finding": 4, "uncertain only": 1])
        XCTAssertEqual(GoldSample.draw(0, from: Self.strata, seed: 3).values.map(\.count).reduce(0, +), 0)
        let small = GoldSample.draw(5, from: ["empty": [], "all": [1, 2]], seed: 1)
        XCTAssertEqual(small["empty"], [], "an empty stratum is listed, with nothing drawn")
        XCTAssertEqual(Set(small["all"] ?? []), [1, 2], "a sample larger than the reports takes them all")
        for (name, ids) in GoldSample.draw(9, from: Self.strata, seed: 11) {
            XCTAssertTrue(Set(ids).isSubset(of: Self.strata[name]!), name)
        }
        XCTAssertNotEqual(GoldSample.draw(8, from: Self.strata, seed: 1), GoldSample.draw(8, from: Self.strata, seed: 2))
    }

    func testAMultilabelReportIsInTheStratumOfItsRarestPositiveFinding() {
        func answer(_ positive: [String], uncertain: [String] = []) -> TaskAnswer {
            TaskAnswer(values: chest.findings.map { positive.contains($0.name) ? .positive : uncertain.contains($0.name) ? .uncertain : .negative },
                       provenance: LabelProvenance(labeler: "rules", version: "rules-2"))
        }
        let answers: [Int64: TaskAnswer] = [
            1: answer(["Effusion"]), 2: answer(["Effusion"]), 3: answer(["Effusion", "Hernia"]),
            4: answer([], uncertain: ["Mass"]), 5: answer([]),
        ]
        XCTAssertEqual(GoldSample.strata(answers, task: chest),
                       [1: "Effusion", 2: "Effusion", 3: "Hernia", 4: "uncertain only", 5: "no positive finding"])
        XCTAssertEqual(GoldSample.strata(of: [5, 1, 9, 3], answers: answers, task: chest),
                       ["no positive finding": [5], "Effusion": [1], "not answered": [9], "Hernia": [3]])
        XCTAssertEqual(GoldSample.strata(of: [5, 1, 9], answers: nil, task: chest), ["all": [5, 1, 9]])
    }

    func testABinaryReportIsInTheStratumOfItsAnswer() {
        func answer(_ value: LabelValue) -> TaskAnswer {
            TaskAnswer(values: [value], provenance: LabelProvenance(labeler: "llm", version: "1"))
        }
        XCTAssertEqual(GoldSample.strata([1: answer(.positive), 2: answer(.negative), 3: answer(.uncertain), 4: answer(.undefined)], task: ankle),
                       [1: "Yes", 2: "No", 3: "Undefined", 4: "Undefined"])
    }
}
