import Foundation
import RaddCore

// Reports and their labels: what viewers and reviewers read.
extension Endpoints {
    /// The daemon's state: version, queues, folders, labelling.
    public enum Status: ControlEndpoint {
        public static let method = ControlMethod.status
        public typealias Result = StatusResult
        public typealias Params = NoParams
    }

    /// A page of stored reports in id order.
    public enum Reports: ControlEndpoint {
        public static let method = ControlMethod.reports
        public typealias Result = ReportsResult

        public struct Params: KeyedControlParams {
            /// Only reports in this state (stored, labelled, superseded).
            public var state: String?
            /// Page size (1 to 1000, default 100).
            public var limit: Int?
            /// The last report id of the previous page.
            public var after: Int64?
            /// Only reports in this language (en, de).
            public var language: String?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case state, limit, after, language
            }

            public init(state: String? = nil, limit: Int? = nil, after: Int64? = nil, language: String? = nil) {
                self.state = state
                self.limit = limit
                self.after = after
                self.language = language
            }
        }
    }

    /// One report's de-identified text, sections, labels and pending jobs.
    public enum Report: ControlEndpoint {
        public static let method = ControlMethod.report
        public typealias Result = ReportResult

        public struct Params: KeyedControlParams {
            /// The report's number.
            public var id: Int64?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case id
            }

            public init(id: Int64? = nil) {
                self.id = id
            }
        }
    }

    /// Final labels of one task, a page of reports at a time.
    public enum Labels: ControlEndpoint {
        public static let method = ControlMethod.labels
        public typealias Result = LabelsResult

        public struct Params: KeyedControlParams {
            /// The label task (default: the first one raddd labels).
            public var task: String?
            /// Page size (1 to 1000, default 100).
            public var limit: Int?
            /// The last report id of the previous page.
            public var after: Int64?
            /// Also say, per finding, which labeler decides and why.
            public var explain: Bool?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case task, limit, after, explain
            }

            public init(task: String? = nil, limit: Int? = nil, after: Int64? = nil, explain: Bool? = nil) {
                self.task = task
                self.limit = limit
                self.after = after
                self.explain = explain
            }
        }
    }

    /// Reports whose labelers disagree, or whose final label is uncertain or Undefined.
    public enum Review: ControlEndpoint {
        public static let method = ControlMethod.review
        public typealias Result = ReviewResult

        public struct Params: KeyedControlParams {
            /// The label task (default: the first one raddd labels).
            public var task: String?
            /// Page size (1 to 1000, default 100).
            public var limit: Int?
            /// The last report id of the previous page.
            public var after: Int64?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case task, limit, after
            }

            public init(task: String? = nil, limit: Int? = nil, after: Int64? = nil) {
                self.task = task
                self.limit = limit
                self.after = after
            }
        }
    }

    /// One review item: the report's text, each labeler's answer, the final label and any gold.
    public enum ReviewShow: ControlEndpoint {
        public static let method = ControlMethod.reviewShow
        public typealias Result = ReviewShowResult

        public struct Params: KeyedControlParams {
            /// The report's number.
            public var id: Int64?
            /// The label task (default: the first one raddd labels).
            public var task: String?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case id, task
            }

            public init(id: Int64? = nil, task: String? = nil) {
                self.id = id
                self.task = task
            }
        }
    }

    /// Records a reviewer's answer for a report as gold.
    public enum ReviewResolve: ControlEndpoint {
        public static let method = ControlMethod.reviewResolve
        public typealias Result = ReviewResolveResult

        public struct Params: KeyedControlParams {
            /// The report's number.
            public var id: Int64?
            /// The label task (default: the first one raddd labels).
            public var task: String?
            /// The answer the reviewer starts from: `final` (the default) or a labeler.
            public var accept: String?
            /// Findings the reviewer sets, by name, in worksheet conventions (1, 0, -1, blank; Yes/No/Undefined).
            public var values: [String: String]?
            /// A binary task's follow-up answer, by option name.
            public var followUp: [String]?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case id, task, accept, values, followUp
            }

            public init(id: Int64? = nil, task: String? = nil, accept: String? = nil, values: [String: String]? = nil, followUp: [String]? = nil) {
                self.id = id
                self.task = task
                self.accept = accept
                self.values = values
                self.followUp = followUp
            }
        }
    }
}
