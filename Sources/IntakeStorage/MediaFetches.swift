import Foundation
import IntakeModel

/// One attachment reference waiting for the media service (a row of `media_fetches`).
public struct MediaFetch: Sendable, Equatable {
    /// The row id.
    public var id: Int64
    /// The journal entry the attachment came with.
    public var journalID: Int64
    /// The attachment's index in the entry's (and its complaint's) attachments.
    public var position: Int
    /// The channel it came on: its family's resolver fetches it.
    public var channelID: ChannelID
    /// Where the bytes are, as the family's resolver understands it.
    public var reference: MediaReference
    /// The file name the provider gave, or one made up from the URL.
    public var fileName: String
    /// The type the provider declared.
    public var mediaType: String
    /// When the message was journaled: the deadline counts from here.
    public var receivedAt: Date
    /// Downloads tried so far.
    public var attempts: Int
    /// Why the last try failed, if one did.
    public var lastError: String?
}

extension Connection {
    /// Records a fetch row for every pending reference among `attachments` of journal entry `journalID`;
    /// called by `insertJournal`, so the rows exist exactly when the entry does.
    func insertMediaFetches(_ attachments: [Attachment], journalID: Int64, channelID: ChannelID, receivedAt: Date) throws {
        let insert = try prepare("""
            INSERT OR IGNORE INTO media_fetches (journal_id, position, channel_id, location, credentials, file_name, media_type,
                                                 expires_at, received_at, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (position, attachment) in attachments.enumerated() where attachment.state == .pending {
            guard let reference = attachment.reference else { continue }
            let time = receivedAt.timeIntervalSince1970
            try insert.run([
                .integer(journalID), .integer(Int64(position)), .text(channelID), .text(reference.location), .text(reference.credentials),
                .text(attachment.fileName), .text(attachment.mediaType),
                reference.expiresAt.map { .real($0.timeIntervalSince1970) } ?? .null, .real(time), .real(time),
            ])
        }
    }

    /// Pending references due at `now`, the most perishable first: by the provider's expiry or, failing
    /// that, the deadline `deadlineSeconds` after the message was received.
    public func dueMediaFetches(now: Date, deadlineSeconds: Double, limit: Int) throws -> [MediaFetch] {
        try query("""
            SELECT id, journal_id, position, channel_id, location, credentials, file_name, media_type, expires_at,
                   received_at, attempts, last_error
            FROM media_fetches WHERE state = 'pending' AND next_attempt_at <= ?
            ORDER BY coalesce(expires_at, received_at + ?), id LIMIT ?
            """, [.real(now.timeIntervalSince1970), .real(deadlineSeconds), .integer(Int64(limit))]
        ).compactMap { row in
            guard let id = row.int(0), let journalID = row.int(1), let position = row.int(2), let channelID = row.string(3),
                  let location = row.string(4), let credentials = row.string(5), let fileName = row.string(6),
                  let mediaType = row.string(7), let receivedAt = row.double(9)
            else { return nil }
            return MediaFetch(
                id: id, journalID: journalID, position: Int(position), channelID: channelID,
                reference: MediaReference(location: location, credentials: credentials,
                                          expiresAt: row.double(8).map(Date.init(timeIntervalSince1970:))),
                fileName: fileName, mediaType: mediaType, receivedAt: Date(timeIntervalSince1970: receivedAt),
                attempts: Int(row.int(10) ?? 0), lastError: row.string(11)
            )
        }
    }

    /// When the next pending reference falls due; nil when none is pending.
    public func nextMediaAttempt() throws -> Date? {
        try query("SELECT min(next_attempt_at) FROM media_fetches WHERE state = 'pending'").first?.double(0)
            .map(Date.init(timeIntervalSince1970:))
    }

    /// References still pending, for tests and `/healthz`-style counts.
    public func pendingMediaCount() throws -> Int {
        Int(try query("SELECT count(*) FROM media_fetches WHERE state = 'pending'").first?.int(0) ?? 0)
    }

    /// Bytes already stored for entry `journalID`'s attachments, for the per-message limit.
    public func storedMediaBytes(journalID: Int64) throws -> Int {
        Int(try query("SELECT coalesce(sum(size), 0) FROM media_fetches WHERE journal_id = ? AND state = 'stored'", [.integer(journalID)])
            .first?.int(0) ?? 0)
    }

    /// Records a failed try of fetch `id`, to be tried again at `retryAt`.
    public func retryMediaFetch(_ id: Int64, error: String, retryAt: Date) throws {
        try prepare("UPDATE media_fetches SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ? AND state = 'pending'")
            .run([.text(error), .real(retryAt.timeIntervalSince1970), .integer(id)])
    }

    /// Records how fetch `id` ended: `attachment` is `stored` (with its digest) or `unavailable` (with its reason).
    /// Returns false when the row was no longer pending.
    @discardableResult
    public func finishMediaFetch(_ id: Int64, as attachment: Attachment, at time: Date) throws -> Bool {
        try prepare("""
            UPDATE media_fetches SET state = ?, attempts = attempts + 1, size = ?, sha256 = ?, stored_media_type = ?, reason = ?,
                                     finished_at = ?
            WHERE id = ? AND state = 'pending'
            """).run([
                .text(attachment.state.rawValue), .integer(Int64(attachment.size)), .text(attachment.sha256), .text(attachment.mediaType),
                attachment.reason.map(SQLValue.text) ?? .null, .real(time.timeIntervalSince1970), .integer(id),
            ])
        return changes > 0
    }

    /// `attachments` of entry `journalID` with what the media service found so far put in place of their
    /// pending references. Returns them and whether any is still pending.
    public func resolvingMedia(_ attachments: [Attachment], journalID: Int64) throws -> (attachments: [Attachment], pending: Bool) {
        guard attachments.contains(where: { $0.state == .pending }) else { return (attachments, false) }
        var resolved = attachments
        let rows = try query("""
            SELECT position, state, size, sha256, stored_media_type, reason FROM media_fetches WHERE journal_id = ? AND state != 'pending'
            """, [.integer(journalID)])
        for row in rows {
            guard let position = row.int(0).map(Int.init), resolved.indices.contains(position),
                  let state = row.string(1).flatMap(AttachmentState.init(rawValue:))
            else { continue }
            resolved[position].state = state
            resolved[position].size = Int(row.int(2) ?? 0)
            resolved[position].sha256 = row.string(3) ?? ""
            resolved[position].mediaType = row.string(4) ?? resolved[position].mediaType
            resolved[position].reason = row.string(5)
            resolved[position].reference = nil
        }
        return (resolved, resolved.contains { $0.state == .pending })
    }

    /// The complaint made from entry `journalID`, if any.
    public func complaint(journalID: Int64) throws -> Complaint? {
        try query("SELECT document, status, cluster_id, journal_id FROM complaints WHERE journal_id = ?", [.integer(journalID)])
            .first.map(complaint)
    }

    /// Replaces complaint `id`'s stored document (its attachments changed).
    public func updateComplaintDocument(_ complaint: Complaint) throws {
        try prepare("UPDATE complaints SET document = ? WHERE id = ?").run([.text(complaint.document), .text(complaint.id)])
    }

    /// Whether complaint `id` already has its created event.
    public func hasCreatedEvent(complaintID: String) throws -> Bool {
        try !query("SELECT 1 FROM handoff_events WHERE complaint_id = ? AND type = 'complaint.created' LIMIT 1", [.text(complaintID)]).isEmpty
    }
}
