import Foundation
import TestSupport
@testable import Labeling
import RaddCore
import Synchronization
import XCTest

/// The LLM labeler's protocol with a model server, against a scripted OpenAI-style server:
/// prompts and schemas sent, answers checked and aggregated, retries, the circuit breaker, the
/// follow-up, ensembles. The same labeler runs against the real model in the daemon tests.
final class LLMLabelerTests: XCTestCase {
    static let directories = [RuleLabelerTests.repository.path + "/policies/tasks"]
    static let chest = try! LabelTask.load("chestxray14", directories: directories)
    static let bleed = try! LabelTask.load("active-extravasation", directories: directories)
    static let report = "FINDINGS: No pneumothorax. Small left pleural effusion. IMPRESSION: Small left effusion."

    /// The labeler's sleeps, recorded instead of slept.
    final class Waits: Sendable {
        private let recorded = Mutex<[Double]>([])
        var delays: [Double] { recorded.withLock { $0 } }
        func append(_ delay: Double) { recorded.withLock { $0.append(delay) } }
    }

    func labeler(_ task: LabelTask, _ server: FakeModelServer, attempts: Int = 4, breaker: CircuitBreaker = CircuitBreaker(),
                 waits: Waits = Waits(), timeout: Double = 10) throws -> LLMLabeler {
        var settings = LLMLabeler.Settings()
        settings.retry = RetryPolicy(attempts: attempts, baseDelay: 0.5, maxDelay: 8)
        return LLMLabeler(task: task, client: ChatClient(endpoint: try Endpoint(server.url), model: "fake-model", timeoutSeconds: timeout),
                          settings: settings, breaker: breaker, random: { 1 }, sleep: { waits.append($0) })
    }

    func value(_ answer: TaskAnswer, _ finding: String, in task: LabelTask = chest) -> LabelValue {
        answer.values[task.findings.firstIndex { $0.name == finding }!]
    }

    func testMentionsAreCheckedAgainstTheReportAggregatedAndTraced() throws {
        let server = try FakeModelServer(script: [.answer("""
            {"mentions": [{"text": "Small left pleural effusion", "finding": "Effusion", "status": "present"},
                          {"text": "no  pneumothorax.", "finding": "Pneumothorax", "status": "absent"},
                          {"text": "2 cm mass in the right upper lobe", "finding": "Mass", "status": "present"},
                          {"text": "small left effusion", "finding": "Effusion", "status": "uncertain"}]}
            """)])
        let answer = try labeler(Self.chest, server).answer(Self.report)
        XCTAssertEqual(value(answer, "Effusion"), .positive, "present outranks uncertain")
        XCTAssertEqual(value(answer, "Pneumothorax"), .negative, "case, spacing and punctuation do not matter")
        XCTAssertEqual(value(answer, "Mass"), .undefined, "a quote the report does not have is discarded")
        let provenance = answer.provenance
        XCTAssertEqual(provenance.labeler, "llm")
        XCTAssertEqual(provenance.model, "fake-model")
        XCTAssertEqual(provenance.endpoint, server.url)
        XCTAssertEqual(provenance.discardedQuotes, 1)
        XCTAssertEqual(provenance.requests, 1)
        XCTAssertEqual(provenance.promptTokens, 100)
        XCTAssertEqual(provenance.evaluatedPromptTokens, 7, "llama.cpp's timings.prompt_n: tokens not served from its cache")
        XCTAssertEqual(provenance.completionTokens, 20)
        XCTAssertEqual(provenance.task, "chestxray14")
        XCTAssertEqual(provenance.taskVersion, Self.chest.version)
        XCTAssertEqual(provenance.temperature, 0)
        XCTAssertEqual(provenance.promptHash?.count, 64)
        XCTAssertNotNil(provenance.labelledAt)

        let request = try XCTUnwrap(server.requests().first)
        XCTAssertEqual(request["temperature"] as? Double, 0)
        XCTAssertEqual(request["max_tokens"] as? Int, 512)
        XCTAssertEqual(request["seed"] as? Int, 20240601)
        let format = try XCTUnwrap(request["response_format"] as? [String: Any])
        XCTAssertEqual(format["type"] as? String, "json_schema")
        let schema = try XCTUnwrap((format["json_schema"] as? [String: Any])?["schema"] as? [String: Any])
        XCTAssertEqual(schema["required"] as? [String], ["mentions"])
        let messages = try XCTUnwrap(request["messages"] as? [[String: String]])
        XCTAssertEqual(messages.count, 2)
        XCTAssertEqual(messages[0]["role"], "system")
        XCTAssertTrue(try XCTUnwrap(messages[0]["content"]).hasPrefix(try XCTUnwrap(Self.chest.prompt?.instructions)),
                      "the fixed instructions come first, for the server's prompt cache")
        XCTAssertFalse(try XCTUnwrap(messages[0]["content"]).contains("Small left pleural effusion"), "the report is not in the fixed part")
        XCTAssertEqual(messages[1], ["role": "user", "content": "Report:\n" + Self.report], "the report comes last")
    }

