import Crypto
import Foundation
import IntakeModel
import ProviderSigning

/// intake's own signed JSON webhook, for integrations (a partner app, a campaign's form) and for tests.
///
/// Body: `{"id", "from", "name"?, "text", "title"?, "sent_at"?}` plus optional `anonymous`, `confidential`,
/// `kind`, `location`, `incident_date`, `category`, `agency`, `tags`, `part` (`{"reference", "index", "total"}`), and `attachments`: a list of
/// `{"url", "media_type"?, "file_name"?, "expires_at"?}` fetched by the media service after the answer. Header: `X-Intake-Signature: sha256=<hex>`,
/// the HMAC-SHA256 of the raw body under the channel's secret. A text such as `CEK LPR-7K3M-9QX2` is a status
/// question, answered through the reply path; with `reply_url` the channel's replies are POSTed there
/// (`GenericReplySender`).
public struct GenericAdapter: WebhookAdapter, PushAdapter {
    public static let signatureHeader = "X-Intake-Signature"

    /// The family the server and the configuration loader register.
    public static let family = AdapterFamily(
        type: .generic,
        settingKeys: [ChannelSettingKey("secret", required: true, secret: true), ChannelSettingKey("reply_url")],
        makeWebhook: { GenericAdapter(channel: $0) },
        makePush: { GenericAdapter(channel: $0) },
        // Replies only where the partner said where to send them.
        makeReplySender: { channel in channel.settings["reply_url"].map { GenericReplySender(url: $0, secret: channel.settings["secret"] ?? "") } },
        makeMediaResolver: { _ in GenericMediaResolver() }
    )

    let channel: ChannelConfig
    /// The channel secret as an HMAC-SHA256 key whose padded blocks are hashed once per channel, not once
    /// per message.
    let key: SignatureKey

    public init(channel: ChannelConfig) {
        self.channel = channel
        key = SignatureKey(secret: Array((channel.settings["secret"] ?? "").utf8))
    }

    public var maxBodyBytes: Int { channel.maxBodyBytes }

    public func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome {
        guard request.method == "POST" else { throw .wrongMethod("send messages with POST") }
        try verifySignature(request.headers[Self.signatureHeader], body: request.body)
        return .messages([try parse(request.body)])
    }

    /// A pushed message is trusted (it comes from a local process), so it carries no signature.
    public func receive(raw: [UInt8]) throws(AdapterError) -> [InboundMessage] {
        [try parse(raw)]
    }

    public func acknowledge(_ receipts: [Receipt]) -> WebhookResponse {
        guard let receipt = receipts.first else {
            return WebhookResponse(status: 500, contentType: "application/json", body: Array(#"{"error":"no receipt"}"#.utf8))
        }
        let body = #"{"duplicate":\#(receipt.duplicate),"tracking_number":"\#(receipt.trackingNumber)"}"#
        return WebhookResponse(status: 200, contentType: "application/json; charset=utf-8", body: Array(body.utf8))
    }

    /// The header value a sender computes: `sha256=` and the lower-case hex HMAC of the body.
    public static func signature(secret: String, body: some DataProtocol) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + Hex.string(mac)
    }

    func verifySignature(_ header: String?, body: [UInt8]) throws(AdapterError) {
        guard let header else { throw .unauthorized("missing \(Self.signatureHeader) header") }
        guard header.hasPrefix("sha256="), let mac = Hex.bytes(header.dropFirst(7)), mac.count == 32 else {
            throw .unauthorized("\(Self.signatureHeader) must be sha256=<64 hex digits>")
        }
        // Constant-time: the check must not leak how many bytes matched.
        guard key.authenticates(body, mac: mac) else {
            throw .unauthorized("signature does not match the body")
        }
    }

    func parse(_ body: [UInt8]) throws(AdapterError) -> InboundMessage {
        try GenericPayloadReader.read(body).message(channel: channel)
    }
}

/// The generic webhook's JSON body; every field optional here so a missing one gets a named 400.
struct GenericPayload {
    var id: String?
    var from: String?
    var name: String?
    var text: String?
    var title: String?
    var sentAt: String?
    var anonymous: Bool?
    var confidential: Bool?
    var kind: String?
    var location: String?
    var incidentDate: String?
    var category: String?
    var agency: String?
    var tags: [String]?
    var attachments: [GenericAttachment]?
    var part: Part?

    /// `part`: this message is part `index` of `total` under `reference` (the core joins the parts).
    struct Part {
        var reference: String?
        var index: Int?
        var total: Int?
    }

    /// The members as they appear in the body, in the order a wrong type among them is reported.
    static let fieldOrder = [
        "id", "from", "name", "text", "title", "sent_at", "anonymous", "confidential", "kind", "location",
        "incident_date", "category", "agency", "tags", "attachments", "part",
    ]

    func message(channel: ChannelConfig) throws(AdapterError) -> InboundMessage {
        guard let id = id?.trimmed, !id.isEmpty else { throw .malformed(field: "id", message: "is required") }
        guard id.utf8.count <= 256 else { throw .malformed(field: "id", message: "is longer than 256 bytes") }
        guard let from, !from.isBlank else { throw .malformed(field: "from", message: "is required") }
        guard let reporter = Reporter(inferringFrom: from, name: name) else {
            throw .malformed(field: "from", message: "is not a phone number, email address or handle")
        }
        guard let text, !text.isBlank else {
            throw .malformed(field: "text", message: "is required")
        }
        var sent: Date?
        if let sentAt {
            guard let date = Timestamp.parse(sentAt) else { throw .malformed(field: "sent_at", message: "must be an ISO-8601 time") }
            sent = date
        }
        var reportKind = ReportKind.complaint
        if let kind {
            guard let parsed = ReportKind(rawValue: kind) else {
                throw .malformed(field: "kind", message: "must be one of \(ReportKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            reportKind = parsed
        }
        if let incidentDate, !Self.isCalendarDate(incidentDate) {
            throw .malformed(field: "incident_date", message: "must be a date as YYYY-MM-DD")
        }
        return InboundMessage(
            channelID: channel.id, channelType: .generic, externalID: id, sentAt: sent, reporter: reporter,
            anonymous: anonymous ?? false, confidential: confidential ?? false, kind: reportKind, title: title, text: text,
            location: location, incidentDate: incidentDate, category: category, agency: agency,
            attachments: try (attachments ?? []).enumerated().map { index, item throws(AdapterError) in try item.reference(index) },
            tags: tags ?? [],
            part: try messagePart(),
            statusQuestion: Self.mayAsk(text) ? StatusQuestion.typedNumber(in: text) : nil
        )
    }

    /// Whether `text` may start with a status keyword (`CEK`, `CHECK`, `STATUS`): a look at its first byte
    /// keeps the full check off the path of every ordinary report.
    static func mayAsk(_ text: String) -> Bool {
        guard let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }) else { return false }
        return first | 0x20 == UInt8(ascii: "c") || first | 0x20 == UInt8(ascii: "s")
    }

    /// The declared part; its numbers are checked by the core (`MessagePart.isValid`), which treats an
    /// invalid part as a whole message.
    private func messagePart() throws(AdapterError) -> MessagePart? {
        guard let part else { return nil }
        guard let reference = part.reference, let index = part.index, let total = part.total else {
            throw .malformed(field: "part", message: "needs reference (a string), index and total (integers)")
        }
        return MessagePart(reference: reference, index: index, total: total)
    }

    static func isCalendarDate(_ text: String) -> Bool {
        (try? Date.ISO8601FormatStyle().year().month().day().parse(text)) != nil
    }
}
