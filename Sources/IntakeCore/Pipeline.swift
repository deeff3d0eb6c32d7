import Foundation
import IntakeModel
import IntakeStorage

/// Records what the routing core must be told, in the transaction that made it happen, so an event exists
/// exactly when its change does: never a complaint stored without its created event, nor an event twice.
public protocol RoutingHandoff: Sendable {
    /// Records that `type` happened to complaint `complaintID`, in `connection`'s transaction.
    func record(_ type: HandoffEventType, complaintID: String, in connection: Connection) throws
}

/// The default handoff: a row in `handoff_events`, delivered at least once by `HandoffRelay` or read by the
/// pull API; `signal` wakes both once the transaction is committed and flushed.
public struct OutboxHandoff: RoutingHandoff {
    /// Told after the commit and flush of every transaction that recorded an event; nil tells nobody.
    public let signal: HandoffSignal?

    /// A handoff announcing on `signal`.
    public init(signal: HandoffSignal? = nil) {
        self.signal = signal
    }

    public func record(_ type: HandoffEventType, complaintID: String, in connection: Connection) throws {
        try connection.recordHandoffEvent(type, complaintID: complaintID, at: Date())
        if let signal { connection.afterCommit { signal.announce() } }
    }
}

/// A message with everything computed that needs no storage: normalized, its complaint drafted under a
/// reserved tracking number, its JSON encoded. Made on the caller's task so the writer thread runs SQL only.
public struct PreparedMessage: Sendable {
    public var record: JournalRecord
    public var complaint: Complaint
    var document: Complaint.DocumentParts
    var matchKey: String
    var features: DedupFeatures?
}

/// Processing of messages: normalize → dedup → store → hand off.
///
/// `prepare` does the CPU work anywhere; `record` journals and processes inside the write transaction.
/// `process` re-runs an already journaled entry (replay) and is idempotent: an entry that already
/// produced a complaint yields that complaint's receipt again.
public struct Pipeline: Sendable {
    public var normalizer: Normalizer
    public var detector: any DuplicateDetector
    public var handoff: any RoutingHandoff
    /// Told of every new complaint once its transaction is committed and flushed (the campaign metrics).
    public var onCreated: (@Sendable (Complaint) -> Void)?
    /// Whether a reporter's burst joins one complaint (`BurstRule`); off for an operator's unmerge.
    public var joinsBursts = true

    public init(normalizer: Normalizer, detector: any DuplicateDetector, handoff: any RoutingHandoff = OutboxHandoff()) {
        self.normalizer = normalizer
        self.detector = detector
        self.handoff = handoff
    }

    /// Normalizes a journal record and drafts its complaint. Its journal id and tracking number are not
    /// known until the journal row exists; the draft carries placeholders that storage never trusts.
    func prepare(_ record: JournalRecord) -> PreparedMessage {
        let (complaint, matchKey) = normalizer.normalize(record.message, attachments: record.attachments, receivedAt: record.receivedAt)
        return PreparedMessage(
            record: record, complaint: complaint, document: complaint.documentParts, matchKey: matchKey,
            features: detector.analyze(record.message)
        )
    }

    /// Journals a prepared message and processes it, in the caller's transaction. If processing fails,
    /// its effects are rolled back and the raw message is journaled as `failed` for a later replay,
    /// answered with its own tracking number, under which the replayed complaint will be found.
    public func record(_ prepared: PreparedMessage, in connection: Connection) throws -> Receipt {
        do {
            return try connection.withSavepoint("process") { try decideAndStore(prepared, journalID: nil, in: connection) }
        } catch {
            let (id, number) = try connection.insertJournal(
                prepared.record, state: .failed, complaintID: nil, error: String(describing: error)
            )
            return Receipt(trackingNumber: number, duplicate: false, complaintID: nil, journalID: id)
        }
    }

    /// Re-runs processing of a journaled entry, marking it failed (and rethrowing nothing) when it fails again.
    /// `prepared`, when given, is the entry's processing prepared off the writer thread (`prepare(_:)`).
    public func processKeepingFailures(_ entry: JournalEntry, prepared: PreparedMessage? = nil, in connection: Connection) throws -> Receipt {
        do {
            return try connection.withSavepoint("process") { try process(entry, prepared: prepared, in: connection) }
        } catch {
            try connection.markJournal(entry.id, state: .failed, complaintID: nil, error: String(describing: error))
            return Receipt(trackingNumber: entry.trackingNumber, duplicate: false, complaintID: nil, journalID: entry.id)
        }
    }

