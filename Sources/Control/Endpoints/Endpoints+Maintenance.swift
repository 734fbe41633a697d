import Foundation
import RaddCore

// Running radd for years: backups, erasure, metrics.
extension Endpoints {
    /// An online, encrypted, consistent copy of the database (admin; audited as `backup`).
    public enum Backup: ControlEndpoint {
        public static let method = ControlMethod.backup
        public typealias Result = BackupResult

        public struct Params: KeyedControlParams {
            /// Absolute path of the copy, written by raddd; it must not exist. Absent: a new file
            /// in the state directory's `backups/`.
            public var path: String?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case path
            }

            public init(path: String? = nil) {
                self.path = path
            }
        }
    }

    /// Erases every report of one patient and what derives from it (admin; audited as
    /// `erasure` with the pseudonym, never the value).
    public enum Purge: ControlEndpoint {
        public static let method = ControlMethod.purge
        public typealias Result = PurgeResult

        public struct Params: KeyedControlParams {
            /// The patient id as the source systems send it. Never logged or audited.
            public var patient: String?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case patient
            }

            public init(patient: String? = nil) {
                self.patient = patient
            }
        }
    }

    /// raddd's metrics in the Prometheus text exposition format (any role).
    public enum Metrics: ControlEndpoint {
        public static let method = ControlMethod.metrics
        public typealias Result = MetricsResult
        public typealias Params = NoParams
    }
}

public struct BackupResult: Codable, Sendable, Equatable {
    /// Where the copy is.
    public var path: String
    /// SHA-256 of the copy as written, also in its audit record.
    public var sha256: String
    public var bytes: Int64
    public var seconds: Double
    /// What the copy holds (counted in the snapshot it was copied from).
    public var counts: DatabaseCounts

    public init(path: String, sha256: String, bytes: Int64, seconds: Double, counts: DatabaseCounts) {
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
        self.seconds = seconds
        self.counts = counts
    }
}

public struct PurgeResult: Codable, Sendable, Equatable {
    /// The patient's pseudonym, as the audit record names it.
    public var patientPseudonym: String
    public var erased: ErasureCounts
    /// False when a reader held back the WAL's truncation; the next checkpoint completes it.
    public var walTruncated: Bool

    public init(patientPseudonym: String, erased: ErasureCounts, walTruncated: Bool) {
        self.patientPseudonym = patientPseudonym
        self.erased = erased
        self.walTruncated = walTruncated
    }
}

public struct MetricsResult: Codable, Sendable, Equatable {
    /// The exposition, as node_exporter's textfile collector and promtool read it.
    public var text: String

    public init(text: String) {
        self.text = text
    }
}
