import Foundation
import IntakeModel
import ProviderSigning

/// `type: email-inbound`: raw MIME pushed by an MTA, either to `POST /webhooks/{channel_id}` with the
/// channel's shared secret in `X-Intake-Secret`, or through `intake ingest-email` (a `PushAdapter`).
///
/// Settings: `secret` (required), `attachment_max_bytes` (per file, default 10 MiB), `attachments_max_bytes`
/// (per message, default 25 MiB). Set the channel's `max_body_bytes` to the largest mail the MTA may hand
/// over. Auto-replies, bounces and our own acknowledgments are answered 200 (exit 0) and never journaled.
/// With `smtp_url` and `from` the channel acknowledges each complaint by email (`EmailReplySender`), at most
/// `replies_per_address_per_hour` (default 3) per address.
public struct EmailAdapter: WebhookAdapter, PushAdapter {
    /// The header carrying the channel's shared secret on the webhook.
    public static let secretHeader = "X-Intake-Secret"
    /// The channel type in the configuration.
    public static let type = ChannelType("email-inbound")

    /// The family the server and the configuration loader register.
    public static let family = AdapterFamily(
        type: type,
        settingKeys: [
            ChannelSettingKey("secret", required: true, secret: true),
            ChannelSettingKey("attachment_max_bytes"), ChannelSettingKey("attachments_max_bytes"),
        ] + EmailReplySender.settingKeys,
        makeWebhook: { EmailAdapter(channel: $0) },
        makePush: { EmailAdapter(channel: $0) },
        makeReplySender: { EmailReplySender.make(channel: $0) },
        repliesPerAddressPerHour: EmailReplySender.defaultPerAddressPerHour,
        // SMTP writes to any address: other channels may acknowledge by email through this one (`reply_email_via`).
        outboundKind: .email
    )

    let channel: ChannelConfig
    let secret: ConfiguredSecret

    /// The adapter of one configured channel.
    public init(channel: ChannelConfig) {
        self.channel = channel
        secret = ConfiguredSecret(channel.settings["secret"] ?? "")
    }

    public var maxBodyBytes: Int { channel.maxBodyBytes }

    public func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome {
        guard request.method == "POST" else { throw .wrongMethod("send raw MIME with POST") }
        guard let presented = request.headers[Self.secretHeader] else { throw .unauthorized("missing \(Self.secretHeader) header") }
        // Constant-time: the comparison must not leak how much of the secret matched.
        guard secret.matches(presented) else { throw .unauthorized("\(Self.secretHeader) does not match the channel secret") }
        switch try EmailParser.message(raw: request.body, channel: channel) {
        case .complaint(let message):
            return .messages([message])
        case .ignored(let ignored):
            // A bounce of one of our replies is recorded on that reply (its Message-ID is the reply's provider id).
            if ignored.reason == .bounce, let original = ignored.originalMessageID {
                let status = DeliveryStatus(providerMessageID: original, status: "failed", error: "bounced (delivery status notification)")
                return .deliveryStatuses([status], response: Self.ignoredResponse(ignored))
            }
            return .ignored(reason: ignored.reason.rawValue, response: Self.ignoredResponse(ignored))
        }
    }

    /// A pushed mail is trusted (it comes from a local process); an ignored one yields no message, which the
    /// ingest route answers with no receipts and `intake ingest-email` with exit 0.
    public func receive(raw: [UInt8]) throws(AdapterError) -> [InboundMessage] {
        switch try EmailParser.message(raw: raw, channel: channel) {
        case .complaint(let message): [message]
        case .ignored: []
        }
    }

    public func acknowledge(_ receipts: [Receipt]) -> WebhookResponse {
        guard let receipt = receipts.first else {
            return WebhookResponse(status: 500, contentType: "application/json", body: Array(#"{"error":"no receipt"}"#.utf8))
        }
        let body = #"{"duplicate":\#(receipt.duplicate),"tracking_number":"\#(receipt.trackingNumber)"}"#
        return WebhookResponse(status: 200, contentType: "application/json; charset=utf-8", body: Array(body.utf8))
    }

    /// `{"ignored": "<reason>"}`, 200: the MTA must not retry, and nothing is journaled.
    static func ignoredResponse(_ ignored: IgnoredEmail) -> WebhookResponse {
        WebhookResponse(status: 200, contentType: "application/json; charset=utf-8", body: Array(#"{"ignored":"\#(ignored.reason.rawValue)"}"#.utf8))
    }
}
