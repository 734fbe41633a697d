extension ExamTemplate {
    static let screeningMammogram = ExamTemplate(name: "Screening mammogram bilateral", sex: .female, ages: 40...89) { w in
        w.history(indication: w.pick([
            ["screening; mother with breast cancer at ", .trap("age 45")],
            ["annual screening, no complaints"],
            ["screening; history of ", .trap("Hodgkin lymphoma"), " with mantle radiation"],
        ]))
        w.comparison(study: "Mammograms")
        w.technique("Bilateral CC and MLO views with tomosynthesis.")
        w.line("FINDINGS:")
        w.add("The breasts are heterogeneously dense (", .trap("ACR category C"), "). ")
        let finding = w.oneOf(["Grouped amorphous calcifications in the right breast at the ", .trap("10 o'clock"), " position, ",
                 .trap("4 cm"), " from the nipple. "],
                ["A ", .trap(w.centimetres()), " circumscribed oval ", .trap("mass"), " in the left breast at the ",
                 .trap("2:00 position"), ". "],
                ["No suspicious ", .trap("mass"), ", calcifications or architectural distortion. "])
        w.line()
        w.line()
        w.line("IMPRESSION:")
        switch finding {
        case 0: w.write([.trap("BI-RADS 4"), ": Suspicious. Stereotactic biopsy recommended."])
        case 1: w.write([.trap("BI-RADS 0"), ": Incomplete. Diagnostic workup recommended."])
        default: w.write([.trap("BI-RADS 1"), ": Negative. Routine screening in one year."])
        }
        w.line()
    }

    static let obstetricUltrasound = ExamTemplate(name: "US obstetric second trimester", sex: .female, ages: 18...44) { w in
        let daysPregnant = w.int(126...196)
        let lastPeriod = w.examDate.adding(days: -daysPregnant)
        w.history(indication: w.pick([
            [.trap("G2P1"), ", anatomy survey"],
            ["size greater than dates, ", .trap("G1P0")],
            ["vaginal bleeding; ", .trap("G3P2"), ", on progesterone ", .trap("200 mg")],
        ]))
        w.comparison(study: "Obstetric ultrasound")
        w.technique("Transabdominal grayscale and ", .trap("Doppler"), " imaging.")
        w.line("FINDINGS:")
        w.line("LMP: ", w.date(lastPeriod), "   EDD by LMP: ", w.date(lastPeriod.adding(days: 280)))
        let weeks = daysPregnant / 7
        w.line("Gestational age by LMP: ", .trap("\(weeks) \(daysPregnant % 7)/7 weeks"),
               "; by ultrasound: ", .trap("\(weeks) weeks \(w.int(0...6)) days"), ".")
        w.add("Single live intrauterine gestation, cephalic. FHR ", .trap("\(w.int(130...160)) bpm"), ". EFW ",
              .trap("\(w.int(250...900)) g"), " (", .trap("\(w.int(10...90))th percentile"), "). AFI ",
              .trap(w.centimetres()), ". ")
        w.oneOf(["Placenta posterior, no previa."], ["Anterior placenta; ", .trap("2-vessel"), " cord."])
        w.line()
        if w.chance(0.3) { w.line("Patient was accompanied by ", w.relative(), ".") }
        w.line()
        w.line("IMPRESSION:")
        w.line("Single live intrauterine pregnancy, ", .trap("\(weeks) weeks"), ", appropriate growth.")
    }

    static let rightUpperQuadrantUltrasound = ExamTemplate(name: "US abdomen right upper quadrant", sex: nil, ages: 20...89) { w in
        w.history(indication: w.pick([
            ["right upper quadrant pain after meals"],
            ["fever, leukocytosis; ", .trap("Murphy's sign"), " on exam"],
            ["elevated bilirubin; ", .trap("Gilbert syndrome"), "?"],
        ]))
        w.comparison(study: "Abdominal ultrasound")
        w.technique("Grayscale and color ", .trap("Doppler"), " images of the right upper quadrant.")
        w.line("FINDINGS:")
        w.oneOf(["Gallstones with gallbladder ", .trap("wall"), " thickening to ", .trap(w.millimetres()),
                 " and a positive sonographic ", .trap("Murphy's sign"), ". "],
                ["The gallbladder is normal; sonographic ", .trap("Murphy sign"), " is negative. "])
        w.add("Common bile duct ", .trap(w.millimetres()), ". ")
        w.oneOf(["Liver is echogenic, compatible with steatosis."],
                ["Hypoechoic lesion in ", .trap("Couinaud segment 6"), ", ", .trap(w.centimetres()), "."])
        w.line()
        w.line()
        w.line("IMPRESSION:")
        w.oneOf(["Acute calculous cholecystitis."], ["No acute abnormality."])
        w.line()
    }

    static let thyroidUltrasound = ExamTemplate(name: "US thyroid", sex: nil, ages: 20...89) { w in
        w.history(indication: w.pick([
            [.trap("Graves disease"), ", palpable nodule"],
            [.trap("Hashimoto thyroiditis"), ", follow-up"],
            ["neck fullness; levothyroxine ", .trap("75 mcg"), " daily"],
        ]))
        w.comparison(study: "Thyroid ultrasound")
        w.technique("Grayscale and color ", .trap("Doppler"), " images of the thyroid.")
        w.line("FINDINGS:")
        w.add("Right lobe ", .trap(w.dimensions()), "; left lobe ", .trap(w.dimensions()), ". ")
        w.oneOf(["Diffusely heterogeneous and hypervascular gland (thyroid inferno), in keeping with ", .trap("Graves disease"), ". "],
                ["Solid hypoechoic nodule in the left lobe, ", .trap(w.centimetres()), ", ", .trap("TI-RADS 4"), ". "])
        w.line()
        w.line()
        w.line("IMPRESSION:")
        w.oneOf(["Nodule as above; fine-needle aspiration recommended."], ["Findings of thyroiditis."])
        w.line()
    }
}
