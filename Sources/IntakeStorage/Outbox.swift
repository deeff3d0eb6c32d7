import Foundation
import IntakeModel

/// A complaint waiting to be handed to the routing core.
public struct OutboxItem: Sendable {
    /// The outbox row, which is the complaint's journal id.
    public var id: Int64
    public var complaint: Complaint
    public var attempts: Int
}

extension Connection {
    /// Queues the complaint made from journal entry `journalID` for the routing core; the complaint's id
    /// is the idempotency key the core sees.
    public func enqueueOutbox(journalID: Int64, at time: Date) throws {
        try prepare("INSERT OR IGNORE INTO outbox (journal_id, enqueued_at, next_attempt_at) VALUES (?, ?, ?)").run([
            .integer(journalID), .real(time.timeIntervalSince1970), .real(time.timeIntervalSince1970),
        ])
    }

    /// Undelivered items whose next attempt is due, oldest first.
    public func dueOutboxItems(now: Date, limit: Int) throws -> [OutboxItem] {
        try query("""
            SELECT c.document, c.status, c.cluster_id, c.journal_id, o.journal_id, o.attempts
            FROM outbox o JOIN complaints c ON c.journal_id = o.journal_id
            WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ? ORDER BY o.journal_id LIMIT ?
            """, [.real(now.timeIntervalSince1970), .integer(Int64(limit))]
        ).map { row in
            let complaint = try self.complaint(row)
            guard let id = row.int(4) else { throw StorageError.corrupt("outbox row") }
            return OutboxItem(id: id, complaint: complaint, attempts: Int(row.int(5) ?? 0))
        }
    }

    /// Marks an item delivered and its complaint handed off.
    public func markOutboxDelivered(_ id: Int64, complaintID: String, at time: Date) throws {
        try prepare("UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE journal_id = ?")
            .run([.real(time.timeIntervalSince1970), .integer(id)])
        try setComplaintStatus(complaintID, .handedOff)
    }

    /// Records a failed delivery and when to try again.
    public func markOutboxFailed(_ id: Int64, error: String, retryAt: Date) throws {
        try prepare("UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE journal_id = ?")
            .run([.text(error), .real(retryAt.timeIntervalSince1970), .integer(id)])
    }

    /// How many items wait for delivery.
    public func pendingOutboxCount() throws -> Int {
        Int(try query("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").first?.int(0) ?? 0)
    }

    /// The last cursor a poller committed for `channelID`.
    public func cursor(for channelID: ChannelID) throws -> String? {
        try query("SELECT cursor FROM cursors WHERE channel_id = ?", [.text(channelID)]).first?.string(0)
    }

    /// Commits a poller's cursor; call in the same transaction as the messages it covers.
    public func saveCursor(_ cursor: String, for channelID: ChannelID, at time: Date) throws {
        try prepare("""
            INSERT INTO cursors (channel_id, cursor, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (channel_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
            """).run([.text(channelID), .text(cursor), .real(time.timeIntervalSince1970)])
    }
}
