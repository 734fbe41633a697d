import Foundation
@testable import Store
import XCTest

final class DatabaseKeyTests: XCTestCase {
    var directory: String!
    let hex = String(repeating: "0f", count: 32)

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-key-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func write(_ contents: String, mode: Int, name: String = "db.key") throws -> String {
        let path = directory + "/" + name
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func testPrivateKeyFilesLoad() throws {
        for mode in [0o400, 0o600] {
            let path = try write(hex + "\n", mode: mode)
            XCTAssertEqual(try DatabaseKey.load(keyFile: path, environment: [:]).bytes, Array(repeating: 0x0f, count: 32))
        }
    }

    func testKeyFilesReadableByGroupOrOthersAreRefused() throws {
        for mode in [0o640, 0o604, 0o644] {
            let path = try write(hex, mode: mode)
            XCTAssertThrowsError(try DatabaseKey.load(keyFile: path, environment: [:])) { error in
                guard case .tooOpen(path, _)? = error as? DatabaseKey.LoadError else { return XCTFail("\(error)") }
                XCTAssertTrue("\(error)".contains("chmod 0400"))
            }
        }
    }

    func testMissingAndMalformedKeysAreNamed() throws {
        XCTAssertThrowsError(try DatabaseKey.load(keyFile: directory + "/absent", environment: [:])) {
            XCTAssertEqual($0 as? DatabaseKey.LoadError, .missing(path: self.directory + "/absent"))
        }
        for bad in ["abc", String(repeating: "zz", count: 32), String(repeating: "0", count: 63)] {
            let path = try write(bad, mode: 0o600)
            XCTAssertThrowsError(try DatabaseKey.load(keyFile: path, environment: [:])) {
                XCTAssertEqual($0 as? DatabaseKey.LoadError, .malformed(path: path))
            }
        }
    }

    func testSystemdCredentialWinsOverTheKeyFile() throws {
        let credentials = directory + "/creds"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: credentials + "/db-key", contents: Data(String(repeating: "ab", count: 32).utf8)))
        let keyFile = try write(hex, mode: 0o600)
        let key = try DatabaseKey.load(keyFile: keyFile, environment: ["CREDENTIALS_DIRECTORY": credentials])
        XCTAssertEqual(key.bytes, Array(repeating: 0xab, count: 32))
    }
}
