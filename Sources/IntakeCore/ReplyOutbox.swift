import Foundation
import IntakeModel
import IntakeStorage

/// Writes replies to citizens into the `replies` table, in the transaction that journals the message they
/// answer: a reply exists exactly when its message does, and the reply service sends it after the commit.
///
/// Only channels whose family can reply get rows: one with a `ReplySender` for this channel (sent by
/// `ReplyService`) or one that answers inside its webhook response (`repliesInline`: the row is stored as
/// `inline` and its text handed back in `Receipt.reply`). The idempotency key is the channel and the
/// provider's message id, so a provider's retry of a message never makes a second reply.
public struct ReplyOutbox: Sendable {
    /// How one channel's replies leave.
    public enum Delivery: Sendable {
        /// Through the family's sender, by `ReplyService`; `signal` wakes the channel's worker after commits.
        case service(signal: HandoffSignal)
        /// Inside the webhook's answer.
        case inline
    }

    /// What the outbox knows about a channel that replies.
    public struct Channel: Sendable {
        /// By the service, or inline.
        public var delivery: Delivery
        /// The channel's `language`.
        public var language: ReplyLanguage
        /// The channel's `reply_template` for new reports.
        public var template: String?
        /// Replies are kept to one SMS.
        public var sms: Bool
        /// The channel's own campaign, for `{{campaign}}` and the campaign's template.
        public var campaign: String?
        /// `replies_per_second`.
        public var perSecond: Double?
        /// `replies_per_address_per_hour`, or the family's default; nil or 0: no limit.
        public var perAddressPerHour: Int? = nil
    }

    /// The channels that reply, by id.
    public let channels: [ChannelID: Channel]
    /// Templates for new reports per campaign id; a campaign's wins over its channel's.
    public let campaignTemplates: [String: String]

    /// The outbox for `channels` served by `families`; `campaignTemplates` maps a campaign id to the template
    /// replacing the accepted text for its reports.
    public init(channels: [ChannelConfig], families: [AdapterFamily], campaignTemplates: [String: String] = [:]) {
        var plans: [ChannelID: Channel] = [:]
        for config in channels {
            guard let family = families.first(where: { $0.type == config.type }) else { continue }
            let delivery: Delivery
            if family.repliesInline {
                delivery = .inline
            } else if family.makeReplySender?(config) != nil {
                delivery = .service(signal: HandoffSignal())
            } else {
                continue
            }
            plans[config.id] = Channel(
                delivery: delivery, language: ReplyLanguage(code: config.language), template: config.replyTemplate,
                sms: family.isSMS, campaign: config.campaign, perSecond: config.repliesPerSecond,
                perAddressPerHour: config.repliesPerAddressPerHour ?? family.repliesPerAddressPerHour
            )
        }
        self.channels = plans
        self.campaignTemplates = campaignTemplates
    }

    /// Whether messages of `channelID` get replies.
    public func replies(to channelID: ChannelID) -> Bool { channels[channelID] != nil }

    /// The signal that wakes the worker of `channelID` (nil for a channel that does not reply or replies inline).
    public func signal(for channelID: ChannelID) -> HandoffSignal? {
        guard case .service(let signal) = channels[channelID]?.delivery else { return nil }
        return signal
    }

    /// The reply to a journaled message: its tracking number, or the earlier one for a duplicate. Returns
    /// the text when the channel replies inline (again for a provider's retry); nil otherwise.
    func acknowledge(_ record: JournalRecord, receipt: Receipt, in connection: Connection) throws -> String? {
        try write(
            receipt.duplicate ? .duplicate : .accepted, values: ["tracking_number": receipt.trackingNumber.description],
            to: record.message, journalID: receipt.journalID, complaintID: receipt.complaintID, at: record.receivedAt, in: connection
        )
    }

