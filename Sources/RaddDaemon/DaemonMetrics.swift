import Foundation
import Labeling
import RaddCore
import Store
#if canImport(Glibc)
import Glibc
#endif

/// raddd's metrics in the Prometheus text exposition format (0.0.4), for `raddctl metrics` and
/// the node_exporter textfile (`metrics_file`). Every label value is a fixed word (a state, an
/// outcome, a reason code), a configured labeler name or model endpoint: never a file name,
/// report text or a patient value, which is why quarantine is counted by reason *code*, not by
/// its readable reason. Counts that erasure or retention can lower are gauges, not counters.
struct DaemonMetrics: Sendable {
    let store: ReportStore
    let queueDepth: @Sendable () -> Int
    let labeling: LabelingService
    let checkpoints: AuditCheckpoints
    let startedAt: Date

    func exposition(now: Date = Date()) throws -> String {
        let counts = try store.metrics()
        var text = MetricsText()
        text.family("radd_build_info", .gauge, "The radd version running (always 1).")
        text.sample("radd_build_info", ["version": RaddVersion.string], 1)
        text.family("radd_start_time_seconds", .gauge, "When raddd started, as a Unix time.")
        text.sample("radd_start_time_seconds", [:], startedAt.timeIntervalSince1970)

        text.family("radd_reports", .gauge, "Reports in the store by state (superseded: replaced by a later version of the same accession).")
        for (state, count) in counts.reportsByState.sorted(by: { $0.key < $1.key }) { text.sample("radd_reports", ["state": state], Double(count)) }
        text.family("radd_files", .gauge, "Dropped files settled, by outcome (duplicate: the same bytes as a file already stored).")
        for (outcome, count) in counts.filesByOutcome.sorted(by: { $0.key < $1.key }) { text.sample("radd_files", ["outcome": outcome], Double(count)) }
        text.family("radd_quarantined_files", .gauge, "Files held in quarantine, by the stable code of their problem.")
        for (code, count) in counts.quarantinedByReason.sorted(by: { $0.key < $1.key }) {
            text.sample("radd_quarantined_files", ["reason": code], Double(count))
        }
        text.family("radd_ingest_queue_depth", .gauge, "Dropped files waiting to be read.")
        text.sample("radd_ingest_queue_depth", [:], Double(queueDepth()))
        text.family("radd_last_stored_report_timestamp_seconds", .gauge, "When the newest report was stored, as a Unix time (absent before the first).")
        text.family("radd_seconds_since_last_stored_report", .gauge, "Seconds since the newest report was stored (absent before the first).")
        if let last = counts.lastStoredAt {
            text.sample("radd_last_stored_report_timestamp_seconds", [:], last.timeIntervalSince1970)
            text.sample("radd_seconds_since_last_stored_report", [:], max(0, now.timeIntervalSince(last)))
        }

        text.family("radd_label_jobs", .gauge, "Label jobs by labeler and state (queued: waiting or being labelled; failed: given up).")
        var jobs: [String: [String: Int]] = [:]
        for labeler in [LabelerID.rules.rawValue] + labeling.endpointMetrics.map(\.labeler) {
            jobs[labeler, default: [:]] = ["queued": 0, "failed": 0]
        }
        for job in counts.labelJobs where ReportStore.isMetricToken(job.labeler) { jobs[job.labeler, default: [:]][job.state] = job.count }
        for (labeler, states) in jobs.sorted(by: { $0.key < $1.key }) {
            for (state, count) in states.sorted(by: { $0.key < $1.key }) {
                text.sample("radd_label_jobs", ["labeler": labeler, "state": state], Double(count))
            }
        }

        let endpoints = labeling.endpointMetrics
        text.family("radd_model_endpoint_up", .gauge, "1 if the model server's last request was answered (or none was sent yet), else 0.")
        for endpoint in endpoints {
            text.sample("radd_model_endpoint_up", ["endpoint": endpoint.endpoint, "labeler": endpoint.labeler], endpoint.up ? 1 : 0)
        }
        text.family("radd_model_circuit_state", .gauge, "The model server's circuit breaker: 1 for the state it is in (closed, open, half_open).")
        for endpoint in endpoints {
            for state in ["closed", "open", "half_open"] {
                text.sample("radd_model_circuit_state", ["endpoint": endpoint.endpoint, "labeler": endpoint.labeler, "state": state],
                            endpoint.circuit == state ? 1 : 0)
            }
        }
        text.family("radd_llm_request_duration_seconds", .histogram, "Time of each request to a model server, failed ones included.")
        for endpoint in endpoints {
            let labels = ["endpoint": endpoint.endpoint, "labeler": endpoint.labeler]
            for (bound, count) in zip(LLMRequestMetrics.bucketBounds, endpoint.requests.cumulativeBuckets) {
                text.sample("radd_llm_request_duration_seconds_bucket", labels.merging(["le": MetricsText.number(bound)]) { a, _ in a }, Double(count))
            }
            text.sample("radd_llm_request_duration_seconds_bucket", labels.merging(["le": "+Inf"]) { a, _ in a }, Double(endpoint.requests.count))
            text.sample("radd_llm_request_duration_seconds_sum", labels, endpoint.requests.secondsSum)
            text.sample("radd_llm_request_duration_seconds_count", labels, Double(endpoint.requests.count))
        }
        text.family("radd_llm_request_failures_total", .counter, "Requests to a model server that failed (refused, timed out, an HTTP error).")
        for endpoint in endpoints {
            text.sample("radd_llm_request_failures_total", ["endpoint": endpoint.endpoint, "labeler": endpoint.labeler], Double(endpoint.requests.failed))
        }
        text.family("radd_llm_tokens_total", .counter, "Tokens of answered model requests, by kind (prompt, completion).")
        for endpoint in endpoints {
            for (kind, count) in [("completion", endpoint.requests.completionTokens), ("prompt", endpoint.requests.promptTokens)] {
                text.sample("radd_llm_tokens_total", ["endpoint": endpoint.endpoint, "labeler": endpoint.labeler, "kind": kind], Double(count))
            }
        }

        text.family("radd_audit_records", .gauge, "Records in the audit log (never deleted, so it only grows).")
        text.sample("radd_audit_records", [:], Double(counts.auditRecords))
        text.family("radd_audit_last_checkpoint_timestamp_seconds", .gauge, "When the audit chain's head was last checkpointed, as a Unix time.")
        if let at = checkpoints.lastCheckpointAt {
            text.sample("radd_audit_last_checkpoint_timestamp_seconds", [:], at.timeIntervalSince1970)
        }
        text.family("radd_database_size_bytes", .gauge, "Size of the encrypted database, by file (main, wal).")
        for (file, suffix) in [("main", ""), ("wal", "-wal")] {
            var info = stat()
            let size = stat(store.database.path + suffix, &info) == 0 ? Double(info.st_size) : 0
            text.sample("radd_database_size_bytes", ["file": file], size)
        }
        return text.output
    }

    /// Replaces `path` whole: written beside it, synced, then renamed over it, so that
    /// node_exporter never reads half a file. 0644: metrics hold no PHI, and node_exporter
    /// runs as a user of its own.
    func write(to path: String) throws {
        let bytes = Array(try exposition().utf8)
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("creating \(temporary)") }
        fchmod(fd, 0o644)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            unlink(temporary)
            throw SystemError("writing \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let error = SystemError("renaming \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
    }
}

/// The exposition text: `# HELP` and `# TYPE` lines, then samples, label values escaped.
struct MetricsText {
    enum Kind: String { case gauge, counter, histogram }

    private(set) var output = ""

    mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        output += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
    }

    mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
        output += name
        if !labels.isEmpty {
            output += "{" + labels.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\"\(Self.escaped($0.value))\"" }.joined(separator: ",") + "}"
        }
        output += " " + Self.number(value) + "\n"
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
