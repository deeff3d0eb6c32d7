import AdapterRegistry
import ArgumentParser
import Foundation
import IntakeModel
import IntakeStorage
import IntakeConfig
import IntakeServer
import Logging

/// `intake complaints list|show`: read stored complaints without the HTTP API.
struct Complaints: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List or show stored complaints.",
        subcommands: [List.self, Show.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List complaints, oldest first, as JSON lines.")

        @OptionGroup var storage: StorageOptions
        @Option(help: "Only this channel id.") var channel: String?
        @Option(help: "Only this campaign.") var campaign: String?
        @Option(help: "Only complaints received at or after this ISO-8601 time.") var since: String?
        @Option(help: "At most this many.") var limit = 100
        @Flag(help: "Print only how many complaints match (all of them, whatever --limit says).") var count = false

        func run() async throws {
            try await failing {
                var filter = ComplaintFilter(channelID: channel, campaign: campaign)
                if let since {
                    guard let date = Timestamp.parse(since) else { throw CommandFailure("--since must be an ISO-8601 time", exitCode: .usage) }
                    filter.since = date
                }
                let database = try open(storage)
                defer { database.close() }
                if count {
                    let chosen = filter
                    print(try await database.read { try $0.complaintCount(chosen) })
                    return
                }
                var after: Int64?
                var printed = 0
                repeat {
                    let (chosen, start, size) = (filter, after, min(500, limit - printed))
                    let page = try await database.read { try $0.complaints(chosen, after: start, limit: size) }
                    for complaint in page.items {
                        print(complaint.document)
                    }
                    printed += page.items.count
                    after = page.nextCursor
                } while after != nil && printed < limit
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one complaint by id or tracking number.")

        @OptionGroup var storage: StorageOptions
        @Argument(help: "Complaint id or tracking number (LPR-XXXX-XXXX).") var id: String

        func run() async throws {
            try await failing {
                let database = try open(storage)
                defer { database.close() }
                let key = id
                guard let complaint = try await database.read({ try $0.complaint(idOrTrackingNumber: key) }) else {
                    throw CommandFailure("no complaint '\(id)'", exitCode: .noUser)
                }
                // The API's document, indented for a person.
                let object = try JSONSerialization.jsonObject(with: Data(complaint.documentBytes))
                let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: pretty, as: UTF8.self))
            }
        }
    }
}

/// Opens storage and builds the gateway for a command, or fails with a temporary-failure code (75).
func openGateway(_ config: GatewayConfig, logger: Logger) throws -> GatewayServer {
    do {
        return try GatewayServer(config: config, families: AdapterRegistry.families, logger: logger)
    } catch {
        throw CommandFailure("cannot open storage at \(config.storage.path): \(error)", exitCode: .temporaryFailure)
    }
}

/// Opens the configured database for a command, or fails with a temporary-failure code.
func open(_ storage: StorageOptions) throws -> Database {
    let config = try storage.load()
    do {
        return try Database(directory: config.storage.path, synchronous: config.storage.synchronous)
    } catch {
        throw CommandFailure("cannot open storage at \(config.storage.path): \(error)", exitCode: .temporaryFailure)
    }
}
