import Control
import Deid
import Foundation
import Labeling
import RaddCore
import Store
#if canImport(Glibc)
import Glibc
#endif

/// What raddd checks before it creates, opens or listens on anything, in order. Start-up and
/// `raddd --check-config` walk this same list, so a configuration that checks OK cannot then
/// fail to start on something the check skipped, and the reverse.
struct StartupChecks {
    /// What the checks found, for start-up to use instead of reading it again.
    struct Findings {
        var cipherVersion: String
        var key: DatabaseKey
        var deidPolicy: DeidPolicy
        var socketGroupID: UInt32?
        var access: AccessPolicy
        var tasks: [LabelTask]
        /// The jobs every stored report gets: each task with the rule labeler, then with each
        /// LLM labeler, as LabelingService does them; the store takes it when it opens.
        var labelPlan: LabelPlan
    }

    /// Runs every check and throws the first failure, as one line for the operator. `note` gets
    /// the line each check prints for `--check-config`.
    static func run(_ configuration: DaemonConfiguration, note: (String) -> Void = { _ in }) throws -> Findings {
        let cipherVersion: String
        do { cipherVersion = try Database.cipherVersion() } catch { throw StartupError(error) }
        note("cipher: SQLCipher \(cipherVersion)")

        let key: DatabaseKey
        do { key = try DatabaseKey.load(keyFile: configuration.keyFile) } catch { throw StartupError(error) }
        note("key: \(ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"].map { $0 + "/db-key" } ?? configuration.keyFile) (256-bit raw key)")

        let deidPolicy: DeidPolicy
        do { deidPolicy = try configuration.deidPolicyPath.map(DeidPolicy.init(contentsOf:)) ?? DeidPolicy() } catch {
            throw StartupError(error)
        }
        note("de-identification: \(RuleDeidentifier(policy: deidPolicy).method) (policy \(configuration.deidPolicyPath ?? "built-in"))")

        let socketGroupID = try Daemon.socketGroupID(configuration)
        if let group = configuration.socketGroup, let socketGroupID {
            note("socket: \(configuration.socketPath), mode 0660, group \(group) (gid \(socketGroupID))")
        } else {
            note("socket: \(configuration.socketPath), mode 0666 (every attempt reaches raddd and is audited)")
        }

        let access = try Daemon.accessPolicy(configuration)
        note("access (\(configuration.effectiveAccessPolicyPath ?? "built-in")): " + access.summary + "; root and uid \(getuid()) hold every role")
        for group in access.missingGroups { note("warning: group \(group) does not exist; nobody holds its role until it is created") }
        note("audit: source \(configuration.effectiveApplianceID), checkpoint every \(configuration.auditCheckpointSeconds) s to the log and \(configuration.auditCheckpointPath)")

        do { try configuration.checkFolders() } catch { throw StartupError(error) }
        note("state: \(configuration.stateDirectory)" + (try directoryState(configuration.stateDirectory)))
        for folder in configuration.folders {
            let archive = folder.archiveDirectory.map { ", originals archived to \($0)" } ?? ", originals deleted once stored"
            note("folder \(folder.name): \(folder.path)" + (try directoryState(folder.path)) + ", format \(folder.formatDescription), language \(folder.languageDescription)"
                 + (folder.encoding.map { ", text and CSV that are not UTF-8 read as \($0.displayName)" } ?? "") + archive)
        }
        let quarantine = configuration.effectiveQuarantineDirectory
        note("quarantine: \(quarantine)" + (try directoryState(quarantine)))

        var tasks: [LabelTask] = []
        for name in configuration.tasks {
            let task: LabelTask
            do { task = try LabelTask.load(name, directories: configuration.taskDirectories) } catch {
                throw StartupError("task \(name): \(error)")
            }
            tasks.append(task)
            note("task \(task.name): \(task.kind.rawValue), \(task.findings.count) finding\(task.findings.count == 1 ? "" : "s")"
                 + (task.version.map { ", version \($0)" } ?? "") + ", reads \(task.reportLanguage.rawValue)")
        }
        if tasks.isEmpty { note("labelling: off (no tasks)") }
        // Not a mistake (reports may be stored for later tasks), but worth saying before anyone
        // waits for labels that no task will give.
        let languagesRead = Set(tasks.map(\.reportLanguage))
        for folder in configuration.folders where !tasks.isEmpty {
            guard case .fixed(let language) = folder.effectiveLanguage, !languagesRead.contains(language) else { continue }
            note("note: folder \(folder.name) holds \(language.displayName) reports and no task reads \(language.displayName): they are stored and counted, not labelled")
        }
        do { try configuration.checkLLMLists() } catch { throw StartupError(error) }
        for (index, endpoint) in configuration.llmEndpoints.enumerated() {
            do { _ = try Endpoint(endpoint) } catch { throw StartupError(error) }
            let slots = configuration.llmConcurrency(endpoint: index)
            note("model server: \(endpoint), model \(configuration.llmModel(endpoint: index) ?? "(the first it lists)"), "
                 + "\(slots) request\(slots == 1 ? "" : "s") in flight, timeout \(Int(configuration.llmTimeoutSeconds)) s, "
                 + "labeler \(configuration.llmLabeler(endpoint: index))")
        }
        let labelers = [LabelerID.rules.rawValue] + configuration.llmLabelers
        if !tasks.isEmpty {
            note("labelers: \(labelers.joined(separator: ", ")); final label: \(configuration.labelPolicy.rawValue)"
                 + (configuration.llmEndpoints.isEmpty ? " (rule labeler only: no llm_endpoint)" : ""))
        }
        if configuration.llmEndpoints.isEmpty, let promptOnly = tasks.first(where: { !$0.hasRulePhrases }) {
            // Nothing would ever label it: every report would wait for a model that is not there.
            throw StartupError("task '\(promptOnly.name)' is prompt-only (no finding has rule phrases) and only a model can label it; set llm_endpoint, or remove it from tasks")
        }
        if configuration.llmEndpoints.isEmpty, let task = tasks.first(where: { $0.findings.contains { $0.mentions.isEmpty } }),
           let finding = task.findings.first(where: { $0.mentions.isEmpty }) {
            throw StartupError("task '\(task.name)' has a finding without rule phrases ('\(finding.name)') that only a model can label; set llm_endpoint, or remove it from tasks")
        }
        let labelPlan = LabelingService.plan(tasks: tasks, llmLabelers: configuration.llmLabelers)
        return Findings(cipherVersion: cipherVersion, key: key, deidPolicy: deidPolicy, socketGroupID: socketGroupID,
                        access: access, tasks: tasks, labelPlan: labelPlan)
    }

    /// "" for a writable directory, a note when it will be created; throws when it cannot be used.
    static func directoryState(_ path: String) throws -> String {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw StartupError("\(path) exists and is not a directory") }
            guard access(path, W_OK | X_OK) == 0 else { throw StartupError("\(path) is not writable by uid \(getuid())") }
            return ""
        }
        // raddd creates missing parents too, so the nearest existing ancestor must be writable.
        var ancestor = (path as NSString).deletingLastPathComponent
        while access(ancestor, F_OK) != 0 && ancestor != "/" { ancestor = (ancestor as NSString).deletingLastPathComponent }
        guard access(ancestor, W_OK | X_OK) == 0 else {
            throw StartupError("\(path) does not exist and cannot be created in \(ancestor)")
        }
        return " (will be created)"
    }
}
