import Foundation
import RaddCore

/// Versioned schema steps, applied in order at start-up, all in one transaction together with
/// the `user_version` bump. A database newer than the last step here is refused, not downgraded.
enum Migrations {
    static let steps: [String] = [
        // 1: reports, their labels, quarantined files, and the audit trail.
        """
        CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            claim_id TEXT NOT NULL UNIQUE,
            source_name TEXT NOT NULL,
            source_format TEXT NOT NULL,
            byte_count INTEGER NOT NULL,
            state TEXT NOT NULL,
            text TEXT NOT NULL,
            deid_method TEXT NOT NULL,
            received_at TEXT NOT NULL,
            stored_at TEXT NOT NULL
        );
        CREATE INDEX reports_state ON reports(state);
        CREATE TABLE labels (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports(id),
            finding TEXT NOT NULL,
            value TEXT NOT NULL CHECK (value IN ('positive','negative','uncertain','undefined')),
            labeler TEXT NOT NULL,
            model TEXT,
            labeler_version TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX labels_report ON labels(report_id);
        CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY,
            claim_id TEXT NOT NULL UNIQUE,
            source_name TEXT NOT NULL,
            reason TEXT NOT NULL,
            quarantined_at TEXT NOT NULL
        );
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            event TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('C','R','U','D','E')),
            outcome TEXT NOT NULL CHECK (outcome IN ('success','denied','minor_failure','serious_failure')),
            outcome_text TEXT,
            uid INTEGER NOT NULL,
            username TEXT NOT NULL,
            pid INTEGER NOT NULL,
            object TEXT
        );
        """,
        // 2: what a report carries besides its text (pseudonymised ids, status, exam, dates,
        // sections), versions superseding each other, one row per settled file with its content
        // hash, quarantine that operators can retry or purge, and the pseudonym key.
        """
        ALTER TABLE reports ADD COLUMN folder TEXT NOT NULL DEFAULT 'drop';
        ALTER TABLE reports ADD COLUMN accession_pseudonym TEXT;
        ALTER TABLE reports ADD COLUMN patient_pseudonym TEXT;
        ALTER TABLE reports ADD COLUMN status TEXT NOT NULL DEFAULT 'final';
        ALTER TABLE reports ADD COLUMN exam_code TEXT;
        ALTER TABLE reports ADD COLUMN exam_description TEXT;
        ALTER TABLE reports ADD COLUMN modality TEXT;
        ALTER TABLE reports ADD COLUMN observed_at TEXT;
        ALTER TABLE reports ADD COLUMN reported_at TEXT;
        ALTER TABLE reports ADD COLUMN indication TEXT;
        ALTER TABLE reports ADD COLUMN comparison TEXT;
        ALTER TABLE reports ADD COLUMN findings TEXT;
        ALTER TABLE reports ADD COLUMN impression TEXT;
        ALTER TABLE reports ADD COLUMN fingerprint TEXT;
        ALTER TABLE reports ADD COLUMN superseded_by INTEGER REFERENCES reports(id);
        CREATE INDEX reports_accession ON reports(accession_pseudonym) WHERE accession_pseudonym IS NOT NULL;
        CREATE TABLE files (
            claim_id TEXT PRIMARY KEY,
            folder TEXT NOT NULL,
            source_name TEXT NOT NULL,
            source_format TEXT NOT NULL,
            byte_count INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('stored','duplicate')),
            reports_new INTEGER NOT NULL,
            reports_unchanged INTEGER NOT NULL,
            duplicate_of TEXT,
            note TEXT,
            settled_at TEXT NOT NULL
        );
        CREATE INDEX files_sha256 ON files(sha256);
        INSERT INTO files (claim_id, folder, source_name, source_format, byte_count, sha256, outcome,
                           reports_new, reports_unchanged, settled_at)
            SELECT base, 'drop', min(source_name), min(source_format), max(byte_count), '', 'stored', count(*), 0, min(stored_at)
            FROM (SELECT CASE WHEN instr(claim_id, '#') > 0 THEN substr(claim_id, 1, instr(claim_id, '#') - 1)
                              ELSE claim_id END AS base, source_name, source_format, byte_count, stored_at FROM reports)
            GROUP BY base;
        ALTER TABLE quarantine ADD COLUMN folder TEXT NOT NULL DEFAULT 'drop';
        ALTER TABLE quarantine ADD COLUMN file_name TEXT;
        ALTER TABLE quarantine ADD COLUMN state TEXT NOT NULL DEFAULT 'held' CHECK (state IN ('held','retried','purged'));
        ALTER TABLE quarantine ADD COLUMN released_at TEXT;
        CREATE TABLE secrets (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
        // 3: where de-identification replaced PHI in each report: offsets into the original text
        // and the category, never the text.
        """
        CREATE TABLE phi_spans (
            report_id INTEGER NOT NULL REFERENCES reports(id),
            start INTEGER NOT NULL,
            length INTEGER NOT NULL,
            category TEXT NOT NULL
        );
        CREATE INDEX phi_spans_report ON phi_spans(report_id);
        """,
        // 4: labelling. Each labeler's answer for a report and task is one label set (its
        // provenance, a binary task's follow-up, an ensemble's members) with one label row per
        // finding; work waiting for a labeler is a persistent job, deleted in the transaction
        // that stores its answer, so that a crash or a dead model server loses nothing and
        // labels nothing twice.
        """
        CREATE TABLE label_sets (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports(id),
            task TEXT NOT NULL,
            labeler TEXT NOT NULL,
            labeler_version TEXT NOT NULL,
            provenance TEXT NOT NULL,
            follow_up TEXT,
            members TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (report_id, task, labeler, labeler_version)
        );
        CREATE INDEX label_sets_report ON label_sets(report_id);
        ALTER TABLE labels ADD COLUMN label_set_id INTEGER REFERENCES label_sets(id);
        ALTER TABLE labels ADD COLUMN task TEXT;
        CREATE TABLE label_jobs (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports(id),
            task TEXT NOT NULL,
            labeler TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            not_before TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (report_id, task, labeler)
        );
        CREATE INDEX label_jobs_queue ON label_jobs(labeler, state, not_before, id);
        """,
        // 5: the audit log becomes tamper-evident: each record carries the actor's role, the
        // appliance that wrote it and a SHA-256 chained to the record before (earlier records
        // are chained here, in order); triggers refuse any change or deletion. Label values are
        // found by their set without reading every label (a report's labels took a full scan).
        """
        ALTER TABLE audit ADD COLUMN role TEXT;
        ALTER TABLE audit ADD COLUMN source TEXT;
        ALTER TABLE audit ADD COLUMN hash TEXT;
        CREATE INDEX audit_at ON audit(at);
        CREATE INDEX labels_label_set ON labels(label_set_id);
        """,
        // 6: relabel runs. An operator asks a labeler to label stored reports again (a new
        // model or prompt); the run queues ordinary label jobs tagged with its id, so that its
        // progress is counted from the queue itself and a crash loses none of it. `done` and
        // `failed` are frozen when the run finishes: a later run may retry its failed jobs.
        """
        CREATE TABLE relabel_runs (
            id INTEGER PRIMARY KEY,
            task TEXT NOT NULL,
            labeler TEXT NOT NULL,
            since TEXT,
            requested_at TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            total INTEGER NOT NULL,
            finished_at TEXT,
            done INTEGER,
            failed INTEGER
        );
        ALTER TABLE label_jobs ADD COLUMN relabel_run INTEGER REFERENCES relabel_runs(id);
        CREATE INDEX label_jobs_relabel_run ON label_jobs(relabel_run, state) WHERE relabel_run IS NOT NULL;
        """,
        // 7: a label export reads indexes, not tables. SQLCipher decrypts every page it reads,
        // and a report's row holds its text: reading a report's pseudonyms and dates from the
        // table decrypted its text too. A set stores one value per finding of its task, and most
        // findings are not mentioned in a report, so the values that are not `undefined` are all
        // an export needs to read.
        """
        CREATE INDEX reports_export ON reports(id, superseded_by, state, stored_at, patient_pseudonym, accession_pseudonym,
                                               observed_at, reported_at, modality, exam_code);
        CREATE INDEX labels_answered ON labels(label_set_id, finding, value) WHERE value != 'undefined';
        """,
        // 8: a batch, Bundle or NDJSON file is stored part by part. A part that fails is
        // quarantined as a file of its own, recorded in the same transaction as the file's
        // reports: `parent_claim` is the file's claim, and `pending_bytes` holds the part's bytes
        // (encrypted with the rest of the database) until its file is in the quarantine folder,
        // so that a crash between the commit and the write loses nothing and writes nothing twice.
        """
        ALTER TABLE quarantine ADD COLUMN parent_claim TEXT;
        ALTER TABLE quarantine ADD COLUMN pending_bytes BLOB;
        CREATE INDEX quarantine_parent ON quarantine(parent_claim) WHERE parent_claim IS NOT NULL;
        """,
        // 9: a quarantined file keeps its problem's stable code besides the readable reason, so
        // that metrics count quarantine by reason without reading text that names the file.
        // Files quarantined before keep no code (counted as `unknown`).
        """
        ALTER TABLE quarantine ADD COLUMN reason_code TEXT;
        """,
        // 10: a report keeps its language (`en`, `de`: the folder's `language`, or detected per
        // report), which decides the tasks that label it and goes with it into every export.
        // Reports stored before were all read as English, so they are `en`. No CHECK constraint:
        // adding a language must not need a table rebuild; `ReportLanguage` refuses an unknown
        // value when a row is read (StoreError.unknownValue). The label export's covering index
        // gains the column, so that the export still reads no report rows.
        """
        ALTER TABLE reports ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
        DROP INDEX reports_export;
        CREATE INDEX reports_export ON reports(id, superseded_by, state, stored_at, patient_pseudonym, accession_pseudonym,
                                               observed_at, reported_at, modality, exam_code, language);
        """,
    ]

    /// Work a step needs beyond SQL, run after it in the same transaction.
    static let code: [Int: @Sendable (Database) throws -> Void] = [
        5: { database in
            var previous = AuditRecord.genesis
            let records = try database.prepare("SELECT \(AuditLog.columns) FROM audit ORDER BY seq").all(AuditLog.record)
            let update = try database.prepare("UPDATE audit SET hash = ? WHERE seq = ?")
            for record in records {
                let hash = record.chainedHash(after: previous)
                try update.bind([.text(hash), .integer(record.seq)]).run()
                previous = hash
            }
            try database.execute("""
                CREATE TRIGGER audit_never_changed BEFORE UPDATE ON audit
                BEGIN SELECT RAISE(ABORT, 'audit records are never changed'); END;
                CREATE TRIGGER audit_never_deleted BEFORE DELETE ON audit
                BEGIN SELECT RAISE(ABORT, 'audit records are never deleted'); END;
                """)
        },
    ]

    static var latestVersion: Int { steps.count }

    /// Brings the schema up to `target` (tests stop short of the latest to check an upgrade).
    static func run(on database: Database, upTo target: Int = latestVersion) throws {
        let current = try schemaVersion(of: database)
        if current > latestVersion {
            throw StoreError.schemaTooNew(path: database.path, found: current, supported: latestVersion)
        }
        // One transaction for every step: a step that fails leaves the database at the version it
        // had, never half-way (the steps before it would otherwise have committed).
        try database.transaction {
            for version in (current + 1)...max(current + 1, target) where version <= target {
                try database.execute(steps[version - 1])
                try code[version]?(database)
                try database.execute("PRAGMA user_version = \(version)")
            }
        }
    }

    static func schemaVersion(of database: Database) throws -> Int {
        Int(try database.scalarText("PRAGMA user_version") ?? "0") ?? 0
    }
}
