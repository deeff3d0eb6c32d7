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

/// `intake ingest`: take one message pushed by a local program (an MTA pipe, a script) from stdin or a file.
///
/// Exit codes follow sysexits(3) so an MTA knows what to do: 0 stored, 65 the message is malformed
/// (bounce), 66 the --file cannot be read, 67 no such channel, 75 storage is unavailable (defer and retry),
/// 78 bad configuration.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Journal one pushed message and print its tracking number.")

    @OptionGroup var storage: StorageOptions
    @Option(help: "The channel the message belongs to.") var channel: String
    @Option(help: "Read the message from this file instead of stdin.") var file: String?

    func run() async throws {
        try await failing {
            let config = try storage.load()
            guard let channelConfig = config.channels.first(where: { $0.id == channel }) else {
                throw CommandFailure("no channel '\(channel)' is configured", exitCode: .noUser)
            }
            guard let adapter = GatewayServer.families.first(where: { $0.type == channelConfig.type })?.makePush?(channelConfig) else {
                throw CommandFailure("channel '\(channel)' (\(channelConfig.type)) does not take pushed messages", exitCode: .usage)
            }
            let raw: [UInt8]
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)", exitCode: .noInput) }
                raw = Array(data)
            } else {
                raw = Array(FileHandle.standardInput.readDataToEndOfFile())
            }
            guard raw.count <= channelConfig.maxBodyBytes else {
                throw CommandFailure("message is larger than the channel's limit of \(channelConfig.maxBodyBytes) bytes", exitCode: .dataError)
            }
            let messages: [InboundMessage]
            do {
                messages = try adapter.receive(raw: raw)
            } catch {
                throw CommandFailure("message refused: \(error)", exitCode: .dataError)
            }
            let logger = Logs.bootstrap(level: config.log.level)
            let server = try openGateway(config, logger: logger)
            defer { server.database.close() }
            do {
                try await server.loadDedupIndex()
                for receipt in try await server.gateway.submit(messages, raw: raw) {
                    print("\(receipt.trackingNumber)\(receipt.duplicate ? " duplicate" : "")")
                }
            } catch {
                throw CommandFailure("message not stored: \(error)", exitCode: .temporaryFailure)
            }
        }
    }
}
