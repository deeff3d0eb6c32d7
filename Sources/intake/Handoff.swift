import ArgumentParser
import Foundation
import IntakeServer
import IntakeStorage

/// `intake handoff`: the events waiting for, or refused by, the routing core.
struct Handoff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect and re-drive the handoff to the routing core.",
        subcommands: [HandoffRetry.self]
    )
}

/// `intake handoff retry [--event ID | --all-dead]`: queue events again; a running `intake serve` sends them
/// within its rescan interval (5 s), a stopped one when it starts.
struct HandoffRetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Send events again: one by id (dead or delivered), or every dead one."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "The event id, as GET /api/v1/handoff lists it.") var event: Int64?
    @Flag(name: .customLong("all-dead"), help: "Every dead event.") var allDead = false

    func run() async throws {
        try await failing {
            guard (event == nil) != !allDead else {
                throw CommandFailure("give exactly one of --event ID and --all-dead", exitCode: .usage)
            }
            let config = try storage.load()
            let logger = Logs.bootstrap(level: config.log.level)
            let server = try openGateway(config, logger: logger)
            defer { server.database.close() }
            let now = Date()
            if let event {
                guard try await server.database.write({ try $0.requeueHandoffEvent(event, at: now) }) else {
                    throw CommandFailure("no handoff event \(event)", exitCode: .dataError)
                }
                print("event \(event) queued again")
            } else {
                let count = try await server.database.write { try $0.requeueDeadHandoffEvents(at: now) }
                print("\(count) dead event\(count == 1 ? "" : "s") queued again")
            }
        }
    }
}
