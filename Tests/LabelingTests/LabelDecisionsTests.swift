@testable import Labeling
import RaddCore
import XCTest

/// Final labels and review selection from a report's answers by labeler, as raddd's lists,
/// exports, review and evaluation decide them.
final class LabelDecisionsTests: XCTestCase {
    let ankle = try! LabelTask.load("ankle-fracture", directories: LabelerIDTests.directories)
    let chest = try! LabelTask.load("chestxray14", directories: LabelerIDTests.directories)

    func answer(_ values: [LabelValue], by labeler: String = "x", version: String = "1") -> TaskAnswer {
        TaskAnswer(values: values, provenance: LabelProvenance(labeler: labeler, version: version))
    }

    func answers(_ values: [LabelerID: LabelValue]) -> ReportAnswers {
        ReportAnswers(byLabeler: values.mapValues { answer([$0]) })
    }

    // MARK: - final

    func testTheSourcesAreNamedAsTodaysListsAndExportsShowThem() {
        XCTAssertEqual(FinalAnswer.Source.labeler(.rules).description, "rules")
        XCTAssertEqual(FinalAnswer.Source.labeler(.llm).description, "llm")
        XCTAssertEqual(FinalAnswer.Source.labeler(.model("a")).description, "llm:a")
        XCTAssertEqual(FinalAnswer.Source.modelVote.description, "llm vote")
        XCTAssertEqual(FinalAnswer.Source.ensemble.description, "ensemble")
        XCTAssertEqual(FinalAnswer.Source.rulesWithoutModels.description, "rules (no model is configured)")
        XCTAssertEqual(FinalAnswer.Source.rulesBeforeModels.description, "rules (the models have not all answered yet)")
    }

    func testEachPolicyChoosesAsBefore() {
        let models: [LabelerID] = [.model("a"), .model("b")]
        let partial = answers([.rules: .negative, .model("a"): .positive])
        let all = answers([.rules: .negative, .model("a"): .positive, .model("b"): .positive])
        func final(_ policy: LabelPolicy, _ answers: ReportAnswers, _ models: [LabelerID]) -> (LabelValue, FinalAnswer.Source)? {
            LabelDecisions(policy: policy, models: models).final(ankle, answers).map { ($0.answer.values[0], $0.source) }
        }
        XCTAssertEqual(final(.rules, all, models)?.1, .labeler(.rules))
        XCTAssertNil(final(.llm, partial, models), "llm waits for every model")
        XCTAssertEqual(final(.llm, all, models)?.0, .positive)
        XCTAssertEqual(final(.llm, all, models)?.1, .modelVote)
        XCTAssertEqual(final(.llmElseRules, partial, models)?.1, .labeler(.rules))
        XCTAssertEqual(final(.llmElseRules, answers([.rules: .negative, .llm: .positive]), [.llm])?.1, .labeler(.llm))
        XCTAssertEqual(final(.ensemble, partial, models)?.1, .rulesBeforeModels)
        XCTAssertEqual(final(.ensemble, answers([.rules: .negative]), [])?.1, .rulesWithoutModels)
        XCTAssertEqual(final(.ensemble, all, models)?.0, .positive, "two models outvote the rules")
        XCTAssertEqual(final(.ensemble, all, models)?.1, .ensemble)
        XCTAssertNil(final(.ensemble, answers([.llm: .positive]), [.llm]), "the ensemble needs the rule labeler")
    }

    func testAnswersOfAModelNoLongerConfiguredDoNotCount() {
        let decisions = LabelDecisions(policy: .llmElseRules, models: [.model("new")])
        let final = decisions.final(ankle, answers([.rules: .negative, .model("old"): .positive, .llm: .positive]))
        XCTAssertEqual(final?.answer.values, [.negative])
        XCTAssertEqual(final?.source, .labeler(.rules))
    }

    func testALaterSetOfTheSameLabelerWins() {
        let report = ReportAnswers([(.rules, answer([.positive], version: "rules-1")), (.llm, answer([.negative])),
                                    (.rules, answer([.uncertain], version: "rules-2"))])
        XCTAssertEqual(report[.rules]?.provenance.version, "rules-2")
        XCTAssertEqual(LabelDecisions(policy: .rules, models: [.llm]).final(ankle, report)?.answer.values, [.uncertain])
    }

    func testGoldIsNeverTheFinalAnswer() {
        let decisions = LabelDecisions(policy: .rules, models: [.llm])
        let report = answers([.gold: .positive, .rules: .negative])
        XCTAssertEqual(decisions.answer(of: .final, ankle, report)?.values, [.negative])
        XCTAssertEqual(decisions.answer(of: .gold, ankle, report)?.values, [.positive], "gold is asked for by name")
        XCTAssertNil(decisions.answer(of: .final, ankle, answers([.gold: .positive])))
        XCTAssertNil(decisions.answer(of: .llm, ankle, report))
        let byReport = decisions.answers(of: .final, ankle, byReport: [1: report, 2: answers([.gold: .positive])])
        XCTAssertEqual(Array(byReport.keys), [1], "a report without a final answer is left out")
    }

