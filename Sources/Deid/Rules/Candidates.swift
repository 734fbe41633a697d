import RaddCore

/// Byte ranges the rules mark as PHI, before they are merged into spans.
struct Candidates {
    struct Mark {
        var start: Int
        var end: Int
        var category: PHISpan.Category
    }

    private(set) var marks: [Mark] = []

    mutating func add(_ start: Int, _ end: Int, _ category: PHISpan.Category) {
        guard end > start else { return }
        marks.append(Mark(start: start, end: end, category: category))
    }

    mutating func add(_ tokens: ArraySlice<ReportText.Token>, _ category: PHISpan.Category) {
        guard let first = tokens.first, let last = tokens.last else { return }
        add(first.start, last.end, category)
    }

    /// The category of the merged mark that covers each token, nil where none does: one sweep,
    /// since asking each token against every mark is quadratic on a long text.
    func categories(over tokens: [ReportText.Token]) -> [PHISpan.Category?] {
        var covered = [PHISpan.Category?](repeating: nil, count: tokens.count)
        let merged = merged()
        var m = 0
        for k in 0..<tokens.count {
            while m < merged.count, merged[m].end <= tokens[k].start { m += 1 }
            if m < merged.count, merged[m].start <= tokens[k].start, merged[m].end >= tokens[k].end { covered[k] = merged[m].category }
        }
        return covered
    }

    func covers(_ token: ReportText.Token) -> Bool {
        marks.contains { $0.start <= token.start && $0.end >= token.end }
    }

    /// Sorted, non-overlapping marks; where two overlap, the union takes the category of the
    /// longer one (a date inside an address is part of the address).
    /// Also joins two name marks separated only by a comma or spaces ("SMITH, JOHN" is one name,
    /// replaced once).
    func merged(bytes: [UInt8]) -> [Mark] {
        var result: [Mark] = []
        for mark in merged() {
            if var last = result.last, last.category == .name, mark.category == .name, mark.start - last.end <= 2,
               bytes[last.end..<mark.start].allSatisfy({ $0 == 0x20 || $0 == 0x2C }) {
                last.end = mark.end
                result[result.count - 1] = last
            } else {
                result.append(mark)
            }
        }
        return result
    }

    func merged() -> [Mark] {
        let sorted = marks.sorted { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
        var result: [Mark] = []
        for mark in sorted {
            if var last = result.last, mark.start < last.end {
                if mark.end - mark.start > last.end - last.start { last.category = mark.category }
                last.end = max(last.end, mark.end)
                result[result.count - 1] = last
            } else {
                result.append(mark)
            }
        }
        return result
    }
}
