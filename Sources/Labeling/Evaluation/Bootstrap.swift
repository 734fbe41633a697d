import Foundation
import RaddCore

public struct ConfidenceInterval: Sendable, Codable, Equatable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}

/// Percentile bootstrap over reports: each round draws as many reports as were evaluated, with
/// replacement, and rescores them. Reports (not label pairs) are the unit because one report's
/// findings are correlated. The generator is seeded so the same inputs always give the same intervals.
public struct BootstrapSettings: Sendable, Codable, Equatable {
    public var rounds: Int
    public var seed: UInt64
    public var confidence: Double

    public init(rounds: Int = 1000, seed: UInt64 = 20_240_601, confidence: Double = 0.95) {
        self.rounds = rounds
        self.seed = seed
        self.confidence = confidence
    }
}

public struct BootstrapIntervals: Sendable, Codable, Equatable {
    public var settings: BootstrapSettings
    public var microF1: ConfidenceInterval?
    public var macroF1: ConfidenceInterval?
    /// In finding order; nil where F1 was undefined in too many rounds to say anything.
    public var findingF1: [ConfidenceInterval?]
}

extension LabelEvaluation {
    public func bootstrap(_ settings: BootstrapSettings = BootstrapSettings()) -> BootstrapIntervals {
        let findingCount = aligned.findings.count
        let reports = reportCount
        var generator = SplitMix64(seed: settings.seed)
        var microSamples: [Double] = [], macroSamples: [Double] = []
        var findingSamples = [[Double]](repeating: [], count: findingCount)
        var drawn = [Int](repeating: 0, count: reports)
        let pooled = pooledFindings
        for _ in 0..<(reports == 0 ? 0 : settings.rounds) {
            for slot in 0..<reports { drawn[slot] = Int(generator.next() % UInt64(reports)) }
            let counts = Self.tally(outcomes, findingCount: findingCount, reports: drawn)
            if let f1 = pooled.reduce(ConfusionCounts(), { $0 + counts[$1] }).f1 { microSamples.append(f1) }
            if let f1 = MacroAverage(counts).f1 { macroSamples.append(f1) }
            for finding in 0..<findingCount {
                if let f1 = counts[finding].f1 { findingSamples[finding].append(f1) }
            }
        }
        // A statistic undefined in more than half the rounds has no meaningful interval.
        let minimum = max(1, settings.rounds / 2)
        func interval(_ samples: [Double]) -> ConfidenceInterval? {
            samples.count >= minimum ? Self.percentileInterval(samples, confidence: settings.confidence) : nil
        }
        return BootstrapIntervals(settings: settings, microF1: interval(microSamples), macroF1: interval(macroSamples),
                                  findingF1: findingSamples.map(interval))
    }

    static func percentileInterval(_ samples: [Double], confidence: Double) -> ConfidenceInterval {
        let sorted = samples.sorted()
        let tail = (1 - confidence) / 2
        func quantile(_ p: Double) -> Double {
            // Linear interpolation between order statistics (the "type 7" rule R and NumPy use by default).
            let position = p * Double(sorted.count - 1)
            let below = Int(position.rounded(.down)), above = Int(position.rounded(.up))
            return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
        }
        return ConfidenceInterval(lower: quantile(tail), upper: quantile(1 - tail))
    }
}
