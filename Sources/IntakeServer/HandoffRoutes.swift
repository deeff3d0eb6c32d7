import Foundation
import Hummingbird
import IntakeCore
import IntakeModel
import IntakeStorage

/// `GET /api/v1/events` (pull, with long poll) and `GET /api/v1/handoff` (the push backlog), admin token.
extension AdminRoutes {
    static let defaultEventPage = 100
    static let maximumEventPage = 500
    /// The longest long poll: past a minute, proxies start cutting idle requests.
    static let maximumEventWait = 60

    func registerHandoff(on router: Router<IntakeRequestContext>) {
        router.get("/api/v1/events") { request, _ in
            await answer { try await events(request) }
        }
        router.get("/api/v1/handoff") { request, _ in
            await answer { try await handoffState(request) }
        }
    }

    /// Events after `after`, in order, up to `limit`; with `wait`, an empty answer waits up to that many
    /// seconds for the next event. Read in a job on the writer thread, which answers only after that
    /// transaction's flush: a consumer never sees an event a failed flush could still take back. (The reader
    /// connection can see rows committed but not yet flushed.) Without `routing.url`, asking after `N` also
    /// acknowledges every event up to `N`: they count as delivered and their complaints as `handed_off`.
    private func events(_ request: Request) async throws -> Response {
        try authorize(request)
        let query = request.uri.queryParameters
        let after = try Self.number(query["after"], field: "after", in: 0...Int64.max, default: 0)
        let limit = Int(try Self.number(query["limit"], field: "limit", in: 1...Int64(Self.maximumEventPage), default: Int64(Self.defaultEventPage)))
        let wait = try Self.number(query["wait"], field: "wait", in: 0...Int64(Self.maximumEventWait), default: 0)
        let deadline = ContinuousClock.now + .seconds(wait)
        let acknowledges = !pushesEvents && after > 0
        while true {
            let seen = handoffSignal.generation
            let events = try await database.write { connection in
                if acknowledges { try connection.acknowledgeHandoffEvents(through: after, at: Date()) }
                return try connection.handoffEvents(after: after, limit: limit)
            }
            let remaining = deadline - ContinuousClock.now
            if !events.isEmpty || remaining <= .zero {
                return AdminRoutes.json(bytes: EventPage(events: events.map(HandoffPayload.init), nextAfter: events.last?.id ?? after).json())
            }
            await handoffSignal.wait(after: seen, timeout: remaining)
        }
    }

    private func handoffState(_ request: Request) async throws -> Response {
        try authorize(request)
        let summary = try await database.read { try $0.handoffSummary() }
        return try Self.json(HandoffState(summary, now: Date()))
    }

    /// A whole-number query parameter within `range`, or `fallback` when absent.
    private static func number(_ text: Substring?, field: String, in range: ClosedRange<Int64>, default fallback: Int64) throws -> Int64 {
        guard let text else { return fallback }
        guard let value = Int64(text), range.contains(value) else {
            throw HTTPFailure.badQuery(field: field, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}

/// `{"events": [...], "next_after": 42}`: pass `next_after` back as `after`.
struct EventPage {
    var events: [HandoffPayload]
    var nextAfter: Int64

    func json() -> [UInt8] {
        var json = JSONWriter(capacity: 2048 * max(1, events.count))
        json.beginObject()
        json.key("events")
        json.beginArray()
        for event in events { event.write(into: &json) }
        json.endArray()
        json.key("next_after")
        json.integer(nextAfter)
        json.endObject()
        return json.bytes
    }
}

/// `GET /api/v1/handoff`.
struct HandoffState: Encodable {
    struct Dead: Encodable {
        var id: Int64
        var complaintID: String
        var type: HandoffEventType
        var attempts: Int
        var lastStatus: Int?
        var lastError: String?
        var deadAt: Date

        enum CodingKeys: String, CodingKey {
            case id, type, attempts
            case complaintID = "complaint_id"
            case lastStatus = "last_status"
            case lastError = "last_error"
            case deadAt = "dead_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(complaintID, forKey: .complaintID)
            try container.encode(type, forKey: .type)
            try container.encode(attempts, forKey: .attempts)
            try container.encode(lastStatus, forKey: .lastStatus)
            try container.encode(lastError, forKey: .lastError)
            try container.encode(deadAt, forKey: .deadAt)
        }
    }

    var pending: Int
    var oldestPendingAgeSeconds: Double?
    var dead: [Dead]
    var delivered: Int

    init(_ summary: HandoffSummary, now: Date) {
        pending = summary.pending
        oldestPendingAgeSeconds = summary.oldestPendingAt.map { max(0, now.timeIntervalSince($0)) }
        dead = summary.dead.map {
            Dead(id: $0.id, complaintID: $0.complaintID, type: $0.type, attempts: $0.attempts, lastStatus: $0.lastStatus,
                 lastError: $0.lastError, deadAt: $0.deadAt)
        }
        delivered = summary.delivered
    }

    enum CodingKeys: String, CodingKey {
        case pending, dead, delivered
        case oldestPendingAgeSeconds = "oldest_pending_age_seconds"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pending, forKey: .pending)
        // Present and null when nothing is pending, so clients need not guess.
        try container.encode(oldestPendingAgeSeconds, forKey: .oldestPendingAgeSeconds)
        try container.encode(dead, forKey: .dead)
        try container.encode(delivered, forKey: .delivered)
    }
}
