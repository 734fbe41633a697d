import Foundation
@testable import Labeling
import RaddCore
import XCTest

/// Which stored answer becomes a report's final label, with one model or an ensemble of several.
final class LabelPolicyTests: XCTestCase {
    let task = try! LabelTask.load("ankle-fracture", directories: BinaryTaskTests.directories)

    func answer(_ value: LabelValue, by labeler: String) -> TaskAnswer {
        TaskAnswer(values: [value], provenance: LabelProvenance(labeler: labeler, version: "1"))
    }

    func final(_ policy: LabelPolicy, _ answers: [String: LabelValue], models: [String]) -> (LabelValue, String)? {
        policy.finalAnswer(task: task, answers: answers.mapValues { answer($0, by: "x") }, llmLabelers: models)
            .map { ($0.answer.values[0], $0.source) }
    }

    /// `finalLabelNeeds` (what `raddctl status` counts by) says exactly when `finalAnswer` has
    /// an answer: for a task with rule phrases and a prompt-only one, every policy, no, one or
    /// three models, and every set of labelers answered.
    func testFinalLabelNeedsAgreeWithFinalAnswerForEveryPolicyAndEveryAnsweredSet() throws {
        let promptOnly = try LabelTask.load("ankle-fracture-prompt", directories: BinaryTaskTests.directories)
        for task in [task, promptOnly] {
            for models in [[], ["llm"], ["llm:a", "llm:b", "llm:c"]] {
                let labelers = ["rules"] + models
                for policy in LabelPolicy.allCases {
                    let decisions = LabelDecisions(policy: policy, models: models.compactMap(LabelerID.init(rawValue:)))
                    let needs = decisions.finalLabelNeeds(task).map { Set($0.map(\.rawValue)) }
                    for mask in 0..<(1 << labelers.count) {
                        let answered = labelers.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
                        let answers = Dictionary(uniqueKeysWithValues: answered.map { ($0, answer(.positive, by: "x")) })
                        let hasFinal = policy.finalAnswer(task: task, answers: answers, llmLabelers: models) != nil
                        let needsMet = needs.contains { $0.isSubset(of: Set(answered)) }
                        XCTAssertEqual(needsMet, hasFinal, "\(task.name), \(policy) with models \(models), answered by \(answered)")
                    }
                }
            }
        }
    }

    /// A prompt-only task: the rule labeler has no phrases to read, so under every policy the
    /// models decide, and a stray rules answer is never the final label.
    func testAPromptOnlyTaskIsDecidedByTheModelsUnderEveryPolicy() throws {
        let promptOnly = try LabelTask.load("ankle-fracture-prompt", directories: BinaryTaskTests.directories)
        XCTAssertFalse(promptOnly.hasRulePhrases)
        XCTAssertTrue(task.hasRulePhrases)
        for policy in LabelPolicy.allCases {
            let one = policy.finalAnswer(task: promptOnly, answers: ["rules": answer(.negative, by: "rules"), "llm": answer(.positive, by: "llm")])
            XCTAssertEqual(one?.answer.values, [.positive], "\(policy)")
            XCTAssertEqual(one?.source, "llm", "\(policy)")
            XCTAssertNil(policy.finalAnswer(task: promptOnly, answers: ["rules": answer(.negative, by: "rules")]), "\(policy): rules never decide it")
            let vote = policy.finalAnswer(task: promptOnly, answers: ["llm:a": answer(.positive, by: "a"), "llm:b": answer(.positive, by: "b"),
                                                                   "llm:c": answer(.negative, by: "c")], llmLabelers: ["llm:a", "llm:b", "llm:c"])
            XCTAssertEqual(vote?.answer.values, [.positive], "\(policy)")
            XCTAssertEqual(vote?.source, "llm vote", "\(policy)")
        }
    }

    func testOneModelIsCalledLLMAndSeveralByTheirNames() {
        XCTAssertEqual(LabelPolicy.llmLabelerName(model: "qwen", modelCount: 1), "llm")
        XCTAssertEqual(LabelPolicy.llmLabelerName(model: nil, modelCount: 0), "llm")
        XCTAssertEqual(LabelPolicy.llmLabelerName(model: "qwen", modelCount: 2), "llm:qwen")
    }

    func testLLMElseRulesWaitsForEveryModelThenTakesTheirVote() {
        let models = ["llm:a", "llm:b", "llm:c"]
        let partial = final(.llmElseRules, ["rules": .negative, "llm:a": .positive], models: models)
        XCTAssertEqual(partial?.0, .negative)
        XCTAssertEqual(partial?.1, "rules")
        let all = final(.llmElseRules, ["rules": .negative, "llm:a": .positive, "llm:b": .positive, "llm:c": .negative], models: models)
        XCTAssertEqual(all?.0, .positive)
        XCTAssertEqual(all?.1, "llm vote")
        XCTAssertNil(final(.llm, ["rules": .negative, "llm:a": .positive], models: models), "llm alone waits for every model")
    }

    func testOneModelIsTakenAsItAnswered() {
        let one = final(.llm, ["rules": .negative, "llm": .positive], models: ["llm"])
        XCTAssertEqual(one?.0, .positive)
        XCTAssertEqual(one?.1, "llm")
    }

    func testEnsembleVotesRulesWithEveryModelAndATieIsUndefined() {
        let models = ["llm:a", "llm:b"]
        let majority = final(.ensemble, ["rules": .positive, "llm:a": .negative, "llm:b": .positive], models: models)
        XCTAssertEqual(majority?.0, .positive)
        XCTAssertEqual(majority?.1, "ensemble")
        let tie = final(.ensemble, ["rules": .positive, "llm": .negative], models: ["llm"])
        XCTAssertEqual(tie?.0, .uncertain, "two members that disagree: Undefined, for a reviewer")
        let waiting = final(.ensemble, ["rules": .positive, "llm:a": .negative], models: models)
        XCTAssertEqual(waiting?.0, .positive)
        XCTAssertEqual(waiting?.1, "rules (the models have not all answered yet)")
    }

    func testAnswersOfAModelNoLongerConfiguredDoNotCount() {
        let answers: [String: LabelValue] = ["rules": .negative, "llm": .positive]
        XCTAssertEqual(final(.llmElseRules, answers, models: [])?.1, "rules")
        XCTAssertEqual(final(.llmElseRules, answers, models: ["llm:new"])?.1, "rules")
    }
}
