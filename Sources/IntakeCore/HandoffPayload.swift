import Foundation
import IntakeModel
import IntakeStorage

/// One event as the routing core receives it, pushed or pulled:
/// `{"id": 7, "type": "complaint.created", "occurred_at": "…", "complaint": {…}}`.
///
/// The complaint is the one `GET /api/v1/complaints/{id}` shows at the time of sending, with an anonymous
/// reporter's identity removed (`Complaint.forAgency`); a redelivery may therefore carry a newer state under
/// the same id, and `type` says what the event reports.
public struct HandoffPayload: Sendable {
    /// The event id, also sent as `Idempotency-Key`.
    public var id: Int64
    /// What happened.
    public var type: HandoffEventType
    /// When the change was stored.
    public var occurredAt: Date
    /// The complaint as the agency may see it.
    public var complaint: Complaint

    /// The payload of `event`, its complaint stripped for the agency.
    public init(_ event: HandoffEvent) {
        id = event.id
        type = event.type
        occurredAt = event.occurredAt
        complaint = event.complaint.forAgency
    }

    /// The JSON body; the complaint is its `document`, as the API shows it.
    public func body() -> [UInt8] {
        var json = JSONWriter(capacity: 2048)
        write(into: &json)
        return json.bytes
    }

    /// Writes the payload as one JSON object, keys sorted.
    public func write(into json: inout JSONWriter) {
        json.beginObject()
        json.key("complaint")
        json.value(complaint.documentBytes)
        json.key("id")
        json.integer(id)
        json.field("occurred_at", Timestamp.format(occurredAt))
        json.field("type", type.rawValue)
        json.endObject()
    }
}

/// What the routing core answered to one delivery.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Taken (a 2xx).
    case delivered(status: Int)
    /// Worth trying again: a 5xx, 408, 429, a timeout or a refused connection; `retryAfter` is the seconds
    /// the core asked for (`Retry-After`), if any.
    case retry(status: Int?, reason: String, retryAfter: Double?)
    /// Refused for good (any other 4xx): the event is parked as dead with the answer.
    case rejected(status: Int, answer: String)

    /// The word the metrics count it under.
    public var label: String {
        switch self {
        case .delivered: "delivered"
        case .retry: "retry"
        case .rejected: "dead"
        }
    }
}

/// The routing core as the relay sees it: takes one event, idempotently by its id.
public protocol RoutingCore: Sendable {
    /// Delivers `payload` (already JSON in `body`); the same event id may arrive more than once and must be
    /// handled once. Never throws: every failure is an outcome the relay knows how to treat.
    func deliver(_ payload: HandoffPayload, body: [UInt8]) async -> DeliveryOutcome
}

/// Where the relay reports what it did; the server counts it in Prometheus.
public protocol HandoffObserver: Sendable {
    /// One delivery attempt ended with `outcome`.
    func attempted(_ outcome: DeliveryOutcome)
    /// Events neither delivered nor dead, counted now.
    func pending(_ count: Int)
}
