import Foundation
@testable import Labeling
import XCTest

/// Runs a real HTTP server (Python's http.server) on loopback that echoes request bodies.
final class HTTPClientTests: XCTestCase {
    var server: Process!
    var port = 0

    override func setUpWithError() throws {
        let script = """
            import http.server, sys
            class Echo(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200); self.end_headers(); self.wfile.write(b'{"ok":true}')
                def do_POST(self):
                    body = self.rfile.read(int(self.headers['Content-Length']))
                    self.send_response(201); self.end_headers()
                    self.wfile.write(self.headers['Content-Type'].encode() + b' ' + body)
                def log_message(self, *args): pass
            server = http.server.HTTPServer(('127.0.0.1', 0), Echo)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-c", script]
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        port = try XCTUnwrap(Int(line.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    override func tearDown() {
        server.terminate()
        server.waitUntilExit()
    }

    func testGetAndPostRoundTrip() throws {
        let client = HTTPClient(timeoutSeconds: 10)
        let get = try client.request("http://127.0.0.1:\(port)/health")
        XCTAssertEqual(get.status, 200)
        XCTAssertEqual(String(decoding: get.body, as: UTF8.self), #"{"ok":true}"#)
        let post = try client.request("http://127.0.0.1:\(port)/v1/chat", jsonBody: Data(#"{"a":1}"#.utf8))
        XCTAssertEqual(post.status, 201)
        XCTAssertEqual(String(decoding: post.body, as: UTF8.self), #"application/json {"a":1}"#)
    }

    func testFailureNamesTheServerButNotThePath() throws {
        server.terminate()
        server.waitUntilExit()
        XCTAssertThrowsError(try HTTPClient(timeoutSeconds: 5).request("http://127.0.0.1:\(port)/secret/path?q=Smith")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("127.0.0.1:\(port)"), message)
            XCTAssertFalse(message.contains("Smith") || message.contains("secret"), message)
        }
    }
}
