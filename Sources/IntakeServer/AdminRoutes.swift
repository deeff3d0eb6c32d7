import Foundation
import Hummingbird
import IntakeCore
import IntakeModel
import IntakeStorage
import NIOCore

/// The complaints API (`/api/v1/complaints`, bearer token), `/healthz` and `/metrics`.
struct AdminRoutes: Sendable {
    let database: Database
    let gateway: Gateway
    let metrics: ServerMetrics
    /// Nil disables the complaints API.
    let adminToken: String?
    /// Wakes long polls of `GET /api/v1/events` when events become durable.
    let handoffSignal: HandoffSignal
    /// Whether the relay pushes events (`routing.url`); if not, a pull acknowledges them.
    let pushesEvents: Bool

    static let defaultPageSize = 50
    static let maximumPageSize = 500

    func register(on router: Router<IntakeRequestContext>) {
        router.get("/api/v1/complaints") { request, _ in
            await answer { try await list(request) }
        }
        router.get("/api/v1/complaints/:id") { request, context in
            await answer { try await show(request, id: context.parameters.get("id") ?? "") }
        }
        router.get("/api/v1/complaints/:id/messages") { request, context in
            await answer { try await messages(request, id: context.parameters.get("id") ?? "") }
        }
        // Undo of dedup decisions: split a wrongly merged message off, or take a complaint out of its cluster.
        router.post("/api/v1/messages/:message_id/unmerge") { request, context in
            await answer { try await undo(request) { note in
                guard let id = context.parameters.get("message_id").flatMap(Int64.init) else {
                    throw HTTPFailure.badQuery(field: "message_id", message: "must be a message id from /api/v1/complaints/{id}/messages")
                }
                return try await gateway.unmerge(messageID: id, note: note)
            } }
        }
        router.post("/api/v1/complaints/:id/uncluster") { request, context in
            await answer { try await undo(request) { note in
                try await gateway.uncluster(complaint: context.parameters.get("id") ?? "", note: note)
            } }
        }
        registerHandoff(on: router)
        registerReplies(on: router)
        router.get("/healthz") { _, _ in
            await health()
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            let text = metrics.exposition(storage: database.statistics)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }

    func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as DedupUndoError {
            return HTTPFailure.undo(error).response
        } catch let failure as HTTPFailure {
            if failure.status == .unauthorized || failure.status == .forbidden {
                metrics.rejected(channel: "_admin", reason: failure.reason)
            }
            return failure.response
        } catch {
            return HTTPFailure.storage(error).response
        }
    }

    private func list(_ request: Request) async throws -> Response {
        try await authorizeAndSettle(request)
        let query = request.uri.queryParameters
        var filter = ComplaintFilter()
        filter.channelID = query["channel"].map(String.init)
        filter.campaign = query["campaign"].map(String.init)
        if let since = query["since"] {
            guard let date = Timestamp.parse(String(since)) else {
                throw HTTPFailure.badQuery(field: "since", message: "must be an ISO-8601 time such as 2026-04-07T09:30:00Z")
            }
            filter.since = date
        }
        var limit = Self.defaultPageSize
        if let text = query["limit"] {
            guard let value = Int(text), (1...Self.maximumPageSize).contains(value) else {
                throw HTTPFailure.badQuery(field: "limit", message: "must be a whole number from 1 to \(Self.maximumPageSize)")
            }
            limit = value
        }
        var after: Int64?
        if let cursor = query["cursor"] {
            guard let value = Int64(cursor), value >= 0 else {
                throw HTTPFailure.badQuery(field: "cursor", message: "is not a cursor this API returned")
            }
            after = value
        }
        let (chosen, start, size) = (filter, after, limit)
        let page = try await database.read { try $0.complaints(chosen, after: start, limit: size) }
        return Self.json(bytes: ComplaintList(items: page.items, nextCursor: page.nextCursor.map(String.init)).json())
    }

    private func show(_ request: Request, id: String) async throws -> Response {
        try await authorizeAndSettle(request)
        if let complaint = try await database.read({ try $0.complaint(idOrTrackingNumber: id) }) {
            return Self.json(bytes: complaint.documentBytes)
        }
        // A number handed out while processing failed is real: say so (202) until a replay makes its complaint.
        // So is the number of a split message whose parts are still awaited (a row without complaint).
        if let number = TrackingNumber(parsing: id),
           let entry = try await database.read({ try $0.journalEntry($0.trackingNumbers.journalID(for: number)) }),
           entry.state == .pending || entry.state == .failed || (entry.state == .processed && entry.complaintID == nil) {
            return try Self.json(UnprocessedEntry(entry), status: .accepted)
        }
        throw HTTPFailure.notFound("complaint '\(id)'")
    }

