import Foundation
import IntakeModel
import IntakeStorage
import Logging
import ServiceLifecycle

/// Joins the parts of split messages (a concatenated SMS) into one message, on the writer thread.
///
/// Each part is journaled and answered by itself, and stored in `message_parts` in the same transaction, so a
/// restart loses nothing. A group is keyed by channel, reporter and the provider's reference; it is named by
/// the journal row of its first part to arrive, and every part is answered with that row's tracking number,
/// which becomes the joined complaint's number. When the last part arrives (or, later, when the channel's
/// `parts_timeout_seconds` ran out) the parts are joined in index order into that row's message and processed
/// as one; the other parts' rows become duplicates of the complaint. A redelivered part (the same provider id,
/// or the same index of a waiting group) is answered as before and stores nothing.
struct MessageParts: Sendable {
    let pipeline: Pipeline
    let backlog: ProcessingBacklog?

    /// Tag of a complaint joined from fewer parts than announced.
    static let incompleteTag = "parts-incomplete"
    /// How long a joined group's parts are kept to recognize a redelivery (seconds).
    static let retention: TimeInterval = 86_400

    /// Journals a valid part in the caller's transaction and joins its group once complete. In a savepoint of
    /// its own: a failure part-way leaves nothing behind (the gateway's single-message writes are not isolated).
    func admit(_ record: JournalRecord, part: MessagePart, processed: inout [Int64], in connection: Connection) throws -> Receipt {
        var earlier: [Int64] = []
        let receipt = try connection.withSavepoint("part") { try store(record, part: part, processed: &earlier, in: connection) }
        processed += earlier
        return receipt
    }

    private func store(_ record: JournalRecord, part: MessagePart, processed: inout [Int64], in connection: Connection) throws -> Receipt {
        let message = record.message
        if let earlier = try connection.storedPart(channelID: message.channelID, externalID: message.externalID) {
            return try repeated(earlier, in: connection)
        }
        let key = PartGroupKey(channelID: message.channelID, reporter: message.reporter, reference: part.reference)
        let waiting = try connection.waitingParts(key)
        if let same = waiting.first(where: { $0.index == part.index }) {
            return try repeated(same, in: connection)
        }
        // A row without complaint: never pending, so neither processing nor the replay takes a part alone.
        let (id, _) = try connection.insertJournal(record, state: .processed, complaintID: nil, error: nil)
        let first = waiting.first
        let groupID = first?.groupID ?? id
        let total = first?.total ?? part.total
        let timeout = TimeInterval(pipeline.normalizer.channels[message.channelID]?.partsTimeoutSeconds ?? ChannelConfig.defaultPartsTimeoutSeconds)
        try connection.insertPart(
            part, key: key, journalID: id, groupID: groupID, externalID: message.externalID,
            expiresAt: first?.expiresAt ?? record.receivedAt.addingTimeInterval(timeout)
        )
        let indices = Set(waiting.map(\.index) + [part.index]).filter { $0 <= total }
        guard indices.count >= total else {
            return Receipt(trackingNumber: connection.trackingNumbers.number(for: groupID), duplicate: false, complaintID: nil, journalID: id)
        }
        let joined = try join(groupID, at: record.receivedAt, processed: &processed, in: connection)
        return Receipt(trackingNumber: joined.trackingNumber, duplicate: false, complaintID: joined.complaintID, journalID: id)
    }

    /// The answer to a part delivered again: the group's number and, once joined, its complaint.
    private func repeated(_ part: StoredPart, in connection: Connection) throws -> Receipt {
        let complaintID = part.joinedAt == nil ? nil : try connection.journalEntry(part.groupID)?.complaintID
        return Receipt(
            trackingNumber: connection.trackingNumbers.number(for: part.groupID), duplicate: true, complaintID: complaintID,
            journalID: part.journalID
        )
    }

