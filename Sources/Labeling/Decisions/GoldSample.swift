import RaddCore

/// Which reports a gold worksheet asks a radiologist about: candidates in strata of one
/// labeler's answers, drawn equally from each stratum, reproducibly for a seed.
public enum GoldSample {
    /// The candidates by stratum: all in one, `all`, without a labeler's answers to go by;
    /// otherwise by their stratum under `answers`, reports it did not answer in `not answered`.
    public static func strata(of candidates: [Int64], answers: [Int64: TaskAnswer]?, task: LabelTask) -> [String: [Int64]] {
        guard let answers else { return ["all": candidates] }
        let names = strata(answers, task: task)
        var strata: [String: [Int64]] = [:]
        for candidate in candidates { strata[names[candidate] ?? "not answered", default: []].append(candidate) }
        return strata
    }

    /// Each report's stratum: for a binary task its answer (Yes, No, Undefined); otherwise the
    /// rarest finding the answer calls positive, so rare findings are not drowned by common
    /// ones, else whether it is uncertain about any.
    public static func strata(_ answers: [Int64: TaskAnswer], task: LabelTask) -> [Int64: String] {
        if task.kind == .binary {
            return answers.mapValues { answer in
                switch answer.values.first {
                case .positive?: return "Yes"
                case .negative?: return "No"
                default: return "Undefined"
                }
            }
        }
        var positives = [Int](repeating: 0, count: task.findings.count)
        for answer in answers.values {
            for (index, value) in answer.values.enumerated() where value == .positive { positives[index] += 1 }
        }
        return answers.mapValues { answer in
            let rarest = answer.values.indices.filter { answer.values[$0] == .positive }.min { positives[$0] < positives[$1] }
            if let rarest { return task.findings[rarest].name }
            return answer.values.contains(.uncertain) ? "uncertain only" : "no positive finding"
        }
    }

    /// Equal allocation: each stratum gets an equal share, a stratum smaller than its share
    /// gives all it has, and what it could not give goes to the others. Reports within a stratum
    /// are drawn by a seeded shuffle, strata in name order, so the same seed draws the same
    /// sample from the same data; changing that order or the generator changes every sample.
    public static func draw(_ count: Int, from strata: [String: [Int64]], seed: UInt64) -> [String: [Int64]] {
        var quota: [String: Int] = [:]
        var open = strata.keys.filter { !(strata[$0] ?? []).isEmpty }.sorted()
        var left = min(count, strata.values.reduce(0) { $0 + $1.count })
        while left > 0 && !open.isEmpty {
            let share = max(1, left / open.count)
            for name in open where left > 0 {
                let take = min(share, strata[name, default: []].count - quota[name, default: 0], left)
                quota[name, default: 0] += take
                left -= take
            }
            open = open.filter { quota[$0, default: 0] < strata[$0, default: []].count }
        }
        var generator = SplitMix64(seed: seed)
        var drawn: [String: [Int64]] = [:]
        for (name, members) in strata.sorted(by: { $0.key < $1.key }) {
            var ids = members.sorted()
            ids.shuffle(using: &generator)
            drawn[name] = Array(ids.prefix(quota[name, default: 0]))
        }
        return drawn
    }
}
