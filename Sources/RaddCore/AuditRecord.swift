import Foundation

/// What happened, as stored in an audit record's `event`, each with its DICOM PS3.15 audit event
/// (FHIR AuditEvent.type).
public enum AuditEvent: String, Sendable, CaseIterable {
    case applicationStart = "application_start"
    case applicationStop = "application_stop"
    case ingest
    case label
    case quarantine
    case query
    case export
    case auditLogUsed = "audit_log_used"
    case securityAlert = "security_alert"
    case configChange = "config_change"
    case keyRotation = "key_rotation"
    /// An encrypted copy of the database was made (`raddctl backup`, or before a migration).
    case backup
    /// The database was replaced by a backup (`raddd --restore`); written in the restored one.
    case restore
    /// A patient's reports and everything derived from them were deleted on request.
    case erasure
    /// Reports older than `retention_days` and everything derived from them were deleted.
    case retention

    /// The DICOM (DCM) event id and display, and the event type (subtype) where one applies.
    public var dicom: (code: String, display: String, subtype: (code: String, display: String)?) {
        switch self {
        case .applicationStart: return ("110100", "Application Activity", ("110120", "Application Start"))
        case .applicationStop: return ("110100", "Application Activity", ("110121", "Application Stop"))
        case .ingest, .quarantine: return ("110107", "Import", nil)
        case .label: return ("110110", "Patient Record", nil)
        case .query: return ("110112", "Query", nil)
        case .export: return ("110106", "Export", nil)
        case .auditLogUsed: return ("110101", "Audit Log Used", nil)
        case .securityAlert: return ("110113", "Security Alert", ("110132", "Use of Restricted Function"))
        case .configChange: return ("110113", "Security Alert", ("110131", "Software Configuration"))
        case .keyRotation: return ("110113", "Security Alert", ("110129", "Security Configuration"))
        case .backup: return ("110106", "Export", nil)
        case .restore: return ("110107", "Import", nil)
        case .erasure, .retention: return ("110110", "Patient Record", nil)
        }
    }
}

/// One audit record, as stored and as the control protocol carries it. Its fields and their
/// canonical encoding are what the audit chain hashes ([access-and-audit.md]).
public struct AuditRecord: Sendable, Equatable, Codable {
    /// 1, 2, 3, …; never reused.
    public var seq: Int64
    /// UTC, ISO 8601.
    public var at: String
    /// application_start, application_stop, ingest, label, quarantine, query, export,
    /// audit_log_used, security_alert, config_change, key_rotation, backup, restore, erasure,
    /// retention.
    public var event: String
    /// C, R, U, D or E.
    public var action: String
    /// success, denied, minor_failure or serious_failure.
    public var outcome: String
    public var outcomeText: String?
    public var uid: UInt32
    public var username: String
    public var pid: Int32
    public var role: String?
    /// The appliance that wrote it (`appliance_id`).
    public var source: String?
    public var object: String?
    /// SHA-256 (hex) of the previous record's hash and this record's canonical encoding.
    public var hash: String?

    public init(seq: Int64, at: String, event: String, action: String, outcome: String, outcomeText: String?, uid: UInt32,
                username: String, pid: Int32, role: String?, source: String?, object: String?, hash: String?) {
        self.seq = seq
        self.at = at
        self.event = event
        self.action = action
        self.outcome = outcome
        self.outcomeText = outcomeText
        self.uid = uid
        self.username = username
        self.pid = pid
        self.role = role
        self.source = source
        self.object = object
        self.hash = hash
    }

    /// The bytes the chain hashes: every field in a fixed order, each as its UTF-8 length, a
    /// colon, the bytes and a comma (a netstring), and a missing field as "-,". Unambiguous
    /// whatever the fields contain, and simple to reimplement for an independent check.
    public var canonicalEncoding: [UInt8] {
        let fields: [String?] = [String(seq), at, event, action, outcome, outcomeText, String(uid), username, String(pid),
                                 role, source, object]
        var bytes: [UInt8] = []
        for field in fields {
            guard let field else {
                bytes += Array("-,".utf8)
                continue
            }
            let utf8 = Array(field.utf8)
            bytes += Array("\(utf8.count):".utf8) + utf8 + [UInt8(ascii: ",")]
        }
        return bytes
    }

    /// The hash this record must carry after `previous` (the hash of the record before it).
    public func chainedHash(after previous: String) -> String {
        Digest.hex(Digest.sha256(Array(previous.utf8) + canonicalEncoding))
    }

    /// The "previous hash" of the first record.
    public static let genesis = String(repeating: "0", count: 64)
}

/// What walking the audit chain found (`raddctl audit verify`).
public struct AuditVerification: Sendable, Equatable, Codable {
    public var intact = true
    public var records = 0
    public var firstSeq: Int64?
    public var lastSeq: Int64?
    public var lastHash: String?
    /// The first record that is wrong: changed, moved, after a gap, or named by a checkpoint
    /// and missing.
    public var firstBadSeq: Int64?
    /// Up to 20 problems, in chain order (the first is the one to look at).
    public var problems: [String] = []
    public var checkpointsChecked = 0
    /// Where the daemon keeps its own checkpoints.
    public var checkpointFile: String?

    public init() {}
}
