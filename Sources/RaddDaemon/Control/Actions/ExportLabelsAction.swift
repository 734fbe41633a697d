import Control
import Foundation
import Labeling
import RaddCore
import Store

/// `export.labels`: one page of a label export, read in the transaction that writes its `export`
/// audit record with the page's row count. Rows carry pseudonyms, the exam date shifted per
/// patient and de-identified codes only, never identifiers; the only text is an extraction
/// task's phrases, quoted from the de-identified report as instruction exports quote all of it.
struct ExportLabelsAction: ControlAction {
    typealias Endpoint = Endpoints.ExportLabels
    static let maxPage = 5000
    let store: ReportStore
    let labeling: LabelingView

    func prepare(_ params: Endpoint.Params, for request: ActionRequest) throws -> ActionPlan<ExportPage> {
        let task = try labeling.task(named: params.task)
        let labeler = params.labeler ?? "final"
        let bounds = try RequestBounds.time(params.since, params.until)
        let format = params.format ?? "csv"
        guard format == "csv" || format == "jsonl" else {
            throw ControlError(.badRequest, "format must be csv or jsonl")
        }
        let limit = RequestBounds.pageSize(params.limit, default: 1000, max: Self.maxPage)
        let after = params.after ?? 0
        var object = "export labels task=\(task.name) labeler=\(labeler.prefix(64)) format=\(format) after=\(after)"
        if let since = bounds.since { object += " since=\(since)" }
        if let until = bounds.until { object += " until=\(until)" }
        let decisions = labeling.decisions()
        return ActionPlan(.inTransaction(.export, .read, object: object, detail: { " rows=\($0.rowCount)" })) { [self] in
            try page(task, labeler: labeler, format: format, bounds: bounds, after: after, limit: limit, decisions: decisions)
        }
    }

    private func page(_ task: LabelTask, labeler: String, format: String, bounds: (since: String?, until: String?),
                      after: Int64, limit: Int, decisions: LabelDecisions) throws -> ExportPage {
        let columns = ["report_id", "patient_pseudonym", "accession_pseudonym", "exam_date", "modality", "exam_code"]
            + task.columns + ["labeler", "labeler_version", "model", "prompt_hash", "task_version", "labelled_at"]
            // Last, so that readers of the columns before it are not disturbed.
            + ["language"]
        let numeric = Set(task.kind == .multilabel ? task.columns.filter { $0 != task.followUp?.name } : [])
        // LabelTask.withNoFinding's rule, with the ignored findings looked up once per page.
        let countsAgainstNoFinding = task.noFinding.map { rule in task.findings.map { !rule.ignoring.contains($0.name) } }
        let page = try store.exportPage(task: task.name, findings: task.findings.map(\.name), since: bounds.since, until: bounds.until,
                                        afterReportID: after, limit: limit)
        var rows = ExportRows(format: format == "csv" ? .csv : .jsonl, columns: columns, numeric: numeric)
        var examDates = ShiftedExamDates(pseudonymizer: store.pseudonymizer)
        for report in page {
            var answers: [String: TaskAnswer] = [:]
            for set in report.answers {
                answers[set.labeler] = task.storedAnswer(values: set.values, list: set.followUp, provenance: set.provenance)
            }
            let chosen: (answer: TaskAnswer, source: String)?
            if labeler == "final" {
                let byLabeler = answers.compactMap { name, answer in LabelerID(rawValue: name).map { ($0, answer) } }
                chosen = decisions.final(task, ReportAnswers(byLabeler: Dictionary(byLabeler, uniquingKeysWith: { $1 })))
                    .map { ($0.answer, $0.source.description) }
            } else {
                chosen = answers[labeler].map { ($0, labeler) }
            }
            guard let (answer, source) = chosen else { continue }
            let provenance = answer.provenance
            rows.append(String(report.id))
            rows.append(report.patientPseudonym ?? "")
            rows.append(report.accessionPseudonym ?? "")
            rows.append(examDates.shifted(report.examDate, patientPseudonym: report.patientPseudonym) ?? "")
            rows.append(report.modality ?? "")
            rows.append(report.examCode ?? "")
            // What task.cells(for:) gives, without a String per cell.
            if let countsAgainstNoFinding {
                let anything = zip(countsAgainstNoFinding, answer.values).contains { $0 && ($1 == .positive || $1 == .uncertain) }
                rows.append(anything ? .undefined : .positive, of: task.kind)
            }
            for value in answer.values { rows.append(value, of: task.kind) }
            if task.followUp != nil {
                rows.append(answer.followUp.map { $0.isEmpty ? "Undefined" : $0.joined(separator: ";") } ?? "")
            }
            if task.extraction != nil { rows.append(ExtractedPhrase.cell(of: answer.phrases ?? [])) }
            rows.append(source)
            rows.append(provenance.version)
            rows.append(provenance.model ?? "")
            rows.append(provenance.promptHash ?? "")
            rows.append(provenance.taskVersion.map(String.init) ?? "")
            rows.append(provenance.labelledAt ?? "")
            rows.append(report.language.rawValue)
            rows.endRow()
        }
        return ExportPage(columns: columns, text: rows.text, rowCount: rows.count, next: page.count == limit ? page.last?.id : nil)
    }
}
