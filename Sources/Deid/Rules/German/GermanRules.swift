import RaddCore

/// The German evidence, in the same order as the English rules: structured PHI from the export
/// is applied by the caller first; then dates, ages, contacts, identifiers, places, hospitals and
/// names. Marks from several rules merge, the longer one naming the category.
struct GermanRules {
    let knowledge: NameKnowledge

    func apply(_ text: String, into marks: inout Candidates) {
        let patterns = GermanPatterns(text: text)
        patterns.dates(into: &marks)
        patterns.ages(into: &marks)
        patterns.contacts(into: &marks)
        patterns.identifiers(into: &marks)
        patterns.places(into: &marks)
        patterns.hospitals(into: &marks)
        GermanNames(text: text, knowledge: knowledge).apply(into: &marks, byteRange: patterns.bytes)
    }
}
