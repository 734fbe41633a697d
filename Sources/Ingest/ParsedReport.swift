import Foundation
import RaddCore

/// What a format reader extracts from one report in an export, before de-identification: the
/// report's metadata and its text. Dates are ISO 8601 (`2001-05-01` or `2001-05-01T14:15:00`, no
/// zone unless the source gives one), converted from the source's own format: observedAt from
/// HL7 OBR-7 or FHIR effective[x], reportedAt from OBR-22 or `issued`, birthDate from PID-7.
/// The metadata's fields read and write as the report's own (`report.accession`).
@dynamicMemberLookup
public struct ParsedReport: Equatable, Sendable {
    public var metadata: ReportMetadata
    public var text: String
    /// The text (or part of it) is a PDF's text layer: the report is recorded with source format
    /// `pdf`, whatever message carried the PDF, so that researchers can tell extracted text apart.
    public var textFromPDF = false

    public init(accession: String? = nil, patientID: String? = nil, patientName: PatientName? = nil,
                birthDate: String? = nil, examCode: String? = nil,
                examDescription: String? = nil, modality: String? = nil, observedAt: String? = nil,
                reportedAt: String? = nil, status: ReportStatus = .final, text: String) {
        metadata = ReportMetadata(accession: accession, patientID: patientID, patientName: patientName,
                                  birthDate: birthDate, examCode: examCode, examDescription: examDescription,
                                  modality: modality, observedAt: observedAt, reportedAt: reportedAt, status: status)
        self.text = text
    }

    public subscript<Value>(dynamicMember field: WritableKeyPath<ReportMetadata, Value>) -> Value {
        get { metadata[keyPath: field] }
        set { metadata[keyPath: field] = newValue }
    }
}
