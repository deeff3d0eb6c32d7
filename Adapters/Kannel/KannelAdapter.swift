import Crypto
import Foundation
import IntakeModel
import ProviderSigning

/// Kannel's SMS box calling the gateway from an `sms-service`'s `get-url` (query) or `post-url` (a form, or
/// the message as the body with `X-Kannel-*` headers); see the README for the line to configure.
///
/// Kannel does not sign: a shared `secret` parameter, compared in constant time, and optionally
/// `allowed_ips` (the SMS box's addresses) authenticate the call. Concatenated SMS arrive one part per call,
/// their User Data Header naming the part, which the core joins.
public struct KannelAdapter: WebhookAdapter {
    /// The channel type (`type: kannel`).
    public static let type = ChannelType("kannel")

    /// The family the server and the configuration loader register.
    public static let family = AdapterFamily(
        type: type,
        settingKeys: [
            ChannelSettingKey("secret", required: true, secret: true), ChannelSettingKey("allowed_ips"),
            ChannelSettingKey("send_url"), ChannelSettingKey("send_username"),
            ChannelSettingKey("send_password", secret: true), ChannelSettingKey("from"),
        ],
        makeWebhook: { KannelAdapter(channel: $0) },
        makeReplySender: { KannelReplySender(channel: $0) },
        isSMS: true
    )

    let channel: ChannelConfig
    let secret: ConfiguredSecret?
    /// Peers allowed to call; nil: any.
    let allowedIPs: Set<String>?

    /// The adapter of one configured channel; its secret is hashed once here.
    public init(channel: ChannelConfig) {
        self.channel = channel
        let secret = channel.settings["secret"] ?? ""
        self.secret = secret.isEmpty ? nil : ConfiguredSecret(secret)
        let addresses = (channel.settings["allowed_ips"] ?? "").split(separator: ",")
            .map { Self.normalizedAddress($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isEmpty }
        allowedIPs = addresses.isEmpty ? nil : Set(addresses)
    }

    public var maxBodyBytes: Int { channel.maxBodyBytes }
    /// `allowed_ips` is checked against the address the SMS box called from.
    public var wantsPeerAddress: Bool { allowedIPs != nil }

    public func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome {
        guard request.method == "GET" || request.method == "POST" else {
            throw .wrongMethod("Kannel calls with GET (get-url) or POST (post-url)")
        }
        if let allowedIPs {
            guard let peer = request.peerAddress, allowedIPs.contains(Self.normalizedAddress(peer)) else {
                throw .unauthorized("the caller's address is not in the channel's allowed_ips")
            }
        }
        let fields = KannelFields(request)
        guard let secret else { throw .unauthorized("the channel has no secret configured, so every call is refused") }
        guard let given = fields["secret"] else { throw .unauthorized("missing secret parameter") }
        guard secret.matches(String(decoding: given, as: UTF8.self)) else {
            throw .unauthorized("secret parameter does not match the channel secret")
        }
        return .messages([try KannelMessage(fields: fields).message(channel: channel)])
    }

    /// 200 with an empty plain-text body: an SMS box configured to answer the citizen with the body sends
    /// nothing (replies go through `send_url`).
    public func acknowledge(_ receipts: [Receipt]) -> WebhookResponse {
        WebhookResponse(status: 200, contentType: "text/plain; charset=utf-8", body: [])
    }

    /// `::ffff:10.0.0.5` (an IPv4 peer on an IPv6 socket) is `10.0.0.5`.
    static func normalizedAddress(_ address: String) -> String {
        let lowered = address.lowercased()
        return lowered.hasPrefix("::ffff:") && lowered.contains(".") ? String(lowered.dropFirst(7)) : lowered
    }
}

/// One SMS as the SMS box's parameters describe it: `from` (%p), `to` (%P), `text` (%b or %a), `udh` (%U or %u),
/// `coding` (%c), `charset` (%C), `smsc` (%i), `id` (%I), `time` (%T or %t). Others are ignored.
struct KannelMessage {
    let fields: KannelFields

    func message(channel: ChannelConfig) throws(AdapterError) -> InboundMessage {
        guard let from = fields.text("from"), !from.isEmpty else {
            throw .malformed(field: "from", message: "is required (get-url: from=%p; post-url: send-sender = true)")
        }
        guard let reporter = Self.reporter(from) else { throw .malformed(field: "from", message: "is not a phone number") }
        guard let raw = fields["text"] else { throw .malformed(field: "text", message: "is required (text=%b)") }
        let udh = fields["udh"].map(UserDataHeader.bytes) ?? []
        let part = UserDataHeader.part(udh)
        let coding = fields.text("coding").flatMap { Int($0) }
        let text = KannelText.decode(raw, coding: coding, charset: fields.text("charset"))
        guard part != nil || !text.isBlank else { throw .malformed(field: "text", message: "is empty") }
        var metadata: [String: String] = [:]
        for name in ["to", "smsc", "coding"] {
            if let value = fields.text(name), !value.isEmpty { metadata[name] = value }
        }
        let time = fields.text("time")
        return InboundMessage(
            channelID: channel.id, channelType: channel.type,
            externalID: externalID(reporter: reporter, time: time, text: raw, udh: udh),
            sentAt: KannelTime.parse(time), reporter: reporter, text: text, metadata: metadata, part: part,
            statusQuestion: part == nil ? StatusQuestion.typedNumber(in: text) : nil
        )
    }

    /// Kannel's own id (%I) when given; otherwise a hash of what makes the SMS, so a redelivery is the same message.
    func externalID(reporter: Reporter, time: String?, text: [UInt8], udh: [UInt8]) -> String {
        if let id = fields.text("id"), !id.isEmpty, id.utf8.count <= 256 { return id }
        var hash = SHA256()
        for piece in [Array(reporter.address.utf8), Array((fields.text("to") ?? "").utf8), Array((time ?? "").utf8), text, udh] {
            hash.update(data: Array(String(piece.count).utf8) + [0])
            hash.update(data: piece)
        }
        return "sha256-" + hash.finalize().prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// The sender as E.164: national and `62…` numbers as `PhoneNumber` reads them; other digit strings
    /// without a leading 0 are taken as international numbers whose `+` the SMSC dropped.
    static func reporter(_ raw: String) -> Reporter? {
        if let reporter = Reporter(kind: .phone, raw: raw) { return reporter }
        guard let first = raw.utf8.first, first != UInt8(ascii: "0"),
              raw.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Reporter(kind: .phone, raw: "+" + raw)
    }
}
