import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Control protocol v1 on the wire, as raddctl binaries already in hospitals speak it: request
/// lines recorded from the release before the typed endpoints, sent byte for byte to a real
/// raddd, whose answers must equal the recorded ones byte for byte once the values that differ
/// from run to run (times, pids, hashes, paths, claim ids, pseudonyms) are masked.
///
/// `RADD_RECORD_PROTOCOL=1 swift test --filter ProtocolReplayTests` writes the transcript again;
/// do that only on purpose, from the release whose answers are the reference.
final class ProtocolReplayTests: XCTestCase {
    static let transcript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/protocol-v1/transcript.jsonl").path

    /// What each request is sent after; `$CLAIM` is the claim id of the quarantined file.
    static let requests: [String] = [
        #"{"id":1,"method":"status","v":1}"#,
        #"{"id":2,"method":"reports","params":{},"v":1}"#,
        #"{"id":3,"method":"reports","params":{"limit":2},"v":1}"#,
        #"{"id":4,"method":"reports","params":{"after":2,"limit":2,"state":"labelled"},"v":1}"#,
        #"{"id":5,"method":"reports","params":{"state":"bogus"},"v":1}"#,
        #"{"id":6,"method":"report","params":{"id":1},"v":1}"#,
        #"{"id":7,"method":"report","params":{},"v":1}"#,
        #"{"id":8,"method":"report","params":{"id":999},"v":1}"#,
        #"{"id":9,"method":"labels","params":{"limit":100,"task":"chestxray14"},"v":1}"#,
        #"{"id":10,"method":"labels","params":{"task":"nope"},"v":1}"#,
        #"{"id":11,"method":"review","params":{"limit":100,"task":"chestxray14"},"v":1}"#,
        #"{"id":12,"method":"review.show","params":{"id":1,"task":"chestxray14"},"v":1}"#,
        #"{"id":13,"method":"review.show","params":{"task":"chestxray14"},"v":1}"#,
        #"{"id":14,"method":"quarantine.list","params":{},"v":1}"#,
        #"{"id":15,"method":"quarantine.list","params":{"limit":10,"state":"all"},"v":1}"#,
        #"{"id":16,"method":"quarantine.list","params":{"state":"bogus"},"v":1}"#,
        #"{"id":17,"method":"quarantine.retry","params":{},"v":1}"#,
        #"{"id":19,"method":"quarantine.purge","params":{"all":true,"claim":"x"},"v":1}"#,
        #"{"id":20,"method":"quarantine.purge","params":{"claim":"$CLAIM"},"v":1}"#,
        #"{"id":21,"method":"audit.list","params":{"limit":5,"types":["query"]},"v":1}"#,
        #"{"id":22,"method":"audit.list","params":{"types":["bogus"]},"v":1}"#,
        #"{"id":23,"method":"audit.list","params":{"since":"yesterday"},"v":1}"#,
        #"{"id":24,"method":"audit.list","params":{"outcome":"bogus"},"v":1}"#,
        #"{"id":25,"method":"audit.verify","params":{},"v":1}"#,
        #"{"id":26,"method":"audit.verify","params":{"checkpoints":["x"]},"v":1}"#,
        #"{"id":27,"method":"audit.export","params":{"after":2,"limit":3},"v":1}"#,
        #"{"id":28,"method":"export.labels","params":{"limit":1000,"task":"chestxray14"},"v":1}"#,
        #"{"id":29,"method":"export.labels","params":{"format":"jsonl","labeler":"rules","task":"chestxray14"},"v":1}"#,
        #"{"id":30,"method":"export.labels","params":{"format":"xml","task":"chestxray14"},"v":1}"#,
        #"{"id":31,"method":"export.labels","params":{"labeler":"nobody","task":"chestxray14"},"v":1}"#,
        #"{"id":32,"method":"export.labels","params":{"since":"soon","task":"chestxray14"},"v":1}"#,
        #"{"id":33,"method":"export.instruct","params":{"labeler":"rules","task":"chestxray14"},"v":1}"#,
        #"{"id":34,"method":"pseudonym","params":{"kind":"accession","value":"ACC-REPLAY-1"},"v":1}"#,
        #"{"id":35,"method":"pseudonym","params":{"kind":"bogus","value":"x"},"v":1}"#,
        #"{"id":36,"method":"gold.sample","params":{"count":2,"seed":7,"stratifyBy":"rules","task":"chestxray14"},"v":1}"#,
        #"{"id":37,"method":"gold.sample","params":{"count":0,"task":"chestxray14"},"v":1}"#,
        #"{"id":38,"method":"gold.import","params":{"task":"chestxray14"},"v":1}"#,
        #"{"id":39,"method":"gold.import","params":{"dryRun":true,"rows":[{"line":2,"reportID":1,"values":{"Atelectasis":"0","Cardiomegaly":"0","Consolidation":"0","Edema":"0","Effusion":"1","Emphysema":"0","Fibrosis":"0","Hernia":"0","Infiltration":"0","Mass":"0","Nodule":"0","Pleural_Thickening":"0","Pneumonia":"0","Pneumothorax":"0"}}],"task":"chestxray14"},"v":1}"#,
        #"{"id":40,"method":"gold.import","params":{"rows":[{"line":2,"reportID":1,"values":{"Atelectasis":"0","Cardiomegaly":"0","Consolidation":"0","Edema":"0","Effusion":"1","Emphysema":"0","Fibrosis":"0","Hernia":"0","Infiltration":"0","Mass":"0","Nodule":"0","Pleural_Thickening":"0","Pneumonia":"0","Pneumothorax":"0"}}],"task":"chestxray14"},"v":1}"#,
        #"{"id":41,"method":"gold.import","params":{"rows":[{"line":3,"reportID":2,"values":{"Atelectasis":"maybe"}}],"task":"chestxray14"},"v":1}"#,
        #"{"id":42,"method":"eval","params":{"labeler":"rules","task":"chestxray14"},"v":1}"#,
        #"{"id":43,"method":"eval","params":{"task":"chestxray14","uncertain":"maybe"},"v":1}"#,
        #"{"id":44,"method":"review.resolve","params":{"accept":"rules","followUp":[],"id":2,"task":"chestxray14","values":{"Cardiomegaly":"1"}},"v":1}"#,
        #"{"id":45,"method":"review.resolve","params":{"id":2,"task":"chestxray14","values":{"Nonsense":"1"}},"v":1}"#,
        #"{"id":46,"method":"review.resolve","params":{"task":"chestxray14"},"v":1}"#,
        #"{"id":47,"method":"key.rotate","params":{},"v":1}"#,
        #"{"id":48,"method":"key.rotate","params":{"key":"nothex"},"v":1}"#,
        #"{"id":49,"method":"reload","v":1}"#,
        #"{"id":50,"method":"no.such.method","v":1}"#,
        #"{"id":51,"method":"status","v":2}"#,
        #"not json"#,
        #"{"id":53,"method":"relabel","params":{"labeler":"nobody","task":"chestxray14"},"v":1}"#,
        #"{"id":54,"method":"relabel","params":{"task":"chestxray14"},"v":1}"#,
        #"{"id":55,"method":"audit.list","params":{"after":0,"limit":1000},"v":1}"#,
        #"{"id":56,"method":"relabel","params":{"all":true,"labeler":"rules","task":"chestxray14"},"v":1}"#,
        // Last, because the release recorded wrote no audit record for it and raddd now does:
        // its answer does not depend on where it comes, and no later answer depends on it.
        #"{"id":18,"method":"quarantine.retry","params":{"claim":"no-such-claim"},"v":1}"#,
    ]