    /// Processes entry `id` if it is still pending (a deferred message); anything else is left as it is.
    public func processPending(_ id: Int64, in connection: Connection) throws {
        let entry: JournalEntry?
        do {
            entry = try connection.journalEntry(id)
        } catch {
            try connection.markJournal(id, state: .failed, complaintID: nil, error: String(describing: error))
            return
        }
        guard let entry, entry.state == .pending else { return }
        _ = try processKeepingFailures(entry, in: connection)
    }

    /// Processes `entry`, read and prepared before this transaction, if it is still pending; its failure is
    /// kept as `failed` for the replay.
    public func processPending(_ entry: JournalEntry, prepared: PreparedMessage, in connection: Connection) throws {
        // Read outside this transaction: it may have been processed since (a message it could repeat came).
        guard try connection.journalState(entry.id) == .pending else { return }
        _ = try processKeepingFailures(entry, prepared: prepared, in: connection)
    }

    /// A journaled entry's processing prepared off the writer thread, for `processPending(_:prepared:in:)`.
    public func prepare(_ entry: JournalEntry) throws -> PreparedMessage {
        prepare(try JournalRecord(message: entry.message, attachments: entry.attachments, raw: entry.raw, receivedAt: entry.receivedAt))
    }

    /// Re-runs processing of a journaled entry, throwing on failure.
    public func process(_ entry: JournalEntry, prepared: PreparedMessage? = nil, in connection: Connection) throws -> Receipt {
        // A status question was answered when it was journaled and never makes a complaint.
        if entry.message.statusQuestion != nil {
            return Receipt(trackingNumber: entry.trackingNumber, duplicate: false, complaintID: nil, journalID: entry.id)
        }
        if let earlier = try connection.complaintReference(journalID: entry.id) {
            return Receipt(trackingNumber: earlier.trackingNumber, duplicate: false, complaintID: earlier.id, journalID: entry.id)
        }
        // A merge already decided stays decided: a replay must not re-point it at a newer complaint.
        if entry.state == .duplicate, let merged = entry.complaintID, let earlier = try connection.complaintReference(id: merged) {
            return Receipt(trackingNumber: earlier.trackingNumber, duplicate: true, complaintID: earlier.id, journalID: entry.id)
        }
        // A part is never processed alone: it belongs to its group's message (`MessageParts`).
        if entry.message.part?.isValid == true, let part = try connection.storedPart(journalID: entry.id) {
            let joined = part.joinedAt == nil ? nil : try connection.journalEntry(part.groupID)?.complaintID
            return Receipt(
                trackingNumber: connection.trackingNumbers.number(for: part.groupID), duplicate: joined != nil, complaintID: joined,
                journalID: entry.id
            )
        }
        return try decideAndStore(prepared ?? prepare(entry), journalID: entry.id, in: connection)
    }

    /// Dedup decision, then the journal row (new, or the existing `journalID` updated), complaint and handoff event.
    private func decideAndStore(_ prepared: PreparedMessage, journalID: Int64?, in connection: Connection) throws -> Receipt {
        var message = prepared.record.message
        // The campaign normalization found (a keyword, a hashtag) chooses the merge window too.
        message.campaign = prepared.complaint.campaign
        let candidate = DedupCandidate(
            message: message, body: prepared.complaint.body, matchKey: prepared.matchKey,
            receivedAt: prepared.record.receivedAt, features: prepared.features
        )
        let lookup = StoredComplaintLookup(connection: connection)
        var decision = try detector.decide(candidate, lookup: lookup)
        if case .new = decision, let thread = try thread(of: candidate, in: connection) { decision = thread }
        if case .new = decision, let burst = try burst(of: candidate, in: connection) { decision = burst }
        switch decision {
        case .merge(let earlier, let score, let reason):
            try recordBurst(candidate, complaintID: earlier.id, in: connection)
            let id = try journal(prepared, as: journalID, state: .duplicate, complaintID: earlier.id, in: connection).id
            try connection.recordMerge(journalID: id, score: score, reason: reason)
            let message = prepared.record.message
            try connection.recordMergedExternalID(channelID: message.channelID, externalID: message.externalID, complaintID: earlier.id)
            try handoff.record(.updated, complaintID: earlier.id, in: connection)
            return Receipt(trackingNumber: earlier.trackingNumber, duplicate: true, complaintID: earlier.id, journalID: id)
        case .new(let outcome):
            var complaint = prepared.complaint
            let (id, number) = try journal(prepared, as: journalID, state: .processed, complaintID: complaint.id, in: connection)
            complaint.journalID = id
            complaint.trackingNumber = number
            complaint.dedup = outcome
            // Media fetched since the entry was read are put in; while any is pending the created event waits
            // (the media service records it once the last one is stored or given up).
            let media = try connection.resolvingMedia(complaint.attachments, journalID: id)
            let document = media.attachments == complaint.attachments ? prepared.document.text(dedup: outcome) : nil
            complaint.attachments = media.attachments
            try connection.insertComplaint(complaint, document: document, matchKey: prepared.matchKey)
            try detector.record(complaint, candidate: candidate, lookup: lookup)
            try recordBurst(candidate, complaintID: complaint.id, in: connection)
            if !media.pending { try handoff.record(.created, complaintID: complaint.id, in: connection) }
            if let created = onCreated { connection.afterCommit { created(complaint) } }
            return Receipt(trackingNumber: number, duplicate: false, complaintID: complaint.id, journalID: id)
        }
    }