    func testTheStringKeyedPolicyIsTheSameDecision() {
        let named = ["rules": answer([.negative]), "llm:a": answer([.positive]), "llm:b": answer([.positive]), "gold": answer([.negative])]
        for policy in LabelPolicy.allCases {
            let old = policy.finalAnswer(task: ankle, answers: named, llmLabelers: ["llm:a", "llm:b"])
            let new = policy.finalAnswer(task: ankle, answers: ReportAnswers(byLabeler: Dictionary(uniqueKeysWithValues: named.map {
                (LabelerID(rawValue: $0.key)!, $0.value)
            })), models: [.model("a"), .model("b")])
            XCTAssertEqual(old?.answer, new?.answer, "\(policy)")
            XCTAssertEqual(old?.source, new?.source.description, "\(policy)")
        }
    }

    func testAStoredSetBecomesTheTasksAnswerInFindingOrder() {
        let provenance = LabelProvenance(labeler: "gold", version: "worksheet")
        let answer = chest.answer(values: [("Pneumothorax", .positive), ("Atelectasis", .negative)], followUp: nil, provenance: provenance)
        XCTAssertEqual(answer.values.count, chest.findings.count)
        for (finding, value) in zip(chest.findings, answer.values) {
            XCTAssertEqual(value, ["Pneumothorax": LabelValue.positive, "Atelectasis": .negative][finding.name] ?? .undefined, finding.name)
        }
    }

    // MARK: - review

    func testDisagreementsAmongConfiguredLabelersAndUndecidedFinalsGoToReview() {
        let decisions = LabelDecisions(policy: .llmElseRules, models: [.llm])
        let disagree = decisions.review(ankle, answers([.rules: .negative, .llm: .positive]))
        XCTAssertEqual(disagree.disagreements, ["Ankle fracture"])
        XCTAssertEqual(disagree.undecided, [])
        XCTAssertEqual(disagree.cells(ankle), ["Ankle fracture": ["rules": "No", "llm": "Yes"]])
        let undecided = decisions.review(ankle, answers([.rules: .uncertain, .llm: .uncertain]))
        XCTAssertEqual(undecided.disagreements, [])
        XCTAssertEqual(undecided.undecided, ["Ankle fracture"])
        XCTAssertEqual(decisions.review(ankle, answers([.rules: .undefined, .llm: .undefined])).undecided, ["Ankle fracture"],
                       "a binary task's Undefined is undecided")
        XCTAssertEqual(decisions.review(ankle, answers([.rules: .uncertain, .llm: .undefined])).disagreements, [],
                       "for a binary task uncertain and not mentioned are the same vote")
        XCTAssertFalse(decisions.review(ankle, answers([.rules: .positive, .llm: .positive])).needsReview)
    }

    func testAMultilabelReportShowsOnlyTheFindingsUnderReview() {
        let decisions = LabelDecisions(policy: .rules, models: [.llm])
        var rules = [LabelValue](repeating: .undefined, count: chest.findings.count), llm = rules
        let effusion = chest.findings.firstIndex { $0.name == "Effusion" }!, mass = chest.findings.firstIndex { $0.name == "Mass" }!
        rules[effusion] = .positive
        llm[effusion] = .negative
        rules[mass] = .uncertain
        llm[mass] = .uncertain
        let found = decisions.review(chest, ReportAnswers(byLabeler: [.rules: answer(rules), .llm: answer(llm)]))
        XCTAssertEqual(found.disagreements, ["Effusion"])
        XCTAssertEqual(found.undecided, ["Mass"])
        XCTAssertEqual(found.cells(chest), ["Effusion": ["rules": "1.0", "llm": "0.0"], "Mass": ["rules": "-1.0", "llm": "-1.0"]])
        let blank = [LabelValue](repeating: .undefined, count: chest.findings.count)
        XCTAssertFalse(decisions.review(chest, ReportAnswers(byLabeler: [.rules: answer(blank)])).needsReview,
                       "a multi-label task's blank is no question")
    }

    func testOnlyConfiguredLabelersAreJudgedAndShown() {
        let decisions = LabelDecisions(policy: .rules, models: [.model("new")])
        let found = decisions.review(ankle, answers([.rules: .negative, .model("old"): .positive, .gold: .positive]))
        XCTAssertFalse(found.needsReview, "a removed model's or gold's disagreement is not one")
        XCTAssertEqual(Set(found.answers.byLabeler.keys), [.rules])
    }

    func testNothingIsUnderReviewWithoutAFinalAnswer() {
        let decisions = LabelDecisions(policy: .llm, models: [.llm])
        XCTAssertFalse(decisions.review(ankle, answers([.rules: .negative])).needsReview)
        XCTAssertNil(decisions.reviewItem(ankle, answers([.rules: .negative])))
    }

    func testAReportWithGoldLeavesTheReviewList() {
        let decisions = LabelDecisions(policy: .llmElseRules, models: [.llm])
        let disputed = answers([.rules: .negative, .llm: .positive])
        XCTAssertEqual(decisions.reviewItem(ankle, disputed)?.disagreements, ["Ankle fracture"])
        var decided = disputed.byLabeler
        decided[.gold] = answer([.positive])
        XCTAssertNil(decisions.reviewItem(ankle, ReportAnswers(byLabeler: decided)))
        XCTAssertEqual(decisions.review(ankle, ReportAnswers(byLabeler: decided)).disagreements, ["Ankle fracture"],
                       "review.show still shows what the labelers said")
    }

    func testTheConfiguredLabelersAreTheRulesThenTheModels() {
        XCTAssertEqual(LabelDecisions(policy: .rules, models: [.model("b"), .model("a")]).configured, [.rules, .model("b"), .model("a")])
        XCTAssertEqual(LabelDecisions(policy: .rules, models: []).configured, [.rules])
    }
}
