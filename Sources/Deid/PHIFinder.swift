import RaddCore

/// What the export itself says is PHI (HL7 PID/PV1/OBR, FHIR subject and identifier, CSV and
/// header columns). These values are certain PHI: every occurrence, and every variant of a name
/// ("SMITH, JOHN", "J. Smith", "Smith"), is scrubbed from the text.
public struct StructuredPHI: Sendable, Equatable {
    public var patientNames: [PersonName]
    /// MRNs, accession numbers, account numbers and other identifiers of this report.
    public var identifiers: [String]
    /// ISO 8601 dates (`YYYY-MM-DD`) such as the date of birth.
    public var dates: [String]

    public init(patientNames: [PersonName] = [], identifiers: [String] = [], dates: [String] = []) {
        self.patientNames = patientNames
        self.identifiers = identifiers
        self.dates = dates
    }
}

public struct PersonName: Sendable, Equatable {
    public var given: [String]
    public var family: String

    public init(given: [String], family: String) {
        self.given = given
        self.family = family
    }
}

/// Finds PHI in report text. Spans are in Unicode scalars of `text`, sorted, and do not overlap.
public protocol PHIFinder: Sendable {
    func phiSpans(in text: String, structured: StructuredPHI) -> [PHISpan]
}
