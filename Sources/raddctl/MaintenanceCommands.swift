import ArgumentParser
import Control
import Foundation
import RaddCore
import Store

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Make an online, encrypted copy of the database (admin role), or verify one.",
        discussion: """
            raddd writes the copy itself, while it keeps ingesting and labelling: one
            consistent snapshot, encrypted with the database key in force, written 0600 as
            FILE.partial and renamed to FILE only when complete and audited (event backup,
            with the copy's SHA-256 and row counts). FILE must not exist, and its folder must
            be writable by raddd's user (the default folder, STATE_DIR/backups, is). The copy
            holds everything: reports, labels, gold, the audit chain and the pseudonym key.

            It opens only with the key in force when it was made: keep that key with it. After
            `raddctl key rotate`, older copies still need the old key. Docs/operations.md has
            the restore procedure (raddd --restore).

            Examples:
              raddctl backup
              raddctl backup --out /var/lib/radd/backups/before-upgrade.db
              sudo raddctl backup verify /var/lib/radd/backups/before-upgrade.db --key-file /etc/radd/db.key

            Exit status: 0 written, 1 refused or failed, 69 raddd is not reachable, 77 not an admin.
            """,
        subcommands: [Verify.self])

    @OptionGroup var options: SocketOptions
    @Option(help: "The copy to write (made absolute here; it must not exist). Default: a new file in STATE_DIR/backups.")
    var out: String?
    @Option(help: "Seconds to wait for raddd to write the copy.") var timeout = 3600

    func run() throws {
        try guarded {
            let path = out.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
            let result: BackupResult
            do {
                result = try ControlClient(socketPath: options.path, answerTimeout: timeout)
                    .call(Endpoints.Backup.self, .init(path: path))
            } catch let error as ControlError {
                throw Failure("no backup was made: \(error.message)", code: error.code == .permissionDenied ? 77 : 1)
            } catch let error as ControlClient.ConnectError {
                if case .permissionDenied = error { throw Failure(error.description, code: 77) }
                throw Failure(error.description, code: 69)
            }
            if options.json { return try options.printJSON(result) }
            print("backup written to \(result.path)")
            print("  sha256  \(result.sha256)")
            print("  size    \(result.bytes) bytes, in \(String(format: "%.1f", result.seconds)) s")
            print("  holds   \(result.counts.reports) reports, \(result.counts.labelSets) label sets, \(result.counts.goldSets) gold sets, \(result.counts.auditRecords) audit records (schema v\(result.counts.schemaVersion))")
            print("  opens with the database key in force now; keep that key with it")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a backup without raddd: key, every page, schema version and the whole audit chain.",
            discussion: """
                Opens FILE read-only with the key in KEYFILE (it never changes the file) and
                checks that the key opens it, that every page passes SQLCipher's HMAC and
                SQLite's integrity check, that its schema is one this radd can restore, and that
                its audit chain verifies from the first record to the last. Prints the counts and
                the file's SHA-256, which `raddctl audit list --event backup` shows for the copy.
                Needs read access to FILE and KEYFILE (usually root).

                Example:
                  sudo raddctl backup verify /var/lib/radd/backups/radd-20261205T171500Z.db --key-file /etc/radd/db.key

                Exit status: 0 the copy is good, 1 it is damaged or does not verify, 65 the key
                does not open it, 66 FILE or KEYFILE cannot be read.
                """)

        @Argument(help: "The backup to check.") var file: String
        @Option(help: "The key file that opens it (the key in force when it was made).") var keyFile = "/etc/radd/db.key"
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() throws {
            try guarded {
                let key: DatabaseKey
                do { key = try DatabaseKey.load(keyFile: keyFile, environment: [:]) } catch {
                    throw Failure("cannot read the key: \(error)", code: 66)
                }
                let verification: BackupVerification
                do { verification = try DatabaseBackup.verify(path: file, key: key) } catch let error as BackupError {
                    switch error {
                    case .wrongKey: throw Failure(error.description, code: 65)
                    case .io: throw Failure(error.description, code: 66)
                    default: throw Failure(error.description, code: 1)
                    }
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(verification), as: UTF8.self))
                    return
                }
                let counts = verification.counts
                print("\(verification.path): OK")
                print("  sha256        \(verification.sha256)")
                print("  size          \(verification.bytes) bytes")
                print("  schema        v\(counts.schemaVersion) (this radd reads up to v\(verification.supportedSchemaVersion))")
                print("  integrity     every page passes SQLCipher's HMAC and SQLite's integrity check")
                if let last = verification.auditLastSeq {
                    print("  audit chain   intact, records \(verification.auditFirstSeq ?? 1) to \(last), head \(verification.auditLastHash ?? "-")")
                }
                print("  reports       \(counts.reports)")
                print("  label sets    \(counts.labelSets) (+ \(counts.goldSets) gold), \(counts.labels) labels, \(counts.labelJobs) jobs queued or failed")
                print("  files         \(counts.files) settled, \(counts.quarantined) quarantined")
                print("  audit records \(counts.auditRecords)")
            }
        }
    }
}

struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Erase every report of one patient and everything derived from it (admin role).",
        discussion: """
            An erasure request: deletes the patient's reports (every version), their labels
            and label sets, gold answers, queued label jobs, PHI spans and the records of the
            files they came from, in one transaction. The deleted text is overwritten in the
            database file (secure_delete) and the write-ahead log is emptied, so it is gone
            from the files, not just hidden. Backups made before keep it: delete or re-make
            them (Docs/operations.md). Audit records stay; the erasure adds one, with the
            patient's pseudonym and the counts, never the id. Other reports of the same
            batch file stay.

            Give the patient id as the source systems send it (PID-3, the FHIR subject, the
            CSV column), or '-' to read it from standard input, so that it stays out of shell
            history and the process list.

            Examples:
              echo 'MRN0042' | raddctl purge --patient -
              raddctl purge --patient MRN0042 --json

            Exit status: 0 erased (also when nothing was stored), 1 refused or failed,
            69 raddd is not reachable, 77 not an admin.
            """)

    @OptionGroup var options: SocketOptions
    @Option(help: "The patient id, or - to read it from standard input.") var patient: String

    func run() throws {
        try guarded {
            var value = patient
            if value == "-" {
                guard let line = readLine(strippingNewline: true), !line.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw Failure("no patient id on standard input", code: 64)
                }
                value = line
            }
            let result = try options.call(Endpoints.Purge.self, .init(patient: value))
            if options.json { return try options.printJSON(result) }
            let erased = result.erased
            print("erased patient \(result.patientPseudonym): \(erased.reports) report\(erased.reports == 1 ? "" : "s"), "
                  + "\(erased.labelSets) label sets (\(erased.goldSets) gold), \(erased.labels) labels, \(erased.labelJobs) label jobs, "
                  + "\(erased.phiSpans) PHI spans, \(erased.files) file records")
            if !result.walTruncated {
                FileHandle.standardError.write(Data("raddctl: a reader held back emptying the write-ahead log; raddd's next checkpoint empties it\n".utf8))
            }
        }
    }
}

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print raddd's metrics in the Prometheus text format (any role).",
        discussion: """
            Counts only: reports by state, files by outcome, quarantine by reason code, the
            ingest queue, label jobs per labeler, model servers (up, circuit, request latency
            histogram, tokens), audit records and the last checkpoint, database size, and the
            time since the last stored report. No label holds a file name, text or patient
            value. For scraping, set metrics_file and point node_exporter's textfile collector
            at it (Docs/operations.md); each `raddctl metrics` is audited as a query.

            Examples:
              raddctl metrics
              raddctl metrics | promtool check metrics
            """)

    @OptionGroup var options: SocketOptions

    func run() throws {
        try guarded {
            let result = try options.call(Endpoints.Metrics.self, NoParams())
            if options.json { return try options.printJSON(result) }
            print(result.text, terminator: "")
        }
    }
}
