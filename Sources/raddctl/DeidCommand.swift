import ArgumentParser
import Deid
import Foundation
import RaddCore

struct DeidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deid",
        abstract: "De-identify report files offline, without the daemon.",
        discussion: """
            Prints each file's de-identified text (always UTF-8), or with --spans one
            JSON line per PHI span: {"category":..., "end":..., "file":...,
            "start":...}. The span's text is never printed. Categories: name, date,
            contact, identifier, place, age.

            Input: valid UTF-8 (with or without a byte-order mark) is read as UTF-8;
            any other text as Windows-1252 (Latin-1 with typographic characters at
            0x80-0x9F), with a note on stderr. Offsets count Unicode scalars (code
            points) of the decoded text, start inclusive, end exclusive: for UTF-8
            as Python's open(f, encoding="utf-8") reads it (a byte-order mark counts
            as one); for other files one per byte, as open(f, encoding="latin-1")
            reads them. An empty file prints nothing and is not an error. A NUL
            byte, or control characters (other than tab, LF, CR, FF) in more than
            1 in 100 bytes, mean binary data: an error naming the file and one
            byte's offset, never the content. The other files are still processed;
            the exit status is 1 if any file failed.

            --language chooses the evidence: en (the default) for US names, dates
            and addresses; de for German dates ("14.03.2024", "14. März 2024",
            "KW 12"), titles and forms of address ("Dr. med.", "OÄ", "Frau"),
            streets and postal codes ("Musterstraße 12, 10115 Berlin"), phone
            numbers ("030/1234567"), hospitals ("Klinikum ..."), case and insurance
            numbers ("Fall-Nr.", "Versichertennr."); auto detects each file's
            language from its words, as a drop folder with language = auto does.

            --policy reads a deid.policy file (raddd's deid_policy setting), so that
            offline results match the daemon's; --replacement overrides its
            replacement. Offline surrogates have no key: names get fakes, dates
            become [DATE] (not shifted), identifiers [ID].

            Examples:
              raddctl deid report.txt
              raddctl deid --spans exports/*.txt > spans.ndjson
              raddctl deid --replacement surrogates report.txt
              raddctl deid --policy /etc/radd/deid.policy report.txt
              raddctl deid --spans latin1-report.txt   # offsets = byte offsets
              raddctl deid --language de arztbrief.txt
              raddctl deid --language auto --spans exports/*.txt
            """)

    @Flag(help: "Print PHI spans as JSON lines instead of the de-identified text.") var spans = false
    @Option(help: "A de-identification policy file (deid.policy); default: the built-in policy.") var policy: String?
    @Option(help: "tags ([NAME], [DATE], ...) or surrogates (consistent realistic fakes); overrides the policy file.") var replacement: String?
    @Option(help: "The reports' language: en, de, or auto (detected per file). Default: en.") var language: String = "en"
    @Argument(help: "Report text files (UTF-8, or Windows-1252/Latin-1).") var files: [String]

    func validate() throws {
        if let replacement, DeidPolicy.Replacement(rawValue: replacement) == nil {
            throw ValidationError("--replacement must be tags or surrogates")
        }
        guard LanguageSetting(setting: language) != nil else {
            throw ValidationError("--language must be en, de or auto (not '\(language)')")
        }
        guard !files.isEmpty else { throw ValidationError("name at least one file") }
    }

    func run() throws {
        var chosen = DeidPolicy()
        if let policy {
            do {
                chosen = try DeidPolicy(contentsOf: policy)
            } catch {
                // The policy's own messages name the file and line; a policy holds no PHI.
                FileHandle.standardError.write(Data("raddctl: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        if let replacement, let parsed = DeidPolicy.Replacement(rawValue: replacement) {
            chosen.replacement = parsed
        }
        // Shifting needs the store's pseudonym key, which only raddd holds; offline the shift
        // would be zero days and every numeric date would print unchanged. So dates become [DATE].
        chosen.shiftDates = false
        let setting = LanguageSetting(setting: language) ?? .fixed(.en)
        let deidentifier: RuleDeidentifier
        switch setting {
        case .fixed(let fixed): deidentifier = RuleDeidentifier(policy: chosen, language: fixed)
        case .auto: deidentifier = RuleDeidentifier(policy: chosen)
        }
        deidentifier.prepare()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var failed = 0
        for file in files {
            let input: DeidInput
            do {
                input = try DeidInput.read(file)
            } catch let error as DeidInputError {
                FileHandle.standardError.write(Data("raddctl: \(file): \(error.problem)\n".utf8))
                failed += 1
                continue
            }
            if input.encoding != .utf8 {
                FileHandle.standardError.write(Data("raddctl: \(file): not UTF-8, read as \(input.encoding.rawValue) (offsets count one per byte)\n".utf8))
            }
            let text = input.text
            // The same choice a drop folder makes (LanguageSetting.language(of:)).
            let fileLanguage = setting.language(of: text)
            let reader = fileLanguage == deidentifier.language ? deidentifier : deidentifier.reading(fileLanguage)
            let found = reader.phiSpans(in: text, structured: StructuredPHI())
            if spans {
                for span in found {
                    let line = SpanLine(file: file, start: span.start, end: span.start + span.length, category: span.category.rawValue)
                    print(String(decoding: try encoder.encode(line), as: UTF8.self))
                }
            } else if !text.isEmpty {
                print(RuleDeidentifier.replace(found, in: text, policy: chosen), terminator: text.hasSuffix("\n") ? "" : "\n")
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