    static let reports: [(name: String, text: String)] = [
        ("r1.txt", "Accession: ACC-REPLAY-1\nPatient: MRN-REPLAY-1\nExam Code: CXR2V\nModality: CR\nDate: 2024-03-14\n\nFINDINGS: Small left pleural effusion. No pneumothorax.\nIMPRESSION: Small left effusion.\n"),
        ("r2.txt", "Accession: ACC-REPLAY-2\nPatient: MRN-REPLAY-2\nExam Code: CXR2V\nModality: CR\nDate: 2024-03-15\n\nFINDINGS: The heart is mildly enlarged. Possible right basilar atelectasis. No effusion.\nIMPRESSION: Cardiomegaly.\n"),
        ("r3.txt", "Accession: ACC-REPLAY-3\nPatient: MRN-REPLAY-1\nExam Code: CXR1V\nModality: CR\nDate: 2024-04-01\n\nFINDINGS: Lungs are clear. No acute cardiopulmonary disease.\n"),
        ("r4.txt", "Accession: ACC-REPLAY-4\nPatient: MRN-REPLAY-4\nExam Code: CXR2V\nModality: DX\nDate: 2024-04-02\n\nFINDINGS: Emphysema. Calcified granuloma in the left upper lobe. No pneumothorax or effusion.\n"),
    ]

    struct Exchange: Codable, Equatable {
        var request: String
        var response: String
    }

