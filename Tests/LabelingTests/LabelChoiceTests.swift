import Foundation
@testable import Labeling
import RaddCore
import XCTest

/// `label_policy = auto`: which labeler decides each finding, from scripted answers and gold,
/// in-process. The thresholds (30 reports answered by both, 5 gold positives) are tested at
/// their edges; the F1 intervals are the same bootstrap `raddctl eval` prints.
final class LabelChoiceTests: XCTestCase {
    let ankle = try! LabelTask.load("ankle-fracture", directories: BinaryTaskTests.directories)
    let chest = try! LabelTask.load("chestxray14", directories: BinaryTaskTests.directories)

    func answer(_ values: [LabelValue], by labeler: String) -> TaskAnswer {
        TaskAnswer(values: values, provenance: LabelProvenance(labeler: labeler, version: "1"))
    }

    /// `reports` binary reports, the first `positives` positive in gold; the model agrees with
    /// gold everywhere, the rules miss `ruleMisses` of the positives.
    func binaryCase(reports: Int, positives: Int, ruleMisses: Int, modelMisses: Int = 0)
        -> (gold: [Int64: TaskAnswer], answers: [Int64: ReportAnswers]) {
        var gold: [Int64: TaskAnswer] = [:], answers: [Int64: ReportAnswers] = [:]
        for report in 0..<reports {
            let id = Int64(report + 1)
            let truth: LabelValue = report < positives ? .positive : .negative
            gold[id] = answer([truth], by: "gold")
            let rules: LabelValue = report < ruleMisses ? .negative : truth
            let model: LabelValue = report >= positives - modelMisses && report < positives ? .negative : truth
            answers[id] = ReportAnswers(byLabeler: [.rules: answer([rules], by: "rules"), .llm: answer([model], by: "llm")])
        }
        return (gold, answers)
    }

    func choice(_ data: (gold: [Int64: TaskAnswer], answers: [Int64: ReportAnswers]), models: [LabelerID] = [.llm]) -> FindingChoice {
        LabelChoice.choose(task: ankle, gold: data.gold, answers: data.answers, models: models)[0]
    }

    func testBeforeEnoughGoldTheRulesDecideAFindingWithPhrases() {
        let none = choice(([:], [:]))
        XCTAssertEqual(none.decider, .rules)
        XCTAssertEqual(none.basis, .tooLittleGold)
        XCTAssertEqual(none.why, "no gold yet: rules have phrases")

        // 29 reports answered by both: one short, however much better the model is.
        let short = choice(binaryCase(reports: 29, positives: 10, ruleMisses: 5))
        XCTAssertEqual(short.decider, .rules)
        XCTAssertEqual(short.basis, .tooLittleGold)
        XCTAssertEqual(short.comparedReports, 29)
        XCTAssertTrue(short.why.hasPrefix("too little gold yet (29 reports answered by both, 10 positive; needs 30 and 5)"), short.why)

        // 30 reports but 4 positives.
        let fewPositives = choice(binaryCase(reports: 40, positives: 4, ruleMisses: 2))
        XCTAssertEqual(fewPositives.decider, .rules)
        XCTAssertEqual(fewPositives.goldPositives, 4)
        XCTAssertEqual(fewPositives.basis, .tooLittleGold)
    }

    func testAtTheThresholdsTheHigherLowerBoundDecides() {
        let better = choice(binaryCase(reports: 30, positives: 5, ruleMisses: 3))
        XCTAssertEqual(better.basis, .gold)
        XCTAssertEqual(better.decider, .models, better.why)
        XCTAssertEqual(better.scores.map(\.labeler), ["rules", "llm"])
        XCTAssertEqual(better.scores[1].f1, 1)
        XCTAssertLessThan(better.scores[0].lower ?? 1, better.scores[1].lower ?? 0)

        let worse = choice(binaryCase(reports: 60, positives: 20, ruleMisses: 0, modelMisses: 8))
        XCTAssertEqual(worse.basis, .gold)
        XCTAssertEqual(worse.decider, .rules, worse.why)

        // Both perfect: a tie keeps the rules.
        let tie = choice(binaryCase(reports: 30, positives: 5, ruleMisses: 0))
        XCTAssertEqual(tie.scores[0].lower, tie.scores[1].lower)
        XCTAssertEqual(tie.decider, .rules)
    }

