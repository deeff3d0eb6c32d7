import Foundation
import IntakeModel
import IntakeStorage

/// Writes replies to citizens into the `replies` table, in the transaction that journals the message they
/// answer: a reply exists exactly when its message does, and the reply service sends it after the commit.
///
/// Only channels that can reply get rows: one with a `ReplySender` for this channel (sent by `ReplyService`),
/// one that answers inside its webhook response (`repliesInline`: the row is stored as `inline` and its text
/// handed back in `Receipt.reply`), or one that routes a kind of recipient through another channel's sender
/// (`reply_email_via`, `reply_sms_via`: a web form's contact). A routed reply is stored under the channel that
/// sends it, so that channel's worker sends it and its provider's delivery reports find it; its text is the
/// answered channel's, in the citizen's language. The idempotency key is the answered channel and the
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
        /// By the service, or inline; nil for a channel without a sender of its own that replies only `via` others.
        public var delivery: Delivery?
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
        /// `replies_per_address_per_hour` as the channel itself sets it: it wins over the sending channel's limit
        /// for replies routed `via` another channel.
        public var configuredPerAddressPerHour: Int? = nil
        /// The channels that carry replies to recipients of a kind (`reply_email_via`, `reply_sms_via`).
        public var via: [ReporterKind: ChannelID] = [:]
    }

    /// Who a reply goes to and which channel sends it.
    struct Route {
        var channelID: ChannelID
        var channel: Channel
        var recipient: String
        var kind: ReporterKind
        /// Sent through another channel than the one answered: that channel's threads mean nothing there.
        var routed: Bool
    }

    /// The channels that reply, by id.
    public let channels: [ChannelID: Channel]
    /// Templates for new reports per campaign id; a campaign's wins over its channel's.
    public let campaignTemplates: [String: String]
    /// The web form's status page (`<public_url>/lapor/status`) when one is served: where an email recipient,
    /// who cannot ask by replying `CEK`, is pointed for the status of a report (`{{status_hint}}`).
    public let statusPage: String?

    /// The outbox for `channels` served by `families`; `campaignTemplates` maps a campaign id to the template
    /// replacing the accepted text for its reports; `statusPage` is the web form's status page, if served.
    public init(channels: [ChannelConfig], families: [AdapterFamily], campaignTemplates: [String: String] = [:], statusPage: String? = nil) {
        var plans: [ChannelID: Channel] = [:]
        for config in channels {
            guard let family = families.first(where: { $0.type == config.type }) else { continue }
            let delivery: Delivery?
            if family.repliesInline {
                delivery = .inline
            } else if family.makeReplySender?(config) != nil {
                delivery = .service(signal: HandoffSignal())
            } else {
                delivery = nil
            }
            guard delivery != nil || !config.replyVia.isEmpty else { continue }
            plans[config.id] = Channel(
                delivery: delivery, language: ReplyLanguage(code: config.language), template: config.replyTemplate,
                sms: family.isSMS, campaign: config.campaign, perSecond: config.repliesPerSecond,
                perAddressPerHour: config.repliesPerAddressPerHour ?? family.repliesPerAddressPerHour,
                configuredPerAddressPerHour: config.repliesPerAddressPerHour, via: config.replyVia
            )
        }
        // A route leads only to a channel whose own worker sends (the loader refuses others; this keeps a
        // hand-built configuration from queueing replies nobody sends).
        for (id, plan) in plans {
            let via = plan.via.filter { if case .service = plans[$0.value]?.delivery { true } else { false } }
            plans[id]?.via = via
            if plan.delivery == nil && via.isEmpty { plans[id] = nil }
        }
        self.channels = plans
        self.campaignTemplates = campaignTemplates
        self.statusPage = statusPage
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
        guard let origin = channels[message.channelID], let route = route(message, origin: origin) else { return nil }
        let language = Self.language(of: message, channel: origin)
        let text = compose(kind, values: values, message: message, channel: origin, sms: route.channel.sms, recipient: route.kind)
        let limit = route.routed ? (origin.configuredPerAddressPerHour ?? route.channel.perAddressPerHour) : route.channel.perAddressPerHour
        let (status, reason) = try status(of: route, limit: limit, at: time, in: connection)
        let references = message.metadata[MessageThread.referencesKey]?.split(separator: " ").map(String.init) ?? []
        let inserted = try connection.insertReply(ReplyRecord(
            channelID: route.channelID, journalID: journalID, complaintID: complaintID,
            recipient: route.recipient, recipientKind: route.kind, inReplyTo: route.routed ? nil : message.externalID,
            text: text, kind: kind, idempotencyKey: Self.idempotencyKey(message, kind: kind), status: status, createdAt: time,
            // A routed reply starts a conversation of its own: no `Re:` to a title the carrier never received.
            trackingNumber: values["tracking_number"], subject: route.routed ? nil : message.title, references: route.routed ? [] : references,
            language: route.routed ? (language == .english ? "en" : "id") : nil
        ), reason: reason)
        guard inserted else {
            // A provider retries only when our answer did not reach it, so an inline reply is rendered again
            // (the stored text, the same words); a reply the service sends is never written twice.
            if case .inline = route.channel.delivery { return try connection.replyText(idempotencyKey: Self.idempotencyKey(message, kind: kind)) }
            return nil
        }
        switch route.channel.delivery {
        case .service(let signal):
            if status == .pending { connection.afterCommit { signal.announce() } }
            return nil
        case .inline:
            return text
        case nil:
            return nil
        }
    }

    /// The reply's recipient and sender: the first of the message's contacts (the reporter, then a second
    /// contact email) whose kind the channel routes through another channel, else the reporter through the
    /// channel's own sender; nil when neither exists (a web form without a contact).
    func route(_ message: InboundMessage, origin: Channel) -> Route? {
        var contacts = [(kind: message.reporter.kind, address: message.replyTo ?? message.reporter.address)]
        if let email = message.metadata[InboundMessage.contactEmailKey] { contacts.append((.email, email)) }
        for contact in contacts {
            if let id = origin.via[contact.kind], let sender = channels[id] {
                return Route(channelID: id, channel: sender, recipient: contact.address, kind: contact.kind, routed: true)
            }
        }
        guard origin.delivery != nil else { return nil }
        return Route(channelID: message.channelID, channel: origin, recipient: contacts[0].address, kind: contacts[0].kind, routed: false)
    }

    /// The language the citizen wrote in when the channel said (a web form's switch), else the channel's.
    static func language(of message: InboundMessage, channel: Channel) -> ReplyLanguage {
        message.metadata[InboundMessage.replyLanguageKey].map(ReplyLanguage.init(code:)) ?? channel.language
    }

    /// How a new reply is stored: `inline`, `pending` for the service, or `suppressed` with the reason when the
    /// sending channel already wrote `limit` replies to the recipient in the hour before `time` (counted in the
    /// table, so the limit holds across restarts; suppressed ones do not count; replies it carries for other
    /// channels count with its own, so routing cannot multiply what one address receives).
    private func status(of route: Route, limit: Int?, at time: Date, in connection: Connection) throws -> (ReplyStatus, String?) {
        guard case .service = route.channel.delivery else { return (.inline, nil) }
        guard let limit, limit > 0 else { return (.pending, nil) }
        let recent = try connection.replyCount(channelID: route.channelID, recipient: route.recipient, since: time.addingTimeInterval(-3600))
        guard recent >= limit else { return (.pending, nil) }
        return (.suppressed, "suppressed: \(recent) replies to this address within the hour (limit \(limit) per address per hour)")
    }

    /// One reply of each sort per provider message on a channel: one report acknowledgment (`accepted` and
    /// `duplicate` share `<channel>/<external id>`, so a retry is never answered twice) and one answer of each
    /// other kind (`…/instructions`), so a `/start` or `CEK` the citizen then edits into a report still gets
    /// its tracking number.
    static func idempotencyKey(_ message: InboundMessage, kind: ReplyKind) -> String {
        let base = "\(message.channelID)/\(message.externalID)"
        switch kind {
        case .accepted, .duplicate: return base
        default: return "\(base)/\(kind.rawValue)"
        }
    }

    /// The text of a reply: the campaign's or channel's template for a new report, else the built-in one;
    /// kept to one GSM-7 SMS on SMS channels without ever cutting off the tracking number.
    /// `sms` says whether the sending channel is SMS (by default the answered one's), `recipient` the kind of
    /// address the reply goes to (by default the reporter's), which decides `{{status_hint}}`.
    func compose(
        _ kind: ReplyKind, values: [String: String], message: InboundMessage, channel: Channel, sms: Bool? = nil, recipient: ReporterKind? = nil
    ) -> String {
        let campaign = message.campaign ?? channel.campaign
        let sms = sms ?? channel.sms
        let language = Self.language(of: message, channel: channel)
        var values = values
        values["channel"] = message.channelID
        values["campaign"] = campaign ?? ""
        if let number = values["tracking_number"] {
            let hint = statusHint(for: recipient ?? message.reporter.kind, number: number, language: language)
            values["status_hint"] = ReplyTemplates.statusHint(hint, language, tracking: number)
        }
        let builtIn = ReplyTemplates.render(ReplyTemplates.builtIn(kind, language), values)
        let custom = kind == .accepted ? (campaign.flatMap { campaignTemplates[$0] } ?? channel.template) : nil
        guard let custom else { return sms ? GSM7.fit(builtIn) : builtIn }
        let rendered = ReplyTemplates.render(custom, values)
        guard sms else { return rendered }
        let fitted = GSM7.fit(rendered)
        // A custom text too long for one SMS is cut; if the cut would lose the number, the built-in text goes.
        if let number = values["tracking_number"], rendered.contains(number), !fitted.contains(number) {
            return GSM7.fit(builtIn)
        }
        return fitted
    }

    /// How a recipient of `kind` can follow report `number`: by replying `CEK`, except by email, whose family
    /// takes no status questions: there the web form's status page with the number filled in, when one is served.
    func statusHint(for kind: ReporterKind, number: String, language: ReplyLanguage) -> ReplyTemplates.StatusHint {
        guard kind == .email else { return .reply }
        guard let statusPage else { return .none }
        return .page(url: statusPage + "?nomor=" + number + (language == .english ? "&lang=en" : ""))
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
