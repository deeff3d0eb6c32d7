import AdapterRegistry
import Foundation
import IntakeConfig
import IntakeCore
import IntakeModel
import IntakeServer
import IntakeStorage
import Logging
import Testing

/// A `GatewayServer` over a fresh directory for the channel-seam tests (parts, bursts, campaigns): driven
/// through `server.gateway.submit` (with `receivedAt` to step over windows), reopened over the same files as
/// a restart would, or run on a loopback port with `serve`.
struct SeamServer {
    let directory: TemporaryDirectory
    let config: GatewayConfig

    init(channels: [ChannelConfig], campaigns: [Campaign] = [], dedup: DedupSettings = DedupSettings()) throws {
        directory = try TemporaryDirectory("intake-seams")
        config = GatewayConfig(
            server: ServerSettings(host: "127.0.0.1", port: 0),
            storage: StorageSettings(path: directory.appending("data")),
            adminToken: RunningGateway.adminToken, dedup: dedup, channels: channels, campaigns: campaigns
        )
    }

    static var logger: Logger {
        var logger = Logger(label: "intake-test")
        logger.logLevel = .warning
        return logger
    }

    /// Opens the gateway (storage, pipeline) without serving; close `database` to "stop" it.
    func open() throws -> GatewayServer {
        try GatewayServer(config: config, families: AdapterRegistry.families, logger: Self.logger)
    }

    /// Runs `body` with a fresh `open()`, closing its database afterwards whatever `body` did.
    func withOpen(_ body: (GatewayServer) async throws -> Void) async throws {
        let server = try open()
        defer { server.database.close() }
        try await body(server)
    }

    /// Serves on a loopback port (all services running) while `body` runs, then stops gracefully.
    func serve(_ body: (GatewayServer, Int) async throws -> Void) async throws {
        let server = try open()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let shutdown = ShutdownHandle()
        let task = Task {
            defer { continuation.finish() }
            try await server.run(shutdown: shutdown) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw CancellationError()
        }
        do {
            try await body(server, port)
        } catch {
            await shutdown.trigger()
            _ = await task.result
            throw error
        }
        await shutdown.trigger()
        _ = await task.result
    }

    func remove() { directory.remove() }
}

/// Polls `condition` until it holds or `timeout` passes (then records an issue and throws).
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(timeout)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

extension Database {
    /// How many complaints are stored.
    func complaintTotal() async throws -> Int {
        try await read { Int(try $0.query("SELECT count(*) FROM complaints").first?.int(0) ?? 0) }
    }

    /// How many journal rows there are.
    func journalTotal() async throws -> Int {
        try await read { Int(try $0.query("SELECT count(*) FROM journal").first?.int(0) ?? 0) }
    }

    /// The stored complaint under a tracking number or id.
    func storedComplaint(_ key: String) async throws -> Complaint? {
        try await read { try $0.complaint(idOrTrackingNumber: key) }
    }
}

/// A part of a split SMS on `channel` from one reporter.
func partMessage(
    _ index: Int, of total: Int, text: String, reference: String = "ref-7", id: String? = nil,
    channel: ChannelID = "sms-1708", from phone: String = "+6281234567890"
) -> InboundMessage {
    var message = SampleMessage.sms(externalID: id ?? "\(reference)-\(index)", channelID: channel, from: phone, text: text)
    message.part = MessagePart(reference: reference, index: index, total: total)
    return message
}
