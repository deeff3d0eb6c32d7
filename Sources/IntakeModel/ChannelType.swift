/// The kind of channel a message came in on; picks the adapter that understands its wire format.
///
/// An open set of names rather than an enum, so a new adapter family plugs in without touching the model.
public struct ChannelType: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// Signed JSON webhook for integrations that speak intake's own format.
    public static let generic = ChannelType("generic")
    /// SMS to short code 1708 through an aggregator.
    public static let sms = ChannelType("sms")
    /// Mail fetched over IMAP or pushed by an MTA.
    public static let email = ChannelType("email")
    /// The citizen's web form at lapor.go.id and its JSON API.
    public static let webForm = ChannelType("web_form")
    /// WhatsApp Cloud API.
    public static let whatsapp = ChannelType("whatsapp")
    /// Telegram bot updates.
    public static let telegram = ChannelType("telegram")
    /// X (Twitter) mentions and hashtags.
    public static let x = ChannelType("x")
}

/// The identifier an admin gives a channel in the configuration (`sms-telkomsel`, `mudik-wa`).
public typealias ChannelID = String
