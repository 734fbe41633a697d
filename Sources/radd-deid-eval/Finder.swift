import Deid
import RaddCore

/// The finder `radd-deid-eval` scores: the daemon's rule de-identifier with its default policy,
/// or with `--structured-only` the baseline below, to see what the rules add.
func makeFinder(structuredOnly: Bool = false) -> any PHIFinder {
    structuredOnly ? StructuredOnlyFinder() : RuleDeidentifier()
}

/// A baseline that finds only exact (case-insensitive, whole-word) occurrences of the values the
/// export itself flags: name parts of two letters or more, identifiers, ISO dates. Its scores show
/// how much PHI lives only in the free text.
struct StructuredOnlyFinder: PHIFinder {
    func phiSpans(in text: String, structured: StructuredPHI) -> [PHISpan] {
        let haystack = text.unicodeScalars.map(Self.fold)
        var needles: [(String, PHISpan.Category)] = []
        for name in structured.patientNames {
            for part in name.given + [name.family] where part.unicodeScalars.count >= 2 {
                needles.append((part, .name))
            }
        }
        needles += structured.identifiers.map { ($0, .identifier) }
        needles += structured.dates.map { ($0, .date) }

        var spans: [PHISpan] = []
        for (value, category) in needles {
            let needle = value.unicodeScalars.map(Self.fold)
            guard !needle.isEmpty, needle.count <= haystack.count else { continue }
            for start in 0...(haystack.count - needle.count)
            where haystack[start] == needle[0] && Array(haystack[start..<start + needle.count]) == needle {
                let end = start + needle.count
                let boundedBefore = start == 0 || !Self.isWord(haystack[start - 1])
                let boundedAfter = end == haystack.count || !Self.isWord(haystack[end])
                if boundedBefore && boundedAfter {
                    spans.append(PHISpan(start: start, length: needle.count, category: category))
                }
            }
        }
        return Self.merged(spans)
    }

    private static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let lower = scalar.properties.lowercaseMapping.unicodeScalars
        return lower.count == 1 ? lower.first! : scalar
    }

    private static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
    }

    /// Sorted and non-overlapping, as `PHIFinder` promises; a name inside an identifier keeps the
    /// category of whichever starts first.
    private static func merged(_ spans: [PHISpan]) -> [PHISpan] {
        var result: [PHISpan] = []
        for span in spans.sorted(by: { $0.start < $1.start }) {
            if let last = result.last, span.start < last.start + last.length {
                result[result.count - 1].length = max(last.length, span.start + span.length - last.start)
            } else {
                result.append(span)
            }
        }
        return result
    }
}
