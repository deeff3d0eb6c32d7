import Foundation
import IntakeModel

/// What happened to a complaint that the routing core is told about.
public enum HandoffEventType: String, Sendable, Codable, CaseIterable {
    /// A new complaint was stored (also one split off by an unmerge).
    case created = "complaint.created"
    /// Something was added to a complaint: a message merged into it (or split off it again).
    case updated = "complaint.updated"
    /// The complaint's cluster changed: it became the first of a cluster, or an operator took it out of one.
    case clustered = "complaint.clustered"
}

/// One event as the relay and the pull API read it: the complaint is read with it, as the API shows it now.
public struct HandoffEvent: Sendable {
    /// The event id: ascending, never reused; the `Idempotency-Key` the routing core sees.
    public var id: Int64
    /// What happened.
    public var type: HandoffEventType
    /// When the change it reports was stored.
    public var occurredAt: Date
    /// The complaint as stored (with the reporter); the relay and the API strip it with `forAgency`.
    public var complaint: Complaint
    /// Deliveries tried so far.
    public var attempts: Int
}

/// An event the routing core refused for good, kept for an operator to look at and send again.
public struct DeadHandoffEvent: Sendable, Equatable {
    /// The event id.
    public var id: Int64
    /// The complaint it reports on.
    public var complaintID: String
    /// What happened.
    public var type: HandoffEventType
    /// Deliveries tried, the refused one included.
    public var attempts: Int
    /// The routing core's status code for the last attempt.
    public var lastStatus: Int?
    /// The routing core's answer (or the transport error) for the last attempt.
    public var lastError: String?
    /// When it was parked.
    public var deadAt: Date
}

/// The state of the handoff for `GET /api/v1/handoff`.
public struct HandoffSummary: Sendable {
    /// Events neither delivered nor dead.
    public var pending: Int
    /// When the oldest pending event happened; nil when nothing is pending.
    public var oldestPendingAt: Date?
    /// Events delivered (pushed with a 2xx, or acknowledged by a pull).
    public var delivered: Int
    /// Dead events, oldest first (at most the first 500).
    public var dead: [DeadHandoffEvent]
}

extension Connection {
    /// Records `type` for complaint `complaintID`; call inside the transaction that made the change, so the
    /// event exists exactly when the change does. Returns the event id.
    @discardableResult
    public func recordHandoffEvent(_ type: HandoffEventType, complaintID: String, at time: Date) throws -> Int64 {
        try prepare("INSERT INTO handoff_events (complaint_id, type, created_at, next_attempt_at) VALUES (?, ?, ?, ?)").run([
            .text(complaintID), .text(type.rawValue), .real(time.timeIntervalSince1970), .real(time.timeIntervalSince1970),
        ])
        return lastInsertRowID
    }

    /// Pending events due at `now`, oldest first, leaving out any event whose complaint has an earlier event
    /// still pending (delivered or dead ones do not hold it back): the routing core sees each complaint's
    /// events in order, and one complaint's failing event holds back nobody else's.
    public func dueHandoffEvents(now: Date, limit: Int) throws -> [HandoffEvent] {
        try query("""
            SELECT c.document, c.status, c.cluster_id, c.journal_id, e.id, e.type, e.created_at, e.attempts
            FROM handoff_events e JOIN complaints c ON c.id = e.complaint_id
            WHERE e.delivered_at IS NULL AND e.dead_at IS NULL AND e.next_attempt_at <= ?
              AND NOT EXISTS (
                SELECT 1 FROM handoff_events p
                WHERE p.complaint_id = e.complaint_id AND p.id < e.id AND p.delivered_at IS NULL AND p.dead_at IS NULL
              )
            ORDER BY e.id LIMIT ?
            """, [.real(now.timeIntervalSince1970), .integer(Int64(limit))]
        ).map(handoffEvent)
    }

    /// When the next pending event that is not held back by an earlier one becomes due; nil when none is pending.
    public func nextHandoffAttempt() throws -> Date? {
        try query("""
            SELECT min(e.next_attempt_at) FROM handoff_events e
            WHERE e.delivered_at IS NULL AND e.dead_at IS NULL
              AND NOT EXISTS (
                SELECT 1 FROM handoff_events p
                WHERE p.complaint_id = e.complaint_id AND p.id < e.id AND p.delivered_at IS NULL AND p.dead_at IS NULL
              )
            """).first?.double(0).map(Date.init(timeIntervalSince1970:))
    }

    /// Events after id `after`, in order, whatever their delivery state: what the pull API answers.
    public func handoffEvents(after: Int64, limit: Int) throws -> [HandoffEvent] {
        try query("""
            SELECT c.document, c.status, c.cluster_id, c.journal_id, e.id, e.type, e.created_at, e.attempts
            FROM handoff_events e JOIN complaints c ON c.id = e.complaint_id
            WHERE e.id > ? ORDER BY e.id LIMIT ?
            """, [.integer(after), .integer(Int64(limit))]
        ).map(handoffEvent)
    }

