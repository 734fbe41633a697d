import Control
import Foundation
import Ingest
import Labeling
import RaddCore
import Store
#if canImport(Glibc)
import Glibc
#endif

// Latency of audited label queries over the control socket, with a large database: stores
// REPORTS real Open-i reports (made unique by a case number) with their rule-labeler labels in a
// fresh SQLCipher database, starts the release raddd on it, then times REQUESTS `report ID`
// (text, label sets and final labels) and REQUESTS `labels` pages of 100, each on a new
// connection as raddctl makes them and each committed with its audit record (chain included);
// then exports every report's labels as `raddctl export labels` does and prints rows/s.
//
//   swift build -c release && .build/release/radd-query-bench [REPORTS] [REQUESTS]
//
// Defaults: 100000 reports, 2000 requests of each kind.

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let reportCount = arguments.first ?? 100_000
let requestCount = arguments.dropFirst().first ?? 2000
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
let interactive = isatty(STDERR_FILENO) != 0

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("radd-query-bench: \(message)\n".utf8))
    exit(1)
}

func progress(_ text: String) {
    if interactive { FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8)) }
}

var template = Array("/tmp/radd-query-bench-XXXXXX".utf8CString)
guard let made = mkdtemp(&template) else { fail("cannot create a work directory") }
let work = String(cString: made)
defer { try? FileManager.default.removeItem(atPath: work) }
let keyHex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
let keyFile = work + "/key"
_ = FileManager.default.createFile(atPath: keyFile, contents: Data(keyHex.utf8), attributes: [.posixPermissions: 0o600])
_ = FileManager.default.createFile(atPath: work + "/raddd.conf", contents: Data("# radd-query-bench\n".utf8))
try FileManager.default.createDirectory(atPath: work + "/state", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
try FileManager.default.createDirectory(atPath: work + "/drop", withIntermediateDirectories: true)

// 1. Fill the database the way raddd would: files of 1,000 reports, each report with its
// audit record and its labelling job, then each job answered by the rule labeler.
let taskDirectory = repository.appendingPathComponent("policies/tasks").path
let task: LabelTask
do { task = try LabelTask.load("chestxray14", directories: [taskDirectory]) } catch { fail("\(error)") }
let openi = repository.appendingPathComponent("Tests/IngestTests/Fixtures/csv/openi_reports.csv").path
guard let csv = FileManager.default.contents(atPath: openi) else { fail("cannot read \(openi)") }
let texts = try CSVReader(mapping: .init(id: "uid", text: ["findings", "impression"])).read([UInt8](csv)).reports.map(\.text)
let fillStarted = Date()
do {
    let store = try ReportStore(path: work + "/state/radd.db", key: DatabaseKey(hex: keyHex), applianceID: "radd-query-bench",
                                labelPlan: LabelPlan(jobs: [(task.name, "rules")]))
    // Only for filling: a bench database that a crash would lose costs nothing.
    try store.database.execute("PRAGMA synchronous = OFF")
    let actor = AuditActor(uid: getuid(), username: "bench", pid: getpid())
    let labeler = RuleLabeler(task: task)
    var stored = 0
    var batch = 0
    while stored < reportCount {
        let size = min(1000, reportCount - stored)
        let claim = "cbench\(batch)"
        let reports = (stored..<(stored + size)).map { index in
            Report(source: ReportSource(fileName: "bench-\(batch).csv", format: .csv, claimID: "\(claim)#\(index - stored + 1)", byteCount: 0),
                   text: texts[index % texts.count] + "\nCase \(index).", receivedAt: Date())
        }
        let file = IngestedFile(claimID: claim, folder: "drop", sourceName: "bench-\(batch).csv", format: .csv,
                                byteCount: reports.reduce(0) { $0 + $1.text.utf8.count }, sha256: Digest.hex(Digest.sha256(Array(claim.utf8))))
        // Open-i was de-identified by its publisher; a Deidentifier here would only slow the fill.
        _ = try store.commit(file, reports: reports.map { DeidentifiedReport(report: $0, spans: [], method: "none") }, actor: actor)
        while let job = try store.nextLabelJob(labeler: "rules", excluding: []) {
            let text = try store.textForLabeling(reportID: job.reportID) ?? ""
            let answer = labeler.answer(text)
            try store.commitLabels(job: job, labelerVersion: answer.provenance.version,
                                   values: zip(task.findings, answer.values).map { ($0.name, $1) }, followUp: nil,
                                   provenance: answer.provenance, members: nil, actor: actor)
        }
        stored += size
        batch += 1
        progress("storing and labelling: \(stored)/\(reportCount) reports")
    }
    store.close()
} catch {
    fail("filling the database: \(error)")
}
progress("")
print(String(format: "radd-query-bench: %d reports stored and labelled (chestxray14, rule labeler) in %.0f s", reportCount,
             Date().timeIntervalSince(fillStarted)))

// 2. The release raddd on that database.
let socket = work + "/raddd.sock"
let daemon = Process()
daemon.executableURL = binaries.appendingPathComponent("raddd")
daemon.arguments = ["--config", work + "/raddd.conf", "--state-dir", work + "/state", "--drop-dir", work + "/drop",
                    "--key-file", keyFile, "--socket", socket, "--log-target", "stderr", "--log-level", "warning",
                    "--tasks", "chestxray14", "--task-dir", taskDirectory]
daemon.standardError = FileHandle(forWritingAtPath: "/dev/null")
do { try daemon.run() } catch { fail("cannot start \(daemon.executableURL!.path) (build it with swift build -c release): \(error)") }
defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGTERM); daemon.waitUntilExit() } }
let deadline = Date().addingTimeInterval(60)
while (try? ControlClient(socketPath: socket).call(Endpoints.Status.self)) == nil {
    guard Date() < deadline, daemon.isRunning else { fail("raddd did not answer on \(socket)") }
    usleep(100_000)
}

