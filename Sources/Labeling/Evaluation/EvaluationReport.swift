import Foundation

/// Everything `raddctl eval` reports, in one Codable value so text, JSON and HTML cannot disagree.
public struct EvaluationReport: Sendable, Codable {
    public struct Metrics: Sendable, Codable, Equatable {
        public var truePositives: Int
        public var falsePositives: Int
        public var falseNegatives: Int
        public var trueNegatives: Int
        public var support: Int
        public var precision: Double?
        public var recall: Double?
        public var f1: Double?
        public var specificity: Double?
        public var accuracy: Double?
        public var kappa: Double?

        init(_ counts: ConfusionCounts) {
            truePositives = counts.truePositives
            falsePositives = counts.falsePositives
            falseNegatives = counts.falseNegatives
            trueNegatives = counts.trueNegatives
            support = counts.support
            precision = counts.precision
            recall = counts.recall
            f1 = counts.f1
            specificity = counts.specificity
            accuracy = counts.accuracy
            kappa = counts.kappa
        }
    }

    public struct Finding: Sendable, Codable {
        public var finding: String
        public var metrics: Metrics
        public var excludedPairs: Int
        public var f1Interval: ConfidenceInterval?
    }

    public var task: String
    public var goldFile: String
    public var predictionFile: String
    public var uncertainPolicy: UncertainPolicy
    public var uncertainPolicyDescription: String
    public var reports: Int
    public var rowMatching: AlignedLabels.RowMatching
    public var findings: [Finding]
    /// Pooled counts over all (report, finding) pairs; its kappa is the pooled kappa.
    public var micro: Metrics
    public var macro: MacroAverage
    public var macroRule: String
    public var microF1Interval: ConfidenceInterval?
    public var macroF1Interval: ConfidenceInterval?
    public var bootstrap: BootstrapSettings
    public var notes: [String]
    /// Set for a binary task with a follow-up when both files answer it.
    public var followUp: FollowUpAgreement?

    public init(task: String, goldFile: String, predictionFile: String, evaluation: LabelEvaluation,
                bootstrap settings: BootstrapSettings = BootstrapSettings()) {
        let intervals = evaluation.bootstrap(settings)
        self.task = task
        self.goldFile = goldFile
        self.predictionFile = predictionFile
        uncertainPolicy = evaluation.policy
        uncertainPolicyDescription = evaluation.policy.explanation
        reports = evaluation.reportCount
        rowMatching = evaluation.aligned.rowMatching
        findings = evaluation.findings.enumerated().map { index, score in
            Finding(finding: score.finding, metrics: Metrics(score.counts), excludedPairs: score.excluded,
                    f1Interval: intervals.findingF1[index])
        }
        micro = Metrics(evaluation.micro)
        macro = evaluation.macro
        macroRule = "mean over the \(macro.findingsAveraged) findings with gold positives; "
            + "precision with no predicted positives counts as 0; undefined specificity or kappa is skipped"
        microF1Interval = intervals.microF1
        macroF1Interval = intervals.macroF1
        bootstrap = settings
        notes = evaluation.aligned.notes
        let unscored = evaluation.findings.filter { $0.support == 0 }.map(\.finding)
        if !unscored.isEmpty && unscored.count < evaluation.findings.count {
            let all = Self.number(evaluation.microOverAllFindings.f1)
            notes.append("no gold positives (left out of the micro and macro averages): " + unscored.joined(separator: ", ")
                         + "; micro-F1 pooled over all findings would be \(all)")
        }
    }

    // MARK: Text

    var title: String {
        "Task \(task): \(predictionFile) against gold \(goldFile); uncertain policy \(uncertainPolicy.rawValue) (\(uncertainPolicyDescription))"
    }

    var matchingLine: String {
        "\(reports) reports, matched by \(rowMatching == .byID ? "id" : "row order"); "
            + "\(Int(bootstrap.confidence * 100))% intervals: percentile bootstrap over reports, \(bootstrap.rounds) rounds, seed \(bootstrap.seed)"
    }

    static let columns = ["Finding", "Support", "TP", "FP", "FN", "TN", "Precision", "Recall", "F1", "F1 95% CI",
                          "Specificity", "Accuracy", "Kappa"]

