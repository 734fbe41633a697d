/// A nursing note as typed on the ward: short lower-case lines of abbreviations, names without
/// capitals or titles' full stops ("wife carol", "dr nicholson"), dates without a year ("7/22",
/// "on 9/7"). It reaches a radiology de-identifier attached to requests and in EHR exports, and
/// tests rules that lean on capitals and on a year.
extension ExamTemplate {
    static let nursingNote = ExamTemplate(name: "nursing note", sex: nil, ages: 18...89, body: { w in
        let nurse = Person.random(&w.rng, clinicalWordRate: 0.05)
        w.line(w.pick(["nursing note", "rn progress note", "shift note", "nsg note"]), " ", w.shortDate(w.examDate),
               " ", w.time(), w.pick([" (days)", " (nights)", ""]))
        if w.chance(0.5) {
            w.line("pt: ", w.patientName(), ", ", w.ageMention(), " ", w.patient.sex == .female ? "f" : "m",
                   w.chance(0.5) ? ", mrn " : " #", .identifier(w.mrn))
        }
        w.line("neuro: ", w.pick(["a&ox3, mae", "a&ox4, perrla, mae", "drowsy but arousable, follows commands",
                                  "a&ox2, confused to date"]), ".")
        w.line("cv: ", w.pick(["nsr 70s-80s", "afib rate controlled 80s-90s", "st 100s, +2 pulses"]),
               ", bp \(w.int(100...150))/\(w.int(55...90)).")
        w.line("resp: ", w.pick(["ls clear", "ls diminished at bases", "crackles r base"]),
               ", sats \(w.int(90...95))-\(w.int(96...99))% on ", .trap("\(w.int(1...4))l nc"), ".")
        w.add("gi/gu: ")
        switch w.int(0...2) {
        case 0: w.line("tolerating diet, voiding qs.")
        case 1: w.line("npo after midnight, foley in place.")
        default: w.line("abd soft, +bs, last bm ", w.slashDateWithoutYear(w.priorDayInStay()), ".")
        }
        w.line("pain: \(w.int(0...8))/10, ", w.pick(["tylenol", "oxycodone 5 mg", "morphine 2 mg iv"]), " given at ",
               w.time())
        switch w.int(0...3) {
        case 0: w.line("social: ", w.relative(), " in to visit, updated by ", w.clinician(), ".")
        case 1: w.line("social: call placed to ", w.relative(), " at ", w.phone(), ", no answer, vm left.")
        case 2: w.line("social: lives with ", w.relative(), " at ", w.address(), ".")
        default: w.line("social: no visitors this shift.")
        }
        if w.chance(0.4) { w.line("pmh: htn, dm2, ", w.pick(["cabg", "mi", "tka", "chole"]), " ", w.pastYear(), ".") }
        w.line("plan: ", w.pick(["f/u cxr ", "ct abd ", "repeat us ", "mri l-spine "]),
               w.pick(["", "on ", "sched "]), w.slashDateWithoutYear(w.examDate.adding(days: w.int(1...14))),
               w.pick([".", ", npo after mn.", ", d/c planning w/ cm."]))
        w.line("- ", .name("\(nurse.given) \(nurse.family)"), w.pick([", rn", " rn", ", bsn rn"]))
    }, isNote: true)
}

extension ReportWriter {
    /// "7/22", never with a year: the form notes use for days around the stay.
    func slashDateWithoutYear(_ date: CalendarDate) -> Piece { .date("\(date.month)/\(date.day)") }

    func priorDayInStay() -> CalendarDate { examDate.adding(days: -int(1...6)) }
}