    /// Renders and inserts one reply to `message` (in `connection`'s transaction); returns the text when the
    /// channel replies inline: the new one, or for a retried message the one stored the first time.
    func write(
        _ kind: ReplyKind, values: [String: String], to message: InboundMessage, journalID: Int64, complaintID: String?, at time: Date,
        in connection: Connection
    ) throws -> String? {
        guard let channel = channels[message.channelID] else { return nil }
        let text = compose(kind, values: values, message: message, channel: channel)
        let recipient = message.replyTo ?? message.reporter.address
        let (status, reason) = try status(of: channel, recipient: recipient, message: message, at: time, in: connection)
        let inserted = try connection.insertReply(ReplyRecord(
            channelID: message.channelID, journalID: journalID, complaintID: complaintID,
            recipient: recipient, recipientKind: message.reporter.kind, inReplyTo: message.externalID,
            text: text, kind: kind, idempotencyKey: Self.idempotencyKey(message), status: status, createdAt: time,
            trackingNumber: values["tracking_number"], subject: message.title,
            references: message.metadata[MessageThread.referencesKey]?.split(separator: " ").map(String.init) ?? []
        ), reason: reason)
        guard inserted else {
            // A provider retries only when our answer did not reach it, so an inline reply is rendered again
            // (the stored text, the same words); a reply the service sends is never written twice.
            if case .inline = channel.delivery { return try connection.replyText(idempotencyKey: Self.idempotencyKey(message)) }
            return nil
        }
        switch channel.delivery {
        case .service(let signal):
            if status == .pending { connection.afterCommit { signal.announce() } }
            return nil
        case .inline:
            return text
        }
    }

    /// How a new reply is stored: `inline`, `pending` for the service, or `suppressed` with the reason when the
    /// channel already wrote `replies_per_address_per_hour` replies to `recipient` in the hour before `time`
    /// (counted in the table, so the limit holds across restarts; suppressed ones do not count).
    private func status(
        of channel: Channel, recipient: String, message: InboundMessage, at time: Date, in connection: Connection
    ) throws -> (ReplyStatus, String?) {
        guard case .service = channel.delivery else { return (.inline, nil) }
        guard let limit = channel.perAddressPerHour, limit > 0 else { return (.pending, nil) }
        let recent = try connection.replyCount(channelID: message.channelID, recipient: recipient, since: time.addingTimeInterval(-3600))
        guard recent >= limit else { return (.pending, nil) }
        return (.suppressed, "suppressed: \(recent) replies to this address within the hour (limit \(limit) per address per hour)")
    }

    /// One reply per provider message on a channel.
    static func idempotencyKey(_ message: InboundMessage) -> String {
        "\(message.channelID)/\(message.externalID)"
    }

    /// The text of a reply: the campaign's or channel's template for a new report, else the built-in one;
    /// kept to one GSM-7 SMS on SMS channels without ever cutting off the tracking number.
    func compose(_ kind: ReplyKind, values: [String: String], message: InboundMessage, channel: Channel) -> String {
        let campaign = message.campaign ?? channel.campaign
        var values = values
        values["channel"] = message.channelID
        values["campaign"] = campaign ?? ""
        let builtIn = ReplyTemplates.render(ReplyTemplates.builtIn(kind, channel.language), values)
        let custom = kind == .accepted ? (campaign.flatMap { campaignTemplates[$0] } ?? channel.template) : nil
        guard let custom else { return channel.sms ? GSM7.fit(builtIn) : builtIn }
        let rendered = ReplyTemplates.render(custom, values)
        guard channel.sms else { return rendered }
        let fitted = GSM7.fit(rendered)
        // A custom text too long for one SMS is cut; if the cut would lose the number, the built-in text goes.
        if let number = values["tracking_number"], rendered.contains(number), !fitted.contains(number) {
            return GSM7.fit(builtIn)
        }
        return fitted
    }
}

extension Gateway {
    /// Records providers' delivery reports on the replies they name (by the provider's message id);
    /// returns how many replies were found. Reports never make complaints.
    @discardableResult
    public func recordDeliveryStatuses(_ statuses: [DeliveryStatus], channelID: ChannelID, at time: Date = Date()) async throws -> Int {
        guard !statuses.isEmpty else { return 0 }
        return try await database.write { connection in
            try statuses.reduce(0) { $0 + (try connection.recordDeliveryStatus($1, channelID: channelID, receivedAt: time)) }
        }
    }
}
