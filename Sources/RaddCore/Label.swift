import Foundation

/// One answer to one labelling question about one report.
public enum LabelValue: String, Codable, Sendable, CaseIterable {
    case positive
    case negative
    case uncertain
    /// The report does not say: distinct from negative, as in the CheXpert labeler's blank.
    case undefined
}

/// Who produced a label, so that every label can be traced back and compared.
public struct LabelProvenance: Codable, Sendable, Equatable {
    public var labeler: String
    public var model: String?
    public var version: String

    public init(labeler: String, model: String? = nil, version: String) {
        self.labeler = labeler
        self.model = model
        self.version = version
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
