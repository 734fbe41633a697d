import Control
import Foundation
import Labeling
import RaddCore
import Store

/// `gold.import`: radiologists' answers from a filled worksheet, stored as gold label sets.
/// Every row of the batch is checked before any is stored: each names a current report (by
/// accession pseudonym or report id), answers every finding with a label, and answers the
/// follow-up only after a Yes. Rows left blank are not gold yet and are counted, not stored.
/// raddctl checks a whole worksheet batch by batch (`dryRun`) before it stores any batch.
struct GoldImportAction: ControlAction {
    typealias Endpoint = Endpoints.GoldImport
    let store: ReportStore
    let labeling: LabelingView

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<GoldImportResult> {
        let task = try labeling.task(named: params.task)
        let rows = params.rows ?? []
        guard !rows.isEmpty else {
            throw ControlError(.badRequest, "gold.import needs params.rows, the worksheet's filled rows")
        }
        let (answers, skipped) = try checked(rows, task: task)
        if params.dryRun == true {
            let object = "gold import check task=\(task.name) rows=\(rows.count) answers=\(answers.count) skipped=\(skipped)"
            return ActionPlan(.inTransaction(.query, .read, object: object)) {
                GoldImportResult(imported: 0, unchanged: 0, skipped: skipped, checked: rows.count)
            }
        }
        let reviewer = request.caller.peer.username
        let actor = request.actor
        let now = Timestamp.string(Date())
        let provenance = LabelProvenance(labeler: ReportStore.goldLabeler, version: "worksheet", task: task.name,
                                         taskVersion: task.version, labelledAt: now, reviewer: reviewer)
        let object = "gold import task=\(task.name) rows=\(rows.count) answers=\(answers.count) skipped=\(skipped)"
        return ActionPlan(.inTransaction(.label, .create, object: object)) { [store, labeling] in
            let outcome = try store.storeGold(answers, task: task.name, version: "worksheet \(now) \(reviewer)",
                                              provenance: provenance, actor: actor)
            // The auto policy's evidence changed: its new choice is audited with this gold.
            try labeling.labeling.refreshChoice(actor: actor, because: "gold import")
            return GoldImportResult(imported: outcome.stored, unchanged: outcome.unchanged, skipped: skipped, checked: rows.count)
        }
    }

    private func checked(_ rows: [GoldRow], task: LabelTask) throws -> (answers: [GoldAnswer], skipped: Int) {
        let reject = { (line: Int, problem: String) -> ControlError in
            ControlError(.badRequest, "line \(line): \(problem); nothing was imported")
        }
        let byAccession = try store.currentReportIDs(accessionPseudonyms: rows.compactMap { $0.accessionPseudonym }.filter { !$0.isEmpty })
        let current = try store.currentReportIDs(among: rows.compactMap(\.reportID))
        var answers: [GoldAnswer] = []
        var answeredOn: [Int64: Int] = [:]
        var skipped = 0
        for row in rows {
            let cells = Dictionary(row.values.map { (LabelTable.normalizedFindingName($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
            if let extraction = task.extraction {
                // One cell of phrases separated by ";", `none` for a report with nothing to
                // extract; blank is not answered yet.
                guard let cell = cells[LabelTable.normalizedFindingName(extraction.name)] else {
                    throw reject(row.line, "no column for the phrases ('\(extraction.name)')")
                }
                guard !cell.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    skipped += 1
                    continue
                }
                let phrases = ExtractedPhrase.phrases(inCell: cell)
                let codes = Set((extraction.codes ?? []).map(\.code))
                if let unknown = phrases.first(where: { $0.code.map { !codes.contains($0) } ?? false }) {
                    throw reject(row.line, "'\(unknown.code?.prefix(20) ?? "")' in column '\(extraction.name)' is not one of the task's codes")
                }
                let reportID = try report(of: row, byAccession: byAccession, current: current, reject: reject)
                if let earlier = answeredOn[reportID] { throw reject(row.line, "report \(reportID) was already answered on line \(earlier)") }
                answeredOn[reportID] = row.line
                answers.append(GoldAnswer(reportID: reportID, values: [], followUp: phrases.map(\.cell)))
                continue
            }
            var values: [(finding: String, value: LabelValue)] = []
            for finding in task.findings {
                guard let cell = cells[LabelTable.normalizedFindingName(finding.name)] else {
                    throw reject(row.line, "no column for the finding '\(finding.name)'")
                }
                guard let value = LabelTable.labelValue(cell) else {
                    throw reject(row.line, "'\(cell.prefix(20))' in column '\(finding.name)' is not a label (1, 0, -1, blank, Yes, No or Undefined)")
                }
                values.append((finding.name, value))
            }
            let followUpCell = task.followUp.flatMap { cells[LabelTable.normalizedFindingName($0.name)] }?.trimmingCharacters(in: .whitespaces) ?? ""
            if values.allSatisfy({ $0.value == .undefined }) && followUpCell.isEmpty {
                skipped += 1
                continue
            }
            let reportID = try report(of: row, byAccession: byAccession, current: current, reject: reject)
            if let earlier = answeredOn[reportID] { throw reject(row.line, "report \(reportID) was already answered on line \(earlier)") }
            answeredOn[reportID] = row.line
            var followUp: [String]?
            if let question = task.followUp, task.kind == .binary, values.first?.value == .positive {
                let options = question.options.map(\.name)
                let named = followUpCell.lowercased() == "undefined" ? [] : followUpCell.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                for name in named where !options.contains(name) {
                    throw reject(row.line, "'\(name.prefix(40))' in column '\(question.name)' is not one of: \(options.joined(separator: ", "))")
                }
                followUp = named
            } else if !followUpCell.isEmpty && followUpCell.lowercased() != "undefined" {
                throw reject(row.line, "a follow-up ('\(task.followUp?.name ?? "")') is only answered after a Yes")
            }
            answers.append(GoldAnswer(reportID: reportID, values: values, followUp: followUp))
        }
        return (answers, skipped)
    }

    private func report(of row: GoldRow, byAccession: [String: Int64], current: Set<Int64>,
                        reject: (Int, String) -> ControlError) throws -> Int64 {
        let pseudonym = row.accessionPseudonym.flatMap { $0.isEmpty ? nil : $0 }
        if let pseudonym {
            guard let id = byAccession[pseudonym] else {
                throw reject(row.line, "no current report has the accession pseudonym '\(pseudonym.prefix(24))'")
            }
            if let named = row.reportID, named != id {
                throw reject(row.line, "report_id \(named) and the accession pseudonym name different reports (\(id))")
            }
            return id
        }
        guard let id = row.reportID else { throw reject(row.line, "neither an accession pseudonym nor a report_id") }
        guard current.contains(id) else { throw reject(row.line, "no current report has the id \(id)") }
        return id
    }
}
