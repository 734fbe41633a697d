import Control
import Foundation
import Labeling
import RaddCore
import Store

// Gold labels: worksheets for radiologists drawn from stored reports, their answers stored as
// gold, and stored labels scored against that gold with the same code as offline `raddctl eval`.
extension ControlRequestHandler {
    static let maxGoldSample = 10_000

    /// The task a request names, or the first one raddd labels; anything else is refused and audited.
    func requestedTask(_ params: ControlRequest.Params, from caller: ControlCaller, method: ControlMethod) throws -> LabelTask {
        let known = context.labeling.tasks.map(\.name).joined(separator: ", ")
        guard let name = params.task ?? context.labeling.tasks.first?.name else {
            throw try refusal(ControlError(.badRequest, "no label task is configured (setting 'tasks')"), from: caller, method: method)
        }
        guard let task = context.labeling.task(named: name) else {
            throw try refusal(ControlError(.badRequest, "task '\(name.prefix(64))' is not labelled by this daemon (configured: \(known.isEmpty ? "none" : known))"),
                              from: caller, method: method)
        }
        return task
    }

    /// A labeler the request may name: `final`, or one whose answers raddd stores now or stored before.
    func checkedLabeler(_ name: String, task: LabelTask, from caller: ControlCaller, method: ControlMethod,
                        allowGold: Bool = false) throws -> String {
        let configured = ["final", "rules"] + context.labeling.llmLabelers + (allowGold ? [ReportStore.goldLabeler] : [])
        let stored = try configured.contains(name) || store.hasLabelSets(task: task.name, labeler: name)
        guard stored else {
            throw try refusal(ControlError(.badRequest, "no answers from labeler '\(name.prefix(64))' for task \(task.name); labelers: \(configured.joined(separator: ", "))"),
                              from: caller, method: method)
        }
        return name
    }

    /// Each report's answer by `labeler` (`final`: the label policy's), from its label sets.
    func chosenAnswers(_ setsByReport: [Int64: [StoredLabelSet]], task: LabelTask, labeler: String) -> [Int64: TaskAnswer] {
        let policy = context.live.labelPolicy
        var chosen: [Int64: TaskAnswer] = [:]
        for (reportID, sets) in setsByReport {
            let answers = Self.answers(sets, task: task)
            if labeler == "final" {
                chosen[reportID] = finalAnswer(task, answers.filter { $0.key != ReportStore.goldLabeler }, under: policy)?.answer
            } else {
                chosen[reportID] = answers[labeler]
            }
        }
        return chosen
    }

    // MARK: - gold.sample

