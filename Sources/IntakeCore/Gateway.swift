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

/// The one door every channel uses: journals messages durably, processes them in the same transaction,
/// and answers with receipts only after the commit reached the disk.
public struct Gateway: Sendable {
    public let database: Database
    public let attachments: AttachmentStore
    public let pipeline: Pipeline
    let logger: Logger

    public init(database: Database, attachments: AttachmentStore, pipeline: Pipeline, logger: Logger) {
        self.database = database
        self.attachments = attachments
        self.pipeline = pipeline
        self.logger = logger
    }

    /// Journals and processes messages from one webhook call or push; all share the raw bytes.
    public func submit(_ messages: [InboundMessage], raw: [UInt8]) async throws -> [Receipt] {
        try await submit(messages.map { PolledMessage(message: $0, raw: raw) }, cursor: nil)
    }

    /// Journals and processes messages and commits `cursor` with them: either all of it is durable or none.
    public func submit(_ messages: [PolledMessage], cursor: CursorUpdate?) async throws -> [Receipt] {
        var prepared: [PreparedMessage] = []
        prepared.reserveCapacity(messages.count)
        let receivedAt = Date()
        for item in messages {
            // Attachment files are fsynced before the journal commit that refers to them.
            let stored = try await attachments.store(item.message.attachments)
            prepared.append(try pipeline.prepare(item.message, attachments: stored, raw: item.raw, receivedAt: receivedAt))
        }
        let pipeline = self.pipeline
        let batch = prepared
        // One message and no cursor: `record` keeps its own failures inside a savepoint and its last resort,
        // the failed journal row, is one statement; only a group must be undone as a whole.
        let receipts = try await database.write(isolated: batch.count > 1 || cursor != nil) { connection in
            let receipts = try batch.map { try pipeline.record($0, in: connection) }
            if let cursor {
                try connection.saveCursor(cursor.cursor, for: cursor.channelID, at: receivedAt)
            }
            return receipts
        }
        if logger.logLevel <= .debug {
            for (item, receipt) in zip(messages, receipts) {
                logger.debug("journaled", metadata: [
                    "channel": "\(item.message.channelID)", "reporter": "\(item.message.reporter.redactedAddress)",
                    "tracking_number": "\(receipt.trackingNumber)", "duplicate": "\(receipt.duplicate)",
                ])
            }
        }
        return receipts
    }

    /// Re-runs processing of journal entries; idempotent, so entries already processed change nothing.
    /// With `all` false only entries whose processing failed or never ran are taken.
    public func replay(all: Bool = false, from firstID: Int64 = 1, limit: Int = .max) async throws -> ReplaySummary {
        var summary = ReplaySummary()
        var nextID = firstID
        let pipeline = self.pipeline
        while summary.examined < limit {
            let batchLimit = min(200, limit - summary.examined)
            let startID = nextID
            let batch = try await database.write { connection in
                let entries = all
                    ? try connection.journalEntries(from: startID, limit: batchLimit)
                    : try connection.unfinishedJournalEntries(after: startID - 1, limit: batchLimit)
                return try entries.map { entry in
                    (entry.id, entry.state, try pipeline.processKeepingFailures(entry, in: connection))
                }
            }
            guard let last = batch.last else { break }
            nextID = last.0 + 1
            for (_, before, receipt) in batch {
                summary.examined += 1
                if receipt.complaintID == nil {
                    summary.failed += 1
                } else if before == .pending || before == .failed {
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
