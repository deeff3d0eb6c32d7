import Foundation
import IntakeModel
import ProviderSigning

/// `type: webform`: the citizen's form (`POST /lapor`) and the JSON API for apps (`POST /api/v1/reports`),
/// with the form tokens they need (`GET /api/v1/reports/token`).
///
/// Settings: `secret` (required; signs form tokens), `app_key` (optional: the channel is then for apps only and
/// every request must bring `X-App-Key`),
/// `min_fill_seconds` (default 3), `attachment_max_bytes` and `attachments_max_bytes` (per file and per
/// message, defaults 10 MiB and 25 MiB), `attachments_max_count` (files per report, default 10, at most 256).
/// The family's `max_body_bytes` defaults to 26 MiB (the files and room for the fields); a channel whose file
/// limits exceed its `max_body_bytes` is refused at load.
/// The numbers are checked at load (non-negative integers). The family has no reply sender: a contact's
/// acknowledgment goes through another channel named by the common keys `reply_email_via` / `reply_sms_via`.
///
/// A `GET` answers a fresh token; a `POST` is a submission (`multipart/form-data`, or `application/json`
/// without files). The token is the message's external id, so one form sent twice is one complaint. Errors
/// name their field in the citizen's language: `{"errors": {"body": "Wajib diisi."}}`.
public struct WebFormAdapter: WebhookAdapter {
    /// The channel type in the configuration.
    public static let type = ChannelType("webform")
    /// The header an app presents when the channel has an `app_key`.
    public static let appKeyHeader = "X-App-Key"
    /// The honeypot: a field hidden from people, which only bots fill in.
    public static let honeypotField = "website"
    /// Seconds a person needs at least between the rendered form and its submission.
    public static let defaultMinFillSeconds = 3
    /// Per file, as the email family.
    public static let defaultAttachmentMaxBytes = 10 << 20
    /// Per report, as the email family.
    public static let defaultAttachmentsMaxBytes = 25 << 20
    /// The body limit when a channel sets no `max_body_bytes`: all the files plus 1 MiB for the fields.
    public static let defaultMaxBodyBytes = defaultAttachmentsMaxBytes + (1 << 20)
    /// Files per report; more are refused at the `attachments` field, with what was typed kept.
    public static let defaultAttachmentsMaxCount = 10

    /// The family the server and the configuration loader register.
    public static let family: AdapterFamily = {
        var family = plainFamily
        family.defaultMaxBodyBytes = defaultMaxBodyBytes
        family.settingsWithinBody = ["attachment_max_bytes", "attachments_max_bytes"]
        // `/lapor/status`, `/lapor/terima` and `/lapor/wilayah` are pages of their own.
        family.reservedIDs = ["status", "terima", "wilayah"]
        return family
    }()

    private static let plainFamily = AdapterFamily(
        type: type,
        settingKeys: [
            ChannelSettingKey("secret", required: true, secret: true), ChannelSettingKey("app_key", secret: true),
            ChannelSettingKey("min_fill_seconds", integerIn: 0...86_400),
            ChannelSettingKey("attachment_max_bytes", integerIn: 0...Int(Int32.max)),
            ChannelSettingKey("attachments_max_bytes", integerIn: 0...Int(Int32.max)),
            // At most the file parts a form may have at all: beyond those the form cannot be read.
            ChannelSettingKey("attachments_max_count", integerIn: 1...MultipartForm.Limits.defaultMaxFileParts),
            // Read by the server's form routes: submissions per client address and minute (default 10). At least
            // 1: 0 would read as "no limit" to some and "none at all" to others, so it is refused.
            ChannelSettingKey("submissions_per_minute", integerIn: 1...1_000_000),
        ],
        makeWebhook: { WebFormAdapter(channel: $0) }
    )

    let channel: ChannelConfig
    let secret: String
    let appKey: ConfiguredSecret?
    let minFillSeconds: Int
    let limits: FormSubmission.FileLimits
    /// The clock tokens are issued and checked by; tests pass one to mint an older token without waiting.
    let now: @Sendable () -> Date

    /// The adapter of one configured channel.
    public init(channel: ChannelConfig, now: @escaping @Sendable () -> Date = { Date() }) {
        self.channel = channel
        secret = channel.settings["secret"] ?? ""
        appKey = channel.settings["app_key"].flatMap { $0.isEmpty ? nil : ConfiguredSecret($0) }
        minFillSeconds = channel.settings["min_fill_seconds"].flatMap(Int.init) ?? Self.defaultMinFillSeconds
        limits = FormSubmission.FileLimits(
            perFile: channel.settings["attachment_max_bytes"].flatMap(Int.init) ?? Self.defaultAttachmentMaxBytes,
            perMessage: channel.settings["attachments_max_bytes"].flatMap(Int.init) ?? Self.defaultAttachmentsMaxBytes,
            count: channel.settings["attachments_max_count"].flatMap(Int.init) ?? Self.defaultAttachmentsMaxCount
        )
        self.now = now
    }