    func testTheFixedPartOfThePromptIsTheSameForEveryReport() throws {
        let prompt = LLMPrompt(task: Self.chest)
        XCTAssertEqual(prompt.messages(for: "a")[0], prompt.messages(for: "b")[0])
        XCTAssertEqual(prompt.hash, LLMPrompt(task: Self.chest).hash)
        var changed = Self.chest
        changed.prompt?.instructions += " Be brief."
        XCTAssertNotEqual(LLMPrompt(task: changed).hash, prompt.hash, "a new prompt is a new labeler version")
        for example in Self.chest.prompt?.examples ?? [] {
            for mention in example.mentions ?? [] {
                XCTAssertTrue(QuoteCheck(report: example.report).occurs(mention.text), "example quote '\(mention.text)' is in its report")
            }
        }
    }

    func testAnInvalidAnswerIsAskedForAgainOnceThenRecordedAsAFailure() throws {
        let server = try FakeModelServer(script: [
            .answer("Sure! The report shows an effusion."),
            .answer(#"{"mentions": [{"text": "Small left pleural effusion", "finding": "Effusion", "status": "present"}]}"#),
            .answer(#"{"mentions": [{"text": "Small left pleural effusion", "finding": "Effusion", "status": "maybe Smith"}]}"#),
            .answer(#"{"findings": {"Effusion": 1}}"#),
        ])
        let labeler = try labeler(Self.chest, server)
        let answer = try labeler.answer(Self.report)
        XCTAssertEqual(value(answer, "Effusion"), .positive)
        XCTAssertEqual(answer.provenance.requests, 2)
        let retry = try XCTUnwrap(server.requests().last?["messages"] as? [[String: String]])
        XCTAssertEqual(retry.count, 4)
        XCTAssertEqual(retry[2]["content"], "Sure! The report shows an effusion.")
        XCTAssertEqual(retry[3]["content"], "That answer is invalid: the answer is not JSON. Answer again with JSON only, in the form given.")

        XCTAssertThrowsError(try labeler.answer(Self.report)) { error in
            let failure = error as? LabelingFailure
            XCTAssertEqual(failure?.kind, .invalidAnswer)
            XCTAssertEqual(failure?.message, "\(server.url): the answer does not fit the task's schema (answer: missing \"mentions\"), twice")
        }
        XCTAssertFalse(try server.requests()[3].description.isEmpty)
        let corrective = try XCTUnwrap((server.requests()[3]["messages"] as? [[String: String]])?[3]["content"])
        XCTAssertFalse(corrective.contains("Smith"), "problems never repeat the model's words: \(corrective)")
        XCTAssertTrue(corrective.contains("answer.mentions[0].status: not one of present, absent, uncertain"), corrective)
    }

    /// A German task's prompt is German wherever radd frames it (answer format, example and
    /// report headings, the request to answer again); the schema and the answers are the
    /// English task's, so the same parser and store serve both.
    func testAGermanTaskIsAskedInGermanWithTheSameAnswerSchema() throws {
        let german = try LabelTask.load("ankle-fracture-de", directories: Self.directories)
        let english = try LabelTask.load("ankle-fracture", directories: Self.directories)
        let prompt = LLMPrompt(task: german)
        XCTAssertEqual(prompt.schema.json.text, LLMPrompt(task: english).schema.json.text)
        for englishFraming in ["Answer with JSON", "Report:", "Answer:", "copied word for word", "the report does not speak"] {
            XCTAssertFalse(prompt.system.contains(englishFraming), "'\(englishFraming)' in the German prompt")
        }
        XCTAssertTrue(prompt.system.contains("Antworte nur mit JSON"))
        XCTAssertTrue(prompt.system.contains("\n\nBefundbericht:\nBefund: Keine Fraktur, keine Luxation."), "German example heading")
        XCTAssertTrue(prompt.system.contains("\nAntwort:\n{\"evidence\":"))
        XCTAssertEqual(prompt.messages(for: "OSG: Keine Fraktur.").last?.content, "Befundbericht:\nOSG: Keine Fraktur.")

        let server = try FakeModelServer(script: [
            .answer("Ja, eine Fraktur."),
            .answer(#"{"evidence": "Weber-B-Fraktur der Fibula", "answer": "Yes"}"#),
        ])
        let answer = try labeler(german, server).answer("Beurteilung: Weber-B-Fraktur der Fibula rechts.")
        XCTAssertEqual(answer.values, [.positive])
        XCTAssertEqual(answer.provenance.discardedQuotes, 0, "the quote is checked in the German text")
        let retry = try XCTUnwrap(server.requests().last?["messages"] as? [[String: String]])
        XCTAssertEqual(retry[3]["content"],
                       "Diese Antwort ist ungültig: die Antwort ist kein JSON. Antworte noch einmal, nur mit JSON, in der angegebenen Form.")
    }

    func testTransientFailuresAreRetriedWithBackoffAndJitter() throws {
        let server = try FakeModelServer(script: [.status(500), .status(429), .truncated, .notJSON,
                                                  .answer(#"{"mentions": []}"#), .status(400)])
        let waits = Waits()
        let labeler = try labeler(Self.chest, server, attempts: 5, waits: waits)
        let answer = try labeler.answer(Self.report)
        XCTAssertEqual(answer.values, Array(repeating: .undefined, count: 14))
        XCTAssertEqual(answer.provenance.requests, 5)
        XCTAssertEqual(waits.delays, [0.5, 1, 2, 4], "doubling, times the jitter draw (1 here)")
        XCTAssertThrowsError(try labeler.answer(Self.report)) { error in
            XCTAssertEqual((error as? LabelingFailure)?.kind, .unavailable)
            XCTAssertEqual("\(error)", "\(server.url) answered HTTP 400", "a client error is not retried")
        }
        XCTAssertEqual(RetryPolicy(attempts: 9, baseDelay: 0.5, maxDelay: 8).delay(after: 8, random: 1), 8, "capped")
        XCTAssertEqual(RetryPolicy().delay(after: 3, random: 0.25), 0.5)
    }

    func testRefusedConnectionsAndTimeoutsAreUnavailable() throws {
        let server = try FakeModelServer(script: [.stall(seconds: 3)])
        let waits = Waits()
        XCTAssertThrowsError(try labeler(Self.chest, server, attempts: 1, timeout: 1).answer(Self.report)) { error in
            XCTAssertEqual((error as? LabelingFailure)?.kind, .unavailable)
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(server.port)") && "\(error)".lowercased().contains("timeout"), "\(error)")
        }
        let url = server.url
        server.stop()
        let closed = LLMLabeler(task: Self.chest, client: ChatClient(endpoint: try Endpoint(url), model: "m"),
                                random: { 1 }, sleep: { waits.append($0) })
        XCTAssertThrowsError(try closed.answer(Self.report)) { error in
            XCTAssertEqual((error as? LabelingFailure)?.kind, .unavailable)
            XCTAssertTrue("\(error)".contains("after 4 attempts"), "\(error)")
            XCTAssertFalse("\(error)".contains("pneumothorax"), "never the report")
        }
        XCTAssertEqual(waits.delays.count, 3)
    }

    func testTheCircuitOpensAfterRepeatedFailuresAndAProbeClosesIt() throws {
        let server = try FakeModelServer(script: [.status(503), .status(503), .answer(#"{"mentions": []}"#)])
        let breaker = CircuitBreaker(threshold: 2, cooldown: 0.5)
        let labeler = try labeler(Self.chest, server, attempts: 1, breaker: breaker)
        XCTAssertThrowsError(try labeler.answer(Self.report))
        XCTAssertThrowsError(try labeler.answer(Self.report))
        XCTAssertThrowsError(try labeler.answer(Self.report)) { error in
            XCTAssertTrue("\(error)".contains("circuit open"), "\(error)")
        }
        XCTAssertEqual(try server.requests().count, 2, "no request while the circuit is open")
        if case .open = breaker.state {} else { XCTFail("open: \(breaker.state)") }
        Thread.sleep(forTimeInterval: 0.6)
        XCTAssertEqual(breaker.state, .halfOpen)
        XCTAssertNoThrow(try labeler.answer(Self.report))
        XCTAssertEqual(breaker.state, .closed)
    }

    func testABatchRunWaitsForAnOpenCircuitInsteadOfFailing() throws {
        let server = try FakeModelServer(script: [.status(503), .answer(#"{"mentions": []}"#)])
        let breaker = CircuitBreaker(threshold: 1, cooldown: 0.3)
        var settings = LLMLabeler.Settings()
        settings.retry = RetryPolicy(attempts: 1)
        settings.circuitPatience = 5
        let labeler = LLMLabeler(task: Self.chest, client: ChatClient(endpoint: try Endpoint(server.url), model: "m"),
                                 settings: settings, breaker: breaker, sleep: { Thread.sleep(forTimeInterval: min($0, 0.1)) })
        XCTAssertThrowsError(try labeler.answer(Self.report), "the 503 opens the circuit")
        let started = Date()
        XCTAssertNoThrow(try labeler.answer(Self.report), "waits for the circuit, then asks")
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 0.1)
        XCTAssertEqual(try server.requests().count, 2)
    }

    func testTheFollowUpIsAskedOnlyAfterAYesAndContinuesTheConversation() throws {
        let report = "Splenic laceration with active extravasation in the splenic hilum."
        let server = try FakeModelServer(script: [
            .answer(#"{"evidence": "active extravasation in the splenic hilum", "answer": "Yes"}"#),
            .answer(#"{"options": ["spleen"]}"#),
            .answer(#"{"evidence": "", "answer": "No"}"#),
            .answer(#"{"evidence": "active extravasation from the liver", "answer": "Yes"}"#),
        ])
        let labeler = try labeler(Self.bleed, server)
        let yes = try labeler.answer(report)
        XCTAssertEqual(yes.values, [.positive])
        XCTAssertEqual(yes.followUp, ["spleen"])
        XCTAssertEqual(Self.bleed.cells(for: yes), ["Yes", "spleen"])
        let followUp = try XCTUnwrap(server.requests()[1])
        let messages = try XCTUnwrap(followUp["messages"] as? [[String: String]])
        XCTAssertEqual(messages.map { $0["role"]! }, ["system", "user", "assistant", "user"], "the follow-up continues the first exchange")
        XCTAssertTrue(messages[3]["content"]!.hasPrefix(Self.bleed.followUp!.question))
        let schema = try XCTUnwrap(((followUp["response_format"] as? [String: Any])?["json_schema"] as? [String: Any])?["schema"] as? [String: Any])
        XCTAssertEqual(schema["required"] as? [String], ["options"])

        let no = try labeler.answer(report)
        XCTAssertEqual(no.values, [.negative])
        XCTAssertNil(no.followUp)
        let invented = try labeler.answer(report)
        XCTAssertEqual(invented.values, [.uncertain], "a Yes resting on words the report does not have is Undefined")
        XCTAssertEqual(invented.provenance.discardedQuotes, 1)
        XCTAssertEqual(try server.requests().count, 4, "no follow-up after the No or the undone Yes")
    }

    func testUnixSocketEndpoints() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("radd-model-\(getpid()).sock").path
        unlink(path)
        let server = try FakeModelServer(script: [.answer(#"{"mentions": []}"#)], unixSocket: path)
        defer { unlink(path) }
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: path) { Thread.sleep(forTimeInterval: 0.05) }
        let client = ChatClient(endpoint: try Endpoint("unix:" + path), model: "fake-model")
        XCTAssertEqual(try client.models(), ["fake-model"])
        let answer = try LLMLabeler(task: Self.chest, client: client).answer(Self.report)
        XCTAssertEqual(answer.provenance.endpoint, "unix:" + path)
        XCTAssertEqual(try server.requests().count, 1)
        XCTAssertThrowsError(try Endpoint("unix:relative.sock"))
        XCTAssertThrowsError(try Endpoint("ftp://host"))
        XCTAssertEqual(try Endpoint("http://127.0.0.1:8091/").description, "http://127.0.0.1:8091")
    }

    func testAnEnsembleVotesPerFindingAndKeepsEveryMembersAnswer() throws {
        let server = try FakeModelServer(script: [.answer("""
            {"mentions": [{"text": "Small left pleural effusion", "finding": "Effusion", "status": "present"},
                          {"text": "No pneumothorax", "finding": "Pneumothorax", "status": "present"}]}
            """)])
        let rules = RuleLabeler(task: Self.chest)
        let ensemble = EnsembleLabeler(task: Self.chest, members: [rules, try labeler(Self.chest, server)])
        let answer = try ensemble.answer(Self.report)
        XCTAssertEqual(value(answer, "Effusion"), .positive, "both say positive")
        XCTAssertEqual(value(answer, "Pneumothorax"), .uncertain, "negative against positive is a tie: uncertain")
        XCTAssertEqual(value(answer, "Mass"), .undefined, "neither mentions it")
        XCTAssertEqual(answer.members?.map(\.provenance.labeler), ["rules", "llm"])
        XCTAssertEqual(answer.provenance.labeler, "ensemble")
        XCTAssertEqual(answer.provenance.model, "fake-model")

        XCTAssertEqual(EnsembleLabeler.vote([.positive, .positive, .negative]), .positive)
        XCTAssertEqual(EnsembleLabeler.vote([.positive, .negative, .undefined]), .uncertain)
        let binary = EnsembleLabeler(task: Self.bleed, members: [])
        let provenance = LabelProvenance(labeler: "x", version: "1")
        let voted = binary.vote([
            TaskAnswer(values: [.positive], followUp: ["spleen", "liver"], provenance: provenance),
            TaskAnswer(values: [.positive], followUp: ["spleen"], provenance: provenance),
            TaskAnswer(values: [.undefined], provenance: provenance),
        ])
        XCTAssertEqual(voted.values, [.positive])
        XCTAssertEqual(voted.followUp, ["spleen"], "the options most Yes-voters chose")
        XCTAssertEqual(binary.vote([TaskAnswer(values: [.undefined], provenance: provenance),
                                    TaskAnswer(values: [.uncertain], provenance: provenance)]).values, [.uncertain],
                       "Undefined and not mentioned are one vote for a binary task")
    }
}
