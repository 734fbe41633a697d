import Deid
import RaddCore

/// Everything one report knows about its patient and encounter, and the helpers templates use to
/// mention them. A class so that templates can share the generator and builder without inout.
final class ReportWriter {
    var rng: SplitMix64
    var builder = ReportBuilder()
    let patient: Person
    let birthDate: CalendarDate
    let examDate: CalendarDate
    let age: Int
    let mrn: String
    let accession: String
    let account: String?
    let hospital: String
    let radiologist: Person
    let referrer: Person

    init(rng: SplitMix64, patient: Person, birthDate: CalendarDate, examDate: CalendarDate,
         accountNumber: Bool) {
        self.rng = rng
        self.patient = patient
        self.birthDate = birthDate
        self.examDate = examDate
        age = birthDate.age(on: examDate)
        mrn = Surrogates.mrn(&self.rng)
        accession = Surrogates.accession(year: examDate.year, &self.rng)
        account = accountNumber ? Surrogates.account(&self.rng) : nil
        hospital = self.rng.pick(Surrogates.hospitals)
        radiologist = Person.random(&self.rng, clinicalWordRate: 0.1)
        referrer = Person.random(&self.rng, clinicalWordRate: 0.1)
    }

    var structured: StructuredPHI {
        StructuredPHI(patientNames: [patient.personName],
                      identifiers: [mrn, accession] + (account.map { [$0] } ?? []),
                      dates: [birthDate.iso])
    }

    // MARK: Writing

    func line(_ pieces: Piece...) {
        for piece in pieces { builder.append(piece) }
        builder.append(.plain("\n"))
    }

    func add(_ pieces: Piece...) {
        for piece in pieces { builder.append(piece) }
    }

    func chance(_ probability: Double) -> Bool { rng.chance(probability) }
    func pick<T>(_ items: [T]) -> T { rng.pick(items) }
    func int(_ range: ClosedRange<Int>) -> Int { rng.int(range) }

    /// Writes one of several alternatives, each a list of pieces, and says which, so that an
    /// impression can agree with its findings.
    @discardableResult
    func oneOf(_ alternatives: [Piece]...) -> Int {
        let chosen = int(0...(alternatives.count - 1))
        for piece in alternatives[chosen] { builder.append(piece) }
        return chosen
    }

    func write(_ pieces: [Piece]) {
        for piece in pieces { builder.append(piece) }
    }

    // MARK: PHI in its many forms

    var isChild: Bool { age < 16 }
    func patientName() -> Piece { patient.patientMention(&rng, child: isChild) }
    func clinician(_ person: Person? = nil) -> Piece {
        (person ?? Person.random(&rng, clinicalWordRate: 0.1)).clinicianMention(&rng)
    }
    func date(_ date: CalendarDate) -> Piece { .date(Surrogates.date(date, &rng)) }
    func shortDate(_ date: CalendarDate) -> Piece { .date(Surrogates.shortDate(date, &rng)) }
    func time() -> Piece {
        let time = Surrogates.time(&rng)
        // Times of day are not PHI (HIPAA Safe Harbor lists dates, not times): not gold.
        return .group([.plain(time.time), .plain(time.suffix)])
    }
    func phone() -> Piece { .contact(Surrogates.phone(&rng)) }
    func priorDate() -> CalendarDate {
        let date = examDate.adding(days: -int(3...1500))
        return date < birthDate ? examDate.adding(days: -int(1...30)) : date
    }
    func city() -> Piece { .place(pick(Surrogates.cities).city) }
    func otherHospital() -> Piece { .place(pick(Surrogates.hospitals)) }

    /// Ages over 89 are PHI (HIPAA Safe Harbor); the gold span is the number alone. Younger ages
    /// are written the same ways and are traps.
    func ageMention() -> Piece {
        let suffix = pick(["-year-old", " year old", " y/o", " yo", "-yr-old", "-year-old"])
        return age > 89 ? .group([.age("\(age)"), .plain(suffix)]) : .trap("\(age)\(suffix)")
    }

    func relative() -> Piece {
        let relative = Person.random(&rng, clinicalWordRate: 0.05)
        let family = chance(0.5) ? patient.family : relative.family
        if isChild {
            return chance(0.5)
                ? .group([.plain("\(patient.pronoun) mother, "), .name("\(Person.random(&rng, sex: .female).given) \(family)"), .plain(",")])
                : .group([.plain("\(patient.pronoun) father "), .name(Person.random(&rng, sex: .male).given)])
        }
        switch int(0...5) {
        case 0: return .group([.plain("\(patient.pronoun) \(patient.sex == .female ? "husband" : "wife") "), .name(relative.given)])
        case 1: return .group([.plain("\(patient.pronoun) daughter "), .name("\(Person.random(&rng, sex: .female).given) \(family)")])
        case 2: return .group([.plain("\(patient.pronoun) son, "), .name(Person.random(&rng, sex: .male).given), .plain(",")])
        case 3: return .group([.plain("\(patient.pronoun) mother ("), .name("\(Person.random(&rng, sex: .female).given) \(family)"), .plain(")")])
        case 4: return .group([.plain("\(patient.pronoun) caregiver "), .name("\(relative.given) \(relative.family)")])
        default: return .group([.plain("\(patient.pronoun) \(patient.sex == .female ? "husband" : "wife"), "), .name("\(relative.given) \(family)"), .plain(",")])
        }
    }

    // MARK: Clinical numbers that are not PHI

    func centimetres() -> String { "\(int(1...9)).\(int(0...9)) cm" }
    func millimetres() -> String { "\(int(2...19)) mm" }
    func dimensions() -> String { "\(int(1...6)).\(int(0...9)) x \(int(1...4)).\(int(0...9)) cm" }
}
