import AdapterRegistry
import Foundation
import GenericAdapter
import IntakeConfig
import IntakeCore
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import Logging

/// A real gateway on a loopback port with a fresh SQLite file in a temp dir, for integration tests.
struct RunningGateway {
    static let secret = "test-secret-7c1e9a04"
    static let adminToken = "test-admin-token-5f2d8b61"

    let directory: TemporaryDirectory
    let server: GatewayServer
    let port: Int
    let task: Task<Void, any Error>
    let shutdown: ShutdownHandle
    let client = HTTPClient()

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts a gateway with `channels` (by default one generic channel `generic` and one `small` limited to 1 KiB).
    static func start(
        channels: [ChannelConfig]? = nil,
        families: [AdapterFamily] = AdapterRegistry.families,
        publicURL: String = "https://lapor.example.go.id",
        routing: RoutingSettings? = nil,
        handoffPolicy: HandoffPolicy = HandoffPolicy(),
        replyPolicy: ReplyPolicy = ReplyPolicy(),
        campaigns: [Campaign] = [],
        trustedProxies: [IPNetwork] = [],
        logger: Logger? = nil
    ) async throws -> RunningGateway {
        let directory = try TemporaryDirectory("intake-server")
        let config = GatewayConfig(
            server: ServerSettings(host: "127.0.0.1", port: 0, publicURL: publicURL, trustedProxies: trustedProxies),
            storage: StorageSettings(path: directory.appending("data")),
            adminToken: adminToken,
            // Bursts off by default: most tests send one reporter's messages quickly and mean them apart.
            channels: channels ?? [
                ChannelConfig(id: "generic", type: .generic, settings: ["secret": secret], burstSeconds: 0),
                ChannelConfig(id: "small", type: .generic, maxBodyBytes: 1024, campaign: "mudik-2026", settings: ["secret": secret], burstSeconds: 0),
            ],
            routing: routing,
            campaigns: campaigns
        )
        let logger = logger ?? {
            var logger = Logger(label: "intake-test")
            logger.logLevel = .warning
            return logger
        }()
        let server = try GatewayServer(config: config, families: families, logger: logger, handoffPolicy: handoffPolicy, replyPolicy: replyPolicy)
        return try await serve(server, directory: directory)
    }

    /// Runs a built `server` (all its services) until `stop`, once it listens; `directory` is removed at `stop`.
    static func serve(_ server: GatewayServer, directory: TemporaryDirectory) async throws -> RunningGateway {
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
        return RunningGateway(directory: directory, server: server, port: port, task: task, shutdown: shutdown)
    }

    /// Runs `body` against a fresh gateway, then stops it gracefully and removes its files, whatever `body` did.
    static func with(
        channels: [ChannelConfig]? = nil,
        families: [AdapterFamily] = AdapterRegistry.families,
        publicURL: String = "https://lapor.example.go.id",
        routing: RoutingSettings? = nil,
        handoffPolicy: HandoffPolicy = HandoffPolicy(),
        replyPolicy: ReplyPolicy = ReplyPolicy(),
        campaigns: [Campaign] = [],
        trustedProxies: [IPNetwork] = [],
        logger: Logger? = nil,
        _ body: (RunningGateway) async throws -> Void
    ) async throws {
        let gateway = try await start(
            channels: channels, families: families, publicURL: publicURL, routing: routing, handoffPolicy: handoffPolicy,
            replyPolicy: replyPolicy, campaigns: campaigns, trustedProxies: trustedProxies, logger: logger
        )
        do {
            try await body(gateway)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    /// Stops the server gracefully, waits for it to close storage, and removes the temp dir.
    func stop() async {
        await shutdown.trigger()
        _ = await task.result
        directory.remove()
    }

    /// POSTs `body` to `/webhooks/<channel>` signed with `secret` (nil: no signature header).
    func postWebhook(_ channel: String, body: [UInt8], secret: String? = RunningGateway.secret,
                     headers: [(name: String, value: String)] = []) async throws -> HTTPClientResponse {
        var allHeaders = headers + [("Content-Type", "application/json")]
        if let secret { allHeaders.append((GenericAdapter.signatureHeader, GenericAdapter.signature(secret: secret, body: body))) }
        return try await client.send(HTTPClientRequest(method: "POST", url: "\(baseURL)/webhooks/\(channel)", headers: allHeaders, body: body))
    }

    /// POSTs a generic-webhook JSON object built from `fields`.
    func postMessage(_ fields: [String: Any], channel: String = "generic") async throws -> HTTPClientResponse {
        try await postWebhook(channel, body: Array(try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])))
    }

    /// GETs `path`, with the admin token unless `token` says otherwise.
    func get(_ path: String, token: String? = RunningGateway.adminToken) async throws -> HTTPClientResponse {
        let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
        return try await client.send(HTTPClientRequest(url: baseURL + path, headers: headers))
    }
}

extension HTTPClientResponse {
    /// The body as a JSON object, or an empty one when it is not.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }
}