    private func journal(
        _ prepared: PreparedMessage, as existingID: Int64?, state: JournalState, complaintID: String, in connection: Connection
    ) throws -> (id: Int64, trackingNumber: TrackingNumber) {
        if let existingID {
            try connection.markJournal(existingID, state: state, complaintID: complaintID, error: nil)
            return (existingID, connection.trackingNumbers.number(for: existingID))
        }
        return try connection.insertJournal(prepared.record, state: state, complaintID: complaintID, error: nil)
    }
}

/// Turns a journaled message into a complaint: clean text, the channel's campaign and tags, the reserved number.
public struct Normalizer: Sendable {
    /// The configured channels, for their campaign and tags.
    public var channels: [ChannelID: ChannelConfig]
    /// The configured campaigns, matched by keyword or hashtag (`campaign(of:receivedAt:)`).
    public var campaigns: [Campaign]

    public init(channels: [ChannelConfig], campaigns: [Campaign] = []) {
        self.channels = Dictionary(channels.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.campaigns = campaigns
    }

    /// The first configured campaign `message` matches (keyword, hashtag, time window, channels) when it names
    /// none itself; nil otherwise.
    public func matchedCampaign(of message: InboundMessage, receivedAt: Date) -> String? {
        guard message.campaign == nil, !campaigns.isEmpty else { return nil }
        return campaigns.first { $0.matches(text: message.text, channel: message.channelID, at: receivedAt) }?.id
    }

    /// The message's campaign: its own, else the first configured campaign it matches (keyword, hashtag,
    /// time window, channels), else its channel's; with the campaign's tags.
    public func campaign(of message: InboundMessage, receivedAt: Date) -> (id: String?, tags: [String]) {
        let matched = message.campaign == nil
            ? campaigns.first { $0.matches(text: message.text, channel: message.channelID, at: receivedAt) }?.id : nil
        let id = message.campaign ?? matched ?? channels[message.channelID]?.campaign
        return (id, id.flatMap { id in campaigns.first { $0.id == id }?.tags } ?? [])
    }

    /// The complaint and the key exact deduplication compares. Its tracking number and journal id are
    /// placeholders: both come from the journal row, which storing fills in.
    public func normalize(_ message: InboundMessage, attachments: [Attachment], receivedAt: Date) -> (complaint: Complaint, matchKey: String) {
        let channel = channels[message.channelID]
        let body = BodyText.normalize(message.text)
        let campaign = campaign(of: message, receivedAt: receivedAt)
        let tags = Set((message.tags + (channel?.tags ?? []) + campaign.tags).map { $0.lowercased() }.filter { !$0.isEmpty })
        let complaint = Complaint(
            id: ComplaintID.make(at: receivedAt),
            trackingNumber: TrackingNumber(payload: 0),
            channelID: message.channelID,
            channelType: message.channelType,
            externalID: message.externalID,
            receivedAt: receivedAt,
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
            agency: Self.line(message.agency),
            attachments: attachments,
            tags: tags.sorted(),
            campaign: campaign.id,
            dedup: .unique,
            status: .queued,
            journalID: 0
        )
        return (complaint, MatchText.key(body))
    }

    /// A one-line field: normalized, newlines folded, nil when empty.
    private static func line(_ text: String?) -> String? {
        guard let text else { return nil }
        let cleaned = String(BodyText.normalize(text).map { $0 == "\n" ? " " : $0 })
        return cleaned.isEmpty ? nil : cleaned
    }
}
