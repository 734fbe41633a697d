import Deid
import RaddCore
import XCTest

/// Dates, years, day names, phone numbers and identifiers in nursing-note and radiology text, and
/// the clinical numbers that share their shapes (scores, fractions, vent settings, ranges, times).
final class DateAndNumberRulesTests: XCTestCase {
    let deidentifier = RuleDeidentifier()

    /// The text and category of every span found.
    func found(_ text: String) -> [(text: String, category: PHISpan.Category)] {
        let scalars = Array(text.unicodeScalars)
        return deidentifier.phiSpans(in: text, structured: StructuredPHI()).map {
            (String(String.UnicodeScalarView(scalars[$0.start..<($0.start + $0.length)])), $0.category)
        }
    }

    /// Each of `parts` (first occurrence in `text`) is covered by a span of `category`.
    func assertMarked(_ text: String, _ parts: [String], as category: PHISpan.Category, file: StaticString = #filePath, line: UInt = #line) {
        let spans = deidentifier.phiSpans(in: text, structured: StructuredPHI())
        for part in parts {
            guard let range = text.range(of: part) else { XCTFail("\(part) is not in the text", file: file, line: line); continue }
            let start = text.unicodeScalars.distance(from: text.startIndex, to: range.lowerBound)
            let end = start + part.unicodeScalars.count
            let covering = spans.first { $0.start <= start && $0.start + $0.length >= end }
            XCTAssertEqual(covering?.category, category, "\(part) should be marked as \(category) in: \(text); found \(found(text))",
                           file: file, line: line)
        }
    }

    /// No span touches any of `parts` (first occurrence in `text`).
    func assertKept(_ text: String, _ parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        let spans = deidentifier.phiSpans(in: text, structured: StructuredPHI())
        for part in parts {
            guard let range = text.range(of: part) else { XCTFail("\(part) is not in the text", file: file, line: line); continue }
            let start = text.unicodeScalars.distance(from: text.startIndex, to: range.lowerBound)
            let end = start + part.unicodeScalars.count
            XCTAssertFalse(spans.contains { $0.start < end && $0.start + $0.length > start },
                           "\(part) should be kept in: \(text); found \(found(text))", file: file, line: line)
        }
    }

    func testTheNursingNoteKeepsItsNumbersAndLosesItsDates() {
        let note = """
            Neuro: MAE 5/5 strength, follows commands. CV: HR 80-90s NSR, BP 110-130/60s, +2/6 SEM. \
            Resp: on 4L NC, sats 95-98%. Plan: d/c foley 7/22, f/u cxr on 9/7. Shift 1900-0700.
            """
        assertMarked(note, ["7/22", "9/7"], as: .date)
        assertKept(note, ["5/5", "80-90s", "110-130", "60s", "+2/6", "4L", "95-98%", "1900-0700", "Shift"])
        XCTAssertEqual(found(note).count, 2, "\(found(note))")
    }

    /// Times are not PHI (HIPAA Safe Harbor lists dates, not times); with a date only the date is marked.
    func testTimesOfDayAreKept() {
        let note = """
            Turned at 1030 and 1400. Meds given 10:32, pain med at 10pm, awake 10 p.m., 22:15:07. \
            Report called 1032 hours, 1032h. Shift 0700-1900, 7p-7a. Ratio 1:1, I:E 1:2.
            """
        XCTAssertEqual(found(note).count, 0, "\(found(note))")
        let dated = "EXAM DATE: 03/14/2024 10:32 AM. Signed 2024-03-14 22:15. Sent 2024-03-15T08:15:00."
        assertMarked(dated, ["03/14/2024", "2024-03-14", "2024-03-15"], as: .date)
        assertKept(dated, ["10:32", "AM", "22:15"])
        let european = "Dictated: 03-31-2020 11:48:10. Signed 07-08-2025 22:04."
        XCTAssertEqual(found(european).map(\.text), ["03-31-2020", "07-08-2025"])
        XCTAssertEqual(found(european).map(\.category), [.date, .date])
    }

    func testMonthAndDayWithoutAYearIsADate() {
        let note = "Foley since 10/16. Last BM 7/21. PICC placed on 9/7, CXR 10/3 ok. Seen on 22/7. Due on 7-22. Hep lock 3/14-3/16."
        assertMarked(note, ["10/16", "7/21", "9/7", "10/3", "22/7", "7-22", "3/14", "3/16"], as: .date)
        let ranges = "Pt voided 10-12 times, NGT output 2-3 days, 22/7 ratio."
        assertKept(ranges, ["10-12", "2-3", "22/7"])
    }

    func testScoresFractionsAndSettingsAreNotDates() {
        let note = """
            Strength 4/5 LUE, 4+/5 RUE, MAE 5/5. Murmur 2/6 SEM, II/VI. Pulses 2/4 DP. Pain 3/10, rates pain 7/10, 0/10 now. \
            Given 1/2 NS at 100, 1/2 tab tylenol, 1 1/2 tabs. GA 24 2/7 weeks. Tray 3/4 full. Dose 1/2-1 tab. \
            Side rails up 2/4 side rails, BCx 1/2 positive. ABG 7.35/45/88. Vent: peep 5/ps 10, PS 10/5, CPAP 5/5 on 40%. Apgars 8/9. A&O 3/3, pupils 3/3 brisk. Stage 2/3 ulcer. BP 120/80, 2.5/3 cm.
            """
        XCTAssertEqual(found(note).count, 0, "\(found(note))")
    }

