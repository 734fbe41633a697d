import Foundation
import XCTest

/// An OpenAI-style server on loopback that plays a script: each request gets the next action
/// (a completion with given content, an HTTP error, a stall, a cut-off or garbled body) and is
/// recorded. Used only for fault injection; the real-model tests use llama-server.
public final class FakeModelServer {
    public enum Action {
        case answer(String)
        /// An answer after a delay, like a model computing.
        case slowAnswer(String, seconds: Double)
        case status(Int)
        case stall(seconds: Double)
        case truncated
        case notJSON
    }

    let process: Process
    public let port: Int
    let directory: URL

    /// On loopback TCP (`port` 0: any free one), or on a Unix socket at `unixSocket`. Once the
    /// script is used up, every request gets `then` (default: HTTP 503). `model` is the name the
    /// server lists and answers as, which a labeler stores as provenance.
    public init(script actions: [Action], then last: Action? = nil, port requestedPort: Int = 0, unixSocket: String? = nil,
                model: String = "fake-model") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("radd-fake-model-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func encode(_ action: Action) -> [String: Any] {
            switch action {
            case .answer(let content): return ["kind": "answer", "content": content]
            case .slowAnswer(let content, let seconds): return ["kind": "answer", "content": content, "delay": seconds]
            case .status(let code): return ["kind": "status", "code": code]
            case .stall(let seconds): return ["kind": "stall", "seconds": seconds]
            case .truncated: return ["kind": "truncated"]
            case .notJSON: return ["kind": "notjson"]
            }
        }
        let script: [String: Any] = ["actions": actions.map(encode), "then": encode(last ?? .status(503)), "model": model]
        try JSONSerialization.data(withJSONObject: script).write(to: directory.appendingPathComponent("script.json"))
        let program = """
            import http.server, json, sys, time, os
            directory = sys.argv[1]
            loaded = json.load(open(os.path.join(directory, 'script.json')))
            script, last, model = loaded['actions'], loaded['then'], loaded['model']
            import threading
            lock = threading.Lock()
            log = open(os.path.join(directory, 'requests.jsonl'), 'a')
            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = 'HTTP/1.1'
                def reply(self, code, body, length=None):
                    self.send_response(code)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(length if length is not None else len(body)))
                    self.end_headers(); self.wfile.write(body); self.wfile.flush()
                def do_GET(self):
                    self.reply(200, json.dumps({'object': 'list', 'data': [{'id': model}]}).encode())
                def do_POST(self):
                    body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
                    with lock:
                        log.write(json.dumps(body) + '\\n'); log.flush()
                        action = script.pop(0) if script else last
                    kind = action['kind']
                    if kind == 'answer':
                        time.sleep(action.get('delay', 0))
                        self.reply(200, json.dumps({'model': model, 'choices': [{'message': {'role': 'assistant', 'content': action['content']}}],
                            'usage': {'prompt_tokens': 100, 'completion_tokens': 20}, 'timings': {'prompt_n': 7}}).encode())
                    elif kind == 'status':
                        self.reply(action['code'], b'{"error": "scripted"}')
                    elif kind == 'stall':
                        time.sleep(action['seconds'])
                        self.reply(200, b'{}')
                    elif kind == 'truncated':
                        self.reply(200, b'{"choices": [{"message": {"content": "{\\\\"ment', length=400)
                        self.close_connection = True
                    elif kind == 'notjson':
                        self.reply(200, b'<html>proxy error</html>')
                def log_message(self, *args): pass
            if len(sys.argv) > 2 and sys.argv[2] != '-':
                import socketserver
                class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
                    daemon_threads = True
                class UnixHandler(Handler):
                    def address_string(self): return 'unix'
                server = UnixServer(sys.argv[2], UnixHandler)
                print(0, flush=True)
            else:
                http.server.ThreadingHTTPServer.allow_reuse_address = True
                server = http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[3]) if len(sys.argv) > 3 else 0), Handler)
                print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", program, directory.path, unixSocket ?? "-", String(requestedPort)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw XCTSkip("the fake model server did not start")
        }
        self.process = process
        self.port = port
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// The request bodies received so far.
    public func requests() throws -> [[String: Any]] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("requests.jsonl"), encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}
