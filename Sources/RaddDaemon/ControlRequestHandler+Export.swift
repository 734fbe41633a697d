import Control
import Foundation
import Labeling
import RaddCore
import Store

extension ControlRequestHandler {
    static let maxExportPage = 5000

    /// One page of a label export, read in the transaction that writes its `export` audit record
    /// with the page's row count. Rows carry pseudonyms, the exam date shifted per patient and
    /// de-identified codes only, never text or identifiers.
    func exportPage(_ task: LabelTask, labeler: String, format: String, since: String?, until: String?, after: Int64,
                    limit: Int, actor: AuditActor) throws -> ExportPage {
        let columns = ["report_id", "patient_pseudonym", "accession_pseudonym", "exam_date", "modality", "exam_code"]
            + task.columns + ["labeler", "labeler_version", "model", "prompt_hash", "task_version", "labelled_at"]
        let numeric = Set(task.kind == .multilabel ? task.columns.filter { $0 != task.followUp?.name } : [])
        var object = "export labels task=\(task.name) labeler=\(labeler.prefix(64)) format=\(format) after=\(after)"
        if let since { object += " since=\(since)" }
        if let until { object += " until=\(until)" }
        let policy = context.live.labelPolicy
        do {
            return try store.database.transaction {
                let page = try store.exportPage(task: task.name, since: since, until: until, afterReportID: after, limit: limit)
                var text = ""
                var rowCount = 0
                for (report, sets) in page {
                    let answers = Self.answers(sets, task: task)
                    let chosen: (answer: TaskAnswer, source: String)?
                    if labeler == "final" {
                        chosen = finalAnswer(task, answers, under: policy)
                    } else {
                        chosen = answers[labeler].map { ($0, labeler) }
                    }
                    guard let (answer, source) = chosen else { continue }
                    let provenance = answer.provenance
                    let shifted = store.pseudonymizer?.shiftedDate(report.observedAt ?? report.reportedAt, patientPseudonym: report.patientPseudonym)
                    let cells = [String(report.id), report.patientPseudonym ?? "", report.accessionPseudonym ?? "", shifted ?? "",
                                 report.modality ?? "", report.examCode ?? ""]
                        + task.cells(for: answer)
                        + [source, provenance.version, provenance.model ?? "", provenance.promptHash ?? "",
                           provenance.taskVersion.map(String.init) ?? "", provenance.labelledAt ?? ""]
                    text += (format == "csv" ? CSVRow.line(cells) : JSONLine.object(columns: columns, cells: cells, numeric: numeric)) + "\n"
                    rowCount += 1
                }
                let next = page.count == limit ? page.last?.report.id : nil
                try store.audit.append(event: .export, action: .read, outcome: .success, actor: actor, object: object + " rows=\(rowCount)")
                return ExportPage(columns: columns, text: text, rowCount: rowCount, next: next)
            }
        } catch {
            try? store.database.transaction {
                try store.audit.append(event: .export, action: .read, outcome: .minorFailure, outcomeText: ReportStore.auditText(for: error),
                                       actor: actor, object: object)
            }
            throw error
        }
    }
}
