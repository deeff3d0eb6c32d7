import Foundation
import IntakeModel

/// Where a journal entry stands.
public enum JournalState: String, Sendable, Codable {
    /// Journaled, processing not yet done.
    case pending
    /// Processed into a new complaint.
    case processed
    /// Processed, and found to repeat an existing complaint.
    case duplicate
    /// Processing failed; kept for `intake replay`.
    case failed
}

/// One inbound message exactly as it arrived, with what the adapter parsed from it.
public struct JournalEntry: Sendable {
    public var id: Int64
    public var receivedAt: Date
    /// The bytes the provider sent.
    public var raw: [UInt8]
    public var message: InboundMessage
    /// Attachments already written to the attachment store; `message.attachments` is empty once journaled.
    public var attachments: [Attachment]
    /// Reserved for this entry when it was journaled; becomes the complaint's number unless it is a duplicate.
    public var trackingNumber: TrackingNumber
    public var state: JournalState
    public var complaintID: String?
    public var error: String?
    public var attempts: Int
}

/// The journal's stored message: the adapter's parse with attachments as references.
struct JournaledMessage: Codable {
    var message: InboundMessage
    var attachments: [Attachment]
}

/// A journal row ready to insert, with its JSON encoded ahead of the write transaction so the single
/// writer thread only runs SQL.
public struct JournalRecord: Sendable {
    public var message: InboundMessage
    public var attachments: [Attachment]
    public var raw: [UInt8]
    public var receivedAt: Date
    let document: String

    public init(message: InboundMessage, attachments: [Attachment], raw: [UInt8], receivedAt: Date) throws {
        var stored = message
        stored.attachments = []
        self.message = stored
        self.attachments = attachments
        self.raw = raw
        self.receivedAt = receivedAt
        // Written directly (JSONWriter): the same JSON as `JournaledMessage`'s Codable form, at a fraction of the cost.
        var json = JSONWriter(capacity: 512 + stored.text.utf8.count)
        json.beginObject()
        json.key("message")
        stored.write(into: &json)
        json.key("attachments")
        json.beginArray()
        for attachment in attachments { attachment.write(into: &json, withReference: true) }
        json.endArray()
        json.endObject()
        document = json.text
    }
}

