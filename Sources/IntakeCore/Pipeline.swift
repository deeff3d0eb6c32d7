import Foundation
import IntakeModel
import IntakeStorage

/// Puts a new complaint where the routing core will pick it up. The default writes to the outbox in
/// the same transaction, so a complaint is never stored without being queued, nor queued twice.
public protocol RoutingHandoff: Sendable {
    func handOff(_ complaint: Complaint, in connection: Connection) throws
}

/// The default handoff: an outbox row keyed by the complaint id, consumed at least once.
public struct OutboxHandoff: RoutingHandoff {
    public init() {}

    public func handOff(_ complaint: Complaint, in connection: Connection) throws {
        try connection.enqueueOutbox(complaintID: complaint.id, at: complaint.receivedAt)
    }
}

/// Processing of one journal entry: normalize → dedup → store → hand off.
///
/// Runs inside the write transaction that journaled the entry (or inside `intake replay`), and is
/// idempotent: an entry that already produced a complaint yields that complaint's receipt again.
public struct Pipeline: Sendable {
    public var normalizer: Normalizer
    public var detector: any DuplicateDetector
    public var handoff: any RoutingHandoff

    public init(normalizer: Normalizer, detector: any DuplicateDetector, handoff: any RoutingHandoff = OutboxHandoff()) {
        self.normalizer = normalizer
        self.detector = detector
        self.handoff = handoff
    }

    /// Processes `entry`; on failure its effects are rolled back, the entry is marked failed for a later
    /// replay, and the receipt carries the entry's reserved tracking number.
    public func processKeepingFailures(_ entry: JournalEntry, in connection: Connection) throws -> Receipt {
        do {
            return try connection.withSavepoint("process") { try process(entry, in: connection) }
        } catch {
            try connection.markJournal(entry.id, state: .failed, complaintID: nil, error: String(describing: error))
            return Receipt(trackingNumber: entry.trackingNumber, duplicate: false, complaintID: nil, journalID: entry.id)
        }
    }

    /// Processes `entry`, throwing on failure.
    public func process(_ entry: JournalEntry, in connection: Connection) throws -> Receipt {
        if let earlier = try connection.complaintReference(journalID: entry.id) {
            return Receipt(trackingNumber: earlier.trackingNumber, duplicate: false, complaintID: earlier.id, journalID: entry.id)
        }
        let normalized = normalizer.normalize(entry)
        let candidate = DedupCandidate(
            message: entry.message, body: normalized.body, matchKey: normalized.matchKey, receivedAt: entry.receivedAt
        )
        switch try detector.decide(candidate, lookup: StoredComplaintLookup(connection: connection)) {
        case .merge(let earlier, _, _):
            try connection.markJournal(entry.id, state: .duplicate, complaintID: earlier.id, error: nil)
            return Receipt(trackingNumber: earlier.trackingNumber, duplicate: true, complaintID: earlier.id, journalID: entry.id)
        case .new(let outcome):
            var complaint = normalized.complaint
            complaint.dedup = outcome
            try connection.insertComplaint(complaint, matchKey: normalized.matchKey)
            try detector.record(complaint, matchKey: normalized.matchKey)
            try handoff.handOff(complaint, in: connection)
            try connection.markJournal(entry.id, state: .processed, complaintID: complaint.id, error: nil)
            return Receipt(trackingNumber: complaint.trackingNumber, duplicate: false, complaintID: complaint.id, journalID: entry.id)
        }
    }
}

/// Turns a journaled message into a complaint: clean text, the channel's campaign and tags, the reserved number.
public struct Normalizer: Sendable {
    /// The configured channels, for their campaign and tags.
    public var channels: [ChannelID: ChannelConfig]

    public init(channels: [ChannelConfig]) {
        self.channels = Dictionary(channels.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The complaint and the key exact deduplication compares.
    public func normalize(_ entry: JournalEntry) -> (complaint: Complaint, body: String, matchKey: String) {
        let message = entry.message
        let channel = channels[message.channelID]
        let body = BodyText.normalize(message.text)
        let tags = Set((message.tags + (channel?.tags ?? [])).map { $0.lowercased() }.filter { !$0.isEmpty })
        let complaint = Complaint(
            id: ComplaintID.make(at: entry.receivedAt),
            trackingNumber: entry.trackingNumber,
            channelID: message.channelID,
            channelType: message.channelType,
            externalID: message.externalID,
            receivedAt: entry.receivedAt,
            sentAt: message.sentAt,
            reporter: message.reporter,
            anonymous: message.anonymous,
            confidential: message.confidential,
            kind: message.kind,
            title: Self.line(message.title),
            body: body,
            originalText: message.text,
            location: Self.line(message.location),
            incidentDate: message.incidentDate,
            category: Self.line(message.category),
            attachments: entry.attachments,
            tags: tags.sorted(),
            campaign: message.campaign ?? channel?.campaign,
            dedup: .unique,
            status: .queued,
            journalID: entry.id
        )
        return (complaint, body, MatchText.key(body))
    }

    /// A one-line field: normalized, newlines folded, nil when empty.
    private static func line(_ text: String?) -> String? {
        guard let text else { return nil }
        let cleaned = BodyText.normalize(text).replacingOccurrences(of: "\n", with: " ")
        return cleaned.isEmpty ? nil : cleaned
    }
}
