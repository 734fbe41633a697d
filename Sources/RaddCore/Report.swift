import Foundation

/// The file formats radd reads.
public enum SourceFormat: String, Codable, Sendable, CaseIterable {
    case plainText = "text"
    case hl7v2 = "hl7v2"
    case fhir = "fhir"
    case csv = "csv"
    /// A dropped PDF file, read through its text layer.
    case pdf = "pdf"
}

/// Where a report came from. `claimID` is assigned when the file is claimed from the drop folder
/// and is what makes ingest exactly-once: a claim that is already committed is never stored again.
public struct ReportSource: Codable, Sendable, Equatable {
    public var fileName: String
    public var format: SourceFormat
    public var claimID: String
    public var byteCount: Int

    public init(fileName: String, format: SourceFormat, claimID: String, byteCount: Int) {
        self.fileName = fileName
        self.format = format
        self.claimID = claimID
        self.byteCount = byteCount
    }
}

/// The workflow status an export gives a report. A corrected report supersedes the stored
/// version of the same accession.
public enum ReportStatus: String, Sendable, Codable, CaseIterable {
    case preliminary
    case final
    case corrected

    /// The words exports use for a status in free-text fields (plain-text headers, CSV columns).
    public init?(word: String) {
        switch word.lowercased() {
        case "final", "f": self = .final
        case "preliminary", "prelim", "p": self = .preliminary
        case "corrected", "amended", "c": self = .corrected
        default: return nil
        }
    }
}

/// What identifies and describes a report besides its text. `accession` and `patientID` are the
/// source's own identifiers, held in memory only: the store keeps keyed pseudonyms of them, and
/// de-identification scrubs them from the text.
public struct ReportMetadata: Sendable, Equatable {
    public var accession: String?
    public var patientID: String?
    /// The patient's name and birth date as the export gives them: held in memory only, so that
    /// de-identification can scrub every variant of them from the text.
    public var patientName: PatientName?
    public var birthDate: String?
    public var examCode: String?
    public var examDescription: String?
    public var modality: String?
    /// When the examination was done, ISO 8601 as far as the source gives it.
    public var observedAt: String?
    /// When the report was issued, ISO 8601 as far as the source gives it.
    public var reportedAt: String?
    public var status: ReportStatus

    public init(accession: String? = nil, patientID: String? = nil, patientName: PatientName? = nil,
                birthDate: String? = nil, examCode: String? = nil, examDescription: String? = nil,
                modality: String? = nil, observedAt: String? = nil, reportedAt: String? = nil,
                status: ReportStatus = .final) {
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
    }
}

public struct PatientName: Sendable, Equatable {
    public var family: String
    public var given: [String]

    public init(family: String, given: [String]) {
        self.family = family
        self.given = given
    }
}

/// A radiology report normalised from whatever format it arrived in. Its sections are derived
/// from the text, so they always match the text they are read from (before or after
/// de-identification).
public struct Report: Sendable, Equatable {
    public var source: ReportSource
    public var metadata: ReportMetadata
    public var text: String
    /// Set by the folder's `language` setting (or detected per report); English unless said.
    public var language: ReportLanguage
    public var receivedAt: Date
    /// SHA-256 of the status and the text as received. It is fixed when the report is read and
    /// kept through de-identification, so that a re-sent, unchanged report is recognised as such.
    public let fingerprint: String

    public init(source: ReportSource, metadata: ReportMetadata = ReportMetadata(), text: String, receivedAt: Date,
                language: ReportLanguage = .en) {
        self.source = source
        self.metadata = metadata
        self.text = text
        self.language = language
        self.receivedAt = receivedAt
        fingerprint = Digest.hex(Digest.sha256(Array((metadata.status.rawValue + "\n" + text).utf8)))
    }

    public var sections: ReportSections { ReportSections(parsing: text) }
}
