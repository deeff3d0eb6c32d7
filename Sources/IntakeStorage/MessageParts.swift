import Foundation
import IntakeModel

/// One stored part of a split message (`message_parts`).
public struct StoredPart: Sendable, Equatable {
    /// The part's own journal row.
    public var journalID: Int64
    /// The journal row of the group's first part to arrive: the group's name and tracking number.
    public var groupID: Int64
    /// The part's position, from 1.
    public var index: Int
    /// How many parts the group announced (its first part's `total`).
    public var total: Int
    /// When the group stops waiting for its missing parts.
    public var expiresAt: Date
    /// When the group was joined into one message; nil while it waits.
    public var joinedAt: Date?
}

/// Where a part belongs: its channel, its reporter and the provider's reference shared by its parts.
public struct PartGroupKey: Sendable, Equatable {
    /// The channel the parts came in on.
    public var channelID: ChannelID
    /// `kind:address` of the reporter.
    public var reporter: String
    /// The provider's reference shared by the parts.
    public var reference: String

    /// The key of `reporter`'s parts under `reference` on `channelID`.
    public init(channelID: ChannelID, reporter: Reporter, reference: String) {
        self.channelID = channelID
        self.reporter = "\(reporter.kind.rawValue):\(reporter.address)"
        self.reference = reference
    }
}

extension Connection {
    private static let partColumns = "journal_id, group_id, part_index, total, expires_at, joined_at"

    /// The part stored for provider message `externalID` on `channelID`, if any (a redelivery).
    public func storedPart(channelID: ChannelID, externalID: String) throws -> StoredPart? {
        try query("SELECT \(Self.partColumns) FROM message_parts WHERE channel_id = ? AND external_id = ? LIMIT 1",
                  [.text(channelID), .text(externalID)]).first.flatMap(storedPart)
    }

    /// The part journaled as `journalID`, if that row is a part.
    public func storedPart(journalID: Int64) throws -> StoredPart? {
        try query("SELECT \(Self.partColumns) FROM message_parts WHERE journal_id = ?", [.integer(journalID)]).first.flatMap(storedPart)
    }

    /// The parts of the group under `key` that still waits for parts, in index order; empty when none waits.
    public func waitingParts(_ key: PartGroupKey) throws -> [StoredPart] {
        try query("""
            SELECT \(Self.partColumns) FROM message_parts
            WHERE channel_id = ? AND reporter = ? AND reference = ? AND joined_at IS NULL ORDER BY part_index
            """, [.text(key.channelID), .text(key.reporter), .text(key.reference)]).compactMap(storedPart)
    }

    /// The parts of group `groupID`, in index order.
    public func groupParts(_ groupID: Int64) throws -> [StoredPart] {
        try query("SELECT \(Self.partColumns) FROM message_parts WHERE group_id = ? ORDER BY part_index, journal_id",
                  [.integer(groupID)]).compactMap(storedPart)
    }

    /// Stores a part journaled as `journalID`, in the caller's transaction.
    public func insertPart(_ part: MessagePart, key: PartGroupKey, journalID: Int64, groupID: Int64, externalID: String, expiresAt: Date) throws {
        try prepare("""
            INSERT INTO message_parts (journal_id, group_id, channel_id, reporter, reference, part_index, total, external_id, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).run([
            .integer(journalID), .integer(groupID), .text(key.channelID), .text(key.reporter), .text(key.reference),
            .integer(Int64(part.index)), .integer(Int64(part.total)), .text(externalID), .real(expiresAt.timeIntervalSince1970),
        ])
    }

    /// Groups still waiting whose time ran out at `now`, oldest first.
    public func expiredPartGroups(at now: Date, limit: Int) throws -> [Int64] {
        try query("""
            SELECT DISTINCT group_id FROM message_parts WHERE joined_at IS NULL AND expires_at <= ? ORDER BY group_id LIMIT ?
            """, [.real(now.timeIntervalSince1970), .integer(Int64(limit))]).compactMap { $0.int(0) }
    }

    /// When the next waiting group expires, if any waits.
    public func nextPartExpiry() throws -> Date? {
        try query("SELECT min(expires_at) FROM message_parts WHERE joined_at IS NULL").first?.double(0).map(Date.init(timeIntervalSince1970:))
    }

    /// Marks group `groupID` joined.
    public func markPartsJoined(_ groupID: Int64, at time: Date) throws {
        try prepare("UPDATE message_parts SET joined_at = ? WHERE group_id = ?").run([.real(time.timeIntervalSince1970), .integer(groupID)])
    }

    /// Forgets parts of groups joined before `horizon`; their journal rows stay.
    public func prunePartGroups(joinedBefore horizon: Date) throws {
        try prepare("DELETE FROM message_parts WHERE joined_at IS NOT NULL AND joined_at < ?").run([.real(horizon.timeIntervalSince1970)])
    }

    /// Replaces the parsed message of journal row `id` (the group's row becomes the joined message); its raw
    /// bytes stay as they arrived.
    public func replaceJournalMessage(_ id: Int64, with record: JournalRecord) throws {
        try prepare("UPDATE journal SET message = ? WHERE id = ?").run([.text(record.document), .integer(id)])
    }

    private func storedPart(_ row: Row) -> StoredPart? {
        guard let journalID = row.int(0), let groupID = row.int(1), let index = row.int(2), let total = row.int(3),
              let expires = row.double(4) else { return nil }
        return StoredPart(
            journalID: journalID, groupID: groupID, index: Int(index), total: Int(total),
            expiresAt: Date(timeIntervalSince1970: expires), joinedAt: row.double(5).map(Date.init(timeIntervalSince1970:))
        )
    }

    // MARK: - Bursts

    /// The complaint and time of the reporter's last message on `channelID`.
    public func lastBurst(channelID: ChannelID, reporter: String) throws -> (complaintID: String, at: Date)? {
        guard let row = try query("SELECT complaint_id, last_at FROM reporter_bursts WHERE channel_id = ? AND reporter = ?",
                                  [.text(channelID), .text(reporter)]).first,
              let id = row.string(0), let at = row.double(1) else { return nil }
        return (id, Date(timeIntervalSince1970: at))
    }

    /// Records the reporter's message at `time` that went to `complaintID`, unless a later one is recorded.
    public func recordBurst(channelID: ChannelID, reporter: String, complaintID: String, at time: Date) throws {
        try prepare("""
            INSERT INTO reporter_bursts (channel_id, reporter, complaint_id, last_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (channel_id, reporter) DO UPDATE SET complaint_id = excluded.complaint_id, last_at = excluded.last_at
            WHERE excluded.last_at >= reporter_bursts.last_at
            """).run([.text(channelID), .text(reporter), .text(complaintID), .real(time.timeIntervalSince1970)])
    }

    // MARK: - Campaign statistics

    /// Complaints of `campaign` per channel and hour (the hour's start, seconds since 1970), oldest hour first.
    public func campaignCounts(_ campaign: String) throws -> [(channelID: ChannelID, hour: Int64, count: Int)] {
        try query("""
            SELECT channel_id, CAST(received_at / 3600 AS INTEGER) * 3600 AS hour, count(*) FROM complaints
            WHERE campaign = ? GROUP BY channel_id, hour ORDER BY hour, channel_id
            """, [.text(campaign)]).compactMap { row in
            guard let channel = row.string(0), let hour = row.int(1), let count = row.int(2) else { return nil }
            return (channel, hour, Int(count))
        }
    }
}
