import ArgumentParser
import Foundation
import IntakeCore
import IntakeModel
import IntakeServer
import IntakeStorage

/// `intake replay`: re-run processing of journal entries (after a fix, or to finish what a crash left).
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run processing of journal entries. Idempotent: processed entries change nothing."
    )

    @OptionGroup var storage: StorageOptions
    @Flag(help: "Walk every entry, not only those whose processing failed or never ran.") var all = false
    @Option(help: "Start at this journal entry id.") var from: Int64 = 1

    func run() async throws {
        try await failing {
            let config = try storage.load()
            let logger = Logs.bootstrap(level: config.log.level)
            let server = try openGateway(config, logger: logger)
            defer { server.database.close() }
            try await server.loadDedupIndex()
            let summary = try await server.gateway.replay(all: all, from: from)
            print("replayed \(summary.examined) entries: \(summary.recovered) recovered, \(summary.failed) failed")
            if summary.failed > 0 { throw CommandFailure("\(summary.failed) entries still fail; see the log", exitCode: .software) }
        }
    }
}
