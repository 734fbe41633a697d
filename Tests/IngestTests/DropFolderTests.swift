import Foundation
@testable import Ingest
import RaddCore
import XCTest

final class DropFolderTests: XCTestCase {
    var root: String!
    var dropPath: String { root + "/drop" }

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "radd-ingest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dropPath, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func drop(_ name: String, _ contents: [UInt8]) {
        XCTAssertTrue(FileManager.default.createFile(atPath: dropPath + "/" + name, contents: Data(contents)))
    }

    func testPartialUploadsAndDotFilesAreNotCandidates() {
        for name in [".hidden", "x.tmp", "x.TMP", "x.part", "x.filepart", ".radd-work"] {
            XCTAssertFalse(DropFolder.isCandidate(name), name)
        }
        for name in ["report.txt", "a.hl7", "noext", "part.txt"] {
            XCTAssertTrue(DropFolder.isCandidate(name), name)
        }
    }

    func testClaimMovesTheFileIntoTheWorkAreaAndRecoveryFindsIt() throws {
        let folder = try DropFolder(path: dropPath)
        drop("study 1.txt", Array("Findings: normal.".utf8))
        drop("upload.part", Array("half".utf8))
        XCTAssertEqual(try folder.waitingFiles(), ["study 1.txt"])
        let claimed = try XCTUnwrap(try folder.claim("study 1.txt"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dropPath + "/study 1.txt"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: claimed.workPath))
        XCTAssertEqual(try folder.claimedFiles(), [claimed])
        XCTAssertNil(try folder.claim("study 1.txt"), "a file already claimed is gone, not an error")
        try folder.finish(claimed)
        XCTAssertEqual(try folder.claimedFiles(), [])
    }

    func testNamesThatAreNotUTF8AreRenamedNotSkipped() throws {
        let folder = try DropFolder(path: dropPath)
        let raw = Array((dropPath + "/r").utf8) + [0xE9] + Array(".txt".utf8) + [0]
        let fd = raw.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o600) } }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        XCTAssertEqual(try folder.waitingFiles(), ["r_.txt"])
        XCTAssertNotNil(try folder.claim("r_.txt"))
    }

    func testClaimIDsAreUnique() {
        let ids = Set((0..<1000).map { _ in ClaimedFile.newClaimID() })
        XCTAssertEqual(ids.count, 1000)
        XCTAssertTrue(ids.allSatisfy { !$0.contains(".") && $0.hasPrefix("c") })
    }

    func testReaderAcceptsUTF8TextWithOrWithoutBOM() throws {
        let folder = try DropFolder(path: dropPath)
        drop("a.txt", [0xEF, 0xBB, 0xBF] + Array("Épanchement pleural.".utf8))
        let claimed = try XCTUnwrap(try folder.claim("a.txt"))
        let read = try ReportReader().read(claimed)
        let reports = read.reports
        // sha256sum of the same bytes.
        XCTAssertEqual(read.sha256, "6a5a1459a6d38974e4021b17d815532b0058032dda3284df72decfa254e6225a")
        XCTAssertEqual(reports.map(\.text), ["Épanchement pleural."])
        XCTAssertEqual(reports.first?.source.format, .plainText)
        XCTAssertEqual(reports.first?.source.claimID, claimed.claimID)
        XCTAssertEqual(reports.first?.source.fileName, "a.txt")
    }

    func testReaderNamesEachProblem() throws {
        let folder = try DropFolder(path: dropPath)
        let cases: [(String, [UInt8], IngestError)] = [
            ("empty.txt", [], .empty),
            ("latin1.txt", Array("ok ".utf8) + [0xE9, 0x20], .invalidUTF8(offset: 3)),
            ("nul.txt", [0x41, 0x00, 0x42], .binaryContent(offset: 1)),
            ("blank.txt", Array("  \n\t ".utf8), .noText),
            ("report.pdf", Array("%PDF-1.4".utf8), .pdf(.malformed, location: nil)),
            ("report.docx", Array("PK".utf8), .unsupportedFormat(fileExtension: "docx")),
        ]
        for (name, bytes, expected) in cases {
            drop(name, bytes)
            let claimed = try XCTUnwrap(try folder.claim(name))
            XCTAssertThrowsError(try ReportReader().read(claimed), name) { XCTAssertEqual($0 as? IngestError, expected, name) }
        }
        XCTAssertEqual(IngestError.invalidUTF8(offset: 3).reason(fileName: "latin1.txt"),
                       "latin1.txt is not valid UTF-8 text (first invalid byte at offset 3)")
    }

    func testOversizedFilesAreRefusedBeforeReading() throws {
        let folder = try DropFolder(path: dropPath)
        drop("big.txt", Array(repeating: UInt8(ascii: "a"), count: 2048))
        let claimed = try XCTUnwrap(try folder.claim("big.txt"))
        XCTAssertThrowsError(try ReportReader(maxFileBytes: 1024).read(claimed)) {
            XCTAssertEqual($0 as? IngestError, .tooLarge(size: 2048, limit: 1024))
        }
    }

    func testSymlinksAndFIFOsAreNeverFollowedOrOpened() throws {
        let folder = try DropFolder(path: dropPath)
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/outside.txt", contents: Data("secret".utf8)))
        XCTAssertEqual(symlink(root + "/outside.txt", dropPath + "/link.txt"), 0)
        XCTAssertEqual(mkfifo(dropPath + "/pipe.txt", 0o600), 0)
        for name in ["link.txt", "pipe.txt"] {
            let claimed = try XCTUnwrap(try folder.claim(name))
            XCTAssertThrowsError(try ReportReader().read(claimed)) { error in
                guard case .notRegularFile? = error as? IngestError else { return XCTFail("\(name): \(error)") }
            }
        }
    }

    func testQuarantineWritesAReasonBesideTheFileAndAvoidsOverwriting() throws {
        let folder = try DropFolder(path: dropPath)
        let quarantine = try QuarantineFolder(path: root + "/quarantine")
        for round in 0..<2 {
            drop("bad.txt", [0xFF, UInt8(round)])
            let claimed = try XCTUnwrap(try folder.claim("bad.txt"))
            let name = quarantine.name(for: claimed) { _ in false }
            try quarantine.place(claimed, as: name, reason: "bad.txt is not valid UTF-8 text")
            XCTAssertEqual(name == "bad.txt", round == 0)
            let reason = try String(contentsOfFile: quarantine.path + "/" + name + ".reason", encoding: .utf8)
            XCTAssertEqual(reason, "bad.txt is not valid UTF-8 text\n")
            XCTAssertEqual(FileManager.default.contents(atPath: quarantine.path + "/" + name), Data([0xFF, UInt8(round)]))
        }
        XCTAssertEqual(try folder.claimedFiles(), [])
    }
}

