extension ExamTemplate {
    static let mriKnee = ExamTemplate(name: "MRI knee without contrast", sex: nil, ages: 14...89) { w in
        w.history(indication: w.pick([
            ["twisting injury playing basketball, instability"],
            ["knee pain and locking"],
            ["posterior knee swelling; ", .trap("Young"), " athlete per referral"],
        ]))
        w.comparison(study: "Knee radiographs")
        w.technique("Multiplanar proton density and T2 fat-saturated images of the left knee at ", .trap("3 T"), ".")
        w.line("FINDINGS:")
        w.oneOf(["Complete tear of the anterior cruciate ligament with a ", .trap("Segond fracture"), ". "],
                ["Cruciate ligaments are intact. The ligament of ", .trap("Wrisberg"), " is seen. "])
        w.oneOf([.trap("Baker's cyst"), " measuring ", .trap(w.dimensions()), ". "],
                ["Edema in ", .trap("Hoffa's fat pad"), ". "],
                ["Horizontal tear of the posterior horn of the medial meniscus. "])
        w.oneOf([.trap("Bone"), " marrow edema in the lateral femoral condyle and posterolateral tibial plateau. "],
                ["No ", .trap("bone"), " marrow edema. "])
        w.oneOf([.trap("Small"), " joint effusion."], [.trap("Large"), " joint effusion with synovitis."])
        w.line()
        w.line()
        w.line("IMPRESSION:")
        w.oneOf(["ACL tear with ", .trap("Segond fracture"), "."], ["Medial meniscal tear."], [.trap("Baker's cyst"), "."])
        w.line()
    }

    static let ankleRadiograph = ExamTemplate(name: "XR ankle 3 views", sex: nil, ages: 8...89) { w in
        w.history(indication: w.pick([
            ["inversion injury, ", .trap("Ottawa"), " ankle rules positive"],
            ["fall down stairs, lateral ankle pain"],
            ["ankle swelling; ", .trap("Charcot"), " foot suspected"],
        ]))
        w.comparison(study: "Ankle radiographs")
        w.technique("AP, mortise and lateral views of the right ankle.")
        w.line("FINDINGS:")
        w.oneOf(["Oblique fracture of the distal fibula at the level of the syndesmosis (", .trap("Weber B"), "). "],
                ["Fracture through the distal tibial physis extending into the metaphysis (", .trap("Salter-Harris II"), "). "],
                ["No acute fracture or dislocation. "])
        w.oneOf(["The mortise is congruent. "], ["Medial clear space widened to ", .trap(w.millimetres()), ". "])
        w.oneOf(["Soft tissue swelling over the lateral malleolus."], ["No ", .trap("Lisfranc"), " malalignment on the included foot."])
        w.line()
        w.line()
        w.line("IMPRESSION:")
        w.oneOf([.trap("Weber B"), " distal fibular fracture."], ["No acute osseous abnormality."])
        w.line()
    }
}
