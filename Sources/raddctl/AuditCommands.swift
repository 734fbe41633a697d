import ArgumentParser
import Control
import Foundation
import RaddCore

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, verify and export the tamper-evident audit log (auditor role).",
        discussion: """
            Every action on the appliance, and every request whether allowed or refused, is an
            audit record: who (uid, name, pid, role), what, when, the outcome, and the
            appliance. Each record is chained to the one before by SHA-256, and raddd writes
            checkpoints of the chain to its log and to a file, so that a changed, deleted,
            reordered or cut-off record is found by `raddctl audit verify`. Using the log is
            audited too.

            Examples:
              raddctl audit list --since 2026-11-01 --type query --user alice
              raddctl audit verify
              raddctl audit export --format fhir --out audit.ndjson
            """,
        subcommands: [List.self, Verify.self, Export.self])

    /// The filters `list` and `export` share.
    struct Filters: ParsableArguments {
        @Option(help: "Records at or after this UTC time (2026-11-24 or 2026-11-24T08:00:00Z).") var since: String?
        @Option(help: "Records before this UTC time.") var until: String?
        @Option(help: "Records of this user (name or uid).") var user: String?
        @Option(help: "Event type, repeatable: application_start, application_stop, ingest, label, quarantine, query, export, audit_log_used, security_alert, config_change, key_rotation, backup, restore, erasure, retention.")
        var type: [String] = []
        @Option(help: "success, denied, minor_failure or serious_failure.") var outcome: String?

        func params(limit: Int, after: Int64?) -> Endpoints.AuditList.Params {
            .init(since: since, until: until, user: user,
                  types: type.isEmpty ? nil : type.flatMap { $0.split(separator: ",").map(String.init) }, outcome: outcome,
                  limit: limit, after: after)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List audit records, oldest first.",
            discussion: """
                Examples:
                  raddctl audit list
                  raddctl audit list --outcome denied --since 2026-11-24
                  raddctl audit list --type export --type audit_log_used --json
                """)

        @OptionGroup var options: SocketOptions
        @OptionGroup var filters: Filters
        @Option(help: "Most records to list (1-1000).") var limit = 100
        @Option(help: "List records after this sequence number (for paging).") var after: Int64?

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        }

        func run() throws {
            try guarded {
                let page = try options.call(Endpoints.AuditList.self, filters.params(limit: limit, after: after))
                if options.json { return try options.printJSON(page) }
                guard !page.records.isEmpty else { return print("no audit records match") }
                print("SEQ     TIME                  EVENT             A  OUTCOME          USER (UID, ROLE)             OBJECT")
                for record in page.records {
                    let who = "\(record.username) (\(record.uid), \(record.role ?? "-"))"
                    let outcome = record.outcome + (record.outcomeText.map { ": \($0)" } ?? "")
                    print([pad(String(record.seq), 7), pad(record.at, 21), pad(record.event, 17), pad(record.action, 2),
                           pad(outcome, 16), pad(who, 28), Format.printable(record.object ?? "-")].joined(separator: " "))
                }
                if let next = page.next { print("more: raddctl audit list --limit \(limit) --after \(next)") }
            }
        }

        func pad(_ text: String, _ width: Int) -> String {
            let shown = Format.printable(text)
            return shown.count >= width ? shown : shown + String(repeating: " ", count: width - shown.count)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the audit chain and check it against the checkpoints.",
            discussion: """
                Recomputes every record's SHA-256 from the one before, checks that sequence
                numbers have no gaps, and that each checkpoint raddd wrote (to its checkpoint
                file; and any given with --checkpoint, e.g. from the journal or a remote
                syslog) names a record that is there with that hash. Names the first bad
                record.

                Exit status: 0 intact, 2 broken (the first bad record is named), and the usual
                codes for other failures.

                Examples:
                  raddctl audit verify
                  raddctl audit verify --checkpoint 48211:4f2c…e9
                  journalctl -u raddd MESSAGE='audit checkpoint' -n 1 -o json   # RADD_SEQ, RADD_SHA256
                """)

        @OptionGroup var options: SocketOptions
        @Option(help: "A checkpoint to check as well: SEQ:SHA256 (repeatable).") var checkpoint: [String] = []

        func run() throws {
            try guarded {
                let result = try options.call(Endpoints.AuditVerify.self, .init(checkpoints: checkpoint.isEmpty ? nil : checkpoint))
                if options.json {
                    try options.printJSON(result)
                } else if result.intact {
                    let range = result.firstSeq.map { "records \($0)–\(result.lastSeq ?? $0)" } ?? "no records"
                    print("audit log intact: \(result.records) records (\(range)), \(result.checkpointsChecked) checkpoint\(result.checkpointsChecked == 1 ? "" : "s") matched")
                    if let hash = result.lastHash { print("head: \(result.lastSeq ?? 0):\(hash)") }
                } else {
                    print("audit log BROKEN: first bad record \(result.firstBadSeq.map(String.init) ?? "?")")
                    for problem in result.problems { print("  " + problem) }
                }
                if !result.intact {
                    throw Failure("the audit log failed verification at record \(result.firstBadSeq.map(String.init) ?? "?")", code: 2)
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export audit records as CSV, JSON lines, FHIR AuditEvent NDJSON or RFC 5424 syslog.",
            discussion: """
                Writes every matching record, oldest first, one per line: csv (RFC 4180, with a
                header), jsonl, fhir (FHIR R4 AuditEvent resources, NDJSON) or syslog (RFC 5424,
                facility log audit). The export itself is audited.

                Examples:
                  raddctl audit export --format csv --out audit.csv
                  raddctl audit export --format fhir --since 2026-11-01 --out audit.ndjson
                  raddctl audit export --format syslog | logger --rfc5424 …
                """)

        @OptionGroup var options: SocketOptions
        @OptionGroup var filters: Filters
        @Option(help: "csv, jsonl, fhir or syslog.") var format: String
        @Option(help: "File to write (default: standard output). It is replaced only when the export is complete.") var out: String?

        func validate() throws {
            guard AuditExportFormat(rawValue: format) != nil else {
                throw ValidationError("--format must be one of \(AuditExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            try guarded {
                let format = AuditExportFormat(rawValue: self.format)!
                let written = try ExportOutput(path: out).writePages(of: "records") { after in
                    let page = try options.call(Endpoints.AuditExport.self, Endpoints.AuditExport.Params(auditList: filters.params(limit: 1000, after: after)))
                    let header = after == nil ? format.header.map { $0 + "\n" } ?? "" : ""
                    return (header + page.records.map { format.line($0) + "\n" }.joined(), page.records.count, page.next)
                }
                if let out { FileHandle.standardError.write(Data("raddctl: wrote \(written) audit records to \(out) (\(format.rawValue))\n".utf8)) }
            }
        }
    }
}

/// Standard output, or a file written beside its final name and renamed into place once
/// complete, so a reader never sees half an export.
final class ExportOutput {
    private let path: String?
    private let temporary: String?
    private let handle: FileHandle

    init(path: String?) throws {
        self.path = path
        guard let path else {
            temporary = nil
            handle = FileHandle.standardOutput
            return
        }
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.\(name).\(getpid()).partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw Failure("cannot write \(path): \(String(cString: strerror(errno)))", code: 73)
        }
        self.temporary = temporary
        self.handle = handle
    }

    func write(_ text: String) throws {
        do { try handle.write(contentsOf: Data(text.utf8)) } catch {
            throw Failure("cannot write \(path ?? "standard output"): \(error.localizedDescription)", code: 74)
        }
    }

    func finish() throws {
        guard let path, let temporary else { return }
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else {
            throw Failure("cannot move the export into place at \(path): \(String(cString: strerror(errno)))", code: 73)
        }
    }

    func abandon() {
        guard let temporary else { return }
        try? handle.close()
        unlink(temporary)
    }

    /// Asks for page after page (`after` nil for the first), writes each page's text, shows how
    /// many `noun` so far on a TTY, and puts the file in place once the last page is written (or
    /// removes it on any failure). Returns how many were written.
    /// `finishing` are written alongside (an export of several files) and put in place with this one.
    func writePages(of noun: String, finishing others: [ExportOutput] = [],
                    _ page: (_ after: Int64?) throws -> (text: String, count: Int, next: Int64?)) throws -> Int {
        let progress = isatty(STDERR_FILENO) != 0 && path != nil
        var written = 0
        var after: Int64?
        do {
            repeat {
                let next = try page(after)
                try write(next.text)
                written += next.count
                after = next.next
                if progress { FileHandle.standardError.write(Data("\rexported \(written) \(noun)\u{1B}[K".utf8)) }
            } while after != nil
            for other in others { try other.finish() }
            try finish()
        } catch {
            abandon()
            throw error
        }
        if progress { FileHandle.standardError.write(Data("\n".utf8)) }
        return written
    }
}