// 3. The timed requests.
func time(_ label: String, _ request: () throws -> Void) -> [Double] {
    var samples: [Double] = []
    for _ in 0..<50 { try? request() }
    for index in 0..<requestCount {
        let started = DispatchTime.now().uptimeNanoseconds
        do { try request() } catch { fail("\(label): \(error)") }
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
        if index % 100 == 0 { progress("\(label): \(index)/\(requestCount)") }
    }
    progress("")
    return samples.sorted()
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)]
}

func report(_ label: String, _ samples: [Double]) {
    print(label.padding(toLength: 44, withPad: " ", startingAt: 0)
          + String(format: "p50 %6.2f ms   p95 %6.2f ms   p99 %6.2f ms   max %7.2f ms   (%d requests)",
                   percentile(samples, 50), percentile(samples, 95), percentile(samples, 99), samples.last ?? 0, samples.count))
}

let reports = time("report ID") {
    let id = Int64.random(in: 1...Int64(reportCount))
    let result = try ControlClient(socketPath: socket).call(Endpoints.Report.self, .init(id: id))
    guard result.finalLabels?.first?.labels.count == task.findings.count else { fail("report \(id) came back without its labels") }
}
let pages = time("labels page") {
    let after = Int64.random(in: 0...Int64(max(0, reportCount - 100)))
    let result = try ControlClient(socketPath: socket).call(Endpoints.Labels.self, .init(task: task.name, limit: 100, after: after))
    guard result.rows.count == min(100, reportCount - Int(after)) else { fail("a labels page came back short") }
}
// An export as raddctl does it: pages of 5,000 rows, each page audited, formatted as CSV.
var exported = 0
var csvBytes = 0
let exportStarted = Date()
var after: Int64? = nil
repeat {
    let page = try ControlClient(socketPath: socket).call(Endpoints.ExportLabels.self, .init(task: task.name, format: "csv", limit: 5000, after: after))
    csvBytes += page.text.utf8.count
    exported += page.rowCount
    after = page.next
    progress("export: \(exported)/\(reportCount) rows")
} while after != nil
progress("")
let exportSeconds = Date().timeIntervalSince(exportStarted)
guard exported == reportCount else { fail("the export had \(exported) rows for \(reportCount) reports") }
let audit = try ControlClient(socketPath: socket).call(Endpoints.AuditVerify.self, .init())
print("radd-query-bench: audited label queries over the control socket, one connection each, \(reportCount) reports stored")
report("report ID (text, label sets, final labels)", reports)
report("labels page of 100 (final labels)", pages)
print(String(format: "export labels (CSV, pages of 5,000, each audited): %d rows in %.2f s = %.0f rows/s (%.1f MB)",
             exported, exportSeconds, Double(exported) / exportSeconds, Double(csvBytes) / 1_000_000))
print("audit log: \(audit.records) records, chain \(audit.intact ? "intact" : "BROKEN") (each request above wrote one)")
kill(daemon.processIdentifier, SIGTERM)
daemon.waitUntilExit()
