/// One configured channel: which adapter family serves it and the settings that family needs.
public struct ChannelConfig: Sendable, Equatable {
    public var id: ChannelID
    public var type: ChannelType
    /// Largest accepted request body; 1 MiB unless configured.
    public var maxBodyBytes: Int
    /// Campaign every message of this channel belongs to (a Mudik hotline), if any.
    public var campaign: String?
    /// Tags added to every complaint from this channel.
    public var tags: [String]
    /// The type-specific keys, with `env:NAME` secrets already resolved.
    public var settings: [String: String]
    /// Consecutive messages of one reporter within this many seconds join one complaint; 0 turns it off.
    public var burstSeconds: Int
    /// How long the parts of a split message are awaited before what came is joined and marked incomplete.
    public var partsTimeoutSeconds: Int
    /// The language of replies to citizens: `id` (Bahasa Indonesia) or `en`.
    public var language: String
    /// The reply to a new report, replacing the built-in one (placeholders in `{{…}}`, see the README).
    public var replyTemplate: String?
    /// At most this many replies per second through this channel's provider; nil: no limit.
    public var repliesPerSecond: Double?
    /// At most this many replies to one address per hour on this channel (the rest are suppressed); nil: the
    /// family's default (`AdapterFamily.repliesPerAddressPerHour`); 0: no limit.
    public var repliesPerAddressPerHour: Int?
    /// Replies to a recipient of a kind go out through another channel's sender (`reply_email_via`,
    /// `reply_sms_via`): a web form's contact email through a mailbox's SMTP, its phone through an SMS API.
    public var replyVia: [ReporterKind: ChannelID] = [:]
    /// The gateway's `server.public_url`, set by the server before it builds pollers, for families that give
    /// their provider a webhook address (Telegram's `setWebhook`); nil elsewhere.
    public var publicURL: String?

    /// The keys naming the channel replies to each kind of recipient go through, with that kind.
    public static let replyViaKeys: [(key: String, kind: ReporterKind)] = [("reply_email_via", .email), ("reply_sms_via", .phone)]

    public static let defaultMaxBodyBytes = 1 << 20
    public static let defaultBurstSeconds = 90
    public static let defaultPartsTimeoutSeconds = 300

    public init(id: ChannelID, type: ChannelType, maxBodyBytes: Int = defaultMaxBodyBytes, campaign: String? = nil,
                tags: [String] = [], settings: [String: String] = [:], burstSeconds: Int = defaultBurstSeconds,
                partsTimeoutSeconds: Int = defaultPartsTimeoutSeconds, language: String = "id", replyTemplate: String? = nil,
                repliesPerSecond: Double? = nil, repliesPerAddressPerHour: Int? = nil) {
        self.id = id
        self.type = type
        self.maxBodyBytes = maxBodyBytes
        self.campaign = campaign
        self.tags = tags
        self.settings = settings
        self.burstSeconds = burstSeconds
        self.partsTimeoutSeconds = partsTimeoutSeconds
        self.language = language
        self.replyTemplate = replyTemplate
        self.repliesPerSecond = repliesPerSecond
        self.repliesPerAddressPerHour = repliesPerAddressPerHour
    }
}

/// A key an adapter family takes in its channel configuration.
public struct ChannelSettingKey: Sendable, Equatable {
    public var name: String
    public var required: Bool
    /// Never printed, logged or shown by the admin API.
    public var secret: Bool
    /// When set, the value must be a decimal integer in this range; anything else is a configuration error.
    public var integerRange: ClosedRange<Int>?
    /// When set, the value must be one of these words (`true`/`false`, a mode); anything else is a configuration error.
    public var allowedValues: [String]?

    public init(
        _ name: String, required: Bool = false, secret: Bool = false, integerIn integerRange: ClosedRange<Int>? = nil,
        oneOf allowedValues: [String]? = nil
    ) {
        self.name = name
        self.required = required
        self.secret = secret
        self.integerRange = integerRange
        self.allowedValues = allowedValues
    }
}

