import Foundation
import IntakeModel

/// Where a reply to a citizen stands.
public enum ReplyStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for the reply service (first try or a retry).
    case pending
    /// The provider accepted it.
    case sent
    /// The provider refused it, or retries ran out: kept for an operator.
    case failed
    /// Went out inside the webhook's answer (Twilio's TwiML): the service never sends it.
    case inline
    /// Deliberately not sent (an address nobody reads, or over `replies_per_address_per_hour`); the reason is
    /// its `last_error`. Never retried.
    case suppressed
}

/// What a reply says, which picks its template.
public enum ReplyKind: String, Sendable, Codable, CaseIterable {
    /// A new report: its tracking number.
    case accepted
    /// A report that repeats an earlier one: the earlier tracking number.
    case duplicate
    /// A status question about a known number: the complaint's status.
    case status
    /// A status question about a valid number that names no report.
    case notFound = "not_found"
    /// A status question whose number fails its check symbol.
    case mistyped
    /// A status question without a number (`CEK` alone): how to ask.
    case howToAsk = "how_to_ask"
    /// A citizen asked how to report (a bot's `/start` or `/help`): what to send and how to follow it up.
    case instructions
}

/// A reply to insert, in the transaction that journals the message it answers.
public struct ReplyRecord: Sendable {
    public var channelID: ChannelID
    public var journalID: Int64
    public var complaintID: String?
    /// The address the provider delivers to (E.164 number, chat id).
    public var recipient: String
    /// The reporter's kind, so listings can redact the address the right way.
    public var recipientKind: ReporterKind
    /// The provider's id of the message answered.
    public var inReplyTo: String?
    public var text: String
    public var kind: ReplyKind
    /// Unique per answered message: a second insert under the same key is ignored.
    public var idempotencyKey: String
    /// `pending` for the service, `inline`, or `suppressed`.
    public var status: ReplyStatus
    public var createdAt: Date
    /// The tracking number the reply names, if any.
    public var trackingNumber: String?
    /// The answered message's title (an email's subject).
    public var subject: String?
    /// The ids the answered message itself replied to (its `References`), oldest first.
    public var references: [String]
    /// The language of the text (`id`, `en`) when it is not the sending channel's (a reply carried for another channel).
    public var language: String?

    public init(
        channelID: ChannelID, journalID: Int64, complaintID: String?, recipient: String, recipientKind: ReporterKind,
        inReplyTo: String?, text: String, kind: ReplyKind, idempotencyKey: String, status: ReplyStatus, createdAt: Date,
        trackingNumber: String? = nil, subject: String? = nil, references: [String] = [], language: String? = nil
    ) {
        self.channelID = channelID
        self.journalID = journalID
        self.complaintID = complaintID
        self.recipient = recipient
        self.recipientKind = recipientKind
        self.inReplyTo = inReplyTo
        self.text = text
        self.kind = kind
        self.idempotencyKey = idempotencyKey
        self.status = status
        self.createdAt = createdAt
        self.trackingNumber = trackingNumber
        self.subject = subject
        self.references = references
        self.language = language
    }
}

/// A reply as stored, with its delivery so far.
public struct StoredReply: Sendable {
    public var id: Int64
    public var record: ReplyRecord
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var providerMessageID: String?
    /// The provider's latest delivery report (`delivered`, `failed`, …), if any came.
    public var deliveryStatus: String?
    public var deliveryError: String?
    public var sentAt: Date?

    /// The reply as the family's sender takes it.
    public var outbound: OutboundReply {
        OutboundReply(
            idempotencyKey: record.idempotencyKey, channelID: record.channelID, recipient: record.recipient, text: record.text,
            inReplyTo: record.inReplyTo, references: record.references, trackingNumber: record.trackingNumber, subject: record.subject,
            language: record.language
        )
    }
}

/// Which replies a listing wants.
public struct ReplyFilter: Sendable, Equatable {
    public var status: ReplyStatus?
    public var channelID: ChannelID?

    public init(status: ReplyStatus? = nil, channelID: ChannelID? = nil) {
        self.status = status
        self.channelID = channelID
    }
}

