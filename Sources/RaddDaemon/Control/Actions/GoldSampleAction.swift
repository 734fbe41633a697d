import Control
import Foundation
import Labeling
import RaddCore
import Store

/// `gold.sample`: draws up to `count` current labelled reports without gold, in strata of
/// `stratifyBy`'s answers (the rarest finding it calls positive; Yes/No/Undefined for a binary
/// task), equally from each stratum as far as it has reports. The worksheet lists them by report
/// id and never shows the strata, so the radiologist is not led by the labeler.
struct GoldSampleAction: ControlAction {
    typealias Endpoint = Endpoints.GoldSample
    static let maxSample = 10_000
    let store: ReportStore
    let labeling: LabelingView

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<GoldSampleResult> {
        let task = try labeling.task(named: params.task)
        let count = params.count ?? 500
        guard (1...Self.maxSample).contains(count) else {
            throw ControlError(.badRequest, "the sample size must be between 1 and \(Self.maxSample)")
        }
        let stratifyBy = try params.stratifyBy.map { try labeling.checkedLabeler($0, task: task, store: store) }
        let seed = params.seed ?? 0
        var object = "gold sample task=\(task.name) n=\(count) seed=\(seed)"
        if let stratifyBy { object += " stratify=\(stratifyBy.prefix(64))" }
        return ActionPlan(.inTransaction(.export, .read, object: object)) { [store, labeling] in
            let gold = try store.latestGold(task: task.name)
            let candidates = try store.labelledReports(task: task.name).filter { gold[$0.id] == nil }
            var strata: [String: [Int64]] = [:]
            if let stratifyBy {
                let all = try store.labelSetsByReport(task: task.name)
                let sets = Dictionary(uniqueKeysWithValues: candidates.compactMap { candidate in all[candidate.id].map { (candidate.id, $0) } })
                let answers = labeling.chosenAnswers(sets, task: task, labeler: stratifyBy)
                let names = GoldSampleAction.strata(answers, task: task)
                for candidate in candidates { strata[names[candidate.id] ?? "not answered", default: []].append(candidate.id) }
            } else {
                strata["all"] = candidates.map(\.id)
            }
            let drawn = GoldSampleAction.draw(count, from: strata, seed: seed)
            let accession = Dictionary(candidates.map { ($0.id, $0.accessionPseudonym) }, uniquingKeysWith: { first, _ in first })
            var rows: [GoldSampleResult.Row] = []
            for (stratum, ids) in drawn {
                for id in ids {
                    rows.append(.init(reportID: id, accessionPseudonym: accession[id] ?? nil, stratum: stratum,
                                      text: try store.textForLabeling(reportID: id) ?? ""))
                }
            }
            rows.sort { $0.reportID < $1.reportID }
            return GoldSampleResult(task: task.name, columns: task.findings.map(\.name) + (task.followUp.map { [$0.name] } ?? []),
                                    strata: strata.mapValues(\.count), drawn: drawn.mapValues(\.count), rows: rows)
        }
    }

    /// Each report's stratum under a labeler's answers.
    static func strata(_ answers: [Int64: TaskAnswer], task: LabelTask) -> [Int64: String] {
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
    /// are drawn by a seeded shuffle, so the same seed draws the same sample from the same data.
    static func draw(_ count: Int, from strata: [String: [Int64]], seed: UInt64) -> [String: [Int64]] {
        var quota: [String: Int] = [:]
        var open = strata.keys.filter { !(strata[$0] ?? []).isEmpty }.sorted()
        var left = min(count, strata.values.reduce(0) { $0 + $1.count })
        while left > 0 && !open.isEmpty {
            let share = max(1, left / open.count)
            for name in open where left > 0 {
                let take = min(share, strata[name]!.count - quota[name, default: 0], left)
                quota[name, default: 0] += take
                left -= take
            }
            open = open.filter { quota[$0, default: 0] < strata[$0]!.count }
        }
        var generator = SplitMix64(seed: seed)
        var drawn: [String: [Int64]] = [:]
        for name in strata.keys.sorted() {
            var ids = strata[name]!.sorted()
            ids.shuffle(using: &generator)
            drawn[name] = Array(ids.prefix(quota[name, default: 0]))
        }
        return drawn
    }
}