    var tableRows: [[String]] {
        func row(_ name: String, _ metrics: Metrics, _ interval: ConfidenceInterval?) -> [String] {
            [name, String(metrics.support), String(metrics.truePositives), String(metrics.falsePositives),
             String(metrics.falseNegatives), String(metrics.trueNegatives), Self.number(metrics.precision),
             Self.number(metrics.recall), Self.number(metrics.f1), Self.interval(interval),
             Self.number(metrics.specificity), Self.number(metrics.accuracy), Self.number(metrics.kappa)]
        }
        var rows = findings.map { row($0.finding, $0.metrics, $0.f1Interval) }
        rows.append(row("Micro average", micro, microF1Interval))
        rows.append(["Macro average", "", "", "", "", "", Self.number(macro.precision), Self.number(macro.recall),
                     Self.number(macro.f1), Self.interval(macroF1Interval), Self.number(macro.specificity),
                     Self.number(macro.accuracy), Self.number(macro.kappa)])
        return rows
    }

    public var text: String {
        let rows = tableRows
        let widths = Self.columns.indices.map { column in
            ([Self.columns[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
        var lines = [title, matchingLine, "", line(Self.columns)]
        for (index, row) in rows.enumerated() {
            if index == findings.count { lines.append(line(widths.map { String(repeating: "-", count: $0) })) }
            lines.append(line(row))
        }
        lines.append("")
        lines.append("Micro average pools TP/FP/FN/TN over the findings with gold positives; its kappa is the pooled kappa.")
        lines.append("Macro average: \(macroRule).")
        lines.append("n/a: undefined (zero denominator); blank gold or predicted cells count as negative.")
        if let followUp { lines.append(followUp.summary) }
        for note in notes { lines.append("Note: \(note)") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "n/a" }

    static func interval(_ value: ConfidenceInterval?) -> String {
        value.map { String(format: "%.3f–%.3f", $0.lower, $0.upper) } ?? "n/a"
    }

    // MARK: JSON

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    // MARK: HTML

    /// One self-contained page (no scripts, styles or images from elsewhere) so it can be mailed or archived as is.
    public var html: String {
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(Self.escaped("Label evaluation: \(task)"))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
            table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
            th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #ddd; }
            td { text-align: right; } td:first-child, th:first-child { text-align: left; }
            tr.average td { font-weight: bold; background: #f4f4f4; }
            </style>
            </head>
            <body>
            <h1>\(Self.escaped("Label evaluation: task \(task)"))</h1>
            <p>\(Self.escaped(title))</p>
            <p>\(Self.escaped(matchingLine))</p>

            """
        page += "<table>\n<thead><tr>" + Self.columns.map { "<th>\(Self.escaped($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for (index, row) in tableRows.enumerated() {
            page += (index >= findings.count ? "<tr class=\"average\">" : "<tr>")
                + row.map { "<td>\(Self.escaped($0))</td>" }.joined() + "</tr>\n"
        }
        page += "</tbody>\n</table>\n"
        page += "<p>Micro average pools TP/FP/FN/TN over the findings with gold positives. Macro average: \(Self.escaped(macroRule)).</p>\n"
        page += "<h2>Precision, recall and F1 per finding</h2>\n" + barChart + "\n"
        if let followUp { page += "<p>\(Self.escaped(followUp.summary))</p>\n" }
        if !notes.isEmpty {
            page += "<ul>\n" + notes.map { "<li>\(Self.escaped($0))</li>\n" }.joined() + "</ul>\n"
        }
        page += "</body>\n</html>\n"
        return page
    }

    /// Horizontal grouped bars, one group per finding, with the F1 interval as a whisker.
    var barChart: String {
        let series: [(name: String, color: String, value: (Metrics) -> Double?)] = [
            ("Precision", "#4e79a7", { $0.precision }), ("Recall", "#f28e2b", { $0.recall }), ("F1", "#59a14f", { $0.f1 }),
        ]
        let labelWidth = 170.0, plotWidth = 480.0, barHeight = 9.0, groupGap = 10.0, top = 30.0
        let groupHeight = Double(series.count) * barHeight + groupGap
        let height = top + Double(findings.count) * groupHeight + 30
        let width = labelWidth + plotWidth + 60
        func plotX(_ value: Double) -> String { String(format: "%.1f", labelWidth + value * plotWidth) }
        func pixels(_ value: Double) -> String { String(format: "%.1f", value) }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" "
            + "aria-label=\"Precision, recall and F1 per finding\">\n"
        for (index, entry) in series.enumerated() {
            let legendX = labelWidth + Double(index) * 110
            svg += "<rect x=\"\(pixels(legendX))\" y=\"6\" width=\"12\" height=\"12\" fill=\"\(entry.color)\"/>"
                + "<text x=\"\(pixels(legendX + 16))\" y=\"16\">\(entry.name)</text>\n"
        }
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg += "<line x1=\"\(plotX(tick))\" y1=\"\(pixels(top - 4))\" x2=\"\(plotX(tick))\" y2=\"\(pixels(height - 24))\" stroke=\"#ccc\"/>"
                + "<text x=\"\(plotX(tick))\" y=\"\(pixels(height - 10))\" text-anchor=\"middle\">\(String(format: "%.2f", tick))</text>\n"
        }
        for (index, finding) in findings.enumerated() {
            let groupTop = top + Double(index) * groupHeight
            svg += "<text x=\"\(pixels(labelWidth - 6))\" y=\"\(pixels(groupTop + barHeight * 2))\" text-anchor=\"end\">"
                + Self.escaped(finding.finding) + "</text>\n"
            for (row, entry) in series.enumerated() {
                let barTop = groupTop + Double(row) * barHeight
                guard let value = entry.value(finding.metrics) else {
                    svg += "<text x=\"\(plotX(0))\" y=\"\(pixels(barTop + barHeight - 1))\" font-size=\"9\" fill=\"#888\">\(entry.name) n/a</text>\n"
                    continue
                }
                svg += "<rect x=\"\(plotX(0))\" y=\"\(pixels(barTop))\" width=\"\(String(format: "%.1f", value * plotWidth))\" "
                    + "height=\"\(pixels(barHeight - 1))\" fill=\"\(entry.color)\"><title>"
                    + Self.escaped("\(finding.finding) \(entry.name) \(Self.number(value))") + "</title></rect>\n"
            }
            if let interval = finding.f1Interval {
                let whiskerY = pixels(groupTop + 2.5 * barHeight - 0.5)
                svg += "<line x1=\"\(plotX(interval.lower))\" y1=\"\(whiskerY)\" x2=\"\(plotX(interval.upper))\" y2=\"\(whiskerY)\" "
                    + "stroke=\"#222\" stroke-width=\"1.5\"><title>"
                    + Self.escaped("F1 95% CI \(Self.interval(interval))") + "</title></line>\n"
            }
        }
        return svg + "</svg>"
    }

    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}

extension EvaluationReport {
    /// Scores `predicted` against `gold` for a task: the one path behind offline `raddctl eval`
    /// and raddd's evaluation against stored gold, so the two give the same figures.
    /// `definition` limits scoring to the task's findings and sets the default uncertain policy
    /// (positive; negative for a binary task, whose Undefined is not a Yes).
    public static func scoring(task: String, definition: LabelTask?, gold goldTable: LabelTable, predicted predTable: LabelTable,
                               goldName: String, predictionName: String, uncertain: UncertainPolicy?,
                               onlyCommon: Bool) throws -> EvaluationReport {
        var goldTable = goldTable
        if let definition { goldTable = goldTable.keeping(definition.findings.map(\.name)) }
        let aligned = try AlignedLabels(gold: goldTable, predicted: predTable, onlyCommon: onlyCommon)
        let policy = uncertain ?? (definition?.kind == .binary ? .negative : .positive)
        var evaluation = EvaluationReport(task: task, goldFile: goldName, predictionFile: predictionName,
                                          evaluation: LabelEvaluation(aligned: aligned, policy: policy))
        if let definition, let followUp = definition.followUp, let finding = definition.findings.first {
            evaluation.followUp = FollowUpAgreement(column: followUp.name, finding: finding.name,
                                                    gold: goldTable, predicted: predTable, aligned: aligned)
        }
        return evaluation
    }

    /// The columns a label file of the task is read for: its findings (with CheXpert's "No
    /// Finding", which predictions carry) and its follow-up; anything else is skipped unread.
    public static func readColumns(of definition: LabelTask) -> (findings: [String], answers: [String]) {
        ((definition.noFinding.map { [$0.name] } ?? []) + definition.findings.map(\.name), definition.followUp.map { [$0.name] } ?? [])
    }
}
