import ArgumentParser
import Control
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export labels for training image models (exporter role).",
        discussion: """
            Exports hold pseudonyms, exam dates shifted per patient and de-identified codes,
            never report text or hospital identifiers. Files are written with mode 0600 and
            appear under their name only when complete. Each page read is an audit record
            (export) with its row count.

            Examples:
              raddctl export labels --task chestxray14 --format csv --out labels.csv
              raddctl export labels --task ankle-fracture --labeler llm --since 2026-11-01 --format jsonl --out ankle.jsonl
            """,
        subcommands: [Labels.self])

    struct Labels: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One row per report: pseudonyms, shifted exam date, modality, exam code, findings, provenance.",
            discussion: """
                Columns: report_id, patient_pseudonym and accession_pseudonym (the join keys to
                images: HMAC-SHA256 of the id with the appliance's pseudonym key), exam_date
                (moved back 1–365 days, the same for every study of a patient), modality,
                exam_code, one column per finding in CheXpert conventions (1.0 positive, 0.0
                negative, -1.0 uncertain, empty not mentioned; Yes/No/Undefined for a binary
                task, then its follow-up), then labeler, labeler_version, model, prompt_hash,
                task_version, labelled_at. JSON lines write the findings as numbers or null.

                --labeler final (the default) gives the label policy's final answer; a labeler
                name (rules, llm, llm:MODEL) gives that labeler's answers, for reports it
                answered.

                Examples:
                  raddctl export labels --task chestxray14 --format csv --out labels.csv
                  raddctl export labels --task chestxray14 --labeler rules --until 2026-12-01 --format jsonl --out rules.jsonl
                """)

        @OptionGroup var options: SocketOptions
        @Option(help: "Task (default: the first one raddd labels).") var task: String?
        @Option(help: "final (the label policy's answer) or a labeler: rules, llm, llm:MODEL.") var labeler = "final"
        @Option(help: "Reports stored at or after this UTC time (2026-11-24 or 2026-11-24T08:00:00Z).") var since: String?
        @Option(help: "Reports stored before this UTC time.") var until: String?
        @Option(help: "csv or jsonl.") var format: String
        @Option(help: "File to write (mode 0600).") var out: String

        func validate() throws {
            guard ["csv", "jsonl"].contains(format) else { throw ValidationError("--format must be csv or jsonl") }
        }

        func run() throws {
            try guarded {
                let written = try ExportOutput(path: out).writePages(of: "reports") { after in
                    let page = try options.call(.exportLabels, .init(limit: 5000, after: after, task: task, since: since, until: until,
                                                                     labeler: labeler, format: format), as: ExportPage.self)
                    let header = after == nil && format == "csv" ? CSVRow.line(page.columns) + "\n" : ""
                    return (header + page.text, page.rowCount, page.next)
                }
                FileHandle.standardError.write(Data("raddctl: wrote \(written) rows to \(out) (\(format))\n".utf8))
            }
        }
    }
}
