import Foundation
import RaddCore

// Operator actions: configuration, keys, pseudonyms, labelling runs.
extension Endpoints {
    /// Re-reads the access policy and the live settings (audited as a configuration change).
    public enum Reload: ControlEndpoint {
        public static let method = ControlMethod.reload
        public typealias Result = ReloadResult
        public typealias Params = NoParams
    }

    /// Re-encrypts the database under a new key (audited as a key rotation).
    public enum KeyRotate: ControlEndpoint {
        public static let method = ControlMethod.keyRotate
        public typealias Result = KeyRotateResult

        public struct Params: KeyedControlParams {
            /// The new database key, 64 hex digits. Never logged or audited.
            public var key: String?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case key
            }

            public init(key: String? = nil) {
                self.key = key
            }
        }
    }

    /// The keyed pseudonym of one accession number or patient id (audited without the value).
    public enum Pseudonym: ControlEndpoint {
        public static let method = ControlMethod.pseudonym
        public typealias Result = PseudonymResult

        public struct Params: KeyedControlParams {
            /// accession or patient.
            public var kind: String?
            /// The identifier. Never logged or audited.
            public var value: String?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case kind, value
            }

            public init(kind: String? = nil, value: String? = nil) {
                self.kind = kind
                self.value = value
            }
        }
    }

    /// Queues a labeler to run again over stored reports (a new model or prompt version).
    public enum Relabel: ControlEndpoint {
        public static let method = ControlMethod.relabel
        public typealias Result = RelabelResult

        public struct Params: KeyedControlParams {
            /// The label task.
            public var task: String?
            /// The labeler to run again.
            public var labeler: String?
            /// Reports stored at or after this UTC time.
            public var since: String?
            /// Every current report instead of `since`.
            public var all: Bool?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case task, labeler, since, all
            }

            public init(task: String? = nil, labeler: String? = nil, since: String? = nil, all: Bool? = nil) {
                self.task = task
                self.labeler = labeler
                self.since = since
                self.all = all
            }
        }
    }
}