    func testRangesOfDatesAndChainsOfValues() {
        let note = "Vanco 7/20-22, then 7/25. Hep lock 3/14-3/16. Stayed from 98 to 02. Vent settings 500/14/5/40, ABG 7.42/38/92/26."
        assertMarked(note, ["7/20", "7/25", "3/14", "3/16", "98", "02"], as: .date)
        XCTAssertEqual(found("Vanco 7/20-22.").map(\.text), ["7/20", "22"], "a range of days is two marks")
        assertKept(note, ["500/14/5/40", "7.42/38/92/26"])
        let pain = "Pain 4/10, medicated with morphine 2 mg IV with relief to 2/10. Since 02 pt lives alone; sats in 90s."
        assertKept(pain, ["4/10", "2/10", "90s"])
        assertMarked(pain, ["02"], as: .date)
    }

    func testScoreShapesAreDatesAfterAStrongDateWord() {
        let note = "Restraints since 5/5. Report dated 2/6. Radiographs performed on 4/5, report not available."
        assertMarked(note, ["5/5", "2/6", "4/5"], as: .date)
        let exam = "Grip strength on 4/5 bilaterally. Murmur heard on 2/6 loudness."
        assertKept(exam, ["4/5", "2/6"])
    }

    func testYearsInContext() {
        let note = """
            Hx MI '92, CABG in '95, appy in 1995, smoker since 1985, TAH (2010), quit year 2004. \
            Lived there from 1999 to 2003, worked 1988-1994. Dx March 2024, Mar '98. Stent in 05, class of 1978, born 1931.
            """
        assertMarked(note, ["'92", "'95", "1995", "1985", "2010", "2004", "1999", "2003", "1988-1994", "March 2024", "Mar '98", "05", "1978", "1931"],
                     as: .date)
        let curly = "CVA in ’07."
        assertMarked(curly, ["’07"], as: .date)
    }

    func testNumbersThatLookLikeYearsAreKept() {
        let note = """
            Resting since 2000, turned from 1900 until 2030. Shift 1900-0700, 0700-1900. Sats in 95, HR from 98 to 110. \
            Repeat in 20 min, in 10 days, recheck lactate in 30. Voided 2000 ml, 2000 hours. Bare 1995 and 2003 count as numbers. Height 5'10".
            """
        XCTAssertEqual(found(note).count, 0, "\(found(note))")
    }

    func testDayNamesAndHolidays() {
        let note = "Family visits Monday and TUESDAY. Surgery on Sat, PT on tues. Labs Mon 3/14. Home over Christmas, Christmas Eve, New Year's, Labor Day."
        assertMarked(note, ["Monday", "TUESDAY", "Sat", "tues", "Mon", "3/14", "Christmas", "Christmas Eve", "New Year's", "Labor Day"], as: .date)
        let clinical = "O2 sat 95%, sat up in chair, rash from sun exposure, in labor day 2, Sats stable. Wed to husband."
        assertKept(clinical, ["sat 95", "sat up", "sun", "labor day", "Wed"])
        let possessive = "Home for Mother’s Day."
        assertMarked(possessive, ["Mother’s Day"], as: .date)
    }

    func testRangesAreNotIdentifiers() {
        let note = "HR 100-120, shift 1900-0700, HR 60-70s, sats 95-100%, NC 2-3L, UOP 20-30cc, q4-6h, T10-T12, HR 100-120bpm, 500-1000 cc."
        XCTAssertEqual(found(note).count, 0, "\(found(note))")
        let ids = "Accession RAD-2024-118823, specimen 00482913, MRN 4482, bed A12345678. Transfused 1 unit 250cc."
        assertMarked(ids, ["RAD-2024-118823", "00482913", "4482", "A12345678"], as: .identifier)
        assertKept(ids, ["250cc"])
        let quantities = "Nystatin 500000 units swish. Plt 150000. Heparin 25000 units in 250 ml."
        XCTAssertEqual(found(quantities).count, 0, "\(found(quantities))")
    }

    func testPhoneNumbers() {
        let note = """
            Call x4567 or ext 4567, ext. 2345, extension 3456. Pager 1234, beeper #2345, pgr 12345, page 4-5678. \
            Wife 555-0142, cell (617) 555-0142, 617.555.0142, +1 617 555 0142. Son +36 1 234 5678, +358 40 1234567, \
            +44 20 7946 0958, +7 495 123-45-67, +380 44 123 4567, 0044 20 7946 0958. Home phone 555-1234, HCP #555-4321.
            """
        assertMarked(note, ["4567", "2345", "3456", "1234", "12345", "4-5678", "555-0142", "(617) 555-0142", "617.555.0142",
                            "617 555 0142", "+36 1 234 5678", "+358 40 1234567", "+44 20 7946 0958", "+7 495 123-45-67",
                            "+380 44 123 4567", "0044 20 7946 0958", "555-1234", "555-4321"], as: .contact)
        let national = "Daughter 020 7946 0958, son 06-12345678, neighbour 01 23 45 67 89, office 030 1234567."
        assertMarked(national, ["020 7946 0958", "06-12345678", "01 23 45 67 89", "030 1234567"], as: .contact)
        let clinical = "See page 2, pH 7.35, x2 days, +2 edema, 4+1 assist, ext warm, 0.9 NS 1000 ml, 0.5 mg 10 20 30, 05 10 15 20."
        XCTAssertEqual(found(clinical).count, 0, "\(found(clinical))")
    }

    func testTextEndingInPunctuationDoesNotCrash() {
        for text in ["", "/", "'", "+", "7/", "5/", "on 7/", "in '", "+1", "+1 ", "ext", "ext ", "x", "'9", "’", "Mar '", "00", "0044",
                     "1999-", "-", "7-", "on Sat", "New", "New Year", "Christmas", "pager #", "(", "(2010", "2010)"] {
            _ = deidentifier.phiSpans(in: text, structured: StructuredPHI())
        }
        XCTAssertEqual(found("Seen on 7/").count, 0)
        XCTAssertEqual(found("in '").count, 0)
    }
}