    /// Draws up to `count` current labelled reports without gold, in strata of `stratifyBy`'s
    /// answers (the rarest finding it calls positive; Yes/No/Undefined for a binary task),
    /// equally from each stratum as far as it has reports. The worksheet lists them by report id
    /// and never shows the strata, so the radiologist is not led by the labeler.
    func goldSample(_ params: ControlRequest.Params, from caller: ControlCaller, actor: AuditActor) throws -> GoldSampleResult {
        let method = ControlMethod.goldSample
        let task = try requestedTask(params, from: caller, method: method)
        let count = params.count ?? 500
        guard (1...Self.maxGoldSample).contains(count) else {
            throw try refusal(ControlError(.badRequest, "the sample size must be between 1 and \(Self.maxGoldSample)"), from: caller, method: method)
        }
        let stratifyBy = try params.stratifyBy.map { try checkedLabeler($0, task: task, from: caller, method: method) }
        let seed = params.seed ?? 0
        var object = "gold sample task=\(task.name) n=\(count) seed=\(seed)"
        if let stratifyBy { object += " stratify=\(stratifyBy.prefix(64))" }
        return try store.audited(event: .export, action: .read, actor: actor, object: object) {
            let gold = try store.latestGold(task: task.name)
            let candidates = try store.labelledReports(task: task.name).filter { gold[$0.id] == nil }
            var strata: [String: [Int64]] = [:]
            if let stratifyBy {
                let all = try store.labelSetsByReport(task: task.name)
                let sets = Dictionary(uniqueKeysWithValues: candidates.compactMap { candidate in all[candidate.id].map { (candidate.id, $0) } })
                let answers = chosenAnswers(sets, task: task, labeler: stratifyBy)
                let names = Self.strata(answers, task: task)
                for candidate in candidates { strata[names[candidate.id] ?? "not answered", default: []].append(candidate.id) }
            } else {
                strata["all"] = candidates.map(\.id)
            }
            let drawn = Self.draw(count, from: strata, seed: seed)
            let accession = Dictionary(candidates.map { ($0.id, $0.accessionPseudonym) }, uniquingKeysWith: { first, _ in first })
            var rows: [GoldSampleResult.Row] = []
            for (stratum, ids) in drawn {
                for id in ids {
                    rows.append(.init(reportID: id, accessionPseudonym: accession[id] ?? nil, stratum: stratum,
                                      text: try store.textForLabeling(reportID: id) ?? ""))
                }
            }
            rows.sort { $0.reportID < $1.reportID }
            return GoldSampleResult(task: task.name, columns: task.findings.map(\.name) + (task.followUp.map { [$0.name] } ?? []),
                                    strata: strata.mapValues(\.count), drawn: drawn.mapValues(\.count), rows: rows)
        }
    }

    /// Each report's stratum under a labeler's answers.
    static func strata(_ answers: [Int64: TaskAnswer], task: LabelTask) -> [Int64: String] {
        if task.kind == .binary {
            return answers.mapValues { answer in
                switch answer.values.first {
                case .positive?: return "Yes"
                case .negative?: return "No"
                default: return "Undefined"
                }
            }
        }
        var positives = [Int](repeating: 0, count: task.findings.count)
        for answer in answers.values {
            for (index, value) in answer.values.enumerated() where value == .positive { positives[index] += 1 }
        }
        return answers.mapValues { answer in
            let rarest = answer.values.indices.filter { answer.values[$0] == .positive }.min { positives[$0] < positives[$1] }
            if let rarest { return task.findings[rarest].name }
            return answer.values.contains(.uncertain) ? "uncertain only" : "no positive finding"
        }
    }

    /// Equal allocation: each stratum gets an equal share, a stratum smaller than its share
    /// gives all it has, and what it could not give goes to the others. Reports within a stratum
    /// are drawn by a seeded shuffle, so the same seed draws the same sample from the same data.
    static func draw(_ count: Int, from strata: [String: [Int64]], seed: UInt64) -> [String: [Int64]] {
        var quota: [String: Int] = [:]
        var open = strata.keys.filter { !(strata[$0] ?? []).isEmpty }.sorted()
        var left = min(count, strata.values.reduce(0) { $0 + $1.count })
        while left > 0 && !open.isEmpty {
            let share = max(1, left / open.count)
            for name in open where left > 0 {
                let take = min(share, strata[name]!.count - quota[name, default: 0], left)
                quota[name, default: 0] += take
                left -= take
            }
            open = open.filter { quota[$0, default: 0] < strata[$0]!.count }
        }
        var generator = SplitMix64(seed: seed)
        var drawn: [String: [Int64]] = [:]
        for name in strata.keys.sorted() {
            var ids = strata[name]!.sorted()
            ids.shuffle(using: &generator)
            drawn[name] = Array(ids.prefix(quota[name, default: 0]))
        }
        return drawn
    }

    // MARK: - gold.import