    /// `GET /api/v1/complaints/{id}/messages`: the message a complaint was made from and those merged into it,
    /// with each merge's score and reason.
    private func messages(_ request: Request, id: String) async throws -> Response {
        try await authorizeAndSettle(request)
        guard let complaint = try await database.read({ try $0.complaint(idOrTrackingNumber: id) }) else {
            throw HTTPFailure.notFound("complaint '\(id)'")
        }
        let (complaintID, journalID) = (complaint.id, complaint.journalID)
        let items = try await database.read { try $0.complaintMessages(complaintID: complaintID, journalID: journalID) }
        return try Self.json(["items": items])
    }

    /// Runs an undo with the optional `{"note": "..."}` of the request body; answers the changed complaint.
    private func undo(_ request: Request, _ perform: (String?) async throws -> Complaint) async throws -> Response {
        try await authorizeAndSettle(request)
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        var note: String?
        if body.readableBytes > 0 {
            guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
                throw HTTPFailure.badQuery(field: "body", message: "must be a JSON object such as {\"note\": \"why\"}")
            }
            guard object["note"] == nil || object["note"] is String else {
                throw HTTPFailure.badQuery(field: "note", message: "must be a string")
            }
            note = object["note"] as? String
        }
        return Self.json(bytes: try await perform(note).documentBytes)
    }

    /// `/healthz`: the process answers (200 `alive`), with the work waiting when storage can say; whether
    /// it can take traffic is `/readyz`'s question, so a storage failure never makes this one fail.
    private func health() async -> Response {
        let counts = try? await database.read { (try $0.unfinishedJournalCounts(), try $0.pendingOutboxCount()) }
        let report = HealthReport(
            status: "alive",
            journalPending: counts?.0[.pending, default: 0],
            journalFailed: counts?.0[.failed, default: 0],
            outboxPending: counts?.1
        )
        return (try? Self.json(report)) ?? Response(status: .ok)
    }

    /// Checks the admin token, then processes every message acknowledged before this request, so the
    /// complaints API reads what was answered (read your writes).
    private func authorizeAndSettle(_ request: Request) async throws {
        try authorize(request)
        try await gateway.settle()
    }

    func authorize(_ request: Request) throws {
        try AdminAuthorization(token: adminToken).check(request)
    }

    /// A JSON answer written elsewhere (a complaint's document, a page of them).
    static func json(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try ComplaintCoding.encoder().encode(value))))
    }
}

/// `{"items": [...], "next_cursor": "..." | null}`.
struct ComplaintList {
    var items: [Complaint]
    var nextCursor: String?

    func json() -> [UInt8] {
        var json = JSONWriter(capacity: 2048 * max(1, items.count))
        json.beginObject()
        json.key("items")
        json.beginArray()
        for item in items { json.value(item.documentBytes) }
        json.endArray()
        // Always present, null on the last page, so clients need not guess.
        json.field("next_cursor", nextCursor)
        json.endObject()
        return json.bytes
    }
}

/// A journaled message whose processing has not succeeded yet, as the API shows it.
struct UnprocessedEntry: Encodable {
    var trackingNumber: String
    var status = RoutingState.received
    var journalID: Int64
    var channelID: String
    var externalID: String
    var receivedAt: String
    /// Why processing failed, for the operator; nil while it simply has not run.
    var error: String?

    init(_ entry: JournalEntry) {
        trackingNumber = entry.trackingNumber.description
        journalID = entry.id
        channelID = entry.message.channelID
        externalID = entry.message.externalID
        receivedAt = Timestamp.format(entry.receivedAt)
        error = entry.error
    }

    enum CodingKeys: String, CodingKey {
        case status, error
        case trackingNumber = "tracking_number"
        case journalID = "journal_id"
        case channelID = "channel_id"
        case externalID = "external_id"
        case receivedAt = "received_at"
    }
}

/// `/healthz`: the process is alive, and how much work waits (absent when storage cannot be read).
struct HealthReport: Encodable {
    var status: String
    var journalPending: Int?
    var journalFailed: Int?
    var outboxPending: Int?

    enum CodingKeys: String, CodingKey {
        case status
        case journalPending = "journal_pending"
        case journalFailed = "journal_failed"
        case outboxPending = "outbox_pending"
    }
}
