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
        if let stratifyBy { object += " stratify=\(stratifyBy.rawValue.prefix(64))" }
        return ActionPlan(.inTransaction(.export, .read, object: object)) { [store, labeling] in
            let gold = try store.latestGold(task: task.name)
            let candidates = try store.labelledReports(task: task.name).filter { gold[$0.id] == nil }
            var answers: [Int64: TaskAnswer]?
            if let stratifyBy {
                let all = try store.labelSetsByReport(task: task.name)
                let sets = Dictionary(uniqueKeysWithValues: candidates.compactMap { candidate in all[candidate.id].map { (candidate.id, $0) } })
                answers = LabelingView.chosenAnswers(sets, task: task, labeler: stratifyBy, under: labeling.decisions())
            }
            let strata = GoldSample.strata(of: candidates.map(\.id), answers: answers, task: task)
            let drawn = GoldSample.draw(count, from: strata, seed: seed)
            let accession = Dictionary(candidates.map { ($0.id, $0.accessionPseudonym) }, uniquingKeysWith: { first, _ in first })
            var rows: [GoldSampleResult.Row] = []
            for (stratum, ids) in drawn {
                for id in ids {
                    rows.append(.init(reportID: id, accessionPseudonym: accession[id] ?? nil, stratum: stratum,
                                      text: try store.textForLabeling(reportID: id) ?? ""))
                }
            }
            rows.sort { $0.reportID < $1.reportID }
            return GoldSampleResult(task: task.name, columns: task.findings.map(\.name) + (task.followUp.map { [$0.name] } ?? []) + (task.extraction.map { [$0.name] } ?? []),
                                    strata: strata.mapValues(\.count), drawn: drawn.mapValues(\.count), rows: rows)
        }
    }
}
