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

    public static let defaultMaxBodyBytes = 1 << 20

    public init(id: ChannelID, type: ChannelType, maxBodyBytes: Int = defaultMaxBodyBytes, campaign: String? = nil,
                tags: [String] = [], settings: [String: String] = [:]) {
        self.id = id
        self.type = type
        self.maxBodyBytes = maxBodyBytes
        self.campaign = campaign
        self.tags = tags
        self.settings = settings
    }
}

/// A key an adapter family takes in its channel configuration.
public struct ChannelSettingKey: Sendable, Equatable {
    public var name: String
    public var required: Bool
    /// Never printed, logged or shown by the admin API.
    public var secret: Bool

    public init(_ name: String, required: Bool = false, secret: Bool = false) {
        self.name = name
        self.required = required
        self.secret = secret
    }
}

/// An adapter family: the channel type it serves, the keys it takes and how to build its adapters.
public struct AdapterFamily: Sendable {
    public var type: ChannelType
    public var settingKeys: [ChannelSettingKey]
    public var makeWebhook: (@Sendable (ChannelConfig) -> any WebhookAdapter)?
    public var makePush: (@Sendable (ChannelConfig) -> any PushAdapter)?
    public var makePoller: (@Sendable (ChannelConfig) -> any PollingAdapter)?

    public init(
        type: ChannelType,
        settingKeys: [ChannelSettingKey],
        makeWebhook: (@Sendable (ChannelConfig) -> any WebhookAdapter)? = nil,
        makePush: (@Sendable (ChannelConfig) -> any PushAdapter)? = nil,
        makePoller: (@Sendable (ChannelConfig) -> any PollingAdapter)? = nil
    ) {
        self.type = type
        self.settingKeys = settingKeys
        self.makeWebhook = makeWebhook
        self.makePush = makePush
        self.makePoller = makePoller
    }
}
