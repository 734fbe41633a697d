@testable import Ingest
import XCTest

final class MarkupEntityTests: XCTestCase {
    func testHTMLAndCDATextDecodeReferencesAlike() {
        let encoded = "1.5 &times; 2 cm, &plusmn;&frac12;, &#8805;3 &#x2264;4 &hellip; &#150; &bogus; &amp;"
        let decoded = "1.5 × 2 cm, ±½, ≥3 ≤4 … – &bogus; &"
        XCTAssertEqual(HTMLText.text("<p>\(encoded)</p>"), decoded)
        XCTAssertEqual(HL7v2Markup.decodeEntities(ArraySlice(Array(encoded.utf8))), decoded)
    }

    func testNoBreakSpaceIsKeptInHTMLButLaidOutAsASpaceInCDA() {
        XCTAssertEqual(MarkupEntity.scalar(named: "nbsp"), "\u{A0}")
        XCTAssertEqual(HL7v2Markup.decodeEntities(ArraySlice(Array("a&nbsp;b".utf8))), "a b")
        XCTAssertNil(MarkupEntity.scalar(named: "#xZZ"))
        XCTAssertEqual(MarkupEntity.scalar(named: "#0"), "\u{FFFD}")
    }
}
