import Control
import Foundation
import Labeling
import RaddCore
import Store

// Training data out: instruction-tuning pairs from weak labels, and single pseudonyms for image
// pipelines that check their joins.
extension ControlRequestHandler {
    static let maxInstructPage = 1000

    /// One page of instruction examples, read with its `export` audit record (row count
    /// included). Only de-identified text and pseudonyms leave raddd.
    func exportInstruct(_ params: ControlRequest.Params, from caller: ControlCaller, actor: AuditActor) throws -> InstructPage {
        let method = ControlMethod.exportInstruct
        let task = try requestedTask(params, from: caller, method: method)
        let labeler = try checkedLabeler(params.labeler ?? "final", task: task, from: caller, method: method, allowGold: true)
        let bounds = try timeBounds(params, from: caller, method: method)
        let limit = min(max(params.limit ?? Self.maxInstructPage, 1), Self.maxInstructPage)
        let after = params.after ?? 0
        var object = "export instruct task=\(task.name) labeler=\(labeler.prefix(64)) after=\(after)"
        if let since = bounds.since { object += " since=\(since)" }
        if let until = bounds.until { object += " until=\(until)" }
        let system = InstructionExample.systemPrompt(for: task)
        do {
            return try store.database.transaction {
                let page = try store.labelSets(task: task.name, afterReportID: after, limit: limit)
                let answers = chosenAnswers(Dictionary(page.map { ($0.reportID, $0.sets) }, uniquingKeysWith: { first, _ in first }),
                                            task: task, labeler: labeler)
                let texts = try store.trainingTexts(page.map(\.reportID), since: bounds.since, until: bounds.until)
                var rows: [InstructPage.Row] = []
                for (reportID, _) in page {
                    guard let answer = answers[reportID], let report = texts[reportID] else { continue }
                    let group = report.patientPseudonym.map { "patient:" + $0 }
                        ?? report.accessionPseudonym.map { "accession:" + $0 } ?? "report:\(reportID)"
                    rows.append(.init(reportID: reportID, group: group,
                                      line: InstructionExample.line(task: task, system: system, reportText: report.text, answer: answer)))
                }
                try store.audit.append(event: .export, action: .read, outcome: .success, actor: actor, object: object + " rows=\(rows.count)")
                return InstructPage(rows: rows, next: page.count == limit ? page.last?.reportID : nil)
            }
        } catch {
            try? store.database.transaction {
                try store.audit.append(event: .export, action: .read, outcome: .minorFailure, outcomeText: ReportStore.auditText(for: error),
                                       actor: actor, object: object)
            }
            throw error
        }
    }

    /// The pseudonym raddd gives an accession number or patient id, and how many current reports
    /// carry it. The identifier itself is never logged or audited: only its kind.
    func pseudonym(_ params: ControlRequest.Params, from caller: ControlCaller, actor: AuditActor) throws -> PseudonymResult {
        let method = ControlMethod.pseudonym
        guard let kind = params.kind, ["accession", "patient"].contains(kind) else {
            throw try refusal(ControlError(.badRequest, "kind must be accession or patient"), from: caller, method: method)
        }
        guard let value = params.value, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw try refusal(ControlError(.badRequest, "pseudonym needs params.value, the identifier"), from: caller, method: method)
        }
        guard let pseudonymizer = store.pseudonymizer else {
            throw ControlError(.unavailable, "this database has no pseudonym key")
        }
        let pseudonym = pseudonymizer.pseudonym(value)
        return try store.audited(event: .query, action: .read, actor: actor, object: "pseudonym kind=\(kind)") {
            var result = PseudonymResult(kind: kind, pseudonym: pseudonym)
            result.storedReports = try store.currentReportCount(pseudonym: pseudonym, kind: kind)
            return result
        }
    }
}
