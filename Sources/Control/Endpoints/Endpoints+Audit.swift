import Foundation
import RaddCore

// The audit log: read, verified and exported by auditors.
extension Endpoints {
    /// A page of audit records, filtered.
    public enum AuditList: ControlEndpoint {
        public static let method = ControlMethod.auditList
        public typealias Result = AuditPage

        public struct Params: KeyedControlParams {
            /// Records at or after this UTC time (ISO 8601; a date alone is its midnight).
            public var since: String?
            /// Records before this UTC time.
            public var until: String?
            /// Records of this user (name or uid).
            public var user: String?
            /// Records of these event types.
            public var types: [String]?
            /// Records with this outcome.
            public var outcome: String?
            /// Page size (1 to 1000, default 100).
            public var limit: Int?
            /// The last record number of the previous page.
            public var after: Int64?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case since, until, user, types, outcome, limit, after
            }

            public init(since: String? = nil, until: String? = nil, user: String? = nil, types: [String]? = nil, outcome: String? = nil, limit: Int? = nil, after: Int64? = nil) {
                self.since = since
                self.until = until
                self.user = user
                self.types = types
                self.outcome = outcome
                self.limit = limit
                self.after = after
            }
        }
    }

    /// Walks the audit chain and checks it against the checkpoints.
    public enum AuditVerify: ControlEndpoint {
        public static let method = ControlMethod.auditVerify
        public typealias Result = AuditVerification

        public struct Params: KeyedControlParams {
            /// Extra checkpoints, SEQ:HASH (e.g. from the journal or a remote syslog).
            public var checkpoints: [String]?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case checkpoints
            }

            public init(checkpoints: [String]? = nil) {
                self.checkpoints = checkpoints
            }
        }
    }

    /// A page of audit records for export (audited as an export of the log).
    public enum AuditExport: ControlEndpoint {
        public static let method = ControlMethod.auditExport
        public typealias Result = AuditPage

        public struct Params: KeyedControlParams {
            /// Records at or after this UTC time (ISO 8601; a date alone is its midnight).
            public var since: String?
            /// Records before this UTC time.
            public var until: String?
            /// Records of this user (name or uid).
            public var user: String?
            /// Records of these event types.
            public var types: [String]?
            /// Records with this outcome.
            public var outcome: String?
            /// Page size (1 to 1000, default 100).
            public var limit: Int?
            /// The last record number of the previous page.
            public var after: Int64?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case since, until, user, types, outcome, limit, after
            }

            public init(since: String? = nil, until: String? = nil, user: String? = nil, types: [String]? = nil, outcome: String? = nil, limit: Int? = nil, after: Int64? = nil) {
                self.since = since
                self.until = until
                self.user = user
                self.types = types
                self.outcome = outcome
                self.limit = limit
                self.after = after
            }
        }
    }
}

extension Endpoints.AuditExport.Params {
    /// The same filters and page as a listing: raddctl builds both from one set of options.
    public init(auditList params: Endpoints.AuditList.Params) {
        self.init(since: params.since, until: params.until, user: params.user, types: params.types, outcome: params.outcome,
                  limit: params.limit, after: params.after)
    }
}
