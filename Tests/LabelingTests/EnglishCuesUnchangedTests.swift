import Foundation
@testable import Labeling
import RaddCore
import XCTest

/// English labelling must not change with per-language cues: every shipped English task with
/// rule phrases labels the 3,059 Open-i reports, with evidence (each mention, its status, its cue
/// and its clause), exactly as the rule labeler did before cue lists were per language. The
/// digests were taken from that labeler (commit f3f93e6, before any German cue) running this
/// same test.
final class EnglishCuesUnchangedTests: XCTestCase {
    static let digestsBeforeLanguages: [String: String] = [
        "chestxray14": "000020ee8fd4f8e154d382733b965bf83a554c4ba26c26431d487836c4756fdd",
        "chexpert": "0d232fc29fd1ff3a217d1b35cf235074f37ceef1d515786b7427d53916bcd485",
        "ankle-fracture": "4383ace745d7b3f68ecd1a7a2d0f71f03fa0569c73e9447f1325129655189620",
        "active-extravasation": "64ba2552514ba183ace6621acff2eb3540cf126d6b46088ade200ffcb95a44a4",
    ]

    func testEnglishLabelsAndEvidenceAreThoseOfTheLabelerBeforeLanguages() throws {
        let reports = try RuleLabelerTests.openIReports()
        XCTAssertEqual(reports.count, 3059)
        for name in Self.digestsBeforeLanguages.keys.sorted() {
            let labeler = RuleLabeler(task: try LabelTask.load(name, directories: BinaryTaskTests.directories))
            var lines = ""
            for (uid, text) in reports {
                lines += uid + "\t" + labeler.cells(text).joined(separator: ",") + "\n"
                for item in labeler.evidence(text) {
                    lines += [item.finding, item.mention, item.status.rawValue, item.cue ?? "-", item.clause].joined(separator: "\t") + "\n"
                }
            }
            let digest = Digest.hex(Digest.sha256(Array(lines.utf8)))
            print("English task \(name): labels and evidence on 3,059 Open-i reports, SHA-256 \(digest)")
            XCTAssertEqual(digest, Self.digestsBeforeLanguages[name], "task \(name): English labels or evidence changed")
        }
    }
}