    public var maxBodyBytes: Int { channel.maxBodyBytes }
    /// Photos and videos are streamed to disk as they arrive and journaled as pointers to the stored bytes.
    public var streamsFileParts: Bool { true }

    /// A fresh token for a form rendered now, signed for this channel (the page renders it into a hidden field).
    public func issueToken() -> String {
        FormToken.issue(now: now()).encoded(secret: secret, channel: channel.id)
    }

    public func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome {
        // A channel with an app key is for apps only: every door asks for the key, or `/lapor/{id}` would
        // let anyone around it. The page is served by a channel without one.
        if let appKey {
            guard let presented = request.headers[Self.appKeyHeader] else { throw .unauthorized("missing \(Self.appKeyHeader) header") }
            guard appKey.matches(presented) else { throw .unauthorized("\(Self.appKeyHeader) does not match the channel's app key") }
        }
        switch request.method {
        case "GET": return .respond(tokenAnswer())
        case "POST": return .messages([try submission(request)])
        default: throw .wrongMethod("GET a form token, POST a report")
        }
    }

    public func acknowledge(_ receipts: [Receipt]) -> WebhookResponse {
        guard let receipt = receipts.first else { return Self.json(["error": "no receipt"], status: 500) }
        return Self.json(["tracking_number": receipt.trackingNumber.description, "duplicate": receipt.duplicate])
    }

    /// `{"form_token", "issued_at", "expires_at", "min_fill_seconds"}`.
    func tokenAnswer() -> WebhookResponse {
        let token = FormToken.issue(now: now())
        let issued = Date(timeIntervalSince1970: TimeInterval(token.issuedAt))
        return Self.json([
            "form_token": token.encoded(secret: secret, channel: channel.id),
            "issued_at": Timestamp.format(issued),
            "expires_at": Timestamp.format(issued.addingTimeInterval(TimeInterval(FormToken.lifetimeSeconds))),
            "min_fill_seconds": minFillSeconds,
        ])
    }

    /// Honeypot, then the token, then every field.
    func submission(_ request: WebhookRequest) throws(AdapterError) -> InboundMessage {
        let language = CitizenLanguage.of(
            query: request.query.first { $0.name == "lang" }?.value, acceptLanguage: request.headers["Accept-Language"],
            channelLanguage: channel.language
        )
        let input = try FormInput.read(request.body, contentType: request.headers["Content-Type"])
        if let trap = input.fields[Self.honeypotField], !trap.trimmed.isEmpty {
            throw .refused(reason: "honeypot", response: Self.json(["error": GenericRefusal.text(in: language)], status: 400))
        }
        let token = try checkedToken(input.fields["form_token"], language: language)
        let submission = FormSubmission(input: input, token: token, limits: limits, now: now(), spooled: request.spooled)
        switch submission.message(channel: channel) {
        case .message(var message):
            // The acknowledgment to a contact speaks the language the citizen filled the form in.
            message.metadata[InboundMessage.replyLanguageKey] = language.rawValue
            return message
        case .problems(let problems):
            throw .refused(reason: "validation", response: Self.errors(problems, language: language, status: 422))
        }
    }

    /// The token the form carries, valid and old enough; refused 403 (422 when only sent too fast, which a
    /// person may simply send again).
    func checkedToken(_ text: String?, language: CitizenLanguage) throws(AdapterError) -> FormToken {
        switch tokenCheck(text) {
        case .success(let token):
            return token
        case .failure(let error):
            let status = error == .tooFast ? 422 : 403
            throw .refused(reason: error.reason, response: Self.errors(["form_token": Self.problem(error)], language: language, status: status))
        }
    }

    /// The token `text` carries when it is valid and old enough, else why not.
    func tokenCheck(_ text: String?) -> Result<FormToken, FormTokenError> {
        Result { () throws(FormTokenError) -> FormToken in
            guard let text = text?.trimmed, !text.isEmpty else { throw .missing }
            let token = try FormToken.decode(text, secret: secret, channel: channel.id)
            try token.check(now: now(), minFillSeconds: minFillSeconds)
            return token
        }
    }

    /// What the citizen reads about a refused token.
    static func problem(_ error: FormTokenError) -> FieldProblem {
        switch error {
        case .missing: .tokenMissing
        case .malformed, .forged: .tokenInvalid
        case .expired: .tokenExpired
        case .tooFast: .tooFast
        }
    }

    /// `{"errors": {"<field>": "<message>"}}` in `language`.
    static func errors(_ problems: [String: FieldProblem], language: CitizenLanguage, status: Int) -> WebhookResponse {
        json(["errors": problems.mapValues { $0.text(in: language) }], status: status)
    }

    static func json(_ object: [String: Any], status: Int = 200) -> WebhookResponse {
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return WebhookResponse(status: status, contentType: "application/json; charset=utf-8", body: Array(body))
    }
}
