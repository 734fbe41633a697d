import Foundation
import RaddCore

// The quarantine folder: what operators list, retry and purge.
extension Endpoints {
    /// Quarantined files, a page at a time.
    public enum QuarantineList: ControlEndpoint {
        public static let method = ControlMethod.quarantineList
        public typealias Result = QuarantineListResult

        public struct Params: KeyedControlParams {
            /// held (the default), retried, purged or all.
            public var state: String?
            /// Page size (1 to 1000, default 100).
            public var limit: Int?
            /// The last claim id of the previous page.
            public var claim: String?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case state, limit, claim
            }

            public init(state: String? = nil, limit: Int? = nil, claim: String? = nil) {
                self.state = state
                self.limit = limit
                self.claim = claim
            }
        }
    }

    /// Returns quarantined files to their drop folder to be read again.
    public enum QuarantineRetry: ControlEndpoint {
        public static let method = ControlMethod.quarantineRetry
        public typealias Result = QuarantineActionResult

        public struct Params: KeyedControlParams {
            /// One file's claim id.
            public var claim: String?
            /// Every held file instead of one claim.
            public var all: Bool?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case claim, all
            }

            public init(claim: String? = nil, all: Bool? = nil) {
                self.claim = claim
                self.all = all
            }
        }
    }

    /// Deletes quarantined files.
    public enum QuarantinePurge: ControlEndpoint {
        public static let method = ControlMethod.quarantinePurge
        public typealias Result = QuarantineActionResult

        public struct Params: KeyedControlParams {
            /// One file's claim id.
            public var claim: String?
            /// Every held file instead of one claim.
            public var all: Bool?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case claim, all
            }

            public init(claim: String? = nil, all: Bool? = nil) {
                self.claim = claim
                self.all = all
            }
        }
    }
}
