import AdapterRegistry
import Foundation
import IntakeConfig
import IntakeCore
import IntakeModel
import IntakeServer
import Logging
import Testing

/// A running gateway with one generic channel, a media policy fast enough for tests, and a routing core
/// stand-in that receives every handoff event.
struct MediaGateway {
    static let secret = "media-routing-secret-42"

    /// Fast retries, one download at a time (so the order is observable), a look every 20 ms.
    static let policy = MediaPolicy(deadlineSeconds: 60, retryBaseSeconds: 0.1, retryMaxSeconds: 2, concurrency: 1, pollSeconds: 0.02)

    let running: RunningGateway
    let core: RoutingCoreStandIn

    /// Runs `body` against a fresh gateway and routing core, then stops both whatever `body` did.
    static func with(policy: MediaPolicy = policy, _ body: (MediaGateway) async throws -> Void) async throws {
        let core = try RoutingCoreStandIn(secret: secret)
        core.listen()
        defer { core.stop() }
        let running = try await start(policy: policy, routing: RoutingSettings(url: core.url, secret: secret))
        do {
            try await body(MediaGateway(running: running, core: core))
        } catch {
            await running.stop()
            throw error
        }
        await running.stop()
    }

    private static func start(policy: MediaPolicy, routing: RoutingSettings) async throws -> RunningGateway {
        let directory = try TemporaryDirectory("intake-media")
        var config = GatewayConfig(
            server: ServerSettings(host: "127.0.0.1", port: 0, publicURL: "https://lapor.example.go.id"),
            storage: StorageSettings(path: directory.appending("data")),
            adminToken: RunningGateway.adminToken,
            channels: [ChannelConfig(id: "generic", type: .generic, settings: ["secret": RunningGateway.secret])],
            routing: routing
        )
        config.media = policy
        var logger = Logger(label: "intake-media-test")
        logger.logLevel = .critical
        let server = try GatewayServer(
            config: config, families: AdapterRegistry.families, logger: logger,
            handoffPolicy: HandoffPolicy(baseDelay: 0.1, maxDelay: 1, rescanInterval: 0.2)
        )
        return try await RunningGateway.serve(server, directory: directory)
    }

    /// Posts a generic message with `attachments` (each `url`, `media_type`, …); returns its tracking number.
    @discardableResult
    func post(_ id: String, from: String = "+6281234500001", attachments: [[String: String]] = []) async throws -> String {
        var fields: [String: Any] = ["id": id, "from": from, "text": "Jalan berlubang di depan pasar, foto terlampir (\(id))"]
        if !attachments.isEmpty { fields["attachments"] = attachments }
        let response = try await running.postMessage(fields)
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        return try #require(response.json["tracking_number"] as? String)
    }

    /// The created event of the complaint with `trackingNumber`, once the routing core has it.
    func created(_ trackingNumber: String, timeout: Duration = .seconds(20)) async throws -> RoutingCoreStandIn.Received {
        let arrived = try await core.waitUntil(timeout: timeout) { $0.contains { Self.isCreated($0, trackingNumber) } }
        #expect(arrived, "no complaint.created for \(trackingNumber)")
        return try #require(core.received.first { Self.isCreated($0, trackingNumber) })
    }

    /// Whether the routing core has the created event of `trackingNumber` now.
    func hasCreated(_ trackingNumber: String) -> Bool {
        core.received.contains { Self.isCreated($0, trackingNumber) }
    }

    private static func isCreated(_ received: RoutingCoreStandIn.Received, _ trackingNumber: String) -> Bool {
        received.type == "complaint.created" && received.complaint["tracking_number"] as? String == trackingNumber
    }

    /// The complaint as the admin API shows it now.
    func complaint(_ trackingNumber: String) async throws -> [String: Any] {
        let response = try await running.get("/api/v1/complaints/\(trackingNumber)")
        #expect(response.status == 200)
        return response.json
    }

    /// The attempts recorded for every media reference, in id order.
    func fetchAttempts() async throws -> [Int] {
        try await running.server.database.read { connection in
            try connection.query("SELECT attempts FROM media_fetches ORDER BY id").map { Int($0.int(0) ?? 0) }
        }
    }
}

extension MediaGateway {
    /// Waits (bounded) until the first reference has at least `count` attempts recorded.
    func waitForAttempts(atLeast count: Int, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await fetchAttempts().first ?? 0 < count {
            guard ContinuousClock.now < deadline else {
                Issue.record("fewer than \(count) attempts within \(timeout)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

extension Dictionary where Key == String, Value == Any {
    /// A complaint's attachments (from an event's or the API's JSON).
    var attachments: [[String: Any]] { self["attachments"] as? [[String: Any]] ?? [] }
}
