/// One kind of exam: who has it and how its clinical body reads.
struct ExamTemplate: Sendable {
    var name: String
    var sex: Sex?
    /// Typical ages; templates for adults also draw some patients over 89, whose age is PHI.
    var ages: ClosedRange<Int>
    var body: @Sendable (ReportWriter) -> Void
    /// The body is the whole document (a nursing note): no report header, call or signature.
    var isNote = false

    static let all: [ExamTemplate] = [
        .chestRadiograph, .ctHead, .ctAbdomenPelvisTrauma, .mriKnee, .ankleRadiograph,
        .screeningMammogram, .obstetricUltrasound, .rightUpperQuadrantUltrasound,
        .thyroidUltrasound, .mriLumbarSpine, .pediatricRenalUltrasound, .ctChest, .nursingNote,
    ]
}