    /// Only reports both labelers answered count: gold reports the model has not reached yet
    /// neither help nor hurt it.
    func testOnlyReportsBothAnsweredAreCompared() {
        var data = binaryCase(reports: 40, positives: 10, ruleMisses: 4)
        for id in Int64(1)...Int64(15) {
            data.answers[id] = ReportAnswers(byLabeler: [.rules: data.answers[id]![.rules]!])
        }
        let partial = choice(data)
        XCTAssertEqual(partial.goldReports, 40)
        XCTAssertEqual(partial.comparedReports, 25)
        XCTAssertEqual(partial.basis, .tooLittleGold, "25 compared reports, none of the 10 positives")
        XCTAssertEqual(partial.decider, .rules)
    }

    /// Several models: their vote is the candidate, as `llm vote`.
    func testSeveralModelsAreJudgedByTheirVote() {
        var data = binaryCase(reports: 30, positives: 6, ruleMisses: 3)
        for (id, answers) in data.answers {
            let model = answers[.llm]!
            data.answers[id] = ReportAnswers(byLabeler: [.rules: answers[.rules]!, .model("a"): model, .model("b"): model,
                                                         .model("c"): answer([.negative], by: "c")])
        }
        let voted = choice(data, models: [.model("a"), .model("b"), .model("c")])
        XCTAssertEqual(voted.scores.map(\.labeler), ["rules", "llm vote"])
        XCTAssertEqual(voted.decider, .models)
    }

    func testWithoutAModelTheRulesDecideAndWithoutPhrasesTheModels() throws {
        let data = binaryCase(reports: 30, positives: 5, ruleMisses: 3)
        let noModels = choice(data, models: [])
        XCTAssertEqual(noModels.decider, .rules)
        XCTAssertEqual(noModels.basis, .noModels)
        let promptOnly = try LabelTask.load("ankle-fracture-prompt", directories: BinaryTaskTests.directories)
        let choices = LabelChoice.choose(task: promptOnly, gold: data.gold, answers: data.answers, models: [.llm])
        XCTAssertEqual(choices.map(\.decider), [.models])
        XCTAssertEqual(choices[0].why, "no rule phrases: the models decide")
    }

    /// The final label under auto takes each finding from its decider, and names it.
    func testTheFinalLabelTakesEachFindingFromItsDecider() throws {
        let nodule = try XCTUnwrap(chest.findings.firstIndex { $0.name == "Nodule" })
        var rulesValues = [LabelValue](repeating: .undefined, count: chest.findings.count)
        rulesValues[0] = .positive
        var modelValues = [LabelValue](repeating: .negative, count: chest.findings.count)
        modelValues[nodule] = .positive
        let answers = ReportAnswers(byLabeler: [.rules: answer(rulesValues, by: "rules"), .llm: answer(modelValues, by: "llm")])
        var choice = LabelChoice()
        choice.byTask["chestxray14"] = chest.findings.map {
            FindingChoice(finding: $0.name, decider: $0.name == "Nodule" ? .models : .rules, basis: .gold)
        }
        let decisions = LabelDecisions(policy: .auto, models: [.llm], choice: choice)
        let final = try XCTUnwrap(decisions.final(chest, answers))
        XCTAssertEqual(final.answer.values[0], .positive)
        XCTAssertEqual(final.answer.values[nodule], .positive)
        XCTAssertEqual(final.answer.values[1], .undefined, "the rules' answer, not the model's negative")
        XCTAssertEqual(final.source.description, "per finding: rules, llm")
        XCTAssertEqual(final.source(ofFinding: nodule).description, "llm")
        XCTAssertEqual(final.source(ofFinding: 0).description, "rules")
        XCTAssertNil(decisions.final(chest, ReportAnswers(byLabeler: [.rules: answer(rulesValues, by: "rules")])),
                     "no final label while the model that decides Nodule has not answered")
        XCTAssertEqual(decisions.finalLabelNeeds(chest), [[.rules, .llm]])

        // Before gold, auto is the rules alone: the model's answers do not matter.
        let initial = LabelDecisions(policy: .auto, models: [.llm])
        XCTAssertEqual(initial.final(chest, answers)?.answer.values, rulesValues)
        XCTAssertEqual(initial.final(chest, answers)?.source.description, "rules")
        XCTAssertEqual(initial.finalLabelNeeds(chest), [[.rules]])
    }

