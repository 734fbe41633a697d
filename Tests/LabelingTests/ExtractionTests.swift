import Foundation
@testable import Labeling
import RaddCore
import TestSupport
import XCTest

/// Extraction tasks (`kind: extraction`): the shipped findings-open task, the model's phrases
/// checked against the report, the cell format of stored, exported and gold phrases, and the
/// lenient scoring with its error classes.
final class ExtractionTests: XCTestCase {
    let task = try! LabelTask.load("findings-open", directories: BinaryTaskTests.directories)

    func testTheShippedTaskAsksForCodedPhrasesWithThreeWorkedExamples() throws {
        XCTAssertEqual(task.kind, .extraction)
        XCTAssertEqual(task.columns, ["Phrases"])
        XCTAssertFalse(task.hasRulePhrases, "only the models label it")
        XCTAssertEqual(task.prompt?.examples?.count, 3)
        let prompt = LLMPrompt(task: task)
        XCTAssertTrue(prompt.system.contains("I51.7: Cardiomegaly"), prompt.system)
        XCTAssertTrue(prompt.system.contains(#"{"phrases":[{"text":"heart is mildly enlarged","code":"I51.7"}"#), prompt.system)
        let schema = prompt.schema.json.text
        XCTAssertTrue(schema.contains("\"maxItems\":30"), schema)
        XCTAssertTrue(schema.contains("\"Z98.89\",\"\""), "the codes and \"\" for none: \(schema)")
        // Every example phrase is copied from its report: the prompt practises what the check enforces.
        for example in task.prompt?.examples ?? [] {
            for phrase in example.phrases ?? [] {
                XCTAssertTrue(QuoteCheck(report: example.report).occurs(phrase.text), phrase.text)
            }
        }
    }

    func testBrokenExtractionTasksAreRefused() {
        let base = #"{"name":"x","kind":"extraction","findings":[],"extraction":{"name":"Phrases","codes":[{"code":"A","description":"a"}]},"prompt":{"instructions":"?"}}"#
        XCTAssertNil(try JSONDecoder().decode(LabelTask.self, from: Data(base.utf8)).problem)
        let cases: [(String, String)] = [
            (#"{"name":"x","kind":"extraction","findings":[],"prompt":{"instructions":"?"}}"#, "an extraction task needs \"extraction\""),
            (base.replacingOccurrences(of: #""findings":[]"#, with: #""findings":[{"name":"a","mentions":["a"]}]"#), "has no findings"),
            (base.replacingOccurrences(of: #","prompt":{"instructions":"?"}"#, with: ""), "needs the prompt"),
            (base.replacingOccurrences(of: #""instructions":"?""#, with: #""instructions":"?","examples":[{"report":"r b","answers":{},"phrases":[{"text":"b","code":"Q"}]}]"#),
             "codes a phrase 'Q', which is not in extraction.codes"),
            (#"{"name":"x","kind":"multilabel","findings":[{"name":"a","mentions":["a"]}],"extraction":{"name":"P"}}"#, "only an extraction task"),
        ]
        for (json, expected) in cases {
            let problem = (try? JSONDecoder().decode(LabelTask.self, from: Data(json.utf8)))?.problem ?? ""
            XCTAssertTrue(problem.contains(expected), "\(problem) should say \(expected)")
        }
    }

    func testPhrasesRoundTripThroughTheirCells() {
        let phrases = [ExtractedPhrase(text: "Small left pleural effusion", code: "J90"), ExtractedPhrase(text: "heart; enlarged"),
                       ExtractedPhrase(text: "  two\n words ")]
        let cell = ExtractedPhrase.cell(of: phrases)
        XCTAssertEqual(cell, "Small left pleural effusion [J90]; heart, enlarged; two words")
        XCTAssertEqual(ExtractedPhrase.phrases(inCell: cell), [ExtractedPhrase(text: "Small left pleural effusion", code: "J90"),
                                                               ExtractedPhrase(text: "heart, enlarged"), ExtractedPhrase(text: "two words")])
        XCTAssertEqual(ExtractedPhrase.cell(of: []), "none")
        XCTAssertEqual(ExtractedPhrase.phrases(inCell: "None"), [])
        XCTAssertEqual(ExtractedPhrase(cell: "opacity [left lower lobe]")?.code, nil, "a bracket with spaces is part of the text")
        // Stored, a set's list column holds the cells; read back, the task gives the phrases again.
        let answer = TaskAnswer(values: [], provenance: LabelProvenance(labeler: "llm", version: "1"), phrases: phrases)
        let stored = answer.storedList(for: .extraction)
        XCTAssertEqual(task.storedAnswer(values: [], list: stored, provenance: answer.provenance).phrases?.map(\.cell), phrases.map(\.cell))
        XCTAssertEqual(task.cells(for: answer), [cell])
        XCTAssertEqual(InstructionExample.answerJSON(answer, task: task),
                       #"{"phrases": [{"text": "Small left pleural effusion", "code": "J90"}, {"text": "heart; enlarged", "code": ""}, {"text": "  two\n words ", "code": ""}]}"#)
    }

    /// The model's phrases: one it invented is dropped and counted, the code "" (none fits) is no
    /// code, a phrase given twice is kept once. (A code outside the list breaks the schema and is
    /// asked for again, as any invalid answer is.)
    func testTheModelsPhrasesAreCheckedAgainstTheReport() throws {
        let server = try FakeModelServer(script: [.answer("""
            {"phrases": [{"text": "Small left   pleural effusion", "code": "J90"}, {"text": "right lower lobe pneumonia", "code": "J18.9"},
                         {"text": "heart is enlarged", "code": ""}, {"text": "small left pleural effusion", "code": "J90"}]}
            """)])
        defer { server.stop() }
        let labeler = LLMLabeler(task: task, client: ChatClient(endpoint: try Endpoint(server.url), model: "m", timeoutSeconds: 5))
        let answer = try labeler.answer("FINDINGS: The heart is enlarged. Small left pleural effusion.\nIMPRESSION: Cardiomegaly.")
        XCTAssertEqual(answer.phrases, [ExtractedPhrase(text: "Small left   pleural effusion", code: "J90"), ExtractedPhrase(text: "heart is enlarged")])
        XCTAssertEqual(answer.provenance.discardedQuotes, 1, "the invented pneumonia")
        XCTAssertEqual(answer.values, [])
    }

    /// Several models: a phrase more than half of them quoted is kept.
    func testTheModelsVoteKeepsPhrasesMostOfThemQuoted() {
        let provenance = LabelProvenance(labeler: "llm", version: "1")
        let a = TaskAnswer(values: [], provenance: provenance, phrases: [ExtractedPhrase(text: "Effusion", code: "J90"), ExtractedPhrase(text: "scoliosis")])
        let b = TaskAnswer(values: [], provenance: provenance, phrases: [ExtractedPhrase(text: "effusion")])
        let c = TaskAnswer(values: [], provenance: provenance, phrases: [ExtractedPhrase(text: "Scoliosis"), ExtractedPhrase(text: "granuloma")])
        let vote = EnsembleLabeler(task: task, members: []).vote([a, b, c])
        XCTAssertEqual(vote.phrases, [ExtractedPhrase(text: "Effusion", code: "J90"), ExtractedPhrase(text: "scoliosis")])
    }

    func testLenientScoringAndTheErrorClasses() {
        let text = """
            FINDINGS: The heart is mildly enlarged. Small left pleural effusion. Patchy opacity in the left lower lobe which may \
            represent pneumonia. Degenerative changes of the thoracic spine. Calcified granuloma.
            IMPRESSION: Cardiomegaly.
            """
        func phrases(_ texts: String...) -> [ExtractedPhrase] { texts.map { ExtractedPhrase(text: $0) } }
        let input = PhraseEvaluation.Input(
            text: text,
            predicted: phrases("heart is mildly enlarged",            // overlaps gold "The heart is mildly enlarged" -> match
                               "left pleural effusion. Patchy opacity",  // joins two gold phrases
                               "pneumonia",                            // hedged ("may represent" before it), not in gold
                               "Degenerative changes",                 // with the next, splits one gold phrase
                               "the thoracic spine",
                               "cardiomegaly"),                        // normalised equal to gold "Cardiomegaly."
            gold: phrases("The heart is mildly enlarged", "Small left pleural effusion", "Patchy opacity in the left lower lobe",
                          "Degenerative changes of the thoracic spine", "Calcified granuloma", "Cardiomegaly.", "aortic ectasia"),
            droppedInvented: 2)
        let evaluation = PhraseEvaluation([input])
        XCTAssertEqual(evaluation.totals, .init(predicted: 6, gold: 7, matchedPredicted: 5, matchedGold: 5))
        XCTAssertEqual(evaluation.totals.precision ?? 0, 5.0 / 6, accuracy: 1e-9)
        XCTAssertEqual(evaluation.totals.recall ?? 0, 5.0 / 7, accuracy: 1e-9)
        var expected = PhraseEvaluation.ErrorClasses()
        expected.uncertainIncluded = 1
        expected.missed = 2          // the granuloma, and the ectasia the report does not have
        expected.split = 1
        expected.joined = 1
        expected.droppedInvented = 2
        expected.goldNotInText = 1
        XCTAssertEqual(evaluation.errors, expected)
        let printed = evaluation.text(task: "findings-open", labeler: "llm", goldName: "g")
        XCTAssertTrue(printed.contains("uncertain phrases included (a hedge in or just before the phrase): 1"), printed)
        XCTAssertTrue(printed.contains("0.833   0.714  0.769"), printed)
        XCTAssertFalse(printed.contains("granuloma") || printed.contains("heart"), "figures only, no report words")

        // Nothing predicted and nothing in gold: no figures to give, and no crash.
        let empty = PhraseEvaluation([PhraseEvaluation.Input(text: text, predicted: [], gold: [])])
        XCTAssertNil(empty.totals.f1)
    }
}