extension Connection {
    /// Inserts a journal row, and a `media_fetches` row for each attachment still to be fetched; returns its
    /// id and the tracking number that id stands for.
    public func insertJournal(
        _ record: JournalRecord, state: JournalState, complaintID: String?, error: String?
    ) throws -> (id: Int64, trackingNumber: TrackingNumber) {
        var id = try nextJournalID(refresh: false)
        var values: [SQLValue] = [
            .integer(id),
            .text(record.message.channelID), .text(record.message.channelType.rawValue), .text(record.message.externalID),
            .real(record.receivedAt.timeIntervalSince1970), .blob(record.raw), .text(record.document),
            .text(state.rawValue), complaintID.map(SQLValue.text) ?? .null, error.map(SQLValue.text) ?? .null,
            .integer(state == .pending ? 0 : 1),
        ]
        let insert = try prepare("""
            INSERT INTO journal (id, channel_id, channel_type, external_id, received_at, raw, message, state, complaint_id, error, attempts)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        do {
            try insert.run(values)
        } catch {
            guard error.isPrimaryKeyViolation else { throw error }
            // Another process (a CLI command) appended meanwhile: continue after its rows.
            id = try nextJournalID(refresh: true)
            values[0] = .integer(id)
            try insert.run(values)
        }
        journalSequence = id + 1
        if record.attachments.contains(where: { $0.state == .pending }) {
            try insertMediaFetches(record.attachments, journalID: id, channelID: record.message.channelID, receivedAt: record.receivedAt)
        }
        return (id, trackingNumbers.number(for: id))
    }

    /// The id the next journal row gets. Ids come from a sequence that only moves forward, also when a
    /// transaction rolls back: SQLite would hand a rolled-back id out again, and memory that still named it
    /// (an index entry, a pending message) would then point at someone else's message.
    private func nextJournalID(refresh: Bool) throws -> Int64 {
        if journalSequence == 0 || refresh {
            let stored = try query("SELECT max(id) FROM journal").first?.int(0) ?? 0
            journalSequence = max(journalSequence, stored + 1)
        }
        return journalSequence
    }

    /// Records how processing of entry `id` ended.
    public func markJournal(_ id: Int64, state: JournalState, complaintID: String?, error: String?) throws {
        try prepare("UPDATE journal SET state = ?, complaint_id = ?, error = ?, attempts = attempts + 1 WHERE id = ?").run([
            .text(state.rawValue), complaintID.map(SQLValue.text) ?? .null, error.map(SQLValue.text) ?? .null, .integer(id),
        ])
    }

    /// Entries whose processing has not succeeded yet, oldest first.
    public func unfinishedJournalEntries(after id: Int64 = 0, limit: Int = 100) throws -> [JournalEntry] {
        try query(
            "SELECT \(Self.journalColumns) FROM journal WHERE state IN ('pending', 'failed') AND id > ? ORDER BY id LIMIT ?",
            [.integer(id), .integer(Int64(limit))]
        ).map(journalEntry)
    }

    /// Entries in id order from `id` on, whatever their state: what `intake replay --all` walks.
    public func journalEntries(from id: Int64, limit: Int) throws -> [JournalEntry] {
        try query("SELECT \(Self.journalColumns) FROM journal WHERE id >= ? ORDER BY id LIMIT ?", [.integer(id), .integer(Int64(limit))])
            .map(journalEntry)
    }

    /// Whether provider message `externalID` on `channelID` has a journal entry already, whatever its state
    /// (through the `journal_external` index of migration 12).
    public func isJournaled(channelID: ChannelID, externalID: String) throws -> Bool {
        try !query("SELECT 1 FROM journal WHERE channel_id = ? AND external_id = ? LIMIT 1", [.text(channelID), .text(externalID)]).isEmpty
    }

    /// The state of entry `id`, nil when there is none.
    public func journalState(_ id: Int64) throws -> JournalState? {
        try query("SELECT state FROM journal WHERE id = ?", [.integer(id)]).first?.string(0).flatMap(JournalState.init(rawValue:))
    }

    /// One entry by id. Without `raw` its `raw` is empty: processing needs only the journaled message, and
    /// a mail's raw bytes (its attachments included) can be most of the row.
    public func journalEntry(_ id: Int64, raw: Bool = true) throws -> JournalEntry? {
        let columns = raw ? Self.journalColumns : Self.journalColumnsWithoutRaw
        return try query("SELECT \(columns) FROM journal WHERE id = ?", [.integer(id)]).first.map(journalEntry)
    }

    /// Counts of entries still waiting for processing (`pending`, `failed`), for `/healthz`: answered from
    /// the partial index that holds only those, so a probe never walks the whole journal.
    public func unfinishedJournalCounts() throws -> [JournalState: Int] {
        try stateCounts("SELECT state, count(*) FROM journal WHERE state IN ('pending', 'failed') GROUP BY state")
    }

    /// Counts of entries per state; walks the whole journal, so for tests and the CLI, not for probes.
    public func journalCounts() throws -> [JournalState: Int] {
        try stateCounts("SELECT state, count(*) FROM journal GROUP BY state")
    }

    /// Reads `state, count` rows into a dictionary.
    private func stateCounts(_ sql: String) throws -> [JournalState: Int] {
        var counts: [JournalState: Int] = [:]
        for row in try query(sql) {
            if let state = row.string(0).flatMap(JournalState.init(rawValue:)) { counts[state] = Int(row.int(1) ?? 0) }
        }
        return counts
    }

    private static let journalColumns = "id, received_at, raw, message, state, complaint_id, error, attempts"
    private static let journalColumnsWithoutRaw = "id, received_at, X'', message, state, complaint_id, error, attempts"

    private func journalEntry(_ row: Row) throws -> JournalEntry {
        // An empty blob reads as NULL; the column itself is NOT NULL.
        let raw = row.bytes(2) ?? []
        guard let id = row.int(0), let receivedAt = row.double(1), let document = row.bytes(3),
              let state = row.string(4).flatMap(JournalState.init(rawValue:))
        else { throw StorageError.corrupt("journal row \(row.int(0) ?? -1)") }
        let journaled: JournaledMessage
        do {
            journaled = try JSONDecoder().decode(JournaledMessage.self, from: Data(document))
        } catch {
            throw StorageError.corrupt("journal entry \(id): \(error)")
        }
        return JournalEntry(
            id: id, receivedAt: Date(timeIntervalSince1970: receivedAt), raw: raw, message: journaled.message,
            attachments: journaled.attachments, trackingNumber: trackingNumbers.number(for: id), state: state,
            complaintID: row.string(5), error: row.string(6), attempts: Int(row.int(7) ?? 0)
        )
    }
}
