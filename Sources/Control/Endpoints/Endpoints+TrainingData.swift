import Foundation
import RaddCore

// Training data: label exports, instruction pairs, gold worksheets and evaluation.
extension Endpoints {
    /// A page of label rows for export: pseudonyms, shifted exam date, findings, provenance.
    public enum ExportLabels: ControlEndpoint {
        public static let method = ControlMethod.exportLabels
        public typealias Result = ExportPage

        public struct Params: KeyedControlParams {
            /// The label task (default: the first one raddd labels).
            public var task: String?
            /// Whose answers: `final` (the default) or a labeler such as `rules`.
            public var labeler: String?
            /// csv (the default) or jsonl: how the page's rows are written.
            public var format: String?
            /// Reports stored at or after this UTC time.
            public var since: String?
            /// Reports stored before this UTC time.
            public var until: String?
            /// Page size (1 to 5000, default 1000).
            public var limit: Int?
            /// The last report id of the previous page.
            public var after: Int64?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case task, labeler, format, since, until, limit, after
            }

            public init(task: String? = nil, labeler: String? = nil, format: String? = nil, since: String? = nil, until: String? = nil, limit: Int? = nil, after: Int64? = nil) {
                self.task = task
                self.labeler = labeler
                self.format = format
                self.since = since
                self.until = until
                self.limit = limit
                self.after = after
            }
        }
    }

    /// A page of instruction-tuning pairs (OpenAI chat format) from one labeler's answers.
    public enum ExportInstruct: ControlEndpoint {
        public static let method = ControlMethod.exportInstruct
        public typealias Result = InstructPage

        public struct Params: KeyedControlParams {
            /// The label task (default: the first one raddd labels).
            public var task: String?
            /// Whose answers: `final` (the default), a labeler or `gold`.
            public var labeler: String?
            /// Reports stored at or after this UTC time.
            public var since: String?
            /// Reports stored before this UTC time.
            public var until: String?
            /// Page size (1 to 1000, default 1000).
            public var limit: Int?
            /// The last report id of the previous page.
            public var after: Int64?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case task, labeler, since, until, limit, after
            }

            public init(task: String? = nil, labeler: String? = nil, since: String? = nil, until: String? = nil, limit: Int? = nil, after: Int64? = nil) {
                self.task = task
                self.labeler = labeler
                self.since = since
                self.until = until
                self.limit = limit
                self.after = after
            }
        }
    }

    /// A stratified random sample of labelled reports, as a gold worksheet for radiologists.
    public enum GoldSample: ControlEndpoint {
        public static let method = ControlMethod.goldSample
        public typealias Result = GoldSampleResult

        public struct Params: KeyedControlParams {
            /// The label task (default: the first one raddd labels).
            public var task: String?
            /// How many reports (1 to 10,000, default 500).
            public var count: Int?
            /// The labeler whose answers form the strata.
            public var stratifyBy: String?
            /// The draw's seed (default 0): the same seed draws the same sample.
            public var seed: UInt64?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case task, count, stratifyBy, seed
            }

            public init(task: String? = nil, count: Int? = nil, stratifyBy: String? = nil, seed: UInt64? = nil) {
                self.task = task
                self.count = count
                self.stratifyBy = stratifyBy
                self.seed = seed
            }
        }
    }

    /// Stores radiologists' answers from a filled worksheet as gold label sets.
    public enum GoldImport: ControlEndpoint {
        public static let method = ControlMethod.goldImport
        public typealias Result = GoldImportResult

        public struct Params: KeyedControlParams {
            /// The label task (default: the first one raddd labels).
            public var task: String?
            /// A batch of the worksheet's rows, checked and stored together or not at all.
            public var rows: [GoldRow]?
            /// Only check the rows.
            public var dryRun: Bool?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case task, rows, dryRun
            }

            public init(task: String? = nil, rows: [GoldRow]? = nil, dryRun: Bool? = nil) {
                self.task = task
                self.rows = rows
                self.dryRun = dryRun
            }
        }
    }

    /// Scores a labeler's stored answers against the stored gold.
    public enum Evaluate: ControlEndpoint {
        public static let method = ControlMethod.evaluate
        public typealias Result = EvaluationResult

        public struct Params: KeyedControlParams {
            /// The label task (default: the first one raddd labels).
            public var task: String?
            /// Whose answers: `final` (the default) or a labeler.
            public var labeler: String?
            /// How uncertain answers count: positive, negative or exclude.
            public var uncertain: String?

            public enum CodingKeys: String, CodingKey, CaseIterable {
                case task, labeler, uncertain
            }

            public init(task: String? = nil, labeler: String? = nil, uncertain: String? = nil) {
                self.task = task
                self.labeler = labeler
                self.uncertain = uncertain
            }
        }
    }
}
