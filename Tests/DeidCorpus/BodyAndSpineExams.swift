extension ExamTemplate {
    static let ctAbdomenPelvisTrauma = ExamTemplate(name: "CT abdomen and pelvis with contrast", sex: nil, ages: 16...89) { w in
        w.history(indication: w.pick([
            ["motor vehicle collision, hypotensive"],
            ["fall from ladder, ", .trap("10 ft"), ", left flank pain"],
            ["pedestrian struck, known ", .trap("Crohn disease")],
            ["abdominal pain; ", .trap("Cushing syndrome"), " on ketoconazole ", .trap("200 mg")],
        ]))
        w.comparison(study: "CT abdomen and pelvis")
        w.technique(.trap("100 mL Omnipaque 350"), " IV; arterial and portal venous phases. ", .trap("120 kVp"), ".")
        w.line("FINDINGS:")
        w.oneOf(["Grade IV splenic laceration with active extravasation of contrast. "],
                ["Active extravasation of contrast in the left hemipelvis adjacent to a comminuted fracture of the left superior pubic ramus. "],
                ["No solid organ injury or extravasation. "])
        w.oneOf(["Hemoperitoneum in ", .trap("Morison's pouch"), " and the pelvis, ", .trap("45 Hounsfield units"), ". "],
                ["No free fluid or free air. "])
        w.oneOf(["Bowel ", .trap("wall"), " thickening of the terminal ileum, consistent with known ", .trap("Crohn disease"), ". "],
                ["Left adrenal nodule ", .trap(w.centimetres()), ", ", .trap("-5 HU"), ", consistent with adenoma. "],
                ["A ", .trap("Meckel diverticulum"), " is suspected in the right lower quadrant. "])
        w.oneOf(["Transverse process fractures of ", .trap("L1"), " and ", .trap("L2"), " on the left."],
                ["Osseous structures: no acute fracture."])
        w.line()
        w.line()
        w.line("IMPRESSION:")
        w.oneOf(["1. Active extravasation as above; interventional radiology consulted.\n2. Hemoperitoneum."],
                ["No acute traumatic injury of the abdomen or pelvis."])
        w.line()
    }

    static let mriLumbarSpine = ExamTemplate(name: "MRI lumbar spine without contrast", sex: nil, ages: 25...89) { w in
        w.history(indication: w.pick([
            ["low back pain radiating to the left leg; strength ", .trap("5/5"), " bilaterally"],
            ["weakness, ", .trap("4/5 strength"), " in left ankle dorsiflexion"],
            ["back pain, received lorazepam ", .trap("1 mg"), " before the scan for claustrophobia"],
        ]))
        w.comparison(study: "MRI lumbar spine")
        w.technique("Sagittal and axial T1 and T2 images. No contrast.")
        w.line("FINDINGS:")
        w.add("Alignment is normal. The conus terminates at ", .trap("L1-L2"), ". ")
        w.oneOf([.trap("Schmorl's nodes"), " at ", .trap("T12"), " and ", .trap("L1"), ". "],
                [.trap("Modic type 1"), " endplate changes at ", .trap("L4-L5"), ". "])
        w.oneOf([.trap("L4-L5"), ": broad-based disc bulge with moderate left foraminal stenosis. "],
                [.trap("L5-S1"), ": left paracentral extrusion contacting the traversing left ", .trap("S1"), " nerve root. "])
        w.oneOf(["Marrow signal is normal; no suspicious ", .trap("bone"), " lesion."],
                ["Hemangioma in the ", .trap("L3"), " vertebral body."])
        w.line()
        w.line()
        w.line("IMPRESSION:")
        w.line("Degenerative disc disease, most pronounced at ", .trap(w.pick(["L4-L5", "L5-S1"])), ".")
    }

    static let pediatricRenalUltrasound = ExamTemplate(name: "US renal pediatric", sex: nil, ages: 1...8) { w in
        w.history(indication: w.pick([
            ["palpable abdominal ", .trap("mass"), ", evaluate for ", .trap("Wilms tumor")],
            [.trap("Beckwith-Wiedemann"), " syndrome, surveillance"],
            ["urinary tract infection"],
        ]))
        w.comparison(study: "Renal ultrasound")
        w.technique("Grayscale and color ", .trap("Doppler"), " images of both kidneys.")
        w.line("FINDINGS:")
        w.add("Right kidney ", .trap("\(w.int(6...9)).\(w.int(0...9)) cm"), ", left kidney ",
              .trap("\(w.int(6...9)).\(w.int(0...9)) cm"), ". ")
        let finding = w.oneOf(["Heterogeneous solid ", .trap("mass"), " arising from the left kidney, ", .trap(w.dimensions()),
                               ", concerning for ", .trap("Wilms tumor"), ". "],
                              ["No hydronephrosis or renal ", .trap("mass"), ". "])
        w.line("The bladder is unremarkable.")
        w.line()
        w.line("IMPRESSION:")
        w.write(finding == 0 ? ["Left renal ", .trap("mass"), "; CT or MRI for staging recommended."]
                             : ["Normal renal ultrasound."])
        w.line()
    }
}
