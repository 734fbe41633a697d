import Foundation

/// Versioned schema steps, applied in order at start-up, each in its own transaction together with
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
    ]

    static var latestVersion: Int { steps.count }

    static func run(on database: Database) throws {
        let current = try schemaVersion(of: database)
        if current > latestVersion {
            throw StoreError.schemaTooNew(path: database.path, found: current, supported: latestVersion)
        }
        for version in (current + 1)...max(current + 1, latestVersion) where version <= latestVersion {
            try database.transaction {
                try database.execute(steps[version - 1])
                try database.execute("PRAGMA user_version = \(version)")
            }
        }
    }

    static func schemaVersion(of database: Database) throws -> Int {
        Int(try database.scalarText("PRAGMA user_version") ?? "0") ?? 0
    }
}
