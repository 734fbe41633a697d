@testable import Ingest
import RaddCore
import XCTest

/// The byte-level building blocks of the HL7 v2 reader, checked against the plain loops they
/// replace: word-at-a-time searches and the report text gathered piece by piece.
final class HL7v2ScanningTests: XCTestCase {
    /// Bytes from a small alphabet, so that separators, line ends and bytes with the high bit set
    /// fall at every offset within a word and next to each other.
    func randomBytes(_ rng: inout SplitMix64, count: Int) -> [UInt8] {
        let alphabet: [UInt8] = [0x7C, 0x5E, 0x0D, 0x0A, 0x0B, 0x1C, 0x20, 0x41, 0x00, 0x7F, 0x80, 0xFC, 0xFD, 0xFF, 0x8D, 0x8A]
        return (0..<count).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
    }

    func testWordSearchesAgreeWithByteLoops() {
        var rng = SplitMix64(seed: 1)
        for round in 0..<3_000 {
            let bytes = randomBytes(&rng, count: round % 70)
            bytes.withUnsafeBufferPointer { buffer in
                let start = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count + 1))
                let end = start + Int(rng.next() % UInt64(bytes.count - start + 1))
                let range = start..<end

                let lineEnd = bytes[start...].firstIndex { $0 == 0x0D || $0 == 0x0A } ?? bytes.count
                XCTAssertEqual(HL7v2ByteScan.lineEnd(buffer, from: start), lineEnd)

                XCTAssertEqual(HL7v2ByteScan.firstIndex(of: 0x7C, in: buffer, range),
                               bytes[range].firstIndex(of: 0x7C) ?? end)

                var found = [Int]()
                HL7v2ByteScan.forEach(0xFC, in: buffer, range) { found.append($0) }
                XCTAssertEqual(found, range.filter { bytes[$0] == 0xFC })

                XCTAssertEqual(HL7v2ByteScan.contains(0x0B, or: 0x1C, in: buffer),
                               bytes.contains { $0 == 0x0B || $0 == 0x1C })
            }
        }
    }

    func testPiecesAreTheSplitPieces() {
        var rng = SplitMix64(seed: 2)
        for round in 0..<1_000 {
            let bytes = randomBytes(&rng, count: round % 40)
            let pieces = Array(HL7v2Pieces(bytes, 0..<bytes.count, on: 0x7C))
            XCTAssertEqual(pieces, hl7Split(bytes, 0..<bytes.count, on: 0x7C, limit: .max))
            for index in 0..<pieces.count + 2 {
                XCTAssertEqual(hl7Piece(bytes, 0..<bytes.count, on: 0x7C, index), index < pieces.count ? pieces[index] : nil)
            }
        }
    }

    /// The clean-up of `text` whole, written out as the rules say.
    func cleaned(_ text: [UInt8]) -> [UInt8] {
        var lines = [[UInt8]](), line = [UInt8](), i = 0
        while i < text.count {
            if text[i] == 0x0D || text[i] == 0x0A {
                lines.append(line)
                line = []
                if text[i] == 0x0D, i + 1 < text.count, text[i + 1] == 0x0A { i += 1 }
            } else {
                line.append(text[i])
            }
            i += 1
        }
        lines.append(line)
        lines = lines.map { Array($0.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()) }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return Array(lines.joined(separator: [0x0A]))
    }

    func testReportTextIsTheSameHoweverItIsCut() {
        var rng = SplitMix64(seed: 3)
        let alphabet: [UInt8] = [0x0D, 0x0A, 0x20, 0x09, 0x61, 0x62]
        for round in 0..<3_000 {
            let whole = (0..<(round % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            var text = HL7v2ReportText()
            _ = text.appendText("earlier text ")  // a text before must neither change nor be trimmed
            var at = 0
            while at < whole.count {
                let next = min(whole.count, at + Int(rng.next() % 5))
                text.append(whole[at..<next])
                at = next
            }
            let range = text.endText()
            XCTAssertEqual(Array(text.bytes[range]), cleaned(whole), "\(whole)")
            XCTAssertEqual(Array(text.bytes[..<range.lowerBound]), Array("earlier text ".utf8))
        }
    }

    func testLineBreakBetweenPiecesCompletesACRLF() {
        var text = HL7v2ReportText()
        text.append(Array("a\r".utf8)[...])
        text.lineBreak()
        text.append(Array("b".utf8)[...])
        text.lineBreak()
        text.append(Array("c".utf8)[...])
        XCTAssertEqual(String(decoding: text.bytes[text.endText()], as: UTF8.self), "a\nb\nc")
    }

    func testTextsAreJoinedInTheGivenOrder() {
        var text = HL7v2ReportText()
        let first = text.appendText("one")
        let second = text.appendText("two")
        XCTAssertEqual(text.joined([second, first]), "two\none")
        XCTAssertEqual(text.joined([Range<Int>]()), "")
    }
}
