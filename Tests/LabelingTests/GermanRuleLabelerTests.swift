import Foundation
@testable import Labeling
import RaddCore
import XCTest

/// German rule labelling (issue 20): the built-in German cues, compounds, umlauts, a task's own
/// cues and their validation, and the shipped task `ankle-fracture-de` on sixty German ankle
/// reports we wrote with their gold (`Fixtures/ankle-de/SOURCE.txt`).
final class GermanRuleLabelerTests: XCTestCase {
    static let fixtures = RuleLabelerTests.repository.appendingPathComponent("Tests/LabelingTests/Fixtures/ankle-de")
    static let task = try! LabelTask.load("ankle-fracture-de", directories: BinaryTaskTests.directories)
    let ankle = RuleLabeler(task: GermanRuleLabelerTests.task)

    func answer(_ text: String) -> String { ankle.cells(text)[0] }

    func testTheTaskReadsGermanReports() {
        XCTAssertEqual(Self.task.reportLanguage, .de)
        XCTAssertEqual(Self.task.columns, ["Ankle fracture"], "the English task's answer column")
    }

    func testGermanNegationBeforeTheMention() {
        XCTAssertEqual(answer("Keine Fraktur."), "No")
        XCTAssertEqual(answer("Kein Nachweis einer Fraktur oder Luxation."), "No")
        XCTAssertEqual(answer("Kein Anhalt für eine Fraktur."), "No")
        XCTAssertEqual(answer("Oberes Sprunggelenk ohne Fraktur und ohne Fehlstellung."), "No")
        XCTAssertEqual(answer("Ausschluss einer Fraktur."), "No")
        XCTAssertEqual(answer("Knöchern frei von Frakturen."), "No")
        XCTAssertEqual(answer("Keine Luxation, keine Fraktur, kein Erguss."), "No")
    }

    func testGermanNegationAfterTheMention() {
        XCTAssertEqual(answer("Fraktur ausgeschlossen."), "No")
        XCTAssertEqual(answer("Eine Fraktur ist nicht nachweisbar."), "No")
        XCTAssertEqual(answer("Eine Fraktur ist in beiden Ebenen nicht nachweisbar."), "No", "the verb comes last")
        XCTAssertEqual(answer("Eine Frakturlinie lässt sich nicht abgrenzen."), "No")
        XCTAssertEqual(answer("Fraktur nicht sicher ausgeschlossen."), "Undefined", "not excluded is a hedge, not a negation")
    }

    func testNegationWordsThatNegateNothing() {
        XCTAssertEqual(answer("Nicht dislozierte Fraktur des Außenknöchels."), "Yes")
        XCTAssertEqual(answer("Keine Luxation. Kein Gelenkerguss. Nicht dislozierte Fraktur des Malleolus lateralis."), "Yes",
                       "a negation in an earlier sentence does not reach")
        XCTAssertEqual(answer("Weber-B-Fraktur, keine sekundäre Dislokation."), "Yes")
    }

    func testGermanUncertainty() {
        XCTAssertEqual(answer("V.a. Innenknöchelfraktur."), "Undefined")
        XCTAssertEqual(answer("V. a. Innenknöchelfraktur."), "Undefined")
        XCTAssertEqual(answer("Verdacht auf eine nicht dislozierte Fraktur."), "Undefined")
        XCTAssertEqual(answer("Fragliche Fissur der distalen Fibula."), "Undefined")
        XCTAssertEqual(answer("Fissur der Fibulaspitze fraglich."), "Undefined", "a hedge after the mention")
        XCTAssertEqual(answer("DD Stressfraktur, DD Knocheninfarkt."), "Undefined")
        XCTAssertEqual(answer("Eine okkulte Fraktur ist nicht auszuschließen."), "Undefined")
        XCTAssertEqual(answer("Möglicherweise kleine Avulsionsfraktur."), "Undefined")
        XCTAssertEqual(answer("Aufhellungslinie, am ehesten Weber A."), "Undefined")
        XCTAssertEqual(answer("Befund vereinbar mit einer Fraktur."), "Undefined")
        XCTAssertEqual(answer("Wahrscheinlich nicht dislozierte Fraktur."), "Undefined")
        XCTAssertEqual(answer("Suspekt auf eine Fissur des Innenknöchels."), "Undefined")
        XCTAssertEqual(answer("Knöcherne Absprengung an der Fibulaspitze, DD Os subfibulare."), "Undefined", "DD after the finding")
        XCTAssertEqual(answer("Fraktur nicht mit Sicherheit auszuschließen."), "Undefined", "a 'mit' inside the cue")
    }

