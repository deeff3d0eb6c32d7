import Foundation
import IntakeModel
import ProviderSigning

/// Telegram Bot API channels (`type: telegram`): the family, and the webhook end of `mode: webhook`.
///
/// In webhook mode Telegram posts each update to `/webhooks/{channel_id}` with the channel's `secret_token` in
/// `X-Telegram-Bot-Api-Secret-Token`, compared in constant time; a call without it or with another is refused
/// and stores nothing. In poll mode the same route refuses every call (the poller reads `getUpdates`).
public struct TelegramAdapter: WebhookAdapter {
    /// The header Telegram sends the `secret_token` in.
    public static let secretHeader = "X-Telegram-Bot-Api-Secret-Token"
    /// The credentials kind of this family's media references: a Bot API `file_id`, resolved by `getFile`.
    public static let mediaCredentials = "telegram-file"

    /// The family: `bot_token` (secret), `mode` (`poll` | `webhook`), `poll_seconds`, `secret_token` (secret,
    /// required in webhook mode), `api_base` (default `https://api.telegram.org`).
    public static let family: AdapterFamily = {
        var family = AdapterFamily(
            type: .telegram,
            settingKeys: [
                ChannelSettingKey("bot_token", required: true, secret: true), ChannelSettingKey("mode"),
                ChannelSettingKey("poll_seconds", integerIn: 0...3600), ChannelSettingKey("secret_token", secret: true),
                ChannelSettingKey("api_base"),
            ],
            makeWebhook: { TelegramAdapter(channel: $0) },
            makePoller: { TelegramPoller(channel: $0, http: CurlExchange()) },
            makeReplySender: { BotReplySender(settings: BotSettings(channel: $0)) },
            makeMediaResolver: { BotMediaResolver(settings: BotSettings(channel: $0)) }
        )
        family.settingProblems = { BotSettings.problems($0) }
        family.httpsPublicURLReason = { settings in
            settings["mode"] == BotMode.webhook.rawValue ? "Telegram refuses a webhook URL that is not https (mode: webhook)" : nil
        }
        return family
    }()

    let channel: ChannelConfig
    let settings: BotSettings
    let secret: ConfiguredSecret?

    /// The webhook end of `channel`.
    public init(channel: ChannelConfig) {
        self.channel = channel
        settings = BotSettings(channel: channel)
        secret = settings.secretToken.map(ConfiguredSecret.init)
    }

    /// The channel's `max_body_bytes`.
    public var maxBodyBytes: Int { channel.maxBodyBytes }

    /// Checks the secret header, then reads the one update the body holds; an update it cannot read is
    /// `.unreadable` (quarantined and answered 200 by the server), never a refusal Telegram would resend.
    public func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome {
        guard request.method == "POST" else { throw .wrongMethod("Telegram webhooks are POST") }
        guard settings.mode == .webhook, let secret else {
            throw .unauthorized("channel \(channel.id) reads getUpdates (mode: poll): set mode: webhook to take webhook calls")
        }
        guard let given = request.headers[Self.secretHeader] else { throw .unauthorized("missing \(Self.secretHeader) header") }
        guard secret.matches(given) else { throw .unauthorized("\(Self.secretHeader) is not this channel's secret_token") }
        switch UpdateReader(channel: channel).read(request.body) {
        case .message(let message): return .messages([message])
        case .ignored(let reason): return .ignored(reason: reason, response: Self.ok)
        // The secret checked out, so it is Telegram's: refusing it would only make Telegram resend it forever.
        case .unreadable(let problem): return .unreadable(problem: problem, fileExtension: "json", response: Self.ok)
        }
    }

    /// Telegram only needs a 2xx; the tracking numbers are for people and tests reading the answer.
    public func acknowledge(_ receipts: [Receipt]) -> WebhookResponse {
        let items = receipts.map { #"{"duplicate":\#($0.duplicate),"tracking_number":"\#($0.trackingNumber)"}"# }
        return WebhookResponse(
            status: 200, contentType: "application/json; charset=utf-8", body: Array(#"{"ok":true,"messages":[\#(items.joined(separator: ","))]}"#.utf8)
        )
    }

    static let ok = WebhookResponse(status: 200, contentType: "application/json; charset=utf-8", body: Array(#"{"ok":true}"#.utf8))
}