    func testRecordedRequestsGetTheRecordedAnswers() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--settle-time", "0"])
        for (index, report) in Self.reports.enumerated() {
            try harness.drop(report.name, report.text)
            try DaemonHarness.waitFor("report \(index + 1) stored and labelled", timeout: 60) {
                let status = try harness.decode(Status.self, harness.raddctl(["status", "--json"]))
                return status.queueDepth == 0 && status.reportsByState["labelled", default: 0] == index + 1
            }
        }
        try harness.drop("broken.pdf", "not a report")
        // Waited for on disk, not through raddctl: every raddctl call is audited, and the audit
        // answers below must not depend on how many polls reading the PDF took.
        try DaemonHarness.waitFor("the PDF quarantined", timeout: 30) {
            FileManager.default.fileExists(atPath: harness.quarantineDir + "/broken.pdf")
        }
        let listed = harness.raddctl(["quarantine", "list", "--json"])
        let range = try XCTUnwrap(listed.stdout.range(of: #""claim" *: *"([^"]+)""#, options: .regularExpression), listed.stdout)
        let claim = String(listed.stdout[range]).components(separatedBy: "\"").dropLast().last ?? ""
        XCTAssertFalse(claim.isEmpty)

        let connection = try RawConnection(path: harness.socketPath)
        var exchanges: [Exchange] = []
        for template in Self.requests {
            let request = template.replacingOccurrences(of: "$CLAIM", with: claim)
            let answer = try connection.exchange(request)
            exchanges.append(Exchange(request: template, response: Self.masked(answer, root: harness.root, claim: claim)))
        }

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if ProcessInfo.processInfo.environment["RADD_RECORD_PROTOCOL"] == "1" {
            try FileManager.default.createDirectory(atPath: (Self.transcript as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            let lines = try exchanges.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            try (lines.joined(separator: "\n") + "\n").write(toFile: Self.transcript, atomically: true, encoding: .utf8)
            return
        }
        let recorded = try String(contentsOfFile: Self.transcript, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Exchange.self, from: Data($0.utf8)) }
        XCTAssertEqual(recorded.map(\.request), Self.requests, "the transcript was recorded for another list of requests")
        for (old, new) in zip(recorded, exchanges) {
            // Masks added since recording apply to the recorded answer too.
            XCTAssertEqual(new.response, Self.masked(old.response, root: harness.root, claim: claim), "answer to \(old.request)")
        }
    }

    /// Masks what differs between runs, and nothing else: the rest of the line must match byte for byte.
    static func masked(_ line: String, root: String, claim: String) -> String {
        var text = line.replacingOccurrences(of: root, with: "$ROOT")
        if !claim.isEmpty { text = text.replacingOccurrences(of: claim, with: "$CLAIM") }
        let patterns: [(String, String)] = [
            // Times: ISO 8601 UTC, and the audit export's RFC 5424 and CSV forms of them.
            (#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#, "<time>"),
            (#"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"#, "<time>"),
            // Hashes, pseudonyms and HMACs: 64 hex digits.
            (#"[0-9a-f]{64}"#, "<hex>"),
            (#""(pid|uptimeSeconds|seconds|uid)":[0-9.e+-]+"#, "\"$1\":0"),
            (#"pid=\d+"#, "pid=0"),
            (#""username":"[^"]*""#, "\"username\":\"<user>\""),
            (#""(reviewer|user|cipherVersion)":"[^"]*""#, "\"$1\":\"<v>\""),
            (#"(worksheet|review) <time> [^"\\]+"#, "$1 <time> <user>"),
            // Claim ids are random; the host name is the machine's.
            (#"claim=[a-z0-9]+"#, "claim=<claim>"),
            (#""(source|requestedBy)":"[^"]*""#, "\"$1\":\"<v>\""),
            // The access policy in force is /etc/radd/access on a machine radd is installed on.
            (#""accessPolicy":"[^"]*""#, "\"accessPolicy\":\"<policy>\""),
            (#"access_policy=[^ "\\]+"#, "access_policy=<policy>"),
            // Exam dates in exports are shifted per patient by the (random) pseudonym key.
            (#"(<hex>,<hex>,)\d{4}-\d\d-\d\d"#, "$1<date>"),
            (#"(exam_date\\":\\")\d{4}-\d\d-\d\d"#, "$1<date>"),
        ]
        for (pattern, template) in patterns {
            text = text.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
        }
        return text
    }

    struct Status: Decodable {
        var queueDepth: Int
        var reportsByState: [String: Int]
    }
}

/// One connection to the control socket that sends lines exactly as given.
final class RawConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw DaemonHarness.Failure("cannot connect to \(path): errno \(errno)") }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func exchange(_ line: String) throws -> String {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw DaemonHarness.Failure("write to the control socket failed: errno \(errno)") }
            offset += written
        }
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let answer = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return answer
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { throw DaemonHarness.Failure("the control socket closed without an answer to \(line.prefix(80))") }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}