    func testStructuredAnswersAndSummaryPhrases() {
        XCTAssertEqual(answer("Fraktur: nein."), "No")
        XCTAssertEqual(answer("Frakturen: keine."), "No")
        XCTAssertEqual(answer("Kein Nachweis einer frischen ossären Läsion."), "No")
        XCTAssertEqual(answer("Unauffällige Darstellung des OSG."), "No")
        XCTAssertEqual(answer("Kleine Absprengung an der Talusvorderkante."), "Yes")
        XCTAssertEqual(answer("Weber-B-Fraktur keine Luxation."), "Yes", "'keine' after a mention negates nothing")
    }

    func testScopeEndsAtGermanContrastAndCircumstance() {
        XCTAssertEqual(answer("Keine Luxation, jedoch Fraktur des Außenknöchels."), "Yes")
        XCTAssertEqual(answer("Kein Erguss, aber Fraktur der Fibula."), "Yes")
        XCTAssertEqual(answer("Kein Gelenkerguss, allerdings Fraktur der Fibula."), "Yes")
        XCTAssertEqual(answer("Weber-B-Fx li. mit V.a. Deltabandruptur."), "Yes", "the hedge after 'mit' is about the ligament")
        let clauses = Clauses("Keine Fraktur bei deutlicher Weichteilschwellung.", cues: ankle.cues).clauses
        XCTAssertEqual(clauses.map(\.words), [["keine", "fraktur"], ["deutlicher", "weichteilschwellung"]])
    }

    func testAbbreviationsDoNotEndTheSentence() {
        let cut = { (text: String) in Clauses(text, cues: self.ankle.cues).clauses.map(\.words) }
        XCTAssertEqual(cut("V.a. Fraktur."), [["v", "a", "fraktur"]])
        XCTAssertEqual(cut("Z.n. Sturz. Keine Fraktur."), [["z", "n", "sturz"], ["keine", "fraktur"]])
        XCTAssertEqual(cut("OSG re. in 2 Eb. ohne Fraktur"), [["osg", "re", "in", "2", "eb", "ohne", "fraktur"]])
        XCTAssertEqual(cut("Fraktur li. Stellung regelrecht."), [["fraktur", "li"], ["stellung", "regelrecht"]],
                       "after an abbreviation a capital starts a new sentence")
        XCTAssertEqual(cut("Diastase 2.5 mm."), [["diastase", "2", "5", "mm"]])
    }

    func testCompoundsMatchAtTheirTail() {
        XCTAssertEqual(answer("Innenknöchelfraktur rechts."), "Yes")
        XCTAssertEqual(answer("Distale Fibulafraktur Typ Weber B."), "Yes")
        XCTAssertEqual(answer("Knöcherner Bandausriss an der Fibulaspitze."), "Yes")
        XCTAssertEqual(answer("Keine Kalkaneusfraktur."), "No")
        XCTAssertEqual(answer("Konsolidierte Fibulafraktur nach Osteosynthese."), "No", "an un-mention matches compounds too")
        XCTAssertEqual(answer("Frakturverdacht."), "Undefined", "a phrase word matches only at the end of a word, not inside")
        XCTAssertTrue(Phrase.matchesWord("fraktur", "innenknoechelfraktur", tails: true))
        XCTAssertFalse(Phrase.matchesWord("b", "ab", tails: true), "short words match whole only")
        XCTAssertFalse(Phrase.matchesWord("fraktur", "innenknoechelfraktur"), "English matches whole words only")
    }

    func testUmlautsAndSharpSInAnySpellingAndCase() {
        XCTAssertEqual(answer("AUSSENKNÖCHELFRAKTUR."), "Yes")
        XCTAssertEqual(answer("Aussenknoechelfraktur."), "Yes", "written without umlauts")
        XCTAssertEqual(answer("Au\u{DF}enkno\u{308}chelfraktur nicht auszuschlie\u{DF}en."), "Undefined", "a decomposed ö")
        XCTAssertEqual(answer("Fraktur nicht auszuschliessen."), "Undefined", "ss for ß")
        XCTAssertEqual(answer("Älterer knöcherner Bandausriss, keine frische Fraktur."), "No")
        let evidence = ankle.evidence("Nicht dislozierte Außenknöchelfraktur.")
        XCTAssertEqual(evidence.first?.mention, "außenknöchelfraktur", "evidence shows the words as written")
    }

