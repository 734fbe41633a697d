import Foundation
@testable import Labeling
import RaddCore
import XCTest

/// The shipped binary tasks (Yes, No, Undefined), the follow-up asked only after a Yes, which
/// parts of a report are read, and task files that must be refused. No ankle or abdominal CT
/// reports come with the project's data, so the reports here are written for the tests in the
/// style of such reports.
final class BinaryTaskTests: XCTestCase {
    static let directories = [RuleLabelerTests.repository.path + "/policies/tasks"]
    let ankle = RuleLabeler(task: try! LabelTask.load("ankle-fracture", directories: BinaryTaskTests.directories))
    let bleed = RuleLabeler(task: try! LabelTask.load("active-extravasation", directories: BinaryTaskTests.directories))

    func testAnkleFractureAnswersYesNoUndefined() {
        XCTAssertEqual(ankle.cells("FINDINGS:\nTransverse fracture of the distal fibula.\nIMPRESSION:\nWeber B fracture."), ["Yes"])
        XCTAssertEqual(ankle.cells("No fracture or dislocation. Soft tissue swelling over the lateral malleolus."), ["No"])
        XCTAssertEqual(ankle.cells("IMPRESSION: No acute osseous abnormality."), ["No"], "an absence phrase answers No")
        XCTAssertEqual(ankle.cells("Lucency at the tip of the lateral malleolus may represent a small avulsion fracture versus an accessory ossicle."),
                       ["Undefined"], "uncertain is Undefined")
        XCTAssertEqual(ankle.cells("Ankle joint effusion. Soft tissue swelling."), ["Undefined"], "not mentioned is Undefined")
        XCTAssertEqual(ankle.cells("Healed fracture of the distal tibia. No acute fracture."), ["No"], "a healed fracture is not the finding")
        XCTAssertEqual(ankle.followUp("Fracture of the medial malleolus."), nil, "the task has no follow-up")
    }

    func testTheFollowUpIsAskedOnlyAfterAYes() {
        XCTAssertEqual(bleed.task.columns, ["Active extravasation", "Site"])
        XCTAssertEqual(bleed.cells("Grade IV splenic laceration with a focus of active contrast extravasation in the splenic hilum."),
                       ["Yes", "spleen"])
        XCTAssertEqual(bleed.cells("Large right rectus sheath hematoma without active extravasation."), ["No", ""],
                       "no follow-up after a No, though a site is named")
        XCTAssertEqual(bleed.cells("A punctate hyperdensity near the left psoas could represent active extravasation versus a calcification."),
                       ["Undefined", ""], "no follow-up after an Undefined")
        XCTAssertEqual(bleed.followUp("Active extravasation is present."), [], "a Yes with no site named")
        XCTAssertEqual(bleed.cells("Active extravasation is present."), ["Yes", "Undefined"])
    }

    func testSitesComeFromTheMentionsClauseAndTheNextOneAndAreNotNegated() {
        XCTAssertEqual(bleed.followUp("IMPRESSION: Active extravasation. It arises from the descending colon."), ["bowel"])
        XCTAssertEqual(bleed.followUp("Liver laceration. Active extravasation from the left gluteal artery into the buttock, and from a renal laceration. No splenic injury."),
                       ["kidney", "gluteal/thigh"], "the liver is in an earlier sentence and the spleen is negated")
        XCTAssertEqual(bleed.cells("Extravasation of oral contrast near the duodenum. Duodenal perforation."), ["Undefined", ""],
                       "oral contrast leaking is not bleeding")
        let evidence = bleed.evidence("Active extravasation into the right retroperitoneum.")
        XCTAssertTrue(evidence.contains { $0.finding == "Site" && $0.mention == "retroperitoneum" })
    }

    func testTheImpressionDecidesWhatItMentions() throws {
        var task = RuleLabelerTests.task
        let report = """
            INDICATION: Cough, rule out pneumonia.
            FINDINGS: Small left pleural effusion. Patchy left basilar opacity.
            IMPRESSION: Left lower lobe pneumonia. The effusion has resolved.
            """
        func value(_ finding: String) -> LabelValue {
            RuleLabeler(task: task).label(report)[task.findings.firstIndex { $0.name == finding }!]
        }
        task.sections = .all
        XCTAssertEqual(value("Effusion"), .positive, "all: any positive mention wins")
        task.sections = .impressionFirst
        XCTAssertEqual(value("Effusion"), .negative, "impressionFirst: the impression's word stands")
        XCTAssertEqual(value("Pneumonia"), .positive)
        task.sections = .impressionOnly
        XCTAssertEqual(value("Effusion"), .negative)
        let noImpression = "INDICATION: Rule out pneumothorax.\nFINDINGS: The lungs are clear."
        task.sections = .impressionFirst
        XCTAssertEqual(RuleLabeler(task: task).label(noImpression)[task.findings.firstIndex { $0.name == "Pneumothorax" }!],
                       .undefined, "the indication is not read when the report has headings")
    }