/// An adapter family: the channel type it serves, the keys it takes and how to build its adapters.
public struct AdapterFamily: Sendable {
    public var type: ChannelType
    public var settingKeys: [ChannelSettingKey]
    public var makeWebhook: (@Sendable (ChannelConfig) -> any WebhookAdapter)?
    public var makePush: (@Sendable (ChannelConfig) -> any PushAdapter)?
    public var makePoller: (@Sendable (ChannelConfig) -> any PollingAdapter)?
    /// Sends replies to citizens through the provider; nil: this family cannot reply on its own. The
    /// closure answers nil for a channel that can reply only once configured (the generic family without
    /// `reply_url`).
    public var makeReplySender: (@Sendable (ChannelConfig) -> (any ReplySender)?)?
    /// Fetches the bytes behind this family's media references; nil: its attachments always carry bytes.
    public var makeMediaResolver: (@Sendable (ChannelConfig) -> any MediaResolver)?
    /// The family answers the citizen inside its webhook response (`Receipt.reply`, Twilio's TwiML), so the
    /// reply service must not send the same reply again.
    public var repliesInline: Bool
    /// Whether the family's messages are SMS: replies are then kept to 160 GSM-7 characters.
    public var isSMS: Bool
    /// Replies to one address per hour when a channel sets no `replies_per_address_per_hour`; nil: no limit
    /// (email acknowledgments are limited, so a mail loop or a flood cannot make the gateway a spammer).
    public var repliesPerAddressPerHour: Int?
    /// The kind of address this family's sender reaches without the citizen having written to it first
    /// (`phone` for SMS, `email` for SMTP), so other channels may reply through it (`reply_sms_via`,
    /// `reply_email_via`); nil: it only answers on its own conversations.
    public var outboundKind: ReporterKind?
    /// `max_body_bytes` when a channel sets none; nil: `ChannelConfig.defaultMaxBodyBytes`.
    public var defaultMaxBodyBytes: Int?
    /// Setting keys (byte sizes) a request body must be able to hold: the loader refuses a channel whose
    /// value for one of them exceeds its `max_body_bytes`, which would refuse the upload first.
    public var settingsWithinBody: [String] = []
    /// Channel ids this family's channels may not take: fixed routes would shadow theirs (`/lapor/status`).
    public var reservedIDs: [String] = []
    /// Checks the family's settings together (a key required only in one mode, a value's format) at load;
    /// each problem names its key. Nil: the keys' own rules are all there is.
    public var settingProblems: (@Sendable ([String: String]) -> [(key: String, message: String)])? = nil
    /// Why a channel with these settings needs an `https://` `server.public_url` (Telegram refuses any other
    /// webhook URL), checked at load; nil (or a nil closure): any public URL will do.
    public var httpsPublicURLReason: (@Sendable ([String: String]) -> String?)? = nil

    public init(
        type: ChannelType,
        settingKeys: [ChannelSettingKey],
        makeWebhook: (@Sendable (ChannelConfig) -> any WebhookAdapter)? = nil,
        makePush: (@Sendable (ChannelConfig) -> any PushAdapter)? = nil,
        makePoller: (@Sendable (ChannelConfig) -> any PollingAdapter)? = nil,
        makeReplySender: (@Sendable (ChannelConfig) -> (any ReplySender)?)? = nil,
        makeMediaResolver: (@Sendable (ChannelConfig) -> any MediaResolver)? = nil,
        repliesInline: Bool = false,
        isSMS: Bool = false,
        repliesPerAddressPerHour: Int? = nil,
        outboundKind: ReporterKind? = nil
    ) {
        self.type = type
        self.settingKeys = settingKeys
        self.makeWebhook = makeWebhook
        self.makePush = makePush
        self.makePoller = makePoller
        self.makeReplySender = makeReplySender
        self.makeMediaResolver = makeMediaResolver
        self.repliesInline = repliesInline
        self.isSMS = isSMS
        self.repliesPerAddressPerHour = repliesPerAddressPerHour
        // An SMS family's sender writes to any phone number; other families say what they reach.
        self.outboundKind = outboundKind ?? (isSMS ? .phone : nil)
    }

    /// Whether a channel of this family, configured as `channel`, can carry other channels' replies to
    /// recipients of `kind`: it has a sender of its own, sends it outside the webhook answer, and reaches `kind`.
    public func carriesReplies(to kind: ReporterKind, as channel: ChannelConfig) -> Bool {
        outboundKind == kind && !repliesInline && makeReplySender?(channel) != nil
    }
}
