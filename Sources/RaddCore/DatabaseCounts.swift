import Foundation

/// Row counts of a database, read in one snapshot: what a backup holds, and what a restore
/// brought back. Counts only, so they are safe in an audit record.
public struct DatabaseCounts: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    /// Every stored report, superseded versions included.
    public var reports: Int
    /// Label sets of labelers; radiologists' gold is counted apart.
    public var labelSets: Int
    public var goldSets: Int
    public var labels: Int
    public var labelJobs: Int
    public var quarantined: Int
    public var files: Int
    public var auditRecords: Int

    public init(schemaVersion: Int = 0, reports: Int = 0, labelSets: Int = 0, goldSets: Int = 0, labels: Int = 0,
                labelJobs: Int = 0, quarantined: Int = 0, files: Int = 0, auditRecords: Int = 0) {
        self.schemaVersion = schemaVersion
        self.reports = reports
        self.labelSets = labelSets
        self.goldSets = goldSets
        self.labels = labels
        self.labelJobs = labelJobs
        self.quarantined = quarantined
        self.files = files
        self.auditRecords = auditRecords
    }

    /// `schema=8 reports=… audit=…`, as audit records and logs carry it.
    public var summary: String {
        "schema=\(schemaVersion) reports=\(reports) label_sets=\(labelSets) gold_sets=\(goldSets) labels=\(labels) "
            + "label_jobs=\(labelJobs) quarantined=\(quarantined) files=\(files) audit_records=\(auditRecords)"
    }
}

/// What an erasure deleted. Counts only: safe in an audit record and an answer.
public struct ErasureCounts: Codable, Sendable, Equatable {
    public var reports = 0
    public var labelSets = 0
    public var goldSets = 0
    public var labels = 0
    public var labelJobs = 0
    public var phiSpans = 0
    public var files = 0

    public init() {}

    public var summary: String {
        "reports=\(reports) label_sets=\(labelSets) gold_sets=\(goldSets) labels=\(labels) label_jobs=\(labelJobs) "
            + "phi_spans=\(phiSpans) files=\(files)"
    }
}
