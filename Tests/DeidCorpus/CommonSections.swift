/// The parts of a report that carry most of its PHI: header, history, comparison, the call to
/// the referring team, signature and footer. Exam templates write the clinical middle.
extension ReportWriter {
    func header(exam: String) {
        let sexLetter = patient.sex == .female ? "F" : "M"
        let ageField: Piece = age > 89 ? .group([.age("\(age)"), .plain("Y")]) : .trap("\(age)Y")
        switch int(0...3) {
        case 0:
            line("PATIENT: ", .name("\(patient.family.uppercased()), \(patient.given.uppercased())"
                                    + (patient.middle.map { " \($0)" } ?? "")), "    MRN: ", .identifier(mrn))
            line("DOB: ", date(birthDate), "    AGE: ", ageField, "    SEX: \(sexLetter)")
            add("ACCESSION: ", .identifier(accession))
            if let account { add("    ACCOUNT: ", .identifier(account)) }
            line()
            line("EXAM DATE: ", date(examDate), " ", time())
            line("REFERRING PHYSICIAN: ", clinician(referrer))
        case 1:
            line("Name: ", patientName(), " | DOB: ", date(birthDate), " | MRN ", .identifier(mrn),
                 " | Acc# ", .identifier(accession))
            if chance(0.3) { line("SSN: ", .identifier(Surrogates.ssn(&rng))) }
            line("Location: ", .place(hospital), " | Exam: \(exam) | Date of service: ", date(examDate))
        case 2:
            line("Patient Name: ", patientName())
            line("Medical Record #: ", .identifier(mrn))
            if let account { line("Visit/Account #: ", .identifier(account)) }
            line("Date of Birth: ", date(birthDate), " (age ", ageField, ")")
            if chance(0.4) { line("Address: ", address()) }
            if chance(0.3) { line("Home phone: ", phone()) }
            line("Ordering: ", clinician(referrer), "   Accession: ", .identifier(accession))
        default:
            // No header: the export carried the fields separately, and the text names them inline.
            break
        }
        line()
        line("EXAM: \(exam.uppercased())")
    }

    func history(indication: [Piece]) {
        add("CLINICAL HISTORY: ")
        switch int(0...3) {
        case 0: add(patientName(), " is a ", ageMention(), " \(patient.sexWord) with ")
        case 1: add(ageMention(), " \(patient.sexWord), ")
        case 2: add(patientName(), ", ", ageMention(), ", ")
        default: add("\(patient.sexWord.capitalized) patient, ")
        }
        for piece in indication { builder.append(piece) }
        add(".")
        if chance(0.2) { add(" Referred from ", otherHospital(), " in ", city(), ".") }
        if chance(0.2) { add(" History obtained from ", relative(), " who accompanied the patient.") }
        if chance(0.1) { add(" Patient lives at ", address(), ".") }
        if chance(0.1) { add(" Last seen in clinic on ", shortDate(priorDate()), ".") }
        if chance(0.12) { add(" Remote history of ", pick(["appendectomy", "CABG", "MI", "cholecystectomy", "ORIF"]), " in ", pastYear(), ".") }
        if chance(0.06) { add(" Recently moved from ", .place(Surrogates.foreignAddress(&rng)), ".") }
        line()
        line()
    }

    func comparison(study: String) {
        add("COMPARISON: ")
        switch int(0...4) {
        case 0: add("None.")
        case 1: add("\(study) dated ", date(priorDate()), ".")
        case 2: add("\(study) from ", date(priorDate()), " at ", otherHospital(), ".")
        case 3: add("Outside \(study) performed on ", shortDate(priorDate()), ", report not available.")
        default: add("Prior studies of ", date(priorDate()), " and ", date(priorDate()), ".")
        }
        line()
        line()
    }

    func technique(_ pieces: Piece...) {
        add("TECHNIQUE: ")
        for piece in pieces { builder.append(piece) }
        if chance(0.12) {
            add(" Images received from modality at ", .contact(Surrogates.ipAddress(&rng)), ".")
        }
        if chance(0.08) {
            add(" Implanted device card reviewed before scanning: serial ", .other(Surrogates.deviceSerial(&rng)), ".")
        }
        line()
        line()
    }

    func communication() {
        guard chance(0.55) else { return }
        switch int(0...4) {
        case 0:
            line("These findings were discussed with ", clinician(referrer), " at ", time(), " on ",
                 date(examDate), " by telephone.")
        case 1:
            line("Critical result communicated to ", clinician(), " at ", time(), "; read-back confirmed.")
        case 2:
            line("Discussed with ", clinician(referrer), " on ", shortDate(examDate), " at ", time(),
                 ", callback number ", phone(), ".")
        case 3:
            line("Findings called to ", pick(["RN ", "nurse ", "charge nurse "]), .name(Person.random(&rng).given),
                 " in the emergency department at ", time(), ".")
        default:
            line("Preliminary report given to ", clinician(), " (pager ", .contact("\(rng.digits(3))-\(rng.digits(4))"),
                 ") at ", time(), ".")
        }
        line()
    }

    func signature() {
        line()
        switch int(0...4) {
        case 0:
            line("Dictated by: ", clinician(radiologist))
            line("Dictated: ", date(examDate), " ", time())
        case 1:
            line("Electronically signed by ", .name("\(radiologist.family.uppercased()), \(radiologist.given.uppercased())"),
                 " MD on ", date(examDate), " at ", time())
        case 2:
            line("Attending: ", clinician(radiologist))
            line("Resident: ", clinician())
            line("I have personally reviewed the images and agree with the findings above.")
        case 3:
            line("Signed: ", clinician(radiologist), " ", date(examDate), " ", time())
            if chance(0.5) { line("License #", .identifier(Surrogates.licence(&rng)), "   NPI ", .identifier("1\(rng.digits(9))")) }
        default:
            line(clinician(radiologist))
            line("Radiology, ", .place(hospital))
            line("Finalized ", date(examDate), " ", time())
        }
    }

    func footer() {
        guard chance(0.35) else { return }
        line()
        switch int(0...3) {
        case 0:
            line(.place(hospital), " Department of Radiology, ", .place(Surrogates.address(&rng)))
            line("Reading room ", phone(), "  Fax ", phone())
        case 1:
            line("Questions about this report: ", .contact(Surrogates.email(radiologist, &rng)), " or ", phone())
        case 2:
            line("View images: ", .contact(Surrogates.url(accession: accession, &rng)))
        default:
            line("Patient portal: ", .contact(Surrogates.url(accession: accession, &rng)), "  Contact: ",
                 .contact(Surrogates.email(patient, &rng)))
        }
    }
}
