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

    /// What the model is sent for an English task (instructions, answer format, worked examples,
    /// follow-up question and the request to answer again) is what it was before prompts had a
    /// language: the prompt hash, stored with every model label, is unchanged.
    static let promptHashesBeforeLanguages: [String: String] = [
        "chestxray14": "bfdcafacf2c9fd5dc51a695bb343a52ff680872eb55a3d9093d1ca05109100fd",
        "chexpert": "c0f61de1a15dda4800af2269ab43de87f9aace48486c3c92788a6989bfa0c829",
        "ankle-fracture": "57ef3e3e0baf9df15defdc7897e8dc1bce630daf0b769b45734558bd340590a3",
        "active-extravasation": "bf00b72f6a02398083d328f7d12db0a0618472e4bcf02cd8bbfdbfcbf6a8a537",
        "ankle-fracture-prompt": "57ef3e3e0baf9df15defdc7897e8dc1bce630daf0b769b45734558bd340590a3",
        "active-extravasation-prompt": "bf00b72f6a02398083d328f7d12db0a0618472e4bcf02cd8bbfdbfcbf6a8a537",
        "findings-open": "6590b2cb0a0c15dd417045f288dc96d22d8c283178722a53aead65a1c5deaa6b",
    ]

    func testEnglishPromptsAreThoseBeforeLanguages() throws {
        for name in Self.promptHashesBeforeLanguages.keys.sorted() {
            let prompt = LLMPrompt(task: try LabelTask.load(name, directories: BinaryTaskTests.directories))
            let sent = prompt.messages(for: "REPORT").map(\.content).joined(separator: "\u{0}")
            let digest = Digest.hex(Digest.sha256(Array((prompt.hash + sent).utf8)))
            print("English task \(name): prompt \(digest)")
            XCTAssertEqual(digest, Self.promptHashesBeforeLanguages[name], "task \(name): the English prompt changed")
        }
    }

    /// The system prompt of English instruction-tuning exports, as before prompts had a language.
    static let instructionPromptHashesBeforeLanguages: [String: String] = [
        "chestxray14": "ca5700a98ae796788d789251c4ef5056eae111942a96d1884783a22556a34237",
        "chexpert": "427ac399ae686da84dc073a3e9647c501c099aee58e49d79e81eec74c4f5a46f",
        "ankle-fracture": "874165dc7db84f487de805cff24c8c9d87ebcd41095fd907a8c47b47324c1e3a",
        "active-extravasation": "4c5af34845fd8ae8d16d4bb43e4c6c8108f9165c005bf7fd8b567549da5fbb8d",
        "findings-open": "5ea8295b23fccca391b9fa3664dee7933ab8035344e202c39407104081917d72",
    ]

    func testEnglishInstructionExportPromptsAreThoseBeforeLanguages() throws {
        for name in Self.instructionPromptHashesBeforeLanguages.keys.sorted() {
            let system = InstructionExample.systemPrompt(for: try LabelTask.load(name, directories: BinaryTaskTests.directories))
            let digest = Digest.hex(Digest.sha256(Array(system.utf8)))
            print("English task \(name): instruction prompt \(digest)")
            XCTAssertEqual(digest, Self.instructionPromptHashesBeforeLanguages[name], "task \(name): the English instruction prompt changed")
        }
    }
}
