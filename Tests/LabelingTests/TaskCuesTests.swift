import Foundation
@testable import Labeling
import RaddCore
import XCTest

/// A task's own cues (`"cues"` in the task file): added to its language's built-in lists or
/// replacing them, and refused with the task file named when they cannot work.
final class TaskCuesTests: XCTestCase {
    func task(_ json: String) throws -> LabelTask {
        let task = try JSONDecoder().decode(LabelTask.self, from: Data(json.utf8))
        if let problem = task.problem { throw LabelTask.Problem(description: problem) }
        return task
    }

    func answer(_ text: String, cues: String, language: String = "en", mention: String = "fracture") throws -> String {
        let json = #"{"name":"x","kind":"binary","language":"\#(language)","findings":[{"name":"a","mentions":["\#(mention)"]}]"#
            + (cues.isEmpty ? "" : #","cues":"# + cues) + "}"
        return RuleLabeler(task: try task(json)).cells(text)[0]
    }

    func testAddedCuesWorkBesideTheBuiltInOnes() throws {
        XCTAssertEqual(try answer("Devoid of fracture.", cues: ""), "Yes")
        XCTAssertEqual(try answer("Devoid of fracture.", cues: #"{"negation": ["devoid of"]}"#), "No")
        XCTAssertEqual(try answer("No fracture.", cues: #"{"negation": ["devoid of"]}"#), "No", "the built-in 'no' stays")
        XCTAssertEqual(try answer("Fracture ruled out.", cues: #"{"negationAfter": ["ruled out"]}"#), "No")
        XCTAssertEqual(try answer("Perchance a fracture.", cues: #"{"uncertainty": ["perchance"]}"#), "Undefined")
        XCTAssertEqual(try answer("No effusion notwithstanding fracture.", cues: #"{"scopeEnds": ["notwithstanding"]}"#), "Yes")
        XCTAssertEqual(try answer("No displaced fracture.", cues: #"{"pseudoNegation": ["no displaced"]}"#), "Yes")
        XCTAssertEqual(try answer("Fraktur verneint.", cues: #"{"negationAfter": ["verneint"]}"#, language: "de", mention: "Fraktur"), "No")
        XCTAssertEqual(try answer("Fraktur verneint.", cues: "", language: "de", mention: "Fraktur"), "Yes")
    }

    func testATasksOwnUncertaintyIsNotDroppedAsAPossibility() throws {
        let json = #"{"name":"x","kind":"multilabel","possibleMentions":"notMentioned","findings":[{"name":"a","mentions":["fracture"]}],"cues":{"uncertainty":["perchance"]}}"#
        let labeler = RuleLabeler(task: try task(json))
        XCTAssertEqual(labeler.label("Perchance a fracture."), [.uncertain])
        XCTAssertEqual(labeler.label("Possible fracture."), [.undefined], "the built-in possibility is still left out")
    }

    func testReplacedCuesAreTheOnlyOnesOfTheirList() throws {
        let replaced = #"{"mode": "replace", "negation": ["nope"]}"#
        XCTAssertEqual(try answer("No fracture.", cues: replaced), "Yes", "'no' is no longer a negation")
        XCTAssertEqual(try answer("Nope fracture.", cues: replaced), "No")
        XCTAssertEqual(try answer("Possible fracture.", cues: replaced), "Undefined", "lists the task leaves out stay")
    }

    func testCuesThatCannotWorkAreRefusedWithTheTaskFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("radd-task-cues-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let finding = #""findings":[{"name":"a","mentions":["Fraktur"]}]"#
        let cases: [(String, String)] = [
            (#"{"negations": ["ohne"]}"#, "unknown cue list 'negations'"),
            (#"{"mode": "swap", "negation": ["ohne"]}"#, "cues.mode"),
            (#"{}"#, "cues gives no list"),
            (#"{"negation": []}"#, "cues.negation is empty: leave it out to keep the German cues"),
            (#"{"mode": "replace", "uncertainty": []}"#, "cues.uncertainty is empty"),
            (#"{"negation": [" - "]}"#, "cues.negation: ' - ' has no words"),
            (#"{"negation": ["kein * Nachweis"]}"#, "a lone '*' is for mentions"),
            (#"{"scopeEnds": ["bis auf"]}"#, "cues.scopeEnds: 'bis auf' is 2 words; a clause ends at a single word"),
            (#"{"negation": "ohne"}"#, "cues.negation"),
        ]
        for (index, (cues, expected)) in cases.enumerated() {
            let path = directory.appendingPathComponent("task\(index).json").path
            let json = #"{"name":"x","kind":"binary","language":"de","#+finding+#","cues":"#+cues+"}"
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(json.utf8)))
            XCTAssertThrowsError(try LabelTask.load(path, directories: []), cues) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix(path + ": "), message)
                XCTAssertTrue(message.contains(expected), "\(message) should say \(expected)")
            }
        }
        let promptOnly = #"{"name":"x","kind":"binary","findings":[{"name":"a"}],"prompt":{"instructions":"?"},"cues":{"negation":["no"]}}"#
        XCTAssertThrowsError(try task(promptOnly)) { error in
            XCTAssertTrue("\(error)".contains("this task has no rule phrases"), "\(error)")
        }
    }

    /// A task that says `"language": "en"` is the task without a language: the same cues.
    func testEnglishByNameIsEnglishByDefault() throws {
        var task = try LabelTask.load("ankle-fracture", directories: BinaryTaskTests.directories)
        XCTAssertNil(task.language)
        let text = "FINDINGS: Lucency at the lateral malleolus, possibly a fracture. No dislocation.\nIMPRESSION: No acute fracture."
        let before = RuleLabeler(task: task).evidence(text)
        task.language = .en
        XCTAssertEqual(RuleLabeler(task: task).evidence(text), before)
    }
}
