import ArgumentParser
import Control
import Foundation

struct Quarantine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, retry or purge files that could not be ingested.",
        discussion: """
            Each quarantined file sits in the quarantine folder beside NAME.reason, which says
            what was wrong with it. Fix the export, then retry (the file goes back into its
            drop folder and is read again as a new file) or purge (the file is deleted).
            Quarantine commands need the admin role (root holds every role); each is audited.

            Examples:
              raddctl quarantine list
              raddctl quarantine retry c1k2m3n4p5q6r7s8t9
              sudo raddctl quarantine purge --all
            """,
        subcommands: [List.self, Retry.self, Purge.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List quarantined files and why each was refused.",
            discussion: "Examples:\n  raddctl quarantine list\n  raddctl quarantine list --state all --json")

        @OptionGroup var options: SocketOptions
        @Option(help: "held (default: still in the quarantine folder), retried, purged or all.") var state: String?
        @Option(help: "Most files to list (1-1000).") var limit = 100
        @Option(help: "List files whose claim id sorts after this one (for paging).") var after: String?

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        }

        func run() throws {
            try guarded {
                let result = try options.call(Endpoints.QuarantineList.self, .init(state: state, limit: limit, claim: after))
                if options.json { return try options.printJSON(result) }
                guard !result.files.isEmpty else { return print("no quarantined files") }
                let rows = result.files.map {
                    [$0.claim, $0.state, $0.folder, $0.quarantinedAt, Format.printable($0.fileName ?? $0.sourceName)]
                }
                print(Format.table(header: ["CLAIM", "STATE", "FOLDER", "QUARANTINED", "FILE"], rows: rows))
                for file in result.files { print("  \(file.claim): \(Format.printable(file.reason))") }
                if let next = result.next {
                    print("more: raddctl quarantine list --limit \(limit) --after \(next)")
                }
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put quarantined files back into their drop folder to be read again.",
            discussion: "Examples:\n  raddctl quarantine retry c1k2m3n4p5q6r7s8t9\n  sudo raddctl quarantine retry --all")

        @OptionGroup var options: SocketOptions
        @OptionGroup var target: QuarantineTarget

        func run() throws {
            try guarded { try target.act(.quarantineRetry, options: options) }
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete quarantined files and their reasons.",
            discussion: "Examples:\n  raddctl quarantine purge c1k2m3n4p5q6r7s8t9\n  sudo raddctl quarantine purge --all")

        @OptionGroup var options: SocketOptions
        @OptionGroup var target: QuarantineTarget

        func run() throws {
            try guarded { try target.act(.quarantinePurge, options: options) }
        }
    }
}

struct QuarantineTarget: ParsableArguments {
    @Argument(help: "The file's claim id, as listed by 'raddctl quarantine list'.") var claim: String?
    @Flag(help: "Every file still held in quarantine.") var all = false

    func validate() throws {
        guard (claim != nil) != all else { throw ValidationError("give one claim id, or --all") }
    }

    func act(_ method: ControlMethod, options: SocketOptions) throws {
        let result = method == .quarantinePurge
            ? try options.call(Endpoints.QuarantinePurge.self, .init(claim: claim, all: all ? true : nil))
            : try options.call(Endpoints.QuarantineRetry.self, .init(claim: claim, all: all ? true : nil))
        if options.json { return try options.printJSON(result) }
        for done in result.done {
            print("\(done.claim): \(done.state)" + (done.droppedAs.map { ", back in its drop folder as \(Format.printable($0))" } ?? ""))
        }
        for failed in result.failed {
            FileHandle.standardError.write(Data("raddctl: \(failed.claim): \(failed.message)\n".utf8))
        }
        if result.done.isEmpty && result.failed.isEmpty { print("no quarantined files") }
        if !result.failed.isEmpty { throw Failure("\(result.failed.count) file(s) could not be \(method == .quarantineRetry ? "retried" : "purged")", code: 1) }
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-read the configuration and the access policy (admin role); the same as systemctl reload raddd.",
        discussion: """
            raddd reads its configuration file (with the flags it was started with) and the
            access policy file again. The access policy and label_policy take effect at once;
            other changed settings are named, and need a restart. A file that does not parse
            is refused with its line and problem, and nothing changes. Either way the attempt
            is an audit record (config_change). Group memberships need no reload: they are read
            for every connection.

            Example:
              sudo raddctl reload
            """)

    @OptionGroup var options: SocketOptions

    func run() throws {
        try guarded {
            let result = try options.call(Endpoints.Reload.self, NoParams())
            if options.json { return try options.printJSON(result) }
            print("access policy reloaded from \(result.accessPolicy): \(result.roles)")
            if result.applied.contains("label_policy") { print("label_policy changed: final labels follow it from now on") }
            if !result.needRestart.isEmpty {
                print("changed, but read only at start (restart raddd to apply): " + result.needRestart.joined(separator: ", "))
            }
        }
    }
}
