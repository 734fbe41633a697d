@testable import Ingest
import Foundation
import RaddCore
import XCTest

/// A folder's `encoding`: text and CSV files that are not valid UTF-8 read as Windows-1252 or
/// ISO 8859-1, with umlauts and ß intact; without the setting, text must be UTF-8 as before.
final class LegacyEncodingTests: XCTestCase {
    static let german = "Schwellung über dem Außenknöchel, größer. Keine Fraktur."
    /// The text in ISO 8859-1, which is also its Windows-1252 form (no character of 0x80–0x9F).
    static let latin1 = german.unicodeScalars.map { UInt8($0.value) }

    func testPlainTextInALegacyEncodingIsReadWhenTheFolderSaysSo() throws {
        XCTAssertThrowsError(try PlainTextReader.reports(from: Self.latin1)) {
            XCTAssertEqual($0 as? IngestError, .invalidUTF8(offset: 11), "without the setting: refused, as before")
        }
        for legacy in LegacyEncoding.allCases {
            XCTAssertEqual(try PlainTextReader.reports(from: Self.latin1, legacy: legacy).map(\.text), [Self.german], legacy.rawValue)
            // A file that is valid UTF-8 stays UTF-8 in such a folder.
            XCTAssertEqual(try PlainTextReader.reports(from: Array(Self.german.utf8), legacy: legacy).map(\.text), [Self.german])
        }
        // 0x84 and 0x93 are „ and “ in Windows-1252, C1 controls in ISO 8859-1.
        let quoted = Self.latin1 + [0x20, 0x84, 0x6A, 0x61, 0x93]
        XCTAssertEqual(try PlainTextReader.reports(from: quoted, legacy: .windows1252).first?.text, Self.german + " \u{201E}ja\u{201C}")
        XCTAssertEqual(try PlainTextReader.reports(from: quoted, legacy: .latin1).first?.text, Self.german + " \u{84}ja\u{93}")
        // A BOM says UTF-8: bytes after it that are not UTF-8 are a broken file, not Latin-1.
        XCTAssertThrowsError(try PlainTextReader.reports(from: [0xEF, 0xBB, 0xBF] + Self.latin1, legacy: .latin1)) {
            XCTAssertEqual($0 as? IngestError, .invalidUTF8(offset: 14))
        }
        // Binary content is still refused.
        XCTAssertThrowsError(try PlainTextReader.reports(from: Self.latin1 + [0x00], legacy: .windows1252)) {
            XCTAssertEqual($0 as? IngestError, .binaryContent(offset: Self.latin1.count))
        }
    }

    func testCSVInWindows1252OrISO88591KeepsUmlauts() throws {
        let header = Array("id,report\r\nA1,\"".utf8)
        let bytes = header + Self.latin1 + Array("\"\r\n".utf8)
        XCTAssertEqual(try CSVReader().reports(from: bytes).map(\.text), [Self.german], "Windows-1252 unless told")
        XCTAssertEqual(try CSVReader(legacy: .latin1).reports(from: bytes).map(\.text), [Self.german])
        let reader = ReportReader(legacyEncoding: .latin1)
        XCTAssertEqual(try reader.normalise(bytes, format: .csv, fileName: "x.csv", claimID: "c").reports.map(\.text), [Self.german])
        XCTAssertEqual(try reader.normalise(Self.latin1, format: .plainText, fileName: "x.txt", claimID: "c").reports.map(\.text),
                       [Self.german])
    }
}
