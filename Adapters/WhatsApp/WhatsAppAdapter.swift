import Foundation
import IntakeModel
import ProviderSigning

/// WhatsApp Business Cloud API webhooks: Meta's subscription check and the signed notifications that carry
/// citizens' messages and the statuses of our replies.
///
/// `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` answers the challenge when the token is the
/// channel's `verify_token`. `POST` bodies must carry `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256
/// of the raw body under the app's `app_secret`.
public struct WhatsAppAdapter: WebhookAdapter {
    /// The header Meta signs notifications in: `sha256=` and the hex HMAC-SHA256 of the body.
    public static let signatureHeader = "X-Hub-Signature-256"
    /// The credentials kind of this family's media references: a Graph API media id.
    public static let mediaCredentials = "whatsapp-graph"

    /// The family the server and the configuration loader register.
    public static let family = AdapterFamily(
        type: .whatsapp,
        settingKeys: [
            ChannelSettingKey("verify_token", required: true, secret: true),
            ChannelSettingKey("app_secret", required: true, secret: true),
            ChannelSettingKey("access_token", secret: true),
            ChannelSettingKey("phone_number_id", required: true),
            ChannelSettingKey("api_base"),
            ChannelSettingKey("api_version"),
        ],
        makeWebhook: { WhatsAppAdapter(channel: $0) },
        makeReplySender: { GraphReplySender(settings: GraphSettings(channel: $0)) },
        makeMediaResolver: { GraphMediaResolver(settings: GraphSettings(channel: $0)) }
    )

    let channel: ChannelConfig
    let verifyToken: String
    let key: SignatureKey
    /// The clock media references' expiry is counted from; a parameter so tests can fix it.
    let clock: @Sendable () -> Date

    /// An adapter for `channel`; `clock` dates media references (their expiry is counted from it).
    public init(channel: ChannelConfig, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.channel = channel
        verifyToken = channel.settings["verify_token"] ?? ""
        key = SignatureKey(secret: Array((channel.settings["app_secret"] ?? "").utf8))
        self.clock = clock
    }

    /// The channel's `max_body_bytes`.
    public var maxBodyBytes: Int { channel.maxBodyBytes }

    /// Answers Meta's `GET` check, or verifies a `POST` notification's signature and reads its messages or statuses.
    public func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome {
        switch request.method {
        case "GET": return try verifySubscription(request.query)
        case "POST": break
        default: throw .wrongMethod("WhatsApp webhooks are GET (verification) or POST (notifications)")
        }
        try verifySignature(request.headers[Self.signatureHeader], body: request.body)
        let contents = try CloudMessageReader(channel: channel, now: clock()).read(request.body)
        // Meta sends statuses and messages in separate notifications; a body with messages is about them.
        if !contents.messages.isEmpty { return .messages(contents.messages) }
        let answer = WebhookResponse(
            status: 200, contentType: "application/json; charset=utf-8",
            body: Array(#"{"statuses":\#(contents.statuses.count),"ignored":\#(contents.ignored.count)}"#.utf8)
        )
        return contents.statuses.isEmpty ? .respond(answer) : .deliveryStatuses(contents.statuses, response: answer)
    }

    /// Meta only needs a 200; the tracking numbers are for people and tests reading the answer.
    public func acknowledge(_ receipts: [Receipt]) -> WebhookResponse {
        let items = receipts.map { #"{"duplicate":\#($0.duplicate),"tracking_number":"\#($0.trackingNumber)"}"# }
        return WebhookResponse(
            status: 200, contentType: "application/json; charset=utf-8",
            body: Array(#"{"messages":[\#(items.joined(separator: ","))]}"#.utf8)
        )
    }

    /// Meta's subscription check: answers `hub.challenge` as plain text when the token is ours.
    func verifySubscription(_ query: [(name: String, value: String)]) throws(AdapterError) -> WebhookOutcome {
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
        guard value("hub.mode") == "subscribe" else {
            throw .malformed(field: "hub.mode", message: "must be subscribe")
        }
        guard let token = value("hub.verify_token") else { throw .unauthorized("missing hub.verify_token") }
        // Constant-time: the check must not leak how much of the token a guess got right.
        guard !verifyToken.isEmpty, ConfiguredSecret(verifyToken).matches(token) else {
            throw .unauthorized("hub.verify_token is not this channel's verify_token")
        }
        guard let challenge = value("hub.challenge"), !challenge.isEmpty else {
            throw .malformed(field: "hub.challenge", message: "is required")
        }
        guard challenge.utf8.count <= 256 else { throw .malformed(field: "hub.challenge", message: "is longer than 256 bytes") }
        return .respond(WebhookResponse(status: 200, contentType: "text/plain; charset=utf-8", body: Array(challenge.utf8)))
    }

    func verifySignature(_ header: String?, body: [UInt8]) throws(AdapterError) {
        guard let header else { throw .unauthorized("missing \(Self.signatureHeader) header") }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("sha256="), let mac = Hex.bytes(trimmed.dropFirst(7)), mac.count == 32 else {
            throw .unauthorized("\(Self.signatureHeader) must be sha256=<64 hex digits>")
        }
        guard key.authenticates(body, mac: mac) else { throw .unauthorized("signature does not match the body") }
    }
}
