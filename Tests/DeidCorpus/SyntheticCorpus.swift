import RaddCore

/// The generated evaluation corpus: the same seed gives the same reports, byte for byte.
public enum SyntheticCorpus {
    public static let defaultSeed: UInt64 = 20_240_314
    public static let defaultCount = 400

    public static func generate(seed: UInt64 = defaultSeed, count: Int = defaultCount) -> [SyntheticReport] {
        (0..<count).map { report(index: $0, seed: seed) }
    }

    /// Each report has its own generator, so report 17 is the same whatever the count.
    public static func report(index: Int, seed: UInt64 = defaultSeed) -> SyntheticReport {
        var rng = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        let template = ExamTemplate.all[index % ExamTemplate.all.count]
        let examDate = CalendarDate.random(years: 2019...2025, using: &rng)
        let veryOld = template.ages.upperBound >= 89 && rng.chance(0.12)
        let targetAge = veryOld ? rng.int(90...103) : rng.int(template.ages)
        let birthDate = examDate.adding(days: -(targetAge * 365 + targetAge / 4 + rng.int(0...360)))
        let patient = Person.random(&rng, sex: template.sex)
        let hasAccountNumber = rng.chance(0.5)
        let writer = ReportWriter(rng: rng, patient: patient, birthDate: birthDate, examDate: examDate,
                                  accountNumber: hasAccountNumber)
        writer.builder.allCaps = writer.chance(0.08)
        writer.builder.allLower = template.isNote || (!writer.builder.allCaps && writer.chance(0.08))

        if template.isNote {
            template.body(writer)
        } else {
            writer.header(exam: template.name)
            template.body(writer)
            writer.communication()
            writer.signature()
            writer.footer()
        }

        return SyntheticReport(index: index, exam: template.name, text: writer.builder.text,
                               structured: writer.structured, gold: writer.builder.gold,
                               traps: writer.builder.traps)
    }
}