extension Connection {
    /// Inserts a reply unless one with its idempotency key exists; returns whether it was inserted. `reason`
    /// says why a `suppressed` reply is not sent.
    @discardableResult
    public func insertReply(_ reply: ReplyRecord, reason: String? = nil) throws -> Bool {
        let time = reply.createdAt.timeIntervalSince1970
        try prepare("""
            INSERT INTO replies (channel_id, journal_id, complaint_id, recipient, recipient_kind, in_reply_to, text, kind,
                                 idempotency_key, status, next_attempt_at, created_at, tracking_number, subject,
                                 thread_references, last_error, language)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING
            """).run([
                .text(reply.channelID), .integer(reply.journalID), reply.complaintID.map(SQLValue.text) ?? .null,
                .text(reply.recipient), .text(reply.recipientKind.rawValue), reply.inReplyTo.map(SQLValue.text) ?? .null,
                .text(reply.text), .text(reply.kind.rawValue), .text(reply.idempotencyKey), .text(reply.status.rawValue),
                .real(time), .real(time), reply.trackingNumber.map(SQLValue.text) ?? .null, reply.subject.map(SQLValue.text) ?? .null,
                reply.references.isEmpty ? .null : .text(reply.references.joined(separator: " ")), reason.map(SQLValue.text) ?? .null,
                reply.language.map(SQLValue.text) ?? .null,
            ])
        return changes > 0
    }

    /// How many replies to `recipient` on `channelID` were written since `time` and not suppressed (sent,
    /// waiting or failed): what `replies_per_address_per_hour` counts.
    public func replyCount(channelID: ChannelID, recipient: String, since time: Date) throws -> Int {
        try query("""
            SELECT count(*) FROM replies
            WHERE channel_id = ? AND recipient = ? AND created_at > ? AND status <> 'suppressed'
            """, [.text(channelID), .text(recipient), .real(time.timeIntervalSince1970)]).first?.int(0).map(Int.init) ?? 0
    }

    /// Reply `id` will deliberately not be sent (the sender refused its address).
    public func markReplySuppressed(_ id: Int64, reason: String) throws {
        try prepare("UPDATE replies SET status = 'suppressed', attempts = attempts + 1, last_error = ? WHERE id = ?")
            .run([.text(reason), .integer(id)])
    }

    /// The text of the reply stored under `idempotencyKey`, if there is one.
    public func replyText(idempotencyKey: String) throws -> String? {
        try query("SELECT text FROM replies WHERE idempotency_key = ?", [.text(idempotencyKey)]).first?.string(0)
    }

    /// Pending replies of `channelID` due at `now`, oldest first.
    public func dueReplies(channelID: ChannelID, now: Date, limit: Int) throws -> [StoredReply] {
        try query("""
            SELECT \(Self.replyColumns) FROM replies
            WHERE channel_id = ? AND status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
            """, [.text(channelID), .real(now.timeIntervalSince1970), .integer(Int64(limit))]).map(storedReply)
    }

    /// When the next pending reply of `channelID` falls due; nil when none is pending.
    public func nextReplyAttempt(channelID: ChannelID) throws -> Date? {
        try query("SELECT min(next_attempt_at) FROM replies WHERE channel_id = ? AND status = 'pending'", [.text(channelID)])
            .first?.double(0).map(Date.init(timeIntervalSince1970:))
    }

    /// The provider took reply `id`.
    public func markReplySent(_ id: Int64, providerMessageID: String?, at time: Date) throws {
        try prepare("""
            UPDATE replies SET status = 'sent', attempts = attempts + 1, sent_at = ?, provider_message_id = ?, last_error = NULL
            WHERE id = ?
            """).run([.real(time.timeIntervalSince1970), providerMessageID.map(SQLValue.text) ?? .null, .integer(id)])
    }

    /// Reply `id` failed in a way worth trying again at `retryAt`.
    public func markReplyRetry(_ id: Int64, error: String, retryAt: Date) throws {
        try prepare("UPDATE replies SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?")
            .run([.text(error), .real(retryAt.timeIntervalSince1970), .integer(id)])
    }

    /// Reply `id` will not be sent: refused by the provider, or out of retries.
    public func markReplyFailed(_ id: Int64, error: String) throws {
        try prepare("UPDATE replies SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?")
            .run([.text(error), .integer(id)])
    }

