import Foundation
import Hummingbird
import IntakeCore
import IntakeModel
import IntakeStorage

/// `/readyz` (can this process take traffic?) and `GET /api/v1/channels` (how each channel is doing).
/// `/healthz`, which only says the process is alive, stays with the admin routes.
struct StatusRoutes: Sendable {
    let database: Database
    /// In configuration order.
    let activities: [ChannelActivity]
    let probe: WriterProbe
    let authorization: AdminAuthorization
    let metrics: ServerMetrics

    /// Seconds a client should wait before asking again after a 503.
    static let retryAfter = "5"

    func register(on router: Router<IntakeRequestContext>) {
        router.get("/readyz") { _, _ in
            await readiness()
        }
        router.get("/api/v1/channels") { request, _ in
            if let refusal = authorization.refusal(request, metrics: metrics) { return refusal }
            let now = Date()
            let list = ChannelList(items: activities.map { ChannelStatus($0.snapshot(now: now)) }, countingSince: activities.first?.since)
            return (try? AdminRoutes.json(list)) ?? Response(status: .internalServerError)
        }
    }

    /// 200 `{"status":"ready"}` when storage has not failed, every migration is applied and the writer commits
    /// within the probe's timeout; otherwise 503 `{"status":"unavailable","reason":"..."}` with Retry-After.
    /// After a failed flush it answers 503 until the process restarts: `Database.failure` never clears.
    func readiness() async -> Response {
        // Reasons are for the operator; the storage error itself (paths, errno) is in the log, not here,
        // because this route needs no token.
        if database.failure != nil {
            return Self.readiness(unavailable: "storage failed to flush and accepts no writes until the gateway restarts")
        }
        do {
            let pending = try await database.read { try $0.pendingMigrations() }
            if !pending.isEmpty {
                return Self.readiness(unavailable: "migrations not applied: \(pending.map(String.init).joined(separator: ", "))")
            }
        } catch {
            return Self.readiness(unavailable: "storage cannot be read")
        }
        switch await probe.check() {
        case .committed:
            return (try? AdminRoutes.json(["status": "ready"])) ?? Response(status: .ok)
        case .failed:
            return Self.readiness(unavailable: "storage refused a write")
        case .timedOut:
            return Self.readiness(unavailable: "storage did not commit a write within \(probe.timeout)")
        }
    }

    static func readiness(unavailable reason: String) -> Response {
        var response = (try? AdminRoutes.json(["status": "unavailable", "reason": reason], status: .serviceUnavailable))
            ?? Response(status: .serviceUnavailable)
        response.headers[.retryAfter] = retryAfter
        return response
    }
}

/// `{"items": [...], "counting_since": "..."}`: counts are since the server started.
struct ChannelList: Encodable {
    var items: [ChannelStatus]
    var countingSince: Date?

    enum CodingKeys: String, CodingKey {
        case items
        case countingSince = "counting_since"
    }
}

/// One channel in `GET /api/v1/channels`. Absent times and errors are `null`; `last_poll_at` and
/// `lag_seconds` appear only for polled channels.
struct ChannelStatus: Encodable {
    var snapshot: ChannelActivitySnapshot

    init(_ snapshot: ChannelActivitySnapshot) { self.snapshot = snapshot }

    enum CodingKeys: String, CodingKey {
        case id, type, accepted, duplicate, rejected
        case lastReceivedAt = "last_received_at"
        case lastError = "last_error"
        case lastPollAt = "last_poll_at"
        case lastSuccessAt = "last_success_at"
        case lagSeconds = "lag_seconds"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(snapshot.channelID, forKey: .id)
        try container.encode(snapshot.type, forKey: .type)
        try container.encode(snapshot.lastReceivedAt, forKey: .lastReceivedAt)
        try container.encode(snapshot.lastError.map { LastError(at: $0.at, message: $0.message) }, forKey: .lastError)
        try container.encode(Window(lastHour: snapshot.lastHour.accepted, total: snapshot.total.accepted), forKey: .accepted)
        try container.encode(Window(lastHour: snapshot.lastHour.duplicate, total: snapshot.total.duplicate), forKey: .duplicate)
        try container.encode(Window(lastHour: snapshot.lastHour.rejected, total: snapshot.total.rejected), forKey: .rejected)
        if snapshot.polls {
            try container.encode(snapshot.lastPollAt, forKey: .lastPollAt)
            try container.encode(snapshot.lastSuccessAt, forKey: .lastSuccessAt)
            try container.encode(snapshot.lagSeconds.map { ($0 * 1000).rounded() / 1000 }, forKey: .lagSeconds)
        }
    }

    struct LastError: Encodable {
        var at: Date
        var message: String
    }

    /// `{"last_hour": n, "total": n}`.
    struct Window: Encodable {
        var lastHour: Int
        var total: Int

        enum CodingKeys: String, CodingKey {
            case total
            case lastHour = "last_hour"
        }
    }
}
