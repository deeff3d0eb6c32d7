import CoreMetrics
import Foundation
import Hummingbird
import IntakeCore
import IntakeModel
import IntakeStorage
import Prometheus

/// `GET /api/v1/replies` (what was said to citizens, and what could not be sent) and
/// `POST /api/v1/replies/retry` (send failed replies again), admin token.
extension AdminRoutes {
    static let defaultReplyPage = 50
    static let maximumReplyPage = 500

    func registerReplies(on router: Router<IntakeRequestContext>) {
        router.get("/api/v1/replies") { request, _ in
            await answer { try await listReplies(request) }
        }
        router.post("/api/v1/replies/retry") { request, _ in
            await answer { try await retryReplies(request) }
        }
    }

    /// Replies newest first, filtered by `status` and `channel`, `limit` at a time, older than `before`.
    private func listReplies(_ request: Request) async throws -> Response {
        try authorize(request)
        let query = request.uri.queryParameters
        var filter = ReplyFilter()
        if let status = query["status"] {
            guard let parsed = ReplyStatus(rawValue: String(status)) else {
                throw HTTPFailure.badQuery(field: "status", message: "must be one of \(ReplyStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.status = parsed
        }
        filter.channelID = query["channel"].map(String.init)
        let limit = Int(try Self.replyNumber(query["limit"], field: "limit", in: 1...Int64(Self.maximumReplyPage)) ?? Int64(Self.defaultReplyPage))
        let before = try Self.replyNumber(query["before"], field: "before", in: 1...Int64.max)
        let (chosen, size) = (filter, limit)
        let rows = try await database.read { try $0.replies(chosen, before: before, limit: size + 1) }
        let page = rows.prefix(limit)
        return try Self.json(ReplyPage(items: page.map(ReplyItem.init), nextBefore: rows.count > limit ? page.last?.id : nil))
    }

    /// Queues failed replies again (all, or `?id=N`) and wakes their channels' workers.
    private func retryReplies(_ request: Request) async throws -> Response {
        try authorize(request)
        let id = try Self.replyNumber(request.uri.queryParameters["id"], field: "id", in: 1...Int64.max)
        let count = try await database.write { try $0.requeueFailedReplies(id: id, at: Date()) }
        for channel in gateway.replies?.channels.keys.sorted() ?? [] { gateway.replies?.signal(for: channel)?.announce() }
        return try Self.json(["requeued": count])
    }

    private static func replyNumber(_ text: Substring?, field: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let text else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw HTTPFailure.badQuery(field: field, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}

/// `{"items": [...], "next_before": 41 | null}`.
struct ReplyPage: Encodable {
    var items: [ReplyItem]
    var nextBefore: Int64?

    enum CodingKeys: String, CodingKey {
        case items
        case nextBefore = "next_before"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextBefore, forKey: .nextBefore)
    }
}

/// One reply as the API shows it: the recipient redacted like a log line, never the full address.
struct ReplyItem: Encodable {
    var id: Int64
    var channelID: String
    var journalID: Int64
    var complaintID: String?
    var recipient: String
    var kind: String
    var text: String
    var status: String
    var attempts: Int
    var nextAttemptAt: String?
    var lastError: String?
    var providerMessageID: String?
    var deliveryStatus: String?
    var deliveryError: String?
    var createdAt: String
    var sentAt: String?

    init(_ reply: StoredReply) {
        let record = reply.record
        id = reply.id
        channelID = record.channelID
        journalID = record.journalID
        complaintID = record.complaintID
        recipient = Reporter(kind: record.recipientKind, address: record.recipient).redactedAddress
        kind = record.kind.rawValue
        text = record.text
        status = record.status.rawValue
        attempts = reply.attempts
        nextAttemptAt = record.status == .pending ? Timestamp.format(reply.nextAttemptAt) : nil
        lastError = reply.lastError
        providerMessageID = reply.providerMessageID
        deliveryStatus = reply.deliveryStatus
        deliveryError = reply.deliveryError
        createdAt = Timestamp.format(record.createdAt)
        sentAt = reply.sentAt.map(Timestamp.format)
    }

    enum CodingKeys: String, CodingKey {
        case id, recipient, kind, text, status, attempts
        case channelID = "channel_id"
        case journalID = "journal_id"
        case complaintID = "complaint_id"
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case providerMessageID = "provider_message_id"
        case deliveryStatus = "delivery_status"
        case deliveryError = "delivery_error"
        case createdAt = "created_at"
        case sentAt = "sent_at"
    }

    /// Every key present, null when empty, so clients need not guess.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(channelID, forKey: .channelID)
        try container.encode(journalID, forKey: .journalID)
        try container.encode(complaintID, forKey: .complaintID)
        try container.encode(recipient, forKey: .recipient)
        try container.encode(kind, forKey: .kind)
        try container.encode(text, forKey: .text)
        try container.encode(status, forKey: .status)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(providerMessageID, forKey: .providerMessageID)
        try container.encode(deliveryStatus, forKey: .deliveryStatus)
        try container.encode(deliveryError, forKey: .deliveryError)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(sentAt, forKey: .sentAt)
    }
}

extension ServerMetrics {
    /// `intake_replies_total{channel, outcome="sent|retry|failed|suppressed"}`: every attempt of the reply service.
    func replies() -> ReplyMetrics {
        ReplyMetrics(factory: factory)
    }
}

/// Counts reply attempts per channel and outcome.
struct ReplyMetrics: ReplyObserver {
    let factory: PrometheusMetricsFactory

    func attempted(channelID: ChannelID, outcome: ReplyAttemptOutcome) {
        CoreMetrics.Counter(label: "intake_replies_total", dimensions: [("channel", channelID), ("outcome", outcome.rawValue)], factory: factory)
            .increment()
    }
}
