extension ExamTemplate {
    static let chestRadiograph = ExamTemplate(name: "XR chest PA and lateral", sex: nil, ages: 18...89) { w in
        w.history(indication: w.pick([
            ["shortness of breath and cough"],
            ["follow-up of ", .trap("Hodgkin lymphoma"), " after chemotherapy"],
            ["pulmonary artery catheter placement"],
            ["CHF exacerbation, on furosemide ", .trap("40 mg"), " IV"],
            ["fever; ", .trap("Graves disease"), " on methimazole"],
        ]))
        w.comparison(study: "Chest radiograph")
        w.technique(.plain(w.pick(["PA and lateral views of the chest.", "Single portable AP view of the chest."])))
        w.line("FINDINGS:")
        w.oneOf(["Lines and tubes: the ", .trap("Swan-Ganz"), " catheter tip projects over the right interlobar pulmonary artery. "],
                ["Left chest ", .trap("wall"), " pacemaker, serial number ", .other(Surrogates.deviceSerial(&w.rng)),
                 ", with leads in the right atrium and ventricle. "],
                ["No lines or tubes. "])
        w.oneOf([.trap("Kerley B lines"), " at both lung bases and cephalization, consistent with interstitial edema. "],
                ["The lungs are clear. No focal consolidation or suspicious pulmonary ", .trap("mass"), ". "],
                [.trap("Small"), " left pleural effusion with adjacent atelectasis. "],
                [.trap("Large"), " hiatal hernia. The ", .trap("lung fields"), " are otherwise clear. "])
        w.oneOf(["Heart size is normal. "], ["The cardiomediastinal silhouette is enlarged. "])
        w.oneOf(["Compression deformity of ", .trap("T12"), " is unchanged."],
                ["No acute ", .trap("bone"), " abnormality."],
                ["Degenerative change of the thoracic spine; old healed fracture of the left 6th rib."])
        w.line()
        w.line()
        w.line("IMPRESSION:")
        w.oneOf(["1. Interstitial edema.\n2. Support devices as above."],
                ["No acute cardiopulmonary process."],
                ["1. ", .trap("Small"), " left effusion.\n2. No pneumothorax."])
        w.line()
    }

    static let ctHead = ExamTemplate(name: "CT head without contrast", sex: nil, ages: 30...89) { w in
        w.history(indication: w.pick([
            [.trap("Parkinson disease"), " with fall, on apixaban ", .trap("2.5 mg"), " twice daily"],
            [.trap("Lewy body"), " dementia with new confusion"],
            ["worst headache of life, ", .trap("Hunt and Hess"), " grade ", .trap("3")],
            ["syncope, GCS ", .trap("14"), " in the field"],
            [.trap("Huntington disease"), ", increasing falls"],
        ]))
        w.comparison(study: "CT head")
        w.technique("Axial images of the ", .trap("head"), " without contrast. CTDIvol ", .trap("52.3 mGy"),
                    ", DLP ", .trap("854 mGy-cm"), ".")
        w.line("FINDINGS:")
        w.oneOf(["Diffuse subarachnoid hemorrhage in the basal cisterns, modified ", .trap("Fisher grade 3"), ". "],
                ["No acute intracranial hemorrhage, ", .trap("mass"), " effect, or midline shift. "],
                ["Acute right subdural hematoma measuring ", .trap(w.millimetres()), " in thickness. "])
        w.oneOf(["Periventricular ", .trap("white matter"), " hypoattenuation, likely chronic ", .trap("small"),
                 " vessel ischemic disease. "],
                ["Prominent ", .trap("Virchow-Robin spaces"), " in the basal ganglia. "],
                ["Cerebellar tonsils extend ", .trap("3 mm"), " below the foramen magnum, short of ",
                 .trap("Chiari I"), " malformation. "])
        w.oneOf(["Gray-white differentiation is preserved; ", .trap("ASPECTS 10"), ". "],
                ["Generalized volume loss, advanced for age. "])
        w.oneOf(["Scalp hematoma over the right frontal ", .trap("bone"), " without underlying fracture."],
                ["The calvarium and skull base are intact."])
        w.line()
        w.line()
        w.line("IMPRESSION:")
        w.oneOf(["No acute intracranial abnormality."],
                ["Subarachnoid hemorrhage as above; CTA recommended."],
                ["Chronic ", .trap("white matter"), " disease. No acute findings."])
        w.line()
    }

    static let ctChest = ExamTemplate(name: "CT chest with contrast", sex: nil, ages: 40...89) { w in
        w.history(indication: w.pick([
            ["staging of ", .trap("Hodgkin"), " lymphoma"],
            ["incidental nodule on prior radiograph, former smoker ", .trap("30 pack-years")],
            ["weight loss, rule out ", .trap("Pancoast"), " tumor"],
        ]))
        w.comparison(study: "CT chest")
        w.technique(.trap("75 mL"), " Isovue 370 IV. Axial ", .trap("1.25 mm"), " images with coronal reformats.")
        w.line("FINDINGS:")
        w.oneOf(["Solid nodule in the right upper lobe measuring ", .trap(w.millimetres()), " (series ",
                 .trap("3"), ", image ", .trap("\(w.int(20...140))"), "). "],
                ["Bulky mediastinal lymphadenopathy, the largest node ", .trap(w.dimensions()), ". "])
        w.oneOf(["No pleural effusion. Airways are patent. "],
                [.trap("Small"), " pericardial effusion. "])
        w.add("Thoracic spine: ")
        w.oneOf(["mild anterior wedging of ", .trap("T7"), " and ", .trap("T8"), "."],
                ["no suspicious osseous lesion."])
        w.line()
        w.line()
        w.line("IMPRESSION:")
        w.oneOf(["Nodule as above; follow-up CT in ", .trap("6-12 months"), " per ", .trap("Fleischner"), " guidelines."],
                ["Lymphadenopathy consistent with known lymphoma."])
        w.line()
    }
}
