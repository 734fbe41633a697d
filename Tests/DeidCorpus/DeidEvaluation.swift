import Deid

/// Runs a finder over the synthetic corpus and scores it; what `radd-deid-eval` prints and what a
/// threshold test asserts on.
public enum DeidEvaluation {
    public static func run(finder: any PHIFinder, seed: UInt64 = SyntheticCorpus.defaultSeed,
                           count: Int = SyntheticCorpus.defaultCount) -> Scores {
        run(finder: finder, reports: SyntheticCorpus.generate(seed: seed, count: count))
    }

    public static func run(finder: any PHIFinder, reports: [SyntheticReport]) -> Scores {
        var scores = Scores()
        for report in reports {
            let predicted = finder.phiSpans(in: report.text, structured: report.structured)
            scores.add(text: report.text, gold: report.goldSpans, predicted: predicted, reportIndex: report.index)
        }
        return scores
    }
}
