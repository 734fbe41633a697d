import Foundation

/// One answer to one labelling question about one report.
public enum LabelValue: String, Codable, Sendable, CaseIterable {
    case positive
    case negative
    case uncertain
    /// The report does not say: distinct from negative, as in the CheXpert labeler's blank.
    case undefined
}

/// Who produced a label and how, so that every label can be traced back, compared and
/// reproduced: the labeler, the model and server, the prompt and task versions, and what the
/// call cost.
public struct LabelProvenance: Codable, Sendable, Equatable {
    /// `rules`, `llm`, `llm:MODEL`, `ensemble`, or `gold` (a radiologist's answer).
    public var labeler: String
    /// The labeler's own version (`rules-2`, or the LLM labeler's prompt format).
    public var version: String
    /// The model id the server reported.
    public var model: String?
    /// Where the model was asked (`http://127.0.0.1:8091` or `unix:/run/...`).
    public var endpoint: String?
    /// SHA-256 of the fixed part of the prompt (instructions, format, examples) and the schema.
    public var promptHash: String?
    public var task: String?
    public var taskVersion: Int?
    public var temperature: Double?
    /// ISO 8601 UTC.
    public var labelledAt: String?
    public var latencyMilliseconds: Int?
    public var promptTokens: Int?
    /// Prompt tokens the server computed rather than took from its cache.
    public var evaluatedPromptTokens: Int?
    public var completionTokens: Int?
    /// Quotes the model gave that do not occur in the report, discarded.
    public var discardedQuotes: Int?
    /// Requests it took, retries included.
    public var requests: Int?
    /// Gold answers: the Unix user who imported the worksheet or resolved the review item.
    public var reviewer: String?

    public init(labeler: String, version: String, model: String? = nil, endpoint: String? = nil,
                promptHash: String? = nil, task: String? = nil, taskVersion: Int? = nil, temperature: Double? = nil,
                labelledAt: String? = nil, latencyMilliseconds: Int? = nil, promptTokens: Int? = nil,
                evaluatedPromptTokens: Int? = nil, completionTokens: Int? = nil, discardedQuotes: Int? = nil,
                requests: Int? = nil, reviewer: String? = nil) {
        self.reviewer = reviewer
        self.labeler = labeler
        self.version = version
        self.model = model
        self.endpoint = endpoint
        self.promptHash = promptHash
        self.task = task
        self.taskVersion = taskVersion
        self.temperature = temperature
        self.labelledAt = labelledAt
        self.latencyMilliseconds = latencyMilliseconds
        self.promptTokens = promptTokens
        self.evaluatedPromptTokens = evaluatedPromptTokens
        self.completionTokens = completionTokens
        self.discardedQuotes = discardedQuotes
        self.requests = requests
    }
}

public struct Label: Codable, Sendable, Equatable {
    public var finding: String
    public var value: LabelValue
    public var provenance: LabelProvenance

    public init(finding: String, value: LabelValue, provenance: LabelProvenance) {
        self.finding = finding
        self.value = value
        self.provenance = provenance
    }
}