    func testBrokenTaskFilesAreRefusedWithTheirProblem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("radd-tasks-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [(String, String)] = [
            (#"{"name":"x","kind":"binary","findings":[{"name":"a","mentions":["a"]},{"name":"b","mentions":["b"]}]}"#,
             "a binary task asks about exactly one finding (this one has 2)"),
            (#"{"name":"x","kind":"binary","findings":[{"name":"a"}]}"#, "no finding has mentions and there is no prompt"),
            (#"{"name":"x","kind":"multilabel","findings":[{"name":"a","mentions":["a"]},{"name":"b"}]}"#,
             "finding 'b' has no mentions, so the models answer it, and the task has no prompt to ask them with"),
            (#"{"name":"x","kind":"multilabel","findings":[{"name":"a","mentions":["a"]}],"followUp":{"name":"Site","question":"?","options":[{"name":"o"}]}}"#,
             "only a binary task may have a followUp"),
            (#"{"name":"x","kind":"multilabel","findings":[{"name":"a","mentions":["a"]},{"name":"a","mentions":["b"]}]}"#,
             "column 'a' appears twice"),
            (#"{"name":"x","kind":"ternary","findings":[]}"#, "kind"),
            ("{not json", "not JSON"),
        ]
        for (index, (json, expected)) in cases.enumerated() {
            let path = directory.appendingPathComponent("task\(index).json").path
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(json.utf8)))
            XCTAssertThrowsError(try LabelTask.load(path, directories: [])) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix(path + ": "), message)
                XCTAssertTrue(message.contains(expected), "\(message) should say \(expected)")
            }
        }
    }

    func testShippedTasksLoadAndCarryWhatTheLLMLabelerNeeds() throws {
        for name in ["chestxray14", "chexpert", "ankle-fracture", "active-extravasation", "ankle-fracture-de"] {
            let task = try LabelTask.load(name, directories: Self.directories)
            XCTAssertNil(task.problem, name)
            XCTAssertNotNil(task.version, "\(name) has a version for provenance")
            XCTAssertFalse(task.prompt?.instructions.isEmpty ?? true, "\(name) has prompt instructions")
            for example in task.prompt?.examples ?? [] {
                XCTAssertEqual(Set(example.answers.keys), Set(task.findings.map(\.name)), "\(name): every example answers every finding")
                XCTAssertEqual(RuleLabeler(task: task).cells(example.report).prefix(task.findings.count + (task.noFinding == nil ? 0 : 1)).suffix(task.findings.count),
                               ArraySlice(task.findings.map { example.answers[$0.name] ?? "" }),
                               "\(name): the rule labeler agrees with the prompt's worked example")
            }
        }
        let sites = try XCTUnwrap(bleed.task.followUp?.options.map(\.name))
        XCTAssertEqual(sites, ["bowel", "liver", "spleen", "kidney", "abdominal wall", "gluteal/thigh", "retroperitoneal", "other"])
    }

    /// The prompt-only variants ask the same question with the same answers and follow-up, and
    /// carry no phrase for the rule labeler.
    func testThePromptOnlyTasksAreTheBinaryTasksWithoutPhrases() throws {
        for name in ["ankle-fracture", "active-extravasation"] {
            let ruled = try LabelTask.load(name, directories: Self.directories)
            let promptOnly = try LabelTask.load(name + "-prompt", directories: Self.directories)
            XCTAssertNil(promptOnly.problem)
            XCTAssertFalse(promptOnly.hasRulePhrases, name)
            XCTAssertEqual(promptOnly.kind, .binary)
            XCTAssertEqual(promptOnly.columns, ruled.columns)
            XCTAssertEqual(promptOnly.prompt, ruled.prompt)
            XCTAssertEqual(promptOnly.followUp?.options.map(\.name), ruled.followUp?.options.map(\.name))
            XCTAssertTrue(promptOnly.findings.allSatisfy { $0.mentions.isEmpty && $0.unmentions == nil && $0.absent == nil })
            XCTAssertTrue(promptOnly.followUp?.options.allSatisfy { $0.mentions == nil } ?? true)
        }
    }
}
