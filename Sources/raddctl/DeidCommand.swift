import ArgumentParser
import Deid
import Foundation

struct DeidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deid",
        abstract: "De-identify report files offline, without the daemon.",
        discussion: """
            Prints each file's de-identified text, or with --spans one JSON line per PHI span
            found: {"file":..., "start":..., "end":..., "category":...}. Offsets count Unicode
            scalars (code points) into the file's content as read (UTF-8), start inclusive,
            end exclusive; a byte-order mark counts as one scalar. The span's text is never
            printed. Categories: name, date, contact, identifier, place, age.

            Examples:
              raddctl deid report.txt
              raddctl deid --spans exports/*.txt > spans.ndjson
              raddctl deid --replacement surrogates report.txt
            """)

    @Flag(help: "Print PHI spans as JSON lines instead of the de-identified text.") var spans = false
    @Option(help: "tags ([NAME], [DATE], ...) or surrogates (consistent realistic fakes).") var replacement: String = "tags"
    @Argument(help: "Report text files (UTF-8).") var files: [String]

    func validate() throws {
        guard DeidPolicy.Replacement(rawValue: replacement) != nil else {
            throw ValidationError("--replacement must be tags or surrogates")
        }
        guard !files.isEmpty else { throw ValidationError("name at least one file") }
    }

    func run() throws {
        let deidentifier = RuleDeidentifier(policy: DeidPolicy(replacement: DeidPolicy.Replacement(rawValue: replacement) ?? .tags))
        var failed = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("raddctl: \(file): cannot read it\n".utf8))
                failed += 1
                continue
            }
            guard let text = String(validating: [UInt8](data), as: UTF8.self) else {
                FileHandle.standardError.write(Data("raddctl: \(file): not UTF-8 text\n".utf8))
                failed += 1
                continue
            }
            let found = deidentifier.phiSpans(in: text, structured: StructuredPHI())
            if spans {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for span in found {
                    let line = SpanLine(file: file, start: span.start, end: span.start + span.length, category: span.category.rawValue)
                    print(String(decoding: try encoder.encode(line), as: UTF8.self))
                }
            } else {
                let policy = deidentifier.policy
                print(RuleDeidentifier.replace(found, in: text, policy: policy), terminator: text.hasSuffix("\n") ? "" : "\n")
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    struct SpanLine: Encodable {
        var file: String
        var start: Int
        var end: Int
        var category: String
    }
}
