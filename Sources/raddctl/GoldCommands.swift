import ArgumentParser
import Control
import Foundation
import Labeling

struct Gold: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Gold labels from radiologists: draw a worksheet, import it filled (reviewer role).",
        discussion: """
            The workflow: draw a sample of stored reports as a worksheet, have radiologists
            fill its finding columns, import it, then score any labeler against it with
            'raddctl eval --against gold'.

            Examples:
              raddctl gold sample --task chestxray14 --n 500 --stratify-by llm --out worksheet.csv
              raddctl gold import --task chestxray14 worksheet.csv
              raddctl eval --task chestxray14 --labeler llm --against gold
            """,
        subcommands: [Sample.self, Import.self])

    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a worksheet of sampled reports: report_id, accession_pseudonym, report_text, empty finding columns.",
            discussion: """
                Draws from current reports that have labels for the task and no gold yet.
                With --stratify-by, reports are grouped by that labeler's answer (the rarest
                finding it calls positive, or 'no positive finding'; Yes/No/Undefined for a
                binary task) and drawn equally from each group as far as it has reports, so
                that rare findings are in the sample. Per-finding figures then rest on more
                positives; pooled (micro) figures describe the sample, not the whole store.
                Without it the sample is simple random. The worksheet lists reports by id and
                does not show the groups, so the reader is not led by the labeler.

                Radiologists fill the finding columns: 1 positive, 0 negative, -1 uncertain,
                blank not mentioned (Yes/No/Undefined for a binary task; its follow-up column
                takes option names joined by ';' after a Yes). For an extraction task
                (findings-open) the one column takes the phrases copied from the report,
                separated by ';', each optionally followed by its code in brackets
                ("Small left pleural effusion [J90]; Mild scoliosis"), or 'none' when the
                report has nothing to extract. A row left wholly blank is not imported. The same --seed draws the same sample from the same data; the
                seed used is printed. The file is written with mode 0600; the draw is audited.

                Examples:
                  raddctl gold sample --task chestxray14 --n 500 --stratify-by rules --out worksheet.csv
                  raddctl gold sample --task ankle-fracture --n 300 --seed 7 --out ankle-gold.csv
                  raddctl gold sample --task findings-open --n 50 --out phrases-gold.csv
                """)

        @OptionGroup var options: SocketOptions
        @Option(help: "Task (default: the first one raddd labels).") var task: String?
        @Option(name: .customLong("n"), help: "How many reports (1-10000).") var count = 500
        @Option(help: "Group by this labeler's answers (final, rules, llm, llm:MODEL).") var stratifyBy: String?
        @Option(help: "Seed of the draw (default: a random one, printed).") var seed: UInt64?
        @Option(help: "Worksheet to write (CSV, mode 0600).") var out: String

        func validate() throws {
            guard (1...10_000).contains(count) else { throw ValidationError("--n must be between 1 and 10000") }
        }

        func run() throws {
            try guarded {
                let seed = self.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
                let result = try options.call(Endpoints.GoldSample.self, .init(task: task, count: count, stratifyBy: stratifyBy, seed: seed))
                var text = CSVRow.line(["report_id", "accession_pseudonym", "report_text"] + result.columns) + "\n"
                for row in result.rows {
                    text += CSVRow.line([String(row.reportID), row.accessionPseudonym ?? "", row.text]
                                        + Array(repeating: "", count: result.columns.count)) + "\n"
                }
                try writePrivately(Data(text.utf8), to: out)
                if options.json { return try options.printJSON(result.strataSummary(seed: seed)) }
                let groups = result.drawn.keys.sorted().map { "\($0) \(result.drawn[$0]!) of \(result.strata[$0] ?? 0)" }
                FileHandle.standardError.write(Data("""
                    raddctl: wrote \(result.rows.count) reports to \(out) (task \(result.task), seed \(seed))
                      drawn: \(groups.joined(separator: "; "))

                    """.utf8))
                if result.rows.count < count {
                    FileHandle.standardError.write(Data("raddctl: only \(result.rows.count) labelled reports without gold were available\n".utf8))
                }
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a filled worksheet's answers as gold.",
            discussion: """
                Each row names its report by accession_pseudonym (or report_id when the
                report has none) and must answer every finding of the task with 1, 0, -1,
                blank, Yes, No or Undefined. The whole worksheet is checked first: a row
                naming an unknown report, an invalid value or a report answered twice is
                refused with its line number, and nothing is stored. Rows left wholly blank
                are counted and skipped. A row identical to the report's latest gold is not
                stored again. Each answer is stored with the importing user and time, and
                audited.

                Exit status: 0 imported, 1 refused (FILE:LINE: problem), 77 not a reviewer.

                Example:
                  raddctl gold import --task chestxray14 worksheet.csv
                """)

        @OptionGroup var options: SocketOptions
        @Option(help: "Task (default: the first one raddd labels).") var task: String?
        @Argument(help: "The filled worksheet (CSV).") var worksheet: String

        static let batchSize = 100

        func run() throws {
            try guarded {
                let rows: [GoldRow]
                do { rows = try WorksheetReader.rows(path: worksheet) } catch let error as LabelFileError {
                    throw Failure(error.description, code: 1)
                }
                guard !rows.isEmpty else { throw Failure("\(worksheet): no rows below the header", code: 1) }
                try WorksheetReader.checkEachReportOnce(rows, file: worksheet)
                // The whole worksheet is checked before any of it is stored; each batch is then
                // stored in one transaction. A batch that fails leaves the ones before it stored,
                // and importing the worksheet again stores only what is missing.
                let batches = stride(from: 0, to: rows.count, by: Self.batchSize).map { Array(rows[$0..<min($0 + Self.batchSize, rows.count)]) }
                let progress = Progress(total: rows.count, noun: "rows")
                var result = GoldImportResult(imported: 0, unchanged: 0, skipped: 0, checked: 0)
                do {
                    for batch in batches {
                        _ = try options.call(Endpoints.GoldImport.self, .init(task: task, rows: batch, dryRun: true))
                    }
                    for batch in batches {
                        let stored = try options.call(Endpoints.GoldImport.self, .init(task: task, rows: batch))
                        result.imported += stored.imported
                        result.unchanged += stored.unchanged
                        result.skipped += stored.skipped
                        result.checked += stored.checked
                        progress.advance(to: result.checked)
                    }
                    progress.finish()
                } catch let failure as Failure where failure.code == 1 {
                    throw Failure("\(worksheet): \(failure.message)", code: 1)
                }
                if options.json { return try options.printJSON(result) }
                print("imported \(result.imported) gold answers from \(worksheet); \(result.unchanged) unchanged, \(result.skipped) blank rows skipped")
            }
        }
    }
}

