import ArgumentParser
import Control
import Foundation

struct PseudonymCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudonym",
        abstract: "Print the pseudonym raddd gives one accession number or patient id (admin role).",
        discussion: """
            Exports join to images by these pseudonyms (HMAC-SHA256 with the appliance's
            pseudonym key). An imaging de-identification step that holds the same key
            derives the same values; this command lets its operators check a join by
            hand. The identifier is sent to raddd over the local socket and is never
            logged or audited (the audit record names only its kind). Give VALUE as '-'
            (or leave it out) to read it from standard input, so that it stays out of
            shell history and the process list.

            Examples:
              raddctl pseudonym --kind accession ACC12345
              echo 'MRN0042' | raddctl pseudonym --kind patient -
            """)

    @OptionGroup var options: SocketOptions
    @Option(help: "accession or patient.") var kind: String
    @Argument(help: "The identifier, or - to read it from standard input.") var value: String?

    func validate() throws {
        guard ["accession", "patient"].contains(kind) else { throw ValidationError("--kind must be accession or patient") }
    }

    func run() throws {
        try guarded {
            var identifier = value ?? "-"
            if identifier == "-" {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw Failure("no identifier on standard input", code: 64)
                }
                identifier = line
            }
            let result = try options.call(Endpoints.Pseudonym.self, .init(kind: kind, value: identifier))
            if options.json { return try options.printJSON(result) }
            print(result.pseudonym)
            if let count = result.storedReports {
                FileHandle.standardError.write(Data("raddctl: \(count) current report\(count == 1 ? "" : "s") stored under this \(kind) pseudonym\n".utf8))
            }
        }
    }
}
