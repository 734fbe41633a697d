import Foundation
import TestSupport
@testable import Labeling
import RaddCore
import XCTest

/// The one way radd builds an LLM labeler for a model server.
final class ModelEndpointTests: XCTestCase {
    func testTheModelIsTheFirstTheServerListsUnlessNamed() throws {
        let server = try FakeModelServer(script: [.answer(#"{"mentions": []}"#)], model: "listed-model")
        defer { server.stop() }
        let endpoint = try Endpoint(server.url)
        XCTAssertEqual(try ModelEndpoint.firstListedModel(at: endpoint, timeoutSeconds: 5), "listed-model")
        let task = try LabelTask.load("chestxray14", directories: LabelerIDTests.directories)
        let breaker = CircuitBreaker()
        let labeler = ModelEndpoint(endpoint: endpoint, model: "named-model")
            .labeler(task: task, timeoutSeconds: 7, settings: .batch, breaker: breaker)
        XCTAssertEqual(labeler.client.model, "named-model")
        XCTAssertEqual(labeler.client.endpoint, endpoint)
        XCTAssertTrue(labeler.breaker === breaker, "labelers of one server share its circuit")
        XCTAssertEqual(labeler.settings.circuitPatience, 600)
        _ = try labeler.answer("No effusion.")
        XCTAssertEqual(try server.requests().first?["model"] as? String, "named-model")
    }

    func testAServerThatCannotBeAskedFailsAsTheChatClientDoes() throws {
        let server = try FakeModelServer(script: [])
        let endpoint = try Endpoint(server.url)
        server.stop()
        XCTAssertThrowsError(try ModelEndpoint.firstListedModel(at: endpoint, timeoutSeconds: 2)) { error in
            XCTAssertTrue(error is ChatClient.Failure, "\(error)")
        }
    }

    func testTheDaemonWaitsForAnOpenCircuitAndABatchRunRidesItOut() {
        XCTAssertEqual(LLMLabeler.Settings().circuitPatience, 0)
        XCTAssertEqual(LLMLabeler.Settings.batch.circuitPatience, 600)
        XCTAssertEqual(LLMLabeler.Settings.batch.seed, LLMLabeler.Settings().seed)
    }
}