    /// Joins group `groupID` with the parts it has into its first row's message and processes it, after the
    /// pending entries it could repeat (appended to `processed`). Returns the joined message's receipt.
    func join(_ groupID: Int64, at time: Date, processed: inout [Int64], in connection: Connection) throws -> Receipt {
        let parts = try connection.groupParts(groupID)
        let entries = try parts.compactMap { part in try connection.journalEntry(part.journalID).map { (part, $0) } }
        guard let group = entries.first(where: { $0.1.id == groupID })?.1 else {
            throw StorageError.corrupt("message part group \(groupID) has no journal row")
        }
        let message = Self.joined(entries.map { ($0.0.index, $0.1.message) }, total: parts.first?.total ?? 1, group: group.message)
        let record = try JournalRecord(message: message, attachments: entries.flatMap(\.1.attachments), raw: group.raw, receivedAt: group.receivedAt)
        try connection.replaceJournalMessage(groupID, with: record)
        let keys = ProcessingBacklog.Keys(message)
        let seconds = group.receivedAt.timeIntervalSince1970
        // The joined message is decided at once; what it could repeat is decided first, as at an answer.
        if let backlog, case .decideNow(let earlier) = backlog.admission(keys, at: seconds) {
            for id in earlier {
                try pipeline.processPending(id, in: connection)
                processed.append(id)
            }
        }
        guard let entry = try connection.journalEntry(groupID) else { throw StorageError.corrupt("journal row \(groupID) vanished") }
        let receipt = try pipeline.processKeepingFailures(entry, in: connection)
        if let backlog, receipt.complaintID != nil, !receipt.duplicate {
            backlog.stored(keys, at: seconds, in: connection)
        }
        if let complaintID = receipt.complaintID {
            for (part, _) in entries where part.journalID != groupID {
                try connection.markJournal(part.journalID, state: .duplicate, complaintID: complaintID, error: nil)
                try connection.recordMerge(journalID: part.journalID, score: 1, reason: "part \(part.index) of \(part.total)")
            }
        }
        try connection.markPartsJoined(groupID, at: time)
        return receipt
    }

    /// The parts' message: texts concatenated in index order (a split SMS breaks anywhere, even mid-word),
    /// the earliest sent time, every tag, and `parts` metadata; a group that lacks parts says which in
    /// `parts_missing` and carries the `parts-incomplete` tag.
    static func joined(_ parts: [(index: Int, message: InboundMessage)], total: Int, group: InboundMessage) -> InboundMessage {
        let ordered = parts.sorted { $0.index < $1.index }
        var joined = group
        joined.part = nil
        joined.attachments = []
        joined.text = ordered.map(\.message.text).joined()
        joined.sentAt = ordered.compactMap(\.message.sentAt).min()
        for field in [\InboundMessage.title, \.location, \.category, \.agency, \.incidentDate, \.campaign, \.replyTo] where joined[keyPath: field] == nil {
            joined[keyPath: field] = ordered.lazy.compactMap { $0.message[keyPath: field] }.first
        }
        var tags = ordered.flatMap(\.message.tags)
        for (_, part) in ordered {
            joined.metadata.merge(part.metadata) { kept, _ in kept }
        }
        let present = Set(ordered.map(\.index))
        joined.metadata["parts"] = "\(present.count)/\(total)"
        let missing = (1...max(total, 1)).filter { !present.contains($0) }
        if !missing.isEmpty {
            joined.metadata["parts_missing"] = missing.map(String.init).joined(separator: ",")
            tags.append(incompleteTag)
        }
        var seen = Set<String>()
        joined.tags = tags.filter { seen.insert($0.lowercased()).inserted }
        return joined
    }
}

extension Gateway {
    /// Joins the groups of parts whose time ran out by `now`, keeping what came; returns how many were joined.
    /// `MessagePartsService` calls it; after a restart it joins what expired meanwhile.
    @discardableResult
    public func joinExpiredParts(now: Date = Date()) async throws -> Int {
        // A read first: most looks find nothing, and a write would cost a flush.
        guard try await !database.read({ try $0.expiredPartGroups(at: now, limit: 1) }).isEmpty else { return 0 }
        let parts = MessageParts(pipeline: pipeline, backlog: backlog)
        let backlog = self.backlog
        return try await database.write { connection in
            let groups = try connection.expiredPartGroups(at: now, limit: 64)
            var processed: [Int64] = []
            for group in groups {
                _ = try parts.join(group, at: now, processed: &processed, in: connection)
            }
            try connection.prunePartGroups(joinedBefore: now.addingTimeInterval(-MessageParts.retention))
            if !processed.isEmpty { backlog?.finished(processed, in: connection) }
            return groups.count
        }
    }
}

/// Joins groups of message parts whose time ran out (`parts_timeout_seconds`), also those left by a restart.
public struct MessagePartsService: Service {
    let gateway: Gateway
    let interval: Duration
    let logger: Logger

    /// Looks every `interval`; a tenth of the shortest parts timeout is precise enough.
    public init(gateway: Gateway, interval: Duration, logger: Logger) {
        self.gateway = gateway
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let joined = try await gateway.joinExpiredParts()
                if joined > 0 { logger.info("incomplete split messages joined", metadata: ["groups": "\(joined)"]) }
            } catch {
                logger.warning("joining expired message parts failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
