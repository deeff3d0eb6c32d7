import Foundation
import IntakeModel

/// Which complaints a listing wants.
public struct ComplaintFilter: Sendable, Equatable {
    public var channelID: ChannelID?
    public var campaign: String?
    /// Only complaints received at or after this time.
    public var since: Date?

    public init(channelID: ChannelID? = nil, campaign: String? = nil, since: Date? = nil) {
        self.channelID = channelID
        self.campaign = campaign
        self.since = since
    }
}

/// One page of a listing and where the next one starts.
public struct ComplaintPage: Sendable {
    public var items: [Complaint]
    /// Pass back as `after` for the next page; nil on the last page.
    public var nextCursor: Int64?
}

extension Connection {
    /// Stores a new complaint with the key exact deduplication matches on. `document` is its JSON when
    /// already encoded (outside the write transaction); its `tracking_number` and `journal_id` may be
    /// placeholders: the `journal_id` column is the truth, and the tracking number derives from it.
    public func insertComplaint(_ complaint: Complaint, document: String? = nil, matchKey: String) throws {
        let document = document ?? complaint.document
        try prepare("""
            INSERT INTO complaints (id, journal_id, channel_id, external_id, received_at, reporter_kind,
                                    reporter_address, match_hash, match_key, campaign, cluster_id, status, document)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).run([
                .text(complaint.id), .integer(complaint.journalID),
                .text(complaint.channelID), .text(complaint.externalID), .real(complaint.receivedAt.timeIntervalSince1970),
                .text(complaint.reporter.kind.rawValue), .text(complaint.reporter.address),
                .integer(Self.matchHash(matchKey)), .text(matchKey),
                complaint.campaign.map(SQLValue.text) ?? .null, complaint.dedup.clusterID.map(SQLValue.text) ?? .null,
                .text(complaint.status.rawValue), .text(document),
            ])
    }

    /// Moves a complaint along its routing states.
    public func setComplaintStatus(_ id: String, _ status: RoutingState) throws {
        try prepare("UPDATE complaints SET status = ? WHERE id = ?").run([.text(status.rawValue), .text(id)])
    }

    /// A complaint by its id or its tracking number. A number leads to the complaint its journal entry
    /// made or was merged into, so a receipt given for a resend or before a replay still finds it.
    public func complaint(idOrTrackingNumber key: String) throws -> Complaint? {
        let rows: [Row]
        if let number = TrackingNumber(parsing: key) {
            let journalID = trackingNumbers.journalID(for: number)
            let made = try query("SELECT document, status, cluster_id, journal_id FROM complaints WHERE journal_id = ?", [.integer(journalID)])
            rows = try made.isEmpty ? query("""
                SELECT c.document, c.status, c.cluster_id, c.journal_id FROM journal j JOIN complaints c ON c.id = j.complaint_id
                WHERE j.id = ?
                """, [.integer(journalID)]) : made
        } else {
            rows = try query("SELECT document, status, cluster_id, journal_id FROM complaints WHERE id = ?", [.text(key)])
        }
        return try rows.first.map(complaint)
    }

    /// Complaints matching `filter` in the order they were stored, `limit` at a time, after cursor `after`.
    public func complaints(_ filter: ComplaintFilter, after: Int64?, limit: Int) throws -> ComplaintPage {
        let (filterConditions, filterValues) = Self.conditions(filter)
        let conditions = ["seq > ?", filterConditions]
        var values: [SQLValue] = [.integer(after ?? 0)] + filterValues
        values.append(.integer(Int64(limit + 1)))
        let rows = try query(
            "SELECT document, status, cluster_id, journal_id, seq FROM complaints WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT ?",
            values
        )
        let page = rows.prefix(limit)
        return ComplaintPage(
            items: try page.map(complaint),
            nextCursor: rows.count > limit ? page.last?.int(4) : nil
        )
    }

    /// How many complaints are stored.
    public func complaintCount() throws -> Int {
        try complaintCount(ComplaintFilter())
    }

    /// How many complaints match `filter`.
    public func complaintCount(_ filter: ComplaintFilter) throws -> Int {
        let (conditions, values) = Self.conditions(filter)
        return Int(try query("SELECT count(*) FROM complaints WHERE \(conditions)", values).first?.int(0) ?? 0)
    }

    /// The WHERE clause and its values for `filter`.
    private static func conditions(_ filter: ComplaintFilter) -> (String, [SQLValue]) {
        var conditions = ["1 = 1"]
        var values: [SQLValue] = []
        if let channelID = filter.channelID {
            conditions.append("channel_id = ?")
            values.append(.text(channelID))
        }
        if let campaign = filter.campaign {
            conditions.append("campaign = ?")
            values.append(.text(campaign))
        }
        if let since = filter.since {
            conditions.append("received_at >= ?")
            values.append(.real(since.timeIntervalSince1970))
        }
        return (conditions.joined(separator: " AND "), values)
    }

    /// Reads a complaint from columns `document, status, cluster_id, journal_id`.
    func complaint(_ row: Row) throws -> Complaint {
        guard let document = row.bytes(0) else { throw StorageError.corrupt("complaint row without document") }
        do {
            var complaint = try ComplaintCoding.decoder().decode(Complaint.self, from: Data(document))
            // Status and cluster change after insert; the columns are the truth.
            if let status = row.string(1).flatMap(RoutingState.init(rawValue:)) { complaint.status = status }
            complaint.dedup.clusterID = row.string(2) ?? complaint.dedup.clusterID
            guard let journalID = row.int(3) else { throw StorageError.corrupt("complaint row without journal id") }
            complaint.journalID = journalID
            complaint.trackingNumber = trackingNumbers.number(for: journalID)
            return complaint
        } catch {
            throw StorageError.corrupt("complaint document: \(error)")
        }
    }

    /// FNV-1a: a compact index key for the match text; equality of the text itself is still checked.
    static func matchHash(_ key: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}

/// Answers deduplication's questions from the complaints table, inside the write transaction.
public struct StoredComplaintLookup: ComplaintLookup {
    let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    public func onRollback(_ undo: @escaping () -> Void) { connection.onRollback(undo) }

    public func complaint(channelID: ChannelID, externalID: String) throws -> ComplaintReference? {
        // One statement for both places a provider id can be (asked for every message, on the writer thread).
        try connection.query("""
            SELECT id, journal_id, cluster_id FROM complaints WHERE channel_id = ?1 AND external_id = ?2
            UNION ALL
            SELECT c.id, c.journal_id, c.cluster_id FROM merged_external_ids m JOIN complaints c ON c.id = m.complaint_id
            WHERE m.channel_id = ?1 AND m.external_id = ?2
            LIMIT 1
            """, [.text(channelID), .text(externalID)]).first.flatMap(connection.reference)
    }

    public func recentComplaint(from reporter: Reporter, matchKey: String, since: Date) throws -> ComplaintReference? {
        try connection.query(
            """
            SELECT id, journal_id, cluster_id FROM complaints
            WHERE reporter_address = ? AND match_hash = ? AND received_at >= ? AND reporter_kind = ? AND match_key = ?
              AND json_extract(document, '$.anonymous') IS NOT 1
            ORDER BY received_at DESC LIMIT 1
            """,
            [.text(reporter.address), .integer(Connection.matchHash(matchKey)), .real(since.timeIntervalSince1970),
             .text(reporter.kind.rawValue), .text(matchKey)]
        ).first.flatMap(connection.reference)
    }
}

extension Connection {
    /// The reporters of complaints received since `since`: who the gateway must treat as known at start.
    public func recentReporters(since: Date) throws -> [(kind: ReporterKind, address: String, receivedAt: Double)] {
        try query(
            "SELECT reporter_kind, reporter_address, received_at FROM complaints WHERE received_at >= ?",
            [.real(since.timeIntervalSince1970)]
        ).compactMap { row in
            guard let kind = row.string(0).flatMap(ReporterKind.init(rawValue:)), let address = row.string(1),
                  let receivedAt = row.double(2)
            else { return nil }
            return (kind, address, receivedAt)
        }
    }

    /// The complaint already made from journal entry `journalID`, if any: what makes processing idempotent.
    public func complaintReference(journalID: Int64) throws -> ComplaintReference? {
        try query("SELECT id, journal_id, cluster_id FROM complaints WHERE journal_id = ?", [.integer(journalID)]).first.flatMap(reference)
    }

    /// The complaint with id `id`, as a reference.
    public func complaintReference(id: String) throws -> ComplaintReference? {
        try query("SELECT id, journal_id, cluster_id FROM complaints WHERE id = ?", [.text(id)]).first.flatMap(reference)
    }

    /// Remembers that the provider message `externalID` on `channelID` was merged into `complaintID`.
    public func recordMergedExternalID(channelID: ChannelID, externalID: String, complaintID: String) throws {
        try prepare("INSERT OR IGNORE INTO merged_external_ids (channel_id, external_id, complaint_id) VALUES (?, ?, ?)")
            .run([.text(channelID), .text(externalID), .text(complaintID)])
    }

    /// A reference from columns `id, journal_id, cluster_id`.
    func reference(_ row: Row) -> ComplaintReference? {
        guard let id = row.string(0), let journalID = row.int(1) else { return nil }
        return ComplaintReference(id: id, trackingNumber: trackingNumbers.number(for: journalID), clusterID: row.string(2))
    }
}
