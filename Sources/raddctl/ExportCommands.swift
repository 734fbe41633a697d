import ArgumentParser
import Control
import Foundation
import RaddCore

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
              raddctl export instruct --task chestxray14 --labeler llm --format jsonl --out training/
            """,
        subcommands: [Labels.self, Instruct.self])

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
                    let page = try options.call(Endpoints.ExportLabels.self, .init(task: task, labeler: labeler, format: format, since: since,
                                                                                  until: until, limit: 5000, after: after))
                    let header = after == nil && format == "csv" ? CSVRow.line(page.columns) + "\n" : ""
                    return (header + page.text, page.rowCount, page.next)
                }
                FileHandle.standardError.write(Data("raddctl: wrote \(written) rows to \(out) (\(format))\n".utf8))
            }
        }
    }

    struct Instruct: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Instruction-tuning pairs (OpenAI chat JSONL) from a labeler's answers, split into train and validation by patient.",
            discussion: """
                Writes DIR/train.jsonl and DIR/val.jsonl, one {"messages": [...]} object per
                report: the task's instructions as the system message, the de-identified
                report as the user message, and the labeler's answer as the assistant
                message ({"findings": {...}} with every finding positive, negative,
                uncertain or not mentioned; {"answer": "Yes"} for a binary task, with its
                "follow_up" after a Yes; {"phrases": [{"text": ..., "code": ...}]} for an
                extraction task). This is the format of OpenAI fine-tuning and of
                most LoRA trainers (e.g. trl's SFTTrainer on "messages").

                The split is by patient pseudonym, so a patient's reports are all in one
                file: a patient goes to validation when SHA-256(seed, pseudonym) falls in the
                --val-fraction of the range. A report with no patient id is its own group.
                DIR/manifest.csv lists file, line, report_id, group and language (en, de)
                for every example.
                Files are written with mode 0600 and appear only when complete; each page
                read is an audit record (export) with its row count.

                Examples:
                  raddctl export instruct --task chestxray14 --labeler llm --format jsonl --out training/
                  raddctl export instruct --task ankle-fracture --labeler final --val-fraction 0.2 --seed 7 --format jsonl --out ankle/
                """)

        @OptionGroup var options: SocketOptions
        @Option(help: "Task (default: the first one raddd labels).") var task: String?
        @Option(help: "Whose answers: final, rules, llm, llm:MODEL or gold.") var labeler = "final"
        @Option(help: "Reports stored at or after this UTC time.") var since: String?
        @Option(help: "Reports stored before this UTC time.") var until: String?
        @Option(help: "jsonl (the only format).") var format = "jsonl"
        @Option(help: "Share of patients that go to validation (0-1).") var valFraction = 0.1
        @Option(help: "Seed of the split.") var seed: UInt64 = 0
        @Option(help: "Directory to write train.jsonl, val.jsonl and manifest.csv into (created 0700 if missing).") var out: String

        func validate() throws {
            guard format == "jsonl" else { throw ValidationError("--format must be jsonl") }
            guard (0...1).contains(valFraction) else { throw ValidationError("--val-fraction must be between 0 and 1") }
        }

        func run() throws {
            try guarded {
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) {
                    do {
                        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                    } catch { throw Failure("cannot create \(out): \(error.localizedDescription)", code: 73) }
                } else if !isDirectory.boolValue {
                    throw Failure("\(out) is a file; --out names a directory", code: 64)
                }
                let split = TrainingSplit(validationFraction: valFraction, seed: seed)
                let train = try ExportOutput(path: out + "/train.jsonl")
                let validation = try ExportOutput(path: out + "/val.jsonl")
                let manifest = try ExportOutput(path: out + "/manifest.csv")
                var lines = (train: 0, validation: 0)
                var groups = (train: Set<String>(), validation: Set<String>())
                do {
                    try manifest.write(CSVRow.line(["file", "line", "report_id", "group", "language"]) + "\n")
                    _ = try manifest.writePages(of: "examples", finishing: [train, validation]) { after in
                        let page = try options.call(Endpoints.ExportInstruct.self, .init(task: task, labeler: labeler, since: since, until: until,
                                                                                        limit: 1000, after: after))
                        var manifestText = "", trainText = "", validationText = ""
                        for row in page.rows {
                            if split.isValidation(row.group) {
                                validationText += row.line + "\n"
                                lines.validation += 1
                                groups.validation.insert(row.group)
                                manifestText += CSVRow.line(["val.jsonl", String(lines.validation), String(row.reportID), row.group,
                                                             row.language ?? "en"]) + "\n"
                            } else {
                                trainText += row.line + "\n"
                                lines.train += 1
                                groups.train.insert(row.group)
                                manifestText += CSVRow.line(["train.jsonl", String(lines.train), String(row.reportID), row.group,
                                                             row.language ?? "en"]) + "\n"
                            }
                        }
                        try train.write(trainText)
                        try validation.write(validationText)
                        return (manifestText, page.rows.count, page.next)
                    }
                } catch {
                    train.abandon()
                    validation.abandon()
                    throw error
                }
                FileHandle.standardError.write(Data("""
                    raddctl: wrote \(lines.train) examples (\(groups.train.count) patients) to \(out)/train.jsonl and \(lines.validation) (\(groups.validation.count) patients) to \(out)/val.jsonl

                    """.utf8))
            }
        }
    }
}

/// Which patients go to validation: a keyed hash of the group, so the split is the same on
/// every run with the same seed and needs no state, and a patient never lands in both files.
struct TrainingSplit {
    var validationFraction: Double
    var seed: UInt64

    func isValidation(_ group: String) -> Bool {
        let digest = Digest.sha256(Array("radd split \(seed)\u{0}\(group)".utf8))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(value) / Double(UInt64.max) < validationFraction
    }
}
