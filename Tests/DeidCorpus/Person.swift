import Deid
import RaddCore

enum Sex { case female, male }

struct Person {
    var given: String
    var middle: String?
    var family: String
    var sex: Sex

    static func random(_ rng: inout SplitMix64, sex: Sex? = nil, clinicalWordRate: Double = 0.12) -> Person {
        let sex = sex ?? (rng.chance(0.5) ? .female : .male)
        if rng.chance(0.12) {
            // An international name, given and family from one origin; the census lists have few.
            let origin = rng.pick(NameOrigin.all)
            return Person(given: rng.pick(origin.given), middle: nil, family: rng.pick(origin.family), sex: sex)
        }
        let given: String
        let family: String
        if rng.chance(0.15) {
            given = rng.pick(WorldNames.given)
        } else if sex == .female {
            given = rng.pick(rng.chance(0.7) ? CensusNames.frequentFemaleGiven : CensusNames.rareFemaleGiven)
        } else {
            given = rng.pick(rng.chance(0.7) ? CensusNames.frequentMaleGiven : CensusNames.rareMaleGiven)
        }
        if rng.chance(clinicalWordRate) {
            family = rng.pick(CensusNames.clinicalWordSurnames)
        } else if rng.chance(0.15) {
            family = rng.pick(WorldNames.family)
        } else {
            family = rng.pick(rng.chance(0.65) ? CensusNames.frequentSurnames : CensusNames.rareSurnames)
        }
        let middle: String? = rng.chance(0.35)
            ? String(rng.pick(sex == .female ? CensusNames.frequentFemaleGiven : CensusNames.frequentMaleGiven).prefix(1))
            : nil
        return Person(given: given, middle: middle, family: family, sex: sex)
    }

    var personName: PersonName {
        PersonName(given: [given] + (middle.map { [$0] } ?? []), family: family)
    }

    var initial: String { String(given.unicodeScalars.first.map(Character.init) ?? "X") }
    var honorific: String { sex == .female ? "Ms." : "Mr." }
    var pronoun: String { sex == .female ? "her" : "his" }
    var subject: String { sex == .female ? "She" : "He" }
    var sexWord: String { sex == .female ? "female" : "male" }

    /// The patient named the many ways reports and exports write a name.
    func patientMention(_ rng: inout SplitMix64, child: Bool = false) -> Piece {
        let form = rng.int(0...9)
        if child && (form == 4 || form == 9) { return .name("\(given) \(family)") }
        switch form {
        case 0: return .name("\(family.uppercased()), \(given.uppercased())")
        case 1: return .name("\(family), \(given)" + (middle.map { " \($0)." } ?? ""))
        case 2: return .name("\(given) \(family)")
        case 3: return .name("\(initial). \(family)")
        case 4: return .group([.plain("\(rng.chance(0.3) && sex == .female ? "Mrs." : honorific) "), .name(family)])
        case 5: return .name(family)
        case 6: return .name("\(given.uppercased()) \(family.uppercased())")
        case 7: return .name("\(given) " + (middle.map { "\($0). " } ?? "") + family)
        case 8: return .name("\(family.uppercased()), \(given.uppercased())" + (middle.map { " \($0)" } ?? ""))
        default: return .group([.plain("\(honorific) "), .name(family)])
        }
    }

    /// A clinician named with the titles and credentials around the name left as plain text:
    /// titles are not PHI, and a finder that also covers them loses a little precision only.
    func clinicianMention(_ rng: inout SplitMix64) -> Piece {
        let credential = rng.pick(["MD", "MD", "M.D.", "DO", "MD, PhD", "NP", "PA-C"])
        switch rng.int(0...8) {
        case 0: return .group([.plain("Dr. "), .name(family)])
        case 1: return .group([.plain("Dr "), .name(family)])
        case 2: return .group([.plain("Dr. "), .name("\(given) \(family)")])
        case 3: return .group([.name("\(given) \(family)"), .plain(", \(credential)")])
        case 4: return .group([.name("\(family.uppercased()), \(given.uppercased())"), .plain(" MD")])
        case 5: return .group([.name("\(family), \(given)"), .plain(", \(credential)")])
        case 6: return .group([.name("\(initial). \(family)"), .plain(", \(credential)")])
        case 7: return .group([.plain("DR. "), .name(family.uppercased())])
        default: return .group([.name("\(given) " + (middle.map { "\($0). " } ?? "") + family), .plain(", \(credential)")])
        }
    }
}
