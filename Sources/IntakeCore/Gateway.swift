import Foundation
import IntakeModel
import IntakeStorage
import Logging

/// A poller's position to commit together with the messages it fetched.
public struct CursorUpdate: Sendable, Equatable {
    public var channelID: ChannelID
    public var cursor: String

    public init(channelID: ChannelID, cursor: String) {
        self.channelID = channelID
        self.cursor = cursor
    }
}

/// The one door every channel uses: journals messages durably and answers with receipts only after the
/// commit reached the disk.
///
/// A message that could repeat an earlier one is decided and stored in the same transaction as its journal
/// row. With a `backlog`, any other message is only journaled, as `pending`, and processed from the journal
/// later (`processBacklog`), so a burst is answered at the speed of the journal.
/// A class: every request's write closure captures it, and one reference costs one retain where a copy of
/// its fields (the pipeline's dictionaries and existentials, the outbox) cost one each, on objects every
/// request thread touches.
public final class Gateway: Sendable {
    public let database: Database
    public let attachments: AttachmentStore
    public let pipeline: Pipeline
    /// Pending entries awaiting processing; nil processes every message before answering it.
    public let backlog: ProcessingBacklog?
    /// Where replies to citizens are written, with the messages they answer; nil writes none.
    public let replies: ReplyOutbox?
    let logger: Logger

    public init(
        database: Database, attachments: AttachmentStore, pipeline: Pipeline, backlog: ProcessingBacklog? = nil, logger: Logger,
        replies: ReplyOutbox? = nil
    ) {
        self.database = database
        self.attachments = attachments
        self.pipeline = pipeline
        self.backlog = backlog
        self.replies = replies
        self.logger = logger
    }

    /// Journals and processes messages from one webhook call or push; all share the raw bytes.
    /// `receivedAt` is now, except in tests that step over a dedup window without waiting it out.
    public func submit(_ messages: [InboundMessage], raw: [UInt8], receivedAt: Date = Date()) async throws -> [Receipt] {
        try await submit(messages.map { PolledMessage(message: $0, raw: raw) }, cursor: nil, receivedAt: receivedAt)
    }

    /// A message ready for the writer: its journal row, and its processing prepared when it will likely be
    /// decided at once.
    private struct Admitted: Sendable {
        var record: JournalRecord
        var keys: ProcessingBacklog.Keys?
        var prepared: PreparedMessage?
    }

    /// Journals and processes messages and commits `cursor` with them: either all of it is durable or none.
    public func submit(_ messages: [PolledMessage], cursor: CursorUpdate?, receivedAt: Date = Date()) async throws -> [Receipt] {
        var admitted: [Admitted] = []
        admitted.reserveCapacity(messages.count)
        let time = receivedAt.timeIntervalSince1970
        for item in messages {
            // Attachment files are fsynced before the journal commit that refers to them.
            let stored = try await attachments.store(item.message.attachments)
            var message = item.message
            // A campaign matched by keyword or hashtag is decided once, at the answer, and journaled with the
            // message: its reply already speaks for the campaign, and processing later decides the same.
            if let campaign = pipeline.normalizer.matchedCampaign(of: message, receivedAt: receivedAt) { message.campaign = campaign }
            let record = try JournalRecord(message: message, attachments: stored, raw: item.raw, receivedAt: receivedAt)
            // A status question is answered, never deferred or deduplicated; a part is only journaled until its
            // message is whole (`MessageParts`).
            // An edit or a request for instructions is decided on the writer (`Amendment`, `StatusAnswer.instruct`).
            if item.message.statusQuestion != nil || record.message.part?.isValid == true || message.editedAt != nil
                || message.asksHowToReport == true {
                admitted.append(Admitted(record: record, keys: nil, prepared: nil))
                continue
            }
            var keys: ProcessingBacklog.Keys?
            var deferrable = false
            if let backlog = self.backlog {
                let messageKeys = ProcessingBacklog.Keys(record.message)
                // The writer asks again and has the last word; preparing here only keeps the work off its thread.
                deferrable = backlog.mayDefer(messageKeys, at: time)
                keys = messageKeys
            }
            admitted.append(Admitted(record: record, keys: keys, prepared: deferrable ? nil : pipeline.prepare(record)))
        }
        let batch = admitted
        backlog?.inFlight(batch.count)
        defer { backlog?.landed(batch.count) }
        // One message and no cursor: each step below keeps its own failures inside a savepoint or is one
        // statement; only a group must be undone as a whole (a reply is a second statement after the journal's).
        let replying = replies.map { replies in batch.contains { replies.replies(to: $0.record.message.channelID) } } ?? false
        let receipts = try await database.write(isolated: batch.count > 1 || cursor != nil || replying) { [self] connection in
            var processed: [Int64] = []
            let receipts = try batch.map { item -> Receipt? in
                // A poller reading again what it already stored (a refused page token restarts a burst, an
                // unreadable cursor starts afresh) journals none of it twice: a poll is never a new arrival.
                // An edit shares its original's id and is decided by `Amendment`.
                let message = item.record.message
                if cursor != nil, message.editedAt == nil,
                    try connection.isJournaled(channelID: message.channelID, externalID: message.externalID) {
                    return nil
                }
                return try Self.admit(item, pipeline: pipeline, backlog: backlog, replies: replies, processed: &processed, in: connection)
            }
            if let cursor {
                try connection.saveCursor(cursor.cursor, for: cursor.channelID, at: receivedAt)
            }
            if !processed.isEmpty { backlog?.finished(processed, in: connection) }
            return receipts
        }
        if logger.logLevel <= .debug {
            for (item, receipt) in zip(messages, receipts) {
                guard let receipt else { continue }
                logger.debug("journaled", metadata: [
                    "channel": "\(item.message.channelID)", "reporter": "\(item.message.reporter.redactedAddress)",
                    "tracking_number": "\(receipt.trackingNumber)", "duplicate": "\(receipt.duplicate)",
                    "processed": "\(receipt.complaintID != nil)",
                ])
            }
        }
        return receipts.compactMap { $0 }
    }

