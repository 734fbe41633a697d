import Deid
import DeidCorpus
import Foundation
import DeidCorpus

// Scores a PHI finder on the synthetic corpus, per category, at token level.
// The corpus is synthetic, so printing missed tokens with their context discloses nothing.

let usage = """
    usage: radd-deid-eval [--seed N] [--count N] [--misses N] [--structured-only]
      --seed N     corpus seed (default \(SyntheticCorpus.defaultSeed))
      --count N    number of reports (default \(SyntheticCorpus.defaultCount))
      --misses N   also print the first N misses and false positives, and the N most frequent
      --show N     print report N of the corpus with its gold spans marked, and nothing else
      --structured-only   score the baseline that finds only the export's structured values
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("radd-deid-eval: \(message)\n\(usage)\n".utf8))
    exit(2)
}

var seed = SyntheticCorpus.defaultSeed
var count = SyntheticCorpus.defaultCount
var missLimit = 0
var shownReport: Int?
var structuredOnly = false
var arguments = CommandLine.arguments.dropFirst()
while let option = arguments.popFirst() {
    if option == "--help" || option == "-h" {
        print(usage)
        exit(0)
    }
    if option == "--structured-only" {
        structuredOnly = true
        continue
    }
    guard ["--seed", "--count", "--misses", "--show"].contains(option) else { fail("unknown option \(option)") }
    guard let value = arguments.popFirst() else { fail("\(option) needs a value") }
    switch option {
    case "--seed":
        guard let parsed = UInt64(value) else { fail("--seed needs a non-negative integer") }
        seed = parsed
    case "--count":
        guard let parsed = Int(value), parsed > 0 else { fail("--count needs a positive integer") }
        count = parsed
    case "--show":
        guard let parsed = Int(value), parsed >= 0 else { fail("--show needs a report number") }
        shownReport = parsed
    default:
        guard let parsed = Int(value), parsed >= 0 else { fail("--misses needs a non-negative integer") }
        missLimit = parsed
    }
}

if let shownReport {
    let report = SyntheticCorpus.report(index: shownReport, seed: seed)
    print("report \(shownReport) (\(report.exam)), seed \(seed)\n")
    print(GoldMarkup.render(report))
    exit(0)
}

let finder = makeFinder(structuredOnly: structuredOnly)
let scores = DeidEvaluation.run(finder: finder, seed: seed, count: count)
print("radd-deid-eval: \(type(of: finder)) on \(count) synthetic reports, seed \(seed)\n")
print(ScoreTable.render(scores))
if missLimit > 0 {
    print(ScoreTable.renderExamples(scores, limit: missLimit))
}
