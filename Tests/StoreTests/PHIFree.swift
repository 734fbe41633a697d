import RaddCore

extension Report {
    /// Test reports are written without PHI, so they reach the store as they are, under the method
    /// "none", which is what a stored row then says.
    var phiFree: DeidentifiedReport { DeidentifiedReport(report: self, spans: [], method: "none") }
}
