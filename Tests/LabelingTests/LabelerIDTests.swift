import Foundation
import TestSupport
@testable import Labeling
import RaddCore
import XCTest

/// Labeler names and versions are stored in the database: a changed name orphans every stored
/// answer, a changed version (part of the label sets' unique key) relabels every report. These
/// tests pin both, so such a change is made on purpose or not at all.
final class LabelerIDTests: XCTestCase {
    static let directories = [RuleLabelerTests.repository.path + "/policies/tasks"]

    func testRawStringsArePinned() {
        let pinned: [(LabelerID, String)] = [(.rules, "rules"), (.llm, "llm"), (.model("qwen2.5:7b"), "llm:qwen2.5:7b"),
                                             (.gold, "gold"), (.final, "final")]
        for (labeler, text) in pinned {
            XCTAssertEqual(labeler.rawValue, text)
            XCTAssertEqual("\(labeler)", text)
            XCTAssertEqual(LabelerID(rawValue: text), labeler)
        }
        XCTAssertEqual(LabelerID(rawValue: "llm:a:b"), .model("a:b"), "only the first colon separates the model")
        for text in ["", "llm:", "Rules", "ensemble", " rules", "x"] {
            XCTAssertNil(LabelerID(rawValue: text), "'\(text)' is no labeler")
        }
    }

    func testCodableAsTheString() throws {
        let labelers: [LabelerID] = [.rules, .llm, .model("m"), .gold, .final]
        let data = try JSONEncoder().encode(labelers)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"["rules","llm","llm:m","gold","final"]"#)
        XCTAssertEqual(try JSONDecoder().decode([LabelerID].self, from: data), labelers)
        XCTAssertThrowsError(try JSONDecoder().decode([LabelerID].self, from: Data(#"["vote"]"#.utf8)))
    }

    func testOneModelIsLLMAndEachOfSeveralIsNamed() {
        XCTAssertEqual(LabelerID.llm(model: "qwen", modelCount: 1), .llm)
        XCTAssertEqual(LabelerID.llm(model: nil, modelCount: 0), .llm)
        XCTAssertEqual(LabelerID.llm(model: nil, modelCount: 2), .llm, "a model to be asked of its server is not named yet")
        XCTAssertEqual(LabelerID.llm(model: "", modelCount: 2), .llm)
        XCTAssertEqual(LabelerID.llm(model: "qwen", modelCount: 2), .model("qwen"))
        XCTAssertEqual(LabelPolicy.llmLabelerName(model: "qwen", modelCount: 2), "llm:qwen")
        XCTAssertTrue(LabelerID.model("a").isModel && LabelerID.llm.isModel)
        XCTAssertFalse(LabelerID.rules.isModel || LabelerID.gold.isModel || LabelerID.final.isModel)
    }

    func testRuleLabelerVersionIsPinned() throws {
        XCTAssertEqual(RuleLabeler.version, "rules-2")
        let task = try LabelTask.load("chestxray14", directories: Self.directories)
        let answer = RuleLabeler(task: task).answer("No pleural effusion.")
        XCTAssertEqual(answer.provenance.labeler, "rules")
        XCTAssertEqual(answer.labelerVersion, "rules-2")
    }

    func testLLMLabelerVersionIsPinned() throws {
        XCTAssertEqual(LLMPrompt.version, "llm-extract-1")
        let provenance = LabelProvenance(labeler: "llm", version: "llm-extract-1", model: "qwen", promptHash: "0123456789abcdef")
        XCTAssertEqual(TaskAnswer(values: [], provenance: provenance).labelerVersion, "llm-extract-1 0123456789ab qwen")
        let unnamed = LabelProvenance(labeler: "llm", version: "llm-extract-1")
        XCTAssertEqual(TaskAnswer(values: [], provenance: unnamed).labelerVersion, "llm-extract-1  ")
    }

    func testTheStoredVersionOfAModelsAnswerIsPinnedEndToEnd() throws {
        let task = try LabelTask.load("chestxray14", directories: Self.directories)
        XCTAssertEqual(String(LLMPrompt(task: task).hash.prefix(12)), "db4cf8e87a1f",
                       "chestxray14's prompt changed: every report will be labelled again by the model")
        let server = try FakeModelServer(script: [.answer(#"{"mentions": []}"#)], model: "served-model")
        defer { server.stop() }
        let labeler = ModelEndpoint(endpoint: try Endpoint(server.url), model: "asked-model")
            .labeler(task: task, timeoutSeconds: 10, breaker: CircuitBreaker())
        let answer = try labeler.answer("No pleural effusion.")
        XCTAssertEqual(answer.labelerVersion, "llm-extract-1 db4cf8e87a1f served-model", "the model the server says answered")
    }
}
