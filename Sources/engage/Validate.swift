// `engage validate`: check a campaign set, every problem with its path.
import ArgumentParser
import Engage
import Foundation

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a campaign set: every problem with its path, or \"ok\" and any warnings.",
        discussion: """
            Exits 1 and lists every problem (with its JSON path) on stderr; exits 0 and \
            prints "ok: N campaigns, M segments" and the warnings (likely mistakes, such \
            as an event name used once) otherwise. docs/campaigns.md describes the format.

            Examples:
              engage validate examples/campaigns/telco-full.json
              engage validate - < examples/campaigns/telco-full.json
            """
    )

    @Argument(
        help: ArgumentHelp("The campaign set (JSON), or - for stdin.", valueName: "file"),
        completion: .file(extensions: ["json"]))
    var file: String

    func run() throws {
        do {
            let set = try CompiledCampaignSet(bytes: readBytes(file, what: "campaign set"))
            print("ok: \(set.campaigns.count) campaigns, \(set.segments.names.count) segments")
            // Warnings do not fail validation: they are likely mistakes, not certain ones.
            if !set.warnings.isEmpty {
                print("warnings:")
                for w in set.warnings { print("  \(w)") }
                if set.warningsTruncated { print("  (more warnings not listed)") }
            }
        } catch {
            for problem in error.problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
            if error.truncated { FileHandle.standardError.write(Data("(more problems not listed)\n".utf8)) }
            throw ExitCode(1)
        }
    }
}
