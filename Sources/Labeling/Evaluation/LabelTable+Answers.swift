import RaddCore

extension LabelTable {
    /// Which of the task's columns a table of answers has.
    public enum AnswerColumns: Sendable {
        /// What a labeler writes: "No Finding" (if the task has it), the findings, the follow-up.
        case prediction
        /// What a gold worksheet holds: the findings and the follow-up.
        case gold
    }

    /// The table a label file of these answers reads back as, without writing one: rows in the
    /// order given, values as the file's cells read (a binary task's Undefined is uncertain, as
    /// its cell "Undefined" says), the follow-up as its cell's text.
    public init(answers rows: [(id: String, answer: TaskAnswer)], task: LabelTask, columns: AnswerColumns,
                file: String, idColumn: String = "report_id") {
        let withNoFinding = columns == .prediction && task.noFinding != nil
        self.init(file: file, idColumn: idColumn,
                  findings: (withNoFinding ? task.noFinding.map { [$0.name] } ?? [] : []) + task.findings.map(\.name),
                  rowIDs: rows.map(\.id), values: [], rowLines: rows.indices.map { $0 + 2 })
        values = rows.map { row in
            (withNoFinding ? task.withNoFinding(row.answer.values) : row.answer.values).map { $0.asLabelFileReads(kind: task.kind) }
        }
        if let followUp = task.followUp {
            answers[followUp.name] = rows.map { row in row.answer.followUp.map { $0.isEmpty ? "Undefined" : $0.joined(separator: ";") } ?? "" }
        }
    }
}

extension LabelValue {
    /// The value `LabelTable` reads back from `labelFileCell(for:)`: a binary task has no blank
    /// cell, so its Undefined comes back as uncertain.
    func asLabelFileReads(kind: LabelTask.Kind) -> LabelValue {
        kind == .binary && self == .undefined ? .uncertain : self
    }
}

extension EvaluationReport {
    /// Scores stored answers against stored gold, by report id, exactly as `raddctl eval` scores
    /// the label files of the same answers: gold rows in report order, predictions for the gold
    /// reports they answered (the others are noted as missing).
    public static func scoring(task: LabelTask, gold: [Int64: TaskAnswer], predicted: [Int64: TaskAnswer],
                               goldName: String, predictionName: String, uncertain: UncertainPolicy?) throws -> EvaluationReport {
        let byReport = gold.sorted { $0.key < $1.key }
        let goldRows = byReport.map { (id: String($0.key), answer: $0.value) }
        let predictedRows = byReport.compactMap { id, _ in predicted[id].map { (id: String(id), answer: $0) } }
        return try scoring(task: task.name, definition: task,
                           gold: LabelTable(answers: goldRows, task: task, columns: .gold, file: goldName),
                           predicted: LabelTable(answers: predictedRows, task: task, columns: .prediction, file: predictionName),
                           goldName: goldName, predictionName: predictionName, uncertain: uncertain, onlyCommon: true)
    }
}