    /// Journals one message on the writer thread and writes its reply in the same transaction; a status
    /// question is answered and makes nothing.
    private static func admit(
        _ item: Admitted, pipeline: Pipeline, backlog: ProcessingBacklog?, replies: ReplyOutbox?, processed: inout [Int64],
        in connection: Connection
    ) throws -> Receipt {
        if let question = item.record.message.statusQuestion {
            return try StatusAnswer.answer(question, record: item.record, replies: replies, in: connection)
        }
        if item.record.message.asksHowToReport == true {
            return try StatusAnswer.instruct(record: item.record, replies: replies, in: connection)
        }
        // An edit amends its earlier message's complaint and is not acknowledged again; an edit of a message
        // never seen is a new report.
        if let amended = try Amendment.apply(item.record, pipeline: pipeline, processed: &processed, in: connection) {
            return amended
        }
        var receipt = try decide(item, pipeline: pipeline, backlog: backlog, processed: &processed, in: connection)
        // The parts of a split message share the number of the part that came first: that part is answered,
        // the others are not, so a citizen gets one reply per message, not one per part.
        if item.record.message.part?.isValid == true && connection.trackingNumbers.number(for: receipt.journalID) != receipt.trackingNumber {
            return receipt
        }
        if let replies, replies.replies(to: item.record.message.channelID) {
            receipt.reply = try replies.acknowledge(item.record, receipt: receipt, in: connection)
        }
        return receipt
    }

    /// Journals one message: as pending when nothing it could repeat is known, otherwise processed at once
    /// after the pending entries it could repeat.
    private static func decide(
        _ item: Admitted, pipeline: Pipeline, backlog: ProcessingBacklog?, processed: inout [Int64], in connection: Connection
    ) throws -> Receipt {
        let record = item.record
        if let part = record.message.part, part.isValid {
            return try MessageParts(pipeline: pipeline, backlog: backlog).admit(record, part: part, processed: &processed, in: connection)
        }
        let time = record.receivedAt.timeIntervalSince1970
        if let backlog, let keys = item.keys {
            switch backlog.admission(keys, at: time) {
            case .deferrable:
                let message = record.message
                // The provider id is the one repeat that needs no recent reporter: a retry days later.
                if try StoredComplaintLookup(connection: connection).complaint(channelID: message.channelID, externalID: message.externalID) == nil {
                    let (id, number) = try connection.insertJournal(record, state: .pending, complaintID: nil, error: nil)
                    backlog.deferred(id, keys: keys, at: time, in: connection)
                    return Receipt(trackingNumber: number, duplicate: false, complaintID: nil, journalID: id)
                }
            case .decideNow(let earlier):
                for id in earlier {
                    try pipeline.processPending(id, in: connection)
                    processed.append(id)
                }
            }
        }
        let receipt = try pipeline.record(item.prepared ?? pipeline.prepare(record), in: connection)
        if let backlog, let keys = item.keys, !receipt.duplicate {
            backlog.stored(keys, at: time, in: connection)
        }
        return receipt
    }

    /// Processes up to `limit` pending entries, oldest first and none above `last`; returns how many were taken.
    @discardableResult
    public func processBacklog(limit: Int = 32, through last: Int64 = .max) async throws -> Int {
        guard let backlog else { return 0 }
        let batch = try await prepareBacklog(backlog.oldest(limit, through: last))
        try await storeBacklog(batch)
        return batch.count
    }

