import IntakeModel

extension ChannelType {
    /// SMS and MMS through Twilio's Programmable Messaging webhook.
    public static let twilio = ChannelType("twilio")
}

/// Twilio's inbound SMS/MMS webhook: a form-encoded POST signed with `X-Twilio-Signature`, answered with TwiML.
///
/// Settings: `auth_token` (secret, required) keys the signature and the media downloads; `account_sid`
/// (optional) turns on HTTP basic auth for media URLs (Twilio's "HTTP Basic Authentication for media").
/// The reply to the citizen travels inside the TwiML answer (`repliesInline`), so nothing is sent twice.
public struct TwilioAdapter: WebhookAdapter {
    public static let signatureHeader = "X-Twilio-Signature"
    /// The credentials kind of Twilio media references, which `TwilioMediaResolver` serves.
    public static let mediaCredentials = "twilio-basic"
    /// Twilio sends at most ten media per MMS.
    static let maximumMedia = 10

    /// The family the server and the configuration loader register.
    public static let family = AdapterFamily(
        type: .twilio,
        settingKeys: [ChannelSettingKey("auth_token", required: true, secret: true), ChannelSettingKey("account_sid")],
        makeWebhook: { TwilioAdapter(channel: $0) },
        makeMediaResolver: { TwilioMediaResolver(channel: $0) },
        repliesInline: true,
        isSMS: true
    )

    let channel: ChannelConfig
    let signature: TwilioSignature

    /// The adapter for `channel`, its auth token's HMAC key blocks hashed once.
    public init(channel: ChannelConfig) {
        self.channel = channel
        signature = TwilioSignature(authToken: channel.settings["auth_token"] ?? "")
    }

    public var maxBodyBytes: Int { channel.maxBodyBytes }

    public func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome {
        guard request.method == "POST" else { throw .wrongMethod("Twilio webhooks must use POST") }
        let fields = FormFields.decode(request.body)
        guard let header = request.headers[Self.signatureHeader] else { throw .unauthorized("missing \(Self.signatureHeader) header") }
        guard signature.authenticates(header: header, url: request.publicURL, parameters: fields) else {
            throw .unauthorized("\(Self.signatureHeader) does not match the URL and parameters")
        }
        let form = TwilioForm(fields)
        if let status = form["MessageStatus"], form["Body"] == nil {
            // A status callback for a message we sent: recorded, never a complaint.
            guard let sid = form.messageSID else { throw .malformed(field: "MessageSid", message: "is required") }
            let report = DeliveryStatus(providerMessageID: sid, status: status, error: form["ErrorCode"])
            return .deliveryStatuses([report], response: Self.twiML(reply: nil))
        }
        return .messages([try form.message(channel: channel)])
    }

    public func acknowledge(_ receipts: [Receipt]) -> WebhookResponse {
        Self.twiML(reply: receipts.lazy.compactMap(\.reply).first)
    }

    /// The TwiML answer: the reply as one `<Message>`, or an empty `<Response/>` when there is nothing to say.
    static func twiML(reply: String?) -> WebhookResponse {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"#
        if let reply, !reply.isEmpty {
            xml += "<Response><Message>\(escapeXML(reply))</Message></Response>"
        } else {
            xml += "<Response/>"
        }
        return WebhookResponse(status: 200, contentType: "text/xml; charset=utf-8", body: Array(xml.utf8))
    }

    static func escapeXML(_ text: String) -> String {
        // The usual reply has nothing to escape: printable ASCII without markup characters.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "&") && $0 != UInt8(ascii: "<")
            && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "'") }) {
            return text
        }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            // XML 1.0 allows no other control characters than tab, line feed and carriage return.
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}

/// The fields of one Twilio webhook, first value per name.
struct TwilioForm {
    private var values: [String: String] = [:]

    init(_ fields: [(name: String, value: String)]) {
        for (name, value) in fields where values[name] == nil { values[name] = value }
    }

    subscript(_ name: String) -> String? { values[name] }

    /// `MessageSid`, or the older `SmsMessageSid`/`SmsSid` that some accounts still send alone.
    var messageSID: String? {
        [values["MessageSid"], values["SmsMessageSid"], values["SmsSid"]].lazy.compactMap { $0?.trimmed }.first { !$0.isEmpty }
    }

    func message(channel: ChannelConfig) throws(AdapterError) -> InboundMessage {
        var missing: [String] = []
        if messageSID == nil { missing.append("MessageSid") }
        if values["From"]?.trimmed.isEmpty ?? true { missing.append("From") }
        if values["Body"] == nil { missing.append("Body") }
        guard missing.isEmpty, let sid = messageSID, let from = values["From"], let body = values["Body"] else {
            throw .malformed(field: missing.joined(separator: ", "), message: missing.count == 1 ? "is required" : "are required")
        }
        guard sid.utf8.count <= 256 else { throw .malformed(field: "MessageSid", message: "is longer than 256 bytes") }
        // Twilio's WhatsApp senders read `whatsapp:+62…`: the same person as on SMS.
        let number = from.hasPrefix("whatsapp:") ? String(from.dropFirst("whatsapp:".count)) : from
        guard let reporter = Reporter(kind: .phone, raw: number) else {
            throw .malformed(field: "From", message: "is not a phone number")
        }
        let attachments = try media()
        guard !body.isBlank || !attachments.isEmpty else { throw .malformed(field: "Body", message: "is empty and no media came") }
        var metadata: [String: String] = [:]
        if let to = values["To"] { metadata["to"] = to }
        if let segments = values["NumSegments"] { metadata["num_segments"] = segments }
        return InboundMessage(
            channelID: channel.id, channelType: .twilio, externalID: sid, reporter: reporter, text: body,
            attachments: attachments, metadata: metadata,
            statusQuestion: StatusQuestion.typedNumber(in: body)
        )
    }

    /// `MediaUrlN`/`MediaContentTypeN` for N below `NumMedia`, as references the media service fetches.
    func media() throws(AdapterError) -> [InboundAttachment] {
        guard let declared = values["NumMedia"]?.trimmed, !declared.isEmpty else { return [] }
        guard let count = Int(declared), count >= 0 else { throw .malformed(field: "NumMedia", message: "must be a whole number") }
        var attachments: [InboundAttachment] = []
        for index in 0..<min(count, TwilioAdapter.maximumMedia) {
            guard let url = values["MediaUrl\(index)"]?.trimmed, !url.isEmpty else {
                throw .malformed(field: "MediaUrl\(index)", message: "is required when NumMedia is \(count)")
            }
            let mediaType = values["MediaContentType\(index)"]?.trimmed.lowercased() ?? "application/octet-stream"
            attachments.append(InboundAttachment(
                fileName: Self.fileName(url: url, mediaType: mediaType, index: index), mediaType: mediaType,
                reference: MediaReference(location: url, credentials: TwilioAdapter.mediaCredentials)
            ))
        }
        return attachments
    }

    /// The media's id (the URL's last path component, `ME…`) with an extension for its type.
    static func fileName(url: String, mediaType: String, index: Int) -> String {
        let path = url.split(separator: "?", maxSplits: 1).first ?? ""
        let last = path.split(separator: "/").last.map(String.init) ?? ""
        let stem = last.isEmpty || last.contains(":") ? "media-\(index + 1)" : last
        let known = ["image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp", "video/mp4": "mp4",
                     "audio/mpeg": "mp3", "audio/ogg": "ogg", "audio/amr": "amr", "application/pdf": "pdf", "text/vcard": "vcf"]
        guard let ext = known[mediaType], !stem.contains(".") else { return stem }
        return "\(stem).\(ext)"
    }
}
