import ArgumentParser
import Control
import Foundation
import RaddCore

/// raddctl: the control CLI. Talks to raddd over its Unix socket; see Docs/control-protocol.md.
struct Raddctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raddctl",
        abstract: "Query and control the radd daemon over its local socket.",
        discussion: """
            The socket is --socket, else $RADD_SOCKET, else \(SocketOptions.defaultPath).
            Only root, raddd's own user and members of the socket's group may connect; every
            request is audited with the caller's uid and pid.

            Examples:
              raddctl status
              raddctl reports --json
              raddctl report 12
              raddctl quarantine list

            Exit status: 0 success, 1 the daemon refused or failed the request, 2 the audit log failed verification, 4 no such object,
            64 usage error, 69 raddd is not reachable, 77 permission denied.
            """,
        version: RaddVersion.string,
        subcommands: [Status.self, Reports.self, ReportCommand.self, LabelsCommand.self, ReviewCommand.self, Quarantine.self, Audit.self, Export.self, Gold.self, Reload.self, Key.self, PseudonymCommand.self,
                      DeidCommand.self, LabelCommand.self, RelabelCommand.self,
                      EvalCommand.self, BackupCommand.self, PurgeCommand.self, MetricsCommand.self])

    // Declared here too so that `raddctl --socket PATH --json status` works as well as
    // `raddctl status --socket PATH --json`; subcommands see these values.
    @OptionGroup var options: SocketOptions
}

struct SocketOptions: ParsableArguments {
    static let defaultPath = "/run/radd/raddd.sock"

    @Option(help: "Control socket of raddd (default: $RADD_SOCKET or \(SocketOptions.defaultPath)).")
    var socket: String?

    @Flag(help: "Print JSON (the daemon's result object) instead of text.")
    var json = false