    /// Queues failed replies again, due at `now` (all of them, or the one with `id`); returns how many.
    public func requeueFailedReplies(id: Int64? = nil, at now: Date) throws -> Int {
        try prepare("UPDATE replies SET status = 'pending', next_attempt_at = ? WHERE status = 'failed' AND (?2 IS NULL OR id = ?2)")
            .run([.real(now.timeIntervalSince1970), id.map(SQLValue.integer) ?? .null])
        return changes
    }

    /// Records a provider's delivery report on the reply it sent as `providerMessageID` on `channelID`;
    /// returns how many replies it named (0 when the report is for a message this gateway does not know).
    @discardableResult
    public func recordDeliveryStatus(_ report: DeliveryStatus, channelID: ChannelID, receivedAt: Date) throws -> Int {
        try prepare("""
            UPDATE replies SET delivery_status = ?, delivery_error = ?, delivery_updated_at = ?
            WHERE provider_message_id = ? AND channel_id = ?
            """).run([
                .text(report.status), report.error.map(SQLValue.text) ?? .null,
                .real((report.at ?? receivedAt).timeIntervalSince1970), .text(report.providerMessageID), .text(channelID),
            ])
        return changes
    }

    /// Replies matching `filter`, newest first, `limit` at a time, before id `before` when given.
    public func replies(_ filter: ReplyFilter, before: Int64?, limit: Int) throws -> [StoredReply] {
        // Only the conditions asked for, so `status = ?` can use the (status, id) index.
        var conditions = ["id < ?"]
        var values: [SQLValue] = [.integer(before ?? .max)]
        if let status = filter.status {
            conditions.append("status = ?")
            values.append(.text(status.rawValue))
        }
        if let channelID = filter.channelID {
            conditions.append("channel_id = ?")
            values.append(.text(channelID))
        }
        values.append(.integer(Int64(limit)))
        return try query(
            "SELECT \(Self.replyColumns) FROM replies WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?", values
        ).map(storedReply)
    }

    /// The reply stored under `idempotencyKey`, if any.
    public func reply(idempotencyKey: String) throws -> StoredReply? {
        try query("SELECT \(Self.replyColumns) FROM replies WHERE idempotency_key = ?", [.text(idempotencyKey)]).first.map(storedReply)
    }

    private static let replyColumns = """
        id, channel_id, journal_id, complaint_id, recipient, recipient_kind, in_reply_to, text, kind, idempotency_key, status,
        attempts, next_attempt_at, last_error, provider_message_id, delivery_status, delivery_error, created_at, sent_at,
        tracking_number, subject, thread_references, language
        """

    private func storedReply(_ row: Row) throws -> StoredReply {
        guard let id = row.int(0), let channelID = row.string(1), let journalID = row.int(2), let recipient = row.string(4),
              let recipientKind = row.string(5).flatMap(ReporterKind.init(rawValue:)), let text = row.string(7),
              let kind = row.string(8).flatMap(ReplyKind.init(rawValue:)), let key = row.string(9),
              let status = row.string(10).flatMap(ReplyStatus.init(rawValue:)), let next = row.double(12), let created = row.double(17)
        else { throw StorageError.corrupt("reply row \(row.int(0) ?? -1)") }
        let record = ReplyRecord(
            channelID: channelID, journalID: journalID, complaintID: row.string(3), recipient: recipient, recipientKind: recipientKind,
            inReplyTo: row.string(6), text: text, kind: kind, idempotencyKey: key, status: status,
            createdAt: Date(timeIntervalSince1970: created), trackingNumber: row.string(19), subject: row.string(20),
            references: row.string(21).map { $0.split(separator: " ").map(String.init) } ?? [],
            language: row.string(22)
        )
        return StoredReply(
            id: id, record: record, attempts: Int(row.int(11) ?? 0), nextAttemptAt: Date(timeIntervalSince1970: next),
            lastError: row.string(13), providerMessageID: row.string(14), deliveryStatus: row.string(15),
            deliveryError: row.string(16), sentAt: row.double(18).map(Date.init(timeIntervalSince1970:))
        )
    }
}