    /// Reads pending entries and prepares them (normalize, features) off the writer thread, in parallel.
    public func prepareBacklog(_ ids: [Int64]) async throws -> PreparedBacklog {
        guard !ids.isEmpty else { return PreparedBacklog(items: []) }
        let pipeline = self.pipeline
        let entries = try await database.read { connection in ids.map { id in Result { try connection.journalEntry(id, raw: false) } } }
        let chunk = max(16, (ids.count + 3) / 4)
        let items = await withTaskGroup(of: (Int, [PreparedBacklog.Item]).self) { group in
            for start in stride(from: 0, to: ids.count, by: chunk) {
                let range = start..<min(start + chunk, ids.count)
                let slice = Array(zip(ids[range], entries[range]))
                group.addTask {
                    (start, slice.map { id, entry in
                        PreparedBacklog.Item(id: id, ready: entry.flatMap { entry in Result { try entry.map { ($0, try pipeline.prepare($0)) } } })
                    })
                }
            }
            var parts: [(Int, [PreparedBacklog.Item])] = []
            for await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
        return PreparedBacklog(items: items)
    }

    /// Decides and stores prepared entries on the writer, each still pending when its turn comes.
    public func storeBacklog(_ batch: PreparedBacklog) async throws {
        guard let backlog, !batch.items.isEmpty else { return }
        let pipeline = self.pipeline
        // Not isolated: each entry is processed in a savepoint of its own (a failure is recorded on the entry),
        // so what a storage error part-way leaves behind is whole entries, which a retry finds processed and
        // skips. An enclosing savepoint made SQLite walk the in-memory statement journal of the whole batch
        // from its start after every statement, a cost that grew with the square of the batch.
        try await database.write(isolated: false) { connection in
            for item in batch.items {
                switch item.ready {
                case .success(let ready?): try pipeline.processPending(ready.0, prepared: ready.1, in: connection)
                // Not read, or no row: the writer's own connection has the last word on whether it waits.
                case .success(nil), .failure: try pipeline.processPending(item.id, in: connection)
                }
            }
            backlog.finished(batch.items.map(\.id), in: connection)
        }
    }

    /// Processes everything journaled before this call that still waits, so a read that follows sees it
    /// (the admin API's read-your-writes). Gives up after `timeout`, answering with what is stored by then.
    public func settle(timeout: Duration = .seconds(10)) async throws {
        guard let backlog, let last = backlog.newest else { return }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, try await processBacklog(limit: 512, through: last) > 0 {}
    }

    /// Re-runs processing of journal entries; idempotent, so entries already processed change nothing.
    /// With `all` false only entries whose processing failed or never ran are taken, and of the pending
    /// ones only those nobody else will process: `ProcessingService` paces the backlog's own entries during a
    /// burst, and a replay taking them would undo that pacing. At start the backlog knows none, so a crash's
    /// leftovers are all taken.
    public func replay(all: Bool = false, from firstID: Int64 = 1, limit: Int = .max) async throws -> ReplaySummary {
        var summary = ReplaySummary()
        var nextID = firstID
        let pipeline = self.pipeline
        let backlog = self.backlog
        while summary.examined < limit {
            let batchLimit = min(200, limit - summary.examined)
            let startID = nextID
            let (batch, lastSeen) = try await database.write { connection in
                let entries = all
                    ? try connection.journalEntries(from: startID, limit: batchLimit)
                    : try connection.unfinishedJournalEntries(after: startID - 1, limit: batchLimit)
                let taken = all ? entries : entries.filter { $0.state == .failed || backlog?.isPending($0.id) != true }
                let batch = try taken.map { entry in (entry, try pipeline.processKeepingFailures(entry, in: connection)) }
                if let backlog, !batch.isEmpty {
                    backlog.finished(batch.map(\.0.id), in: connection)
                    // Complaints made here (after a crash, a failure) make their reporters known, as at the answer.
                    for (entry, receipt) in batch where receipt.complaintID != nil && !receipt.duplicate {
                        backlog.stored(ProcessingBacklog.Keys(entry.message), at: entry.receivedAt.timeIntervalSince1970, in: connection)
                    }
                }
                return (batch, entries.last?.id)
            }
            guard let lastSeen else { break }
            nextID = lastSeen + 1
            for (entry, receipt) in batch {
                summary.examined += 1
                if receipt.complaintID == nil && entry.message.statusQuestion == nil {
                    summary.failed += 1
                } else if entry.state == .pending || entry.state == .failed {
                    summary.recovered += 1
                }
            }
        }
        if summary.examined > 0 {
            logger.info("journal replayed", metadata: [
                "examined": "\(summary.examined)", "recovered": "\(summary.recovered)", "failed": "\(summary.failed)",
            ])
        }
        return summary
    }
}

/// What a replay did.
public struct ReplaySummary: Sendable, Equatable {
    /// Entries looked at.
    public var examined = 0
    /// Entries that were unfinished and now are processed.
    public var recovered = 0
    /// Entries whose processing failed again.
    public var failed = 0

    public init() {}
}

/// Pending journal entries read and prepared for `Gateway.storeBacklog`.
public struct PreparedBacklog: Sendable {
    struct Item: Sendable {
        var id: Int64
        /// The entry and its prepared processing; nil when there is no such entry; a failure to read or
        /// prepare it is recorded when it is stored.
        var ready: Result<(JournalEntry, PreparedMessage)?, any Error>
    }

    var items: [Item]

    /// How many entries the batch holds.
    public var count: Int { items.count }
    /// The newest entry in the batch.
    public var last: Int64? { items.last?.id }
}