    /// `finalLabelNeeds` agrees with `final` under auto with a mixed choice, and for a task
    /// that mixes findings with and without phrases under every policy.
    func testNeedsAgreeWithTheFinalLabelForMixedChoicesAndMixedTasks() throws {
        var mixedTask = chest
        mixedTask.findings[2].mentions = []
        XCTAssertNil(mixedTask.problem, "a task may mix findings with and without phrases when it has a prompt")
        var choice = LabelChoice()
        choice.byTask["chestxray14"] = chest.findings.map {
            FindingChoice(finding: $0.name, decider: $0.name == "Nodule" ? .models : .rules, basis: .gold)
        }
        for task in [chest, mixedTask] {
            for models in [[], ["llm"], ["llm:a", "llm:b"]] {
                let labelers = ["rules"] + models
                for policy in LabelPolicy.allCases {
                    for chosen in [LabelChoice(), choice] {
                        let decisions = LabelDecisions(policy: policy, models: models.compactMap(LabelerID.init(rawValue:)), choice: chosen)
                        let needs = decisions.finalLabelNeeds(task).map { Set($0.map(\.rawValue)) }
                        for mask in 0..<(1 << labelers.count) {
                            let answered = labelers.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
                            let answers = ReportAnswers(byLabeler: Dictionary(uniqueKeysWithValues: answered.map {
                                (LabelerID(rawValue: $0)!, answer(Array(repeating: .positive, count: task.findings.count), by: $0))
                            }))
                            let hasFinal = decisions.final(task, answers) != nil
                            XCTAssertEqual(needs.contains { $0.isSubset(of: Set(answered)) }, hasFinal,
                                           "\(task.findings[2].mentions.isEmpty ? "mixed" : "ruled"), \(policy), models \(models), answered \(answered)")
                        }
                    }
                }
            }
        }
    }

    /// In a task mixing findings with and without phrases, the models decide the latter under
    /// every policy, and the rule labeler's blank there is never the final label.
    func testAFindingWithoutPhrasesIsTheModelsUnderEveryPolicy() throws {
        var mixedTask = chest
        mixedTask.findings[2].mentions = []
        let rules = answer([LabelValue](repeating: .negative, count: 14).enumerated().map { $0.offset == 2 ? .undefined : $0.element }, by: "rules")
        let model = answer([LabelValue](repeating: .positive, count: 14), by: "llm")
        for policy in LabelPolicy.allCases {
            let decisions = LabelDecisions(policy: policy, models: [.llm])
            let final = try XCTUnwrap(decisions.final(mixedTask, ReportAnswers(byLabeler: [.rules: rules, .llm: model])), "\(policy)")
            XCTAssertEqual(final.answer.values[2], .positive, "\(policy)")
            XCTAssertEqual(final.source(ofFinding: 2).description, "llm", "\(policy)")
        }
        let changes = LabelChoice(byTask: ["t": [FindingChoice(finding: "A", decider: .models, basis: .gold)]])
            .changes(from: LabelChoice(byTask: ["t": [FindingChoice(finding: "A", decider: .rules, basis: .tooLittleGold)]]))
        XCTAssertEqual(changes, ["t/A: rules -> models"])
    }
}