    var path: String {
        socket ?? ProcessInfo.processInfo.environment["RADD_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultPath
    }

    /// Runs one request and maps every failure to a one-line message and a documented exit code.
    func call<E: ControlEndpoint>(_ endpoint: E.Type, _ params: E.Params) throws -> E.Result {
        do {
            return try ControlClient(socketPath: path).call(endpoint, params)
        } catch let error as ControlClient.ConnectError {
            switch error {
            case .permissionDenied: throw Failure(error.description, code: 77)
            default: throw Failure(error.description, code: 69)
            }
        } catch let error as ControlError {
            switch error.code {
            case .permissionDenied: throw Failure(error.message, code: 77)
            case .notFound: throw Failure(error.message, code: 4)
            default: throw Failure(error.message, code: 1)
            }
        } catch let error as SystemError {
            throw Failure("lost the connection to raddd at \(path): \(error)", code: 69)
        } catch let error as DecodingError {
            throw Failure("raddd sent a response this raddctl cannot read (\(error.localizedDescription)); are both the same version?", code: 1)
        }
    }

    func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// A failure already explained to the user: printed as one line, then the given exit code.
struct Failure: Error, CustomStringConvertible {
    var message: String
    var code: Int32
    init(_ message: String, code: Int32) {
        self.message = message
        self.code = code
    }
    var description: String { message }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's version, uptime, queue and report counts.",
        discussion: "Example:\n  raddctl status --json")

    @OptionGroup var options: SocketOptions

    func run() throws {
        try guarded {
            let status = try options.call(Endpoints.Status.self, NoParams())
            if options.json { return try options.printJSON(status) }
            // "stored" and "labelled" are both current reports; a state of "labelled" only says
            // every labeler has answered, which is not whether a report has its final label (the
            // "labelled:" lines below), so it is shown as what it means.
            let byState = status.reportsByState
            let current = (byState["stored"] ?? 0) + (byState["labelled"] ?? 0)
            let others = byState.filter { !["stored", "labelled"].contains($0.key) }.sorted { $0.key < $1.key }
            let counts = (["\(current) current (\(byState["labelled"] ?? 0) answered by every labeler)"]
                          + others.map { "\($0.value) \($0.key)" }).joined(separator: ", ")
            print("""
                raddd \(status.version) (pid \(status.pid)), up \(Format.duration(status.uptimeSeconds)) since \(status.startedAt)
                  database:  schema v\(status.schemaVersion), SQLCipher \(status.cipherVersion)
                  queue:     \(status.queueDepth) file\(status.queueDepth == 1 ? "" : "s") waiting
                  reports:   \(counts)
                  deid:      \(status.deidMethod)
                """)
            for folder in status.folders {
                let archive = folder.archive.map { ", originals archived to \($0)" } ?? ""
                let language = folder.language.map { ", language \($0)" } ?? ""
                print("  folder:    \(folder.name) \(folder.path) (format \(folder.format)\(language)\(archive))")
            }
            for count in status.languages ?? [] {
                // A report no task reads is stored and counted; say so, so that nobody waits
                // for labels that will not come.
                let name = ReportLanguage(rawValue: count.language)?.displayName ?? count.language
                let reports = "\(count.reports) \(name) report\(count.reports == 1 ? "" : "s")"
                print("  language:  " + (count.tasks.isEmpty ? "\(reports): no task reads \(name)"
                                        : "\(reports), read by \(count.tasks.map { Format.printable($0) }.joined(separator: ", "))"))
            }
            guard let labeling = status.labeling else { return }
            print("  labels:    " + (labeling.tasks.isEmpty ? "no tasks configured (setting 'tasks')"
                                     : "tasks \(labeling.tasks.joined(separator: ", ")); final label: \(labeling.policy)"))
            for count in labeling.finalLabels ?? [] {
                // The report state "labelled" means every labeler has answered; a report has its
                // final label earlier (the rules' answer while a model is busy, under
                // llm-else-rules), and that is what a researcher asks about.
                print("  labelled:  \(Format.printable(count.task)): \(count.labelled) of \(count.reports) reports have their final label")
            }
            LabelDisplay.printDeciders(labeling.deciders ?? [], prefix: "  decides:   ", indent: "             ")
            for queue in labeling.queues {
                print("  labeler:   \(queue.labeler): \(queue.queued) waiting, \(queue.failed) failed"
                      + (queue.lastError.map { "; waiting because: \(Format.printable($0))" } ?? ""))
            }
            for endpoint in labeling.endpoints {
                let state = endpoint.circuit == "closed" ? "answering" : "not answering (circuit \(endpoint.circuit))"
                print("  model:     \(endpoint.endpoint) \(endpoint.model.map { Format.printable($0) } ?? "(model not known yet)"): \(state), \(endpoint.inFlight) in flight"
                      + (endpoint.lastError.map { "; last error: \(Format.printable($0))" } ?? ""))
            }
            for run in labeling.relabels ?? [] {
                let progress = run.finishedAt.map { "finished \($0)" } ?? "\(run.total - run.done - run.failed) waiting"
                print("  relabel:   run \(run.run) \(Format.printable(run.labeler)) on \(Format.printable(run.task)) (\(run.since.map { "since \($0)" } ?? "all reports")), by \(Format.printable(run.requestedBy)) at \(run.requestedAt): \(run.done)/\(run.total) done, \(run.failed) failed, \(progress)")
            }
        }
    }
}

struct Reports: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List stored reports, oldest first.",
        discussion: "Examples:\n  raddctl reports\n  raddctl reports --state stored --limit 20 --after 100 --json\n  raddctl reports --language de")

    @OptionGroup var options: SocketOptions
    @Option(help: "Only reports in this state (stored, labelled, superseded).") var state: String?
    @Option(help: "Only reports in this language (\(ReportLanguage.allCases.map(\.rawValue).joined(separator: ", "))).") var language: String?
    @Option(help: "Most reports to list (1-1000).") var limit = 100
    @Option(help: "List reports with ids above this one (for paging).") var after: Int64?

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        if let language, ReportLanguage(rawValue: language) == nil {
            throw ValidationError("--language must be one of \(ReportLanguage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        try guarded {
            let result = try options.call(Endpoints.Reports.self, .init(state: state, limit: limit, after: after, language: language))
            if options.json { return try options.printJSON(result) }
            guard !result.reports.isEmpty else { return print("no reports") }
            let rows = result.reports.map {
                [String($0.id), $0.state, $0.status ?? "-", $0.format, $0.language ?? "en", $0.modality.map { Format.printable($0) } ?? "-",
                 $0.storedAt, Format.printable($0.sourceName)]
            }
            print(Format.table(header: ["ID", "STATE", "STATUS", "FORMAT", "LANG", "MODALITY", "STORED", "SOURCE"], rows: rows))
            if let next = result.next {
                let state = self.state.map { " --state \($0)" } ?? ""
                let language = self.language.map { " --language \($0)" } ?? ""
                print("more: raddctl reports\(state)\(language) --limit \(limit) --after \(next)")
            }
        }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show one report's stored text and its labels.",
        discussion: "Example:\n  raddctl report 12 --json")

    @OptionGroup var options: SocketOptions
    @Argument(help: "The report's id, as listed by 'raddctl reports'.") var id: Int64

    func run() throws {
        try guarded {
            let result = try options.call(Endpoints.Report.self, .init(id: id))
            if options.json { return try options.printJSON(result) }
            let report = result.report
            print("report \(report.id): \(report.state), \(report.format), from \(Format.printable(report.sourceName))"
                  + (report.folder.map { " in folder \($0)" } ?? ""))
            let details: [(String, String?)] = [
                ("status", report.status),
                ("language", report.language.map { code in ReportLanguage(rawValue: code).map { "\(code) (\($0.displayName))" } ?? code }),
                ("superseded by", report.supersededBy.map { "report \($0)" }),
                ("exam", [report.examCode, report.examDescription].compactMap { $0 }.joined(separator: " ").nilIfEmpty),
                ("modality", report.modality), ("observed", report.observedAt), ("reported", report.reportedAt),
                ("accession pseudonym", report.accessionPseudonym), ("patient pseudonym", report.patientPseudonym),
            ]
            for case let (name, value?) in details { print("\(name): \(Format.printable(value))") }
            let replaced = result.phiReplaced.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            print("stored \(report.storedAt); de-identification: \(report.deidMethod)"
                  + (replaced.isEmpty ? ", no PHI found" : ", replaced " + replaced.joined(separator: ", ")))
            let sections = ["indication", "comparison", "findings", "impression"].filter { result.sections[$0] != nil }
            print("sections: " + (sections.isEmpty ? "none recognised" : sections.joined(separator: ", ")))
            LabelDisplay.printLabels(of: result)
            print("")
            print(Format.printable(result.text, keepingLineBreaks: true))
        }
    }
}