    /// Checks every row of the batch before storing any: each names a current report (by
    /// accession pseudonym or report id), answers every finding with a label, and answers the
    /// follow-up only after a Yes. Rows left blank are not gold yet and are counted, not stored.
    /// raddctl checks a whole worksheet batch by batch (`dryRun`) before it stores any batch.
    func goldImport(_ params: ControlRequest.Params, from caller: ControlCaller, actor: AuditActor) throws -> GoldImportResult {
        let method = ControlMethod.goldImport
        let task = try requestedTask(params, from: caller, method: method)
        let rows = params.rows ?? []
        guard !rows.isEmpty else {
            throw try refusal(ControlError(.badRequest, "gold.import needs params.rows, the worksheet's filled rows"), from: caller, method: method)
        }
        let reject = { (line: Int, problem: String) throws -> ControlError in
            try self.refusal(ControlError(.badRequest, "line \(line): \(problem); nothing was imported"), from: caller, method: method)
        }
        let byAccession = try store.currentReportIDs(accessionPseudonyms: rows.compactMap { $0.accessionPseudonym }.filter { !$0.isEmpty })
        let current = try store.currentReportIDs(among: rows.compactMap(\.reportID))
        var answers: [GoldAnswer] = []
        var answeredOn: [Int64: Int] = [:]
        var skipped = 0
        for row in rows {
            let cells = Dictionary(row.values.map { (LabelTable.normalizedFindingName($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
            var values: [(finding: String, value: LabelValue)] = []
            for finding in task.findings {
                guard let cell = cells[LabelTable.normalizedFindingName(finding.name)] else {
                    throw try reject(row.line, "no column for the finding '\(finding.name)'")
                }
                guard let value = LabelTable.labelValue(cell) else {
                    throw try reject(row.line, "'\(cell.prefix(20))' in column '\(finding.name)' is not a label (1, 0, -1, blank, Yes, No or Undefined)")
                }
                values.append((finding.name, value))
            }
            let followUpCell = task.followUp.flatMap { cells[LabelTable.normalizedFindingName($0.name)] }?.trimmingCharacters(in: .whitespaces) ?? ""
            if values.allSatisfy({ $0.value == .undefined }) && followUpCell.isEmpty {
                skipped += 1
                continue
            }
            let reportID = try goldReport(row, byAccession: byAccession, current: current, reject: reject)
            if let earlier = answeredOn[reportID] { throw try reject(row.line, "report \(reportID) was already answered on line \(earlier)") }
            answeredOn[reportID] = row.line
            var followUp: [String]?
            if let question = task.followUp, task.kind == .binary, values.first?.value == .positive {
                let options = question.options.map(\.name)
                let named = followUpCell.lowercased() == "undefined" ? [] : followUpCell.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                for name in named where !options.contains(name) {
                    throw try reject(row.line, "'\(name.prefix(40))' in column '\(question.name)' is not one of: \(options.joined(separator: ", "))")
                }
                followUp = named
            } else if !followUpCell.isEmpty && followUpCell.lowercased() != "undefined" {
                throw try reject(row.line, "a follow-up ('\(task.followUp?.name ?? "")') is only answered after a Yes")
            }
            answers.append(GoldAnswer(reportID: reportID, values: values, followUp: followUp))
        }
        if params.dryRun == true {
            return try store.audited(event: .query, action: .read, actor: actor,
                                     object: "gold import check task=\(task.name) rows=\(rows.count) answers=\(answers.count) skipped=\(skipped)") {
                GoldImportResult(imported: 0, unchanged: 0, skipped: skipped, checked: rows.count)
            }
        }
        let now = Timestamp.string(Date())
        let provenance = LabelProvenance(labeler: ReportStore.goldLabeler, version: "worksheet", task: task.name,
                                         taskVersion: task.version, labelledAt: now, reviewer: caller.peer.username)
        let object = "gold import task=\(task.name) rows=\(rows.count) answers=\(answers.count) skipped=\(skipped)"
        return try store.audited(event: .label, action: .create, actor: actor, object: object) {
            let outcome = try store.storeGold(answers, task: task.name, version: "worksheet \(now) \(caller.peer.username)",
                                              provenance: provenance, actor: actor)
            return GoldImportResult(imported: outcome.stored, unchanged: outcome.unchanged, skipped: skipped, checked: rows.count)
        }
    }

    private func goldReport(_ row: GoldRow, byAccession: [String: Int64], current: Set<Int64>,
                            reject: (Int, String) throws -> ControlError) throws -> Int64 {
        let pseudonym = row.accessionPseudonym.flatMap { $0.isEmpty ? nil : $0 }
        if let pseudonym {
            guard let id = byAccession[pseudonym] else {
                throw try reject(row.line, "no current report has the accession pseudonym '\(pseudonym.prefix(24))'")
            }
            if let named = row.reportID, named != id {
                throw try reject(row.line, "report_id \(named) and the accession pseudonym name different reports (\(id))")
            }
            return id
        }
        guard let id = row.reportID else { throw try reject(row.line, "neither an accession pseudonym nor a report_id") }
        guard current.contains(id) else { throw try reject(row.line, "no current report has the id \(id)") }
        return id
    }

    // MARK: - eval

    /// Scores a labeler's stored answers against the stored gold: both are written as the label
    /// files offline `raddctl eval` reads (rows by report id) and scored by the same code.
    func evaluate(_ params: ControlRequest.Params, from caller: ControlCaller, actor: AuditActor) throws -> EvaluationResult {
        let method = ControlMethod.evaluate
        let task = try requestedTask(params, from: caller, method: method)
        let labeler = try checkedLabeler(params.labeler ?? "final", task: task, from: caller, method: method)
        var uncertain: UncertainPolicy?
        if let name = params.uncertain {
            guard let policy = UncertainPolicy(rawValue: name) else {
                throw try refusal(ControlError(.badRequest, "uncertain must be positive, negative or exclude"), from: caller, method: method)
            }
            uncertain = policy
        }
        let object = "eval task=\(task.name) labeler=\(labeler.prefix(64)) against=gold"
        return try store.audited(event: .query, action: .read, actor: actor, object: object) {
            let gold = try store.latestGold(task: task.name)
            guard !gold.isEmpty else {
                throw ControlError(.notFound, "no gold answers are stored for task \(task.name) (raddctl gold sample, then gold import)")
            }
            let ids = gold.keys.sorted()
            let predicted = chosenAnswers(try store.labelSets(task: task.name, reportIDs: ids), task: task, labeler: labeler)
            let columns = EvaluationReport.readColumns(of: task)
            var goldFile = CSVRow.line(["report_id"] + task.findings.map(\.name) + columns.answers) + "\n"
            for id in ids {
                let set = gold[id]!
                let answer = TaskAnswer(values: task.findings.map { finding in set.values.first { $0.finding == finding.name }?.value ?? .undefined },
                                        followUp: set.followUp, provenance: set.provenance)
                goldFile += CSVRow.line([String(id)] + Array(task.cells(for: answer).dropFirst(task.noFinding == nil ? 0 : 1))) + "\n"
            }
            var predictionFile = CSVRow.line(["report_id"] + task.columns) + "\n"
            for id in ids { if let answer = predicted[id] { predictionFile += CSVRow.line([String(id)] + task.cells(for: answer)) + "\n" } }
            do {
                let goldName = "stored in raddd (the latest per report)", predictionName = "stored labels of \(labeler)"
                let report = try EvaluationReport.scoring(
                    task: task.name, definition: task,
                    gold: try LabelTable.parse(goldFile, file: goldName, answerColumns: columns.answers, onlyFindings: columns.findings),
                    predicted: try LabelTable.parse(predictionFile, file: predictionName, answerColumns: columns.answers, onlyFindings: columns.findings),
                    goldName: goldName, predictionName: predictionName, uncertain: uncertain, onlyCommon: true)
                return EvaluationResult(text: report.text, json: String(decoding: try report.json(), as: UTF8.self), reports: report.reports)
            } catch let error as LabelFileError {
                throw ControlError(.unavailable, "the stored labels could not be scored: \(error.problem)")
            }
        }
    }
}