extension DropFolderTests {
    func testAnOrphanReasonFileFromACrashIsReplacedNotSidestepped() throws {
        let folder = try DropFolder(path: dropPath)
        let quarantine = try QuarantineFolder(path: root + "/quarantine")
        XCTAssertTrue(FileManager.default.createFile(atPath: quarantine.path + "/bad.txt.reason", contents: Data("old\n".utf8)))
        drop("bad.txt", [0xFF])
        let claimed = try XCTUnwrap(try folder.claim("bad.txt"))
        XCTAssertEqual(quarantine.name(for: claimed) { _ in false }, "bad.txt")
        try quarantine.place(claimed, as: "bad.txt", reason: "bad.txt is not valid UTF-8 text")
        XCTAssertEqual(try String(contentsOfFile: quarantine.path + "/bad.txt.reason", encoding: .utf8), "bad.txt is not valid UTF-8 text\n")
    }

    func testANameRecordedForAnotherClaimIsNotReused() throws {
        let folder = try DropFolder(path: dropPath)
        let quarantine = try QuarantineFolder(path: root + "/quarantine")
        drop("bad.txt", [0xFF])
        let claimed = try XCTUnwrap(try folder.claim("bad.txt"))
        XCTAssertEqual(quarantine.name(for: claimed) { $0 == "bad.txt" }, claimed.claimID + ".bad.txt")
    }

    func testAQuarantinedFileGoesBackUnderItsNameOrAFreeOneAndPurgeDeletesIt() throws {
        let folder = try DropFolder(path: dropPath)
        let quarantine = try QuarantineFolder(path: root + "/quarantine")
        drop("bad.txt", [0xFF])
        let claimed = try XCTUnwrap(try folder.claim("bad.txt"))
        try quarantine.place(claimed, as: "bad.txt", reason: "bad")
        drop("bad.txt", [0xFE])
        XCTAssertEqual(try quarantine.returnFile(named: "bad.txt", originalName: "bad.txt", to: folder), "retry1-bad.txt")
        XCTAssertEqual(FileManager.default.contents(atPath: dropPath + "/retry1-bad.txt"), Data([0xFF]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: quarantine.path + "/bad.txt.reason"))
        XCTAssertThrowsError(try quarantine.returnFile(named: "bad.txt", originalName: "bad.txt", to: folder))

        let again = try XCTUnwrap(try folder.claim("bad.txt"))
        try quarantine.place(again, as: "bad.txt", reason: "bad")
        try quarantine.purge(named: "bad.txt")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: quarantine.path), [])
        XCTAssertNoThrow(try quarantine.purge(named: "bad.txt"))
    }

    func testCommittedOriginalsCanBeArchivedWithoutOverwriting() throws {
        let folder = try DropFolder(path: dropPath, archivePath: root + "/archive")
        for round in 0..<2 {
            drop("r.txt", Array("Report \(round).".utf8))
            let claimed = try XCTUnwrap(try folder.claim("r.txt"))
            try folder.finish(claimed)
            try folder.finish(claimed) // a redo after a crash changes nothing
        }
        let archived = try FileManager.default.contentsOfDirectory(atPath: root + "/archive").sorted()
        XCTAssertEqual(archived.count, 2)
        XCTAssertEqual(FileManager.default.contents(atPath: root + "/archive/r.txt"), Data("Report 0.".utf8))
        XCTAssertEqual(try folder.claimedFiles(), [])
    }

    func testAReplacedDropFolderGetsItsWorkAreaBack() throws {
        let folder = try DropFolder(path: dropPath)
        try FileManager.default.removeItem(atPath: folder.workPath)
        drop("late.txt", Array("Normal.".utf8))
        XCTAssertNotNil(try folder.claim("late.txt"), "a missing work area must not make files look gone")
        XCTAssertEqual(try folder.claimedFiles().map(\.originalName), ["late.txt"])
    }
}
