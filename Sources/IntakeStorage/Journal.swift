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
        document = String(decoding: try JSONEncoder().encode(JournaledMessage(message: stored, attachments: attachments)), as: UTF8.self)
    }
}

extension Connection {
    /// Inserts a journal row under `trackingNumber`, or under a fresh one when that is nil or already
    /// taken; returns the row id and the number it got.
    public func insertJournal(
        _ record: JournalRecord, trackingNumber: TrackingNumber?, state: JournalState, complaintID: String?, error: String?
    ) throws -> (id: Int64, trackingNumber: TrackingNumber) {
        let statement = try prepare("""
            INSERT INTO journal (channel_id, channel_type, external_id, received_at, raw, message, tracking_number,
                                 state, complaint_id, error, attempts)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var number = trackingNumber ?? TrackingNumber.random()
        // 32^7 numbers: a clash is rare but certain over millions of reports, so draw again.
        for _ in 0..<8 {
            let values: [SQLValue] = [
                .text(record.message.channelID), .text(record.message.channelType.rawValue), .text(record.message.externalID),
                .real(record.receivedAt.timeIntervalSince1970), .blob(record.raw), .text(record.document), .text(number.description),
                .text(state.rawValue), complaintID.map(SQLValue.text) ?? .null, error.map(SQLValue.text) ?? .null,
                .integer(state == .pending ? 0 : 1),
            ]
            if try insertUnlessConflicting(statement, values) {
                return (lastInsertRowID, number)
            }
            number = TrackingNumber.random()
        }
        throw StorageError.corrupt("could not draw an unused tracking number")
    }

    /// Appends a message to the journal as pending, reserving a fresh tracking number for it.
    public func appendJournal(
        _ message: InboundMessage, attachments: [Attachment], raw: [UInt8], receivedAt: Date
    ) throws -> JournalEntry {
        let record = try JournalRecord(message: message, attachments: attachments, raw: raw, receivedAt: receivedAt)
        let (id, number) = try insertJournal(record, trackingNumber: nil, state: .pending, complaintID: nil, error: nil)
        return JournalEntry(
            id: id, receivedAt: receivedAt, raw: raw, message: record.message, attachments: attachments,
            trackingNumber: number, state: .pending, complaintID: nil, error: nil, attempts: 0
        )
    }

    /// Runs an INSERT; false when a UNIQUE constraint refused it.
    func insertUnlessConflicting(_ statement: Statement, _ values: [SQLValue]) throws(SQLiteError) -> Bool {
        do {
            try statement.run(values)
            return true
        } catch {
            if error.isConstraintViolation { return false }
            throw error
        }
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
        ).map(Self.journalEntry)
    }

    /// Entries in id order from `id` on, whatever their state: what `intake replay --all` walks.
    public func journalEntries(from id: Int64, limit: Int) throws -> [JournalEntry] {
        try query("SELECT \(Self.journalColumns) FROM journal WHERE id >= ? ORDER BY id LIMIT ?", [.integer(id), .integer(Int64(limit))])
            .map(Self.journalEntry)
    }

    /// One entry by id.
    public func journalEntry(_ id: Int64) throws -> JournalEntry? {
        try query("SELECT \(Self.journalColumns) FROM journal WHERE id = ?", [.integer(id)]).first.map(Self.journalEntry)
    }

    /// Counts of entries per state, for `/healthz` and the CLI.
    public func journalCounts() throws -> [JournalState: Int] {
        var counts: [JournalState: Int] = [:]
        for row in try query("SELECT state, count(*) FROM journal GROUP BY state") {
            if let state = row.string(0).flatMap(JournalState.init(rawValue:)) { counts[state] = Int(row.int(1) ?? 0) }
        }
        return counts
    }

    private static let journalColumns = "id, received_at, raw, message, tracking_number, state, complaint_id, error, attempts"

    private static func journalEntry(_ row: Row) throws -> JournalEntry {
        guard let id = row.int(0), let receivedAt = row.double(1), let raw = row.bytes(2), let document = row.bytes(3),
              let number = row.string(4).flatMap(TrackingNumber.init(parsing:)),
              let state = row.string(5).flatMap(JournalState.init(rawValue:))
        else { throw StorageError.corrupt("journal row \(row.int(0) ?? -1)") }
        let journaled: JournaledMessage
        do {
            journaled = try JSONDecoder().decode(JournaledMessage.self, from: Data(document))
        } catch {
            throw StorageError.corrupt("journal entry \(id): \(error)")
        }
        return JournalEntry(
            id: id, receivedAt: Date(timeIntervalSince1970: receivedAt), raw: raw, message: journaled.message,
            attachments: journaled.attachments, trackingNumber: number, state: state,
            complaintID: row.string(6), error: row.string(7), attempts: Int(row.int(8) ?? 0)
        )
    }
}
