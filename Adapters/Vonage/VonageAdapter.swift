import Foundation
import IntakeModel

extension ChannelType {
    /// SMS through Vonage (Nexmo): inbound messages and delivery receipts on one webhook, replies by its SMS API.
    public static let vonage = ChannelType("vonage")
}

/// Vonage's inbound SMS webhook (GET query, POST form or POST JSON, as the account is set) and its delivery
/// receipts, which arrive on the same URL and are told apart by their fields.
///
/// Settings: `signature_secret` (secret; when set, every request must carry a valid `sig` and a `timestamp`
/// within five minutes of now), `signature_method` (`md5hash` by default, `md5`, `sha1`, `sha256`, `sha512`),
/// and for replies `api_key`, `api_secret` (secret), `from` and `api_base` (`https://rest.nexmo.com`).
public struct VonageAdapter: WebhookAdapter {
    /// The family the server and the configuration loader register.
    public static let family = AdapterFamily(
        type: .vonage,
        settingKeys: [
            ChannelSettingKey("signature_secret", secret: true), ChannelSettingKey("signature_method"),
            ChannelSettingKey("api_key"), ChannelSettingKey("api_secret", secret: true), ChannelSettingKey("api_base"),
            ChannelSettingKey("from"),
        ],
        makeWebhook: { VonageAdapter(channel: $0) },
        // Replies only with the SMS API credentials; without them the channel only receives.
        makeReplySender: { channel in channel.settings["api_key"] != nil && channel.settings["api_secret"] != nil ? VonageReplySender(channel: channel) : nil },
        isSMS: true
    )

    let channel: ChannelConfig
    let signature: VonageSignature?
    let now: @Sendable () -> Date

    /// The adapter for `channel`; `now` is the clock signed requests' `timestamp` is compared with.
    public init(channel: ChannelConfig, now: @escaping @Sendable () -> Date = { Date() }) {
        self.channel = channel
        self.now = now
        if let secret = channel.settings["signature_secret"], !secret.isEmpty {
            signature = VonageSignature(secret: secret, method: channel.settings["signature_method"])
        } else {
            signature = nil
        }
    }

    public var maxBodyBytes: Int { channel.maxBodyBytes }

    public func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome {
        let parameters = try Self.parameters(of: request)
        try signature?.verify(parameters, now: now())
        let fields = VonageFields(parameters)
        if fields.isDeliveryReceipt {
            return .deliveryStatuses([try fields.deliveryStatus()], response: Self.ok)
        }
        guard let message = try fields.message(channel: channel) else {
            // A binary SMS (a ringtone, a WAP push) carries no text to report: taken, and nothing journaled.
            return .respond(Self.ok)
        }
        return .messages([message])
    }

    public func acknowledge(_ receipts: [Receipt]) -> WebhookResponse { Self.ok }

    /// Vonage wants a 200 and nothing else; anything else makes it send the message again.
    static let ok = WebhookResponse(status: 200, contentType: "text/plain; charset=utf-8", body: [])

    /// The request's parameters, last value per name: the query of a GET, the JSON object or form of a POST
    /// (the query when the POST has no body).
    static func parameters(of request: WebhookRequest) throws(AdapterError) -> [String: String] {
        let fields: [(name: String, value: String)]
        switch request.method {
        case "GET":
            fields = FormFields.query(of: request.publicURL)
        case "POST" where request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }):
            fields = FormFields.query(of: request.publicURL)
        case "POST" where (request.headers["Content-Type"] ?? "").lowercased().contains("json") || request.body.first == UInt8(ascii: "{"):
            fields = try jsonFields(request.body)
        case "POST":
            fields = FormFields.decode(request.body)
        default:
            throw .wrongMethod("Vonage webhooks use GET or POST")
        }
        var parameters: [String: String] = [:]
        for (name, value) in fields { parameters[name] = value }
        return parameters
    }

    /// A JSON object's members whose values are strings, numbers or booleans, as text; others are skipped.
    /// Bytes that are not UTF-8 are read as U+FFFD rather than refusing the message.
    static func jsonFields(_ body: [UInt8]) throws(AdapterError) -> [(name: String, value: String)] {
        let utf8 = String(validating: body, as: UTF8.self) == nil ? Array(String(decoding: body, as: UTF8.self).utf8) : body
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(utf8), options: [.fragmentsAllowed]) else {
            throw .malformed(field: nil, message: "body is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw .malformed(field: nil, message: "body must be a JSON object") }
        return object.compactMap { name, value -> (name: String, value: String)? in
            switch value {
            case let text as String: (name, text)
            case let number as NSNumber: (name, number.stringValue)
            default: nil
            }
        }
    }
}