    func testOldFracturesAreNotCurrentOnesAndAnswerNo() {
        XCTAssertEqual(answer("Alte, in Fehlstellung verheilte Fraktur des Innenknöchels."), "No")
        XCTAssertEqual(answer("Z.n. Weber-B-Fraktur, knöchern fest durchbaut."), "No")
        XCTAssertEqual(answer("Fraktur vollständig konsolidiert."), "No")
        XCTAssertEqual(answer("Konsolidierte Fibulafraktur. Frische Innenknöchelfraktur."), "Yes", "a fresh fracture beside an old one")
    }

    func testTheBeurteilungDecidesWhatItMentions() {
        XCTAssertEqual(answer("Befund: Fragliche Aufhellungslinie an der Fibulaspitze.\nBeurteilung: Keine Fraktur."), "No")
        XCTAssertEqual(answer("Fragestellung: Fraktur?\nBefund: Keine Fraktur."), "No", "the indication is not read")
    }

    /// The acceptance figure of issue 20: at least 57 of the 60 reports as the gold says.
    func testTheSixtyGermanAnkleReportsAgreeWithTheGold() throws {
        let gold = try CSVRecords.parse([UInt8](Data(contentsOf: Self.fixtures.appendingPathComponent("gold.csv"))), file: "gold.csv")
            .map(\.fields).dropFirst()
        XCTAssertEqual(gold.count, 60)
        var agreed = 0
        var disagreements: [String] = []
        var table: [String: [String: Int]] = [:]
        for row in gold {
            let (id, expected) = (row[0], row[1])
            let text = try String(contentsOf: Self.fixtures.appendingPathComponent("reports/\(id).txt"), encoding: .utf8)
            let predicted = answer(text)
            table[expected, default: [:]][predicted, default: 0] += 1
            if predicted == expected {
                agreed += 1
            } else {
                let why = ankle.evidence(text).map { "\($0.status.rawValue) '\($0.mention)' (\($0.cue ?? "no cue")) in '\($0.clause)'" }
                disagreements.append("\(id): gold \(expected), rules \(predicted): " + why.joined(separator: "; "))
            }
        }
        print("ankle-fracture-de on the 60 German ankle reports: rules agree with the gold on \(agreed) of \(gold.count)")
        for expected in ["Yes", "No", "Undefined"] {
            let row = ["Yes", "No", "Undefined"].map { "\($0) \(table[expected]?[$0] ?? 0)" }.joined(separator: ", ")
            print("  gold \(expected): rules \(row)")
        }
        for line in disagreements { print("  disagreement \(line)") }
        XCTAssertGreaterThanOrEqual(agreed, 57, "rules agree with the gold on \(agreed) of 60:\n" + disagreements.joined(separator: "\n"))
    }
}

/// A German task's instruction-tuning export is framed in German too; the answer object is the
/// English task's.
final class GermanInstructionExampleTests: XCTestCase {
    func testTheDirectAnswerFormatIsGermanAndTheAnswerTheSame() throws {
        let german = try LabelTask.load("ankle-fracture-de", directories: BinaryTaskTests.directories)
        let system = InstructionExample.systemPrompt(for: german)
        XCTAssertTrue(system.hasSuffix("\n\nAntworte nur mit JSON, in der Form {\"answer\": ANSWER}, wobei ANSWER \"Yes\", \"No\" oder \"Undefined\" ist."), system)
        XCTAssertFalse(system.contains("Answer with JSON"))
        let answer = TaskAnswer(values: [.positive], provenance: LabelProvenance(labeler: "rules", version: "rules-2", task: german.name))
        XCTAssertEqual(InstructionExample.answerJSON(answer, task: german), #"{"answer": "Yes"}"#)
        let line = InstructionExample.line(task: german, system: system, reportText: "Außenknöchelfraktur li.", answer: answer)
        XCTAssertTrue(line.contains("Außenknöchelfraktur li."), "umlauts are written as they are: \(line)")
    }
}
