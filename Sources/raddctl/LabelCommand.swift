import ArgumentParser
import Foundation
import Ingest
import Labeling

struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label report texts offline with a task's rule labeler, without the daemon.",
        discussion: """
            The input is by default the CheXpert labeler's: a header-less, one-column CSV of
            report texts. With --text-columns it is a CSV with a header (the Open-i layout, for
            one); --id-column names its id column. The output has one row per report: the
            report text (or the id), then the task's findings. Cells: 1.0 positive, 0.0
            negative, -1.0 uncertain, blank not mentioned; binary tasks write Yes, No or
            Undefined. Tasks are policies/tasks/NAME.json (or give a path).

            --evidence writes why: one row per mention found (report, finding, status, the
            mention, the negation or uncertainty cue that decided it, and the clause it was
            judged in), like the CheXpert labeler's --verbose.

            --sections chooses what is read when reports have headings: all of the text,
            impressionFirst (the impression decides each finding it mentions, the findings
            section the rest; the indication is never read) or impressionOnly.

            Examples:
              raddctl label --task chestxray14 --in reports.csv --out labels.csv
              raddctl label --task chestxray14 --in openi_reports.csv --text-columns findings,impression \\
                            --id-column uid --out labels.csv --evidence why.csv
            """)

    @Option(help: "Task name (policies/tasks/NAME.json) or path to a task file.") var task: String
    @Option(help: "Labeler: rules (the only one so far).") var labeler = "rules"
    @Option(name: .customLong("in"), help: "Input CSV.") var input: String
    @Option(name: .customLong("out"), help: "Output CSV ('-' for standard output).") var output: String
    @Option(help: "Comma-separated text columns of a CSV with a header.") var textColumns: String?
    @Option(help: "Id column of a CSV with a header.") var idColumn: String?
    @Option(help: "Which parts of each report are read: all, impressionFirst or impressionOnly (default: the task's, else all).")
    var sections: String?
    @Option(help: "Also write each mention with its status and cue to this CSV.") var evidence: String?
    @Option(help: "Where task names are looked up (default: ./policies/tasks, /etc/radd/tasks, /usr/local/share/radd/tasks).") var taskDir: [String] = []

    func validate() throws {
        guard labeler == "rules" else { throw ValidationError("--labeler must be rules (model labelers come with the LLM work)") }
        if idColumn != nil && textColumns == nil { throw ValidationError("--id-column needs --text-columns") }
        if let sections, LabelTask.Sections(rawValue: sections) == nil {
            throw ValidationError("--sections must be all, impressionFirst or impressionOnly")
        }
    }

    func run() throws {
        try guarded {
            let directories = taskDir.isEmpty ? LabelTask.defaultDirectories : taskDir
            var labelTask: LabelTask
            do { labelTask = try LabelTask.load(task, directories: directories) } catch { throw Failure("\(error)", code: 1) }
            if let sections { labelTask.sections = LabelTask.Sections(rawValue: sections) }
            guard let data = FileManager.default.contents(atPath: input) else { throw Failure("\(input): cannot read it", code: 1) }
            let mapping: CSVReader.Mapping
            if let textColumns {
                mapping = CSVReader.Mapping(id: idColumn, text: textColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            } else {
                mapping = .chexpert
            }
            let read: CSVReader.Result
            do { read = try CSVReader(mapping: mapping).read([UInt8](data)) } catch let error as IngestError {
                throw Failure("\(input) \(error.problem)", code: 1)
            }
            let reports = read.reports
            if !read.skippedLines.isEmpty {
                let lines = read.skippedLines.prefix(10).map(String.init).joined(separator: ", ")
                    + (read.skippedLines.count > 10 ? ", ..." : "")
                FileHandle.standardError.write(Data(
                    "raddctl: \(input): \(read.skippedLines.count) row\(read.skippedLines.count == 1 ? "" : "s") without report text not labelled (line\(read.skippedLines.count == 1 ? "" : "s") \(lines))\n".utf8))
            }
            let labeler = RuleLabeler(task: labelTask)
            var csv = LabelCSV.row([idColumn ?? "Reports"] + labelTask.columns)
            var why = LabelCSV.row(["Report", "Finding", "Status", "Mention", "Cue", "Clause"])
            let interactive = isatty(STDERR_FILENO) != 0
            for (index, report) in reports.enumerated() {
                let first = idColumn != nil ? (report.accession ?? "") : report.text
                csv += LabelCSV.row([first] + labeler.cells(report.text))
                if evidence != nil {
                    let reportName = idColumn != nil ? first : String(index + 1)
                    for item in labeler.evidence(report.text) {
                        why += LabelCSV.row([reportName, item.finding, item.status.labelFileCell(for: labelTask.kind),
                                             item.mention, item.cue ?? "", item.clause])
                    }
                }
                if interactive && index % 500 == 0 {
                    FileHandle.standardError.write(Data("\rlabelled \(index)/\(reports.count)".utf8))
                }
            }
            if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if let evidence { try writePrivately(Data(why.utf8), to: evidence) }
            if output == "-" {
                FileHandle.standardOutput.write(Data(csv.utf8))
            } else {
                try writePrivately(Data(csv.utf8), to: output)
            }
        }
    }
}

enum LabelCSV {
    /// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
    static func row(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",") + "\n"
    }
}
