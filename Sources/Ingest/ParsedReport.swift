import Foundation
import RaddCore

/// What a format reader extracts from one report in an export, before de-identification.
/// `patientID` is carried only so that a pseudonym can be derived from it; it is never stored in
/// clear. Dates are ISO 8601 (`2001-05-01` or `2001-05-01T14:15:00`, no zone unless the source
/// gives one), converted from the source's own format.
public struct ParsedReport: Equatable, Sendable {
    public var accession: String?
    public var patientID: String?
    public var patientName: PatientName?
    /// ISO 8601 date of birth (HL7 PID-7).
    public var birthDate: String?
    public var examCode: String?
    public var examDescription: String?
    public var modality: String?
    /// When the examination was done (HL7 OBR-7, FHIR effective[x]).
    public var observedAt: String?
    /// When the report was issued (HL7 OBR-22, FHIR issued).
    public var reportedAt: String?
    public var status: ReportStatus
    public var text: String

    public init(accession: String? = nil, patientID: String? = nil, patientName: PatientName? = nil,
                birthDate: String? = nil, examCode: String? = nil,
                examDescription: String? = nil, modality: String? = nil, observedAt: String? = nil,
                reportedAt: String? = nil, status: ReportStatus = .final, text: String) {
        self.accession = accession
        self.patientID = patientID
        self.patientName = patientName
        self.birthDate = birthDate
        self.examCode = examCode
        self.examDescription = examDescription
        self.modality = modality
        self.observedAt = observedAt
        self.reportedAt = reportedAt
        self.status = status
        self.text = text
    }
}

extension ParsedReport {
    public var metadata: ReportMetadata {
        var metadata = ReportMetadata(accession: accession, patientID: patientID, examCode: examCode,
                                      examDescription: examDescription, modality: modality, observedAt: observedAt,
                                      reportedAt: reportedAt, status: status)
        metadata.patientName = patientName
        metadata.birthDate = birthDate
        return metadata
    }
}