/// Prints a `Failure` as `raddctl: message` and exits with its code.
func guarded(_ body: () throws -> Void) throws {
    do { try body() } catch let failure as Failure {
        FileHandle.standardError.write(Data("raddctl: \(failure.message)\n".utf8))
        throw ExitCode(failure.code)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

enum Format {
    /// Text from hospital systems is shown, not obeyed: control characters (terminal escapes
    /// among them) are replaced with U+FFFD. --json output carries the text unchanged.
    static func printable(_ text: String, keepingLineBreaks: Bool = false) -> String {
        let text = keepingLineBreaks ? text.replacingOccurrences(of: "\r\n", with: "\n") : text
        return String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            if keepingLineBreaks && (scalar == "\n" || scalar == "\t") { return scalar }
            let control = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            return control ? "\u{FFFD}" : scalar
        }))
    }

    static func duration(_ seconds: Int) -> String {
        let days = seconds / 86_400, hours = seconds / 3600 % 24, minutes = seconds / 60 % 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(seconds % 60)s" }
        return "\(seconds)s"
    }

    static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

Raddctl.main()

/// Writes an output file that may hold report text (labels in the CheXpert layout, evidence,
/// an evaluation page): owner-only from the moment it exists, replacing any earlier file whole.
func writePrivately(_ data: Data, to path: String) throws {
    // A device or pipe (/dev/null, /dev/stdout, a FIFO) is written to, never replaced.
    var info = stat()
    if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG && (info.st_mode & S_IFMT) != S_IFDIR {
        guard let handle = FileHandle(forWritingAtPath: path) else { throw Failure("\(path): cannot write it", code: 1) }
        handle.write(data)
        try? handle.close()
        return
    }
    let temporary = path + ".radd-\(getpid()).tmp"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw Failure("\(path): cannot write it (\(String(cString: strerror(errno))))", code: 1) }
    let written = data.withUnsafeBytes { buffer -> Bool in
        var offset = 0
        while offset < buffer.count {
            let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if count < 0 { if errno == EINTR { continue }; return false }
            offset += count
        }
        return true
    }
    let closed = close(descriptor) == 0
    guard written, closed, rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw Failure("\(path): cannot write it (\(reason))", code: 1)
    }
}