extension GoldSampleResult {
    struct Summary: Encodable {
        var task: String
        var seed: UInt64
        var rows: Int
        var strata: [String: Int]
        var drawn: [String: Int]
    }

    /// What --json prints: the draw without the report texts (those are in the worksheet).
    func strataSummary(seed: UInt64) -> Summary {
        Summary(task: task, seed: seed, rows: rows.count, strata: strata, drawn: drawn)
    }
}

/// Reads a filled worksheet into rows for gold.import: the id columns and every other column's
/// cell by its header; raddd checks the cells against the task.
enum WorksheetReader {
    /// A report answered on two lines is a mistake to fix, not a choice for raddd to make.
    static func checkEachReportOnce(_ rows: [GoldRow], file: String) throws {
        var seen: [String: Int] = [:]
        for row in rows {
            let key = row.accessionPseudonym.flatMap { $0.isEmpty ? nil : "accession pseudonym " + $0 } ?? row.reportID.map { "report \($0)" }
            guard let key else { continue }
            if let earlier = seen[key] {
                throw Failure("\(file): line \(row.line): the same report as line \(earlier) (\(key.prefix(40))); nothing was imported", code: 1)
            }
            seen[key] = row.line
        }
    }

    static func rows(path: String) throws -> [GoldRow] {
        let records = try LabelTable.records(path: path)
        let header = records.header
        guard header.first == "report_id" else {
            throw LabelFileError(file: path, line: 1, "the first column must be report_id, as 'raddctl gold sample' writes it")
        }
        let accessionIndex = header.firstIndex(of: "accession_pseudonym")
        var rows: [GoldRow] = []
        for (line, fields) in records.rows {
            let idText = fields[0].trimmingCharacters(in: .whitespaces)
            guard idText.isEmpty || Int64(idText) != nil else {
                throw LabelFileError(file: path, line: line, "report_id '\(idText.prefix(20))' is not a number")
            }
            var values: [String: String] = [:]
            for (index, name) in header.enumerated() where !["report_id", "accession_pseudonym", "report_text"].contains(name) {
                values[name] = fields[index]
            }
            rows.append(GoldRow(line: line, reportID: Int64(idText), accessionPseudonym: accessionIndex.map { fields[$0] },
                                values: values))
        }
        return rows
    }
}