    /// Marks event `id` delivered; its complaint is `handed_off` once its created event is.
    public func markHandoffDelivered(_ id: Int64, status: Int?, at time: Date) throws {
        try prepare("""
            UPDATE handoff_events SET delivered_at = ?, attempts = attempts + 1, last_status = ?, last_error = NULL WHERE id = ?
            """).run([.real(time.timeIntervalSince1970), status.map { .integer(Int64($0)) } ?? .null, .integer(id)])
        try prepare("""
            UPDATE complaints SET status = 'handed_off'
            WHERE id = (SELECT complaint_id FROM handoff_events WHERE id = ? AND type = 'complaint.created')
            """).run([.integer(id)])
    }

    /// Marks every pending event up to `id` delivered: a pull consumer asking after `id` has them all.
    /// Returns how many changed.
    @discardableResult
    public func acknowledgeHandoffEvents(through id: Int64, at time: Date) throws -> Int {
        try prepare("""
            UPDATE complaints SET status = 'handed_off' WHERE status = 'queued' AND id IN (
                SELECT complaint_id FROM handoff_events
                WHERE id <= ? AND type = 'complaint.created' AND delivered_at IS NULL AND dead_at IS NULL)
            """).run([.integer(id)])
        try prepare("""
            UPDATE handoff_events SET delivered_at = ?, last_error = NULL
            WHERE id <= ? AND delivered_at IS NULL AND dead_at IS NULL
            """).run([.real(time.timeIntervalSince1970), .integer(id)])
        return changes
    }

    /// Records a failed delivery of event `id` that is worth retrying at `retryAt`.
    public func markHandoffRetry(_ id: Int64, status: Int?, error: String, retryAt: Date) throws {
        try prepare("UPDATE handoff_events SET attempts = attempts + 1, last_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?")
            .run([status.map { .integer(Int64($0)) } ?? .null, .text(error), .real(retryAt.timeIntervalSince1970), .integer(id)])
    }

    /// Parks event `id` as dead with the routing core's answer; later events of its complaint go on.
    public func markHandoffDead(_ id: Int64, status: Int?, error: String, at time: Date) throws {
        try prepare("UPDATE handoff_events SET attempts = attempts + 1, last_status = ?, last_error = ?, dead_at = ? WHERE id = ?")
            .run([status.map { .integer(Int64($0)) } ?? .null, .text(error), .real(time.timeIntervalSince1970), .integer(id)])
    }

    /// Queues event `id` again (dead or delivered), due at `now`. Returns false when no such event exists.
    public func requeueHandoffEvent(_ id: Int64, at now: Date) throws -> Bool {
        try prepare("UPDATE handoff_events SET dead_at = NULL, delivered_at = NULL, next_attempt_at = ? WHERE id = ?")
            .run([.real(now.timeIntervalSince1970), .integer(id)])
        return changes > 0
    }

    /// Queues every dead event again, due at `now`. Returns how many.
    public func requeueDeadHandoffEvents(at now: Date) throws -> Int {
        try prepare("UPDATE handoff_events SET dead_at = NULL, next_attempt_at = ? WHERE dead_at IS NOT NULL")
            .run([.real(now.timeIntervalSince1970)])
        return changes
    }

    /// Pending events and the dead ones, for operators.
    public func handoffSummary() throws -> HandoffSummary {
        let pending = try query("SELECT count(*), min(created_at) FROM handoff_events WHERE delivered_at IS NULL AND dead_at IS NULL").first
        let delivered = try query("SELECT count(*) FROM handoff_events WHERE delivered_at IS NOT NULL").first?.int(0) ?? 0
        let dead = try query("""
            SELECT id, complaint_id, type, attempts, last_status, last_error, dead_at FROM handoff_events
            WHERE dead_at IS NOT NULL ORDER BY id LIMIT 500
            """).compactMap { row -> DeadHandoffEvent? in
            guard let id = row.int(0), let complaintID = row.string(1), let type = row.string(2).flatMap(HandoffEventType.init(rawValue:)),
                  let deadAt = row.double(6)
            else { return nil }
            return DeadHandoffEvent(
                id: id, complaintID: complaintID, type: type, attempts: Int(row.int(3) ?? 0), lastStatus: row.int(4).map(Int.init),
                lastError: row.string(5), deadAt: Date(timeIntervalSince1970: deadAt)
            )
        }
        return HandoffSummary(
            pending: Int(pending?.int(0) ?? 0), oldestPendingAt: pending?.double(1).map(Date.init(timeIntervalSince1970:)),
            delivered: Int(delivered), dead: dead
        )
    }

    /// How many events wait for the routing core (what `/healthz` calls the outbox backlog).
    public func pendingOutboxCount() throws -> Int {
        Int(try query("SELECT count(*) FROM handoff_events WHERE delivered_at IS NULL AND dead_at IS NULL").first?.int(0) ?? 0)
    }

    /// Reads an event from columns `document, status, cluster_id, journal_id, id, type, created_at, attempts`.
    private func handoffEvent(_ row: Row) throws -> HandoffEvent {
        guard let id = row.int(4), let type = row.string(5).flatMap(HandoffEventType.init(rawValue:)), let time = row.double(6) else {
            throw StorageError.corrupt("handoff event row")
        }
        return HandoffEvent(
            id: id, type: type, occurredAt: Date(timeIntervalSince1970: time), complaint: try complaint(row), attempts: Int(row.int(7) ?? 0)
        )
    }
}
