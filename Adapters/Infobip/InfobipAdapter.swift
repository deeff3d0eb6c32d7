import Foundation
import IntakeModel
import ProviderSigning

/// Infobip's inbound SMS forwarding: a JSON body whose `results` hold several messages, and its delivery
/// reports on replies, sent to the same URL.
///
/// Infobip does not sign its calls, so a channel authenticates them the ways Infobip can be set up to
/// forward: HTTP Basic auth (`username`, `password`) and/or a shared secret header (`secret`, named by
/// `secret_header`, `X-Intake-Secret` by default). At least one must be configured; every configured one must pass.
public struct InfobipAdapter: WebhookAdapter {
    /// The channel type (`type: infobip`).
    public static let type = ChannelType("infobip")
    /// The header that carries `secret` unless `secret_header` names another.
    public static let defaultSecretHeader = "X-Intake-Secret"

    /// The family the server and the configuration loader register.
    public static let family = AdapterFamily(
        type: type,
        settingKeys: [
            ChannelSettingKey("username"), ChannelSettingKey("password", secret: true),
            ChannelSettingKey("secret", secret: true), ChannelSettingKey("secret_header"),
            ChannelSettingKey("api_key", secret: true), ChannelSettingKey("api_base"), ChannelSettingKey("from"),
        ],
        makeWebhook: { InfobipAdapter(channel: $0) },
        makeReplySender: { InfobipReplySender(channel: $0) },
        isSMS: true
    )

    let channel: ChannelConfig
    let username: ConfiguredSecret?
    let password: ConfiguredSecret?
    let secret: ConfiguredSecret?
    let secretHeader: String

    /// The adapter of one configured channel; its credentials are hashed once here.
    public init(channel: ChannelConfig) {
        self.channel = channel
        let settings = channel.settings
        let basic = !(settings["username"] ?? "").isEmpty || !(settings["password"] ?? "").isEmpty
        username = basic ? ConfiguredSecret(settings["username"] ?? "") : nil
        password = basic ? ConfiguredSecret(settings["password"] ?? "") : nil
        secret = (settings["secret"] ?? "").isEmpty ? nil : ConfiguredSecret(settings["secret"] ?? "")
        let header = (settings["secret_header"] ?? "").trimmingCharacters(in: .whitespaces)
        secretHeader = header.isEmpty ? Self.defaultSecretHeader : header
    }

    public var maxBodyBytes: Int { channel.maxBodyBytes }

    public func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome {
        guard request.method == "POST" else { throw .wrongMethod("Infobip forwards messages with POST") }
        try authenticate(request.headers)
        return try InfobipBatch.read(request.body).outcome(channel: channel)
    }

    /// `{"accepted":[{"index","tracking_number","duplicate"}],"rejected":[]}`; Infobip only looks at the 200.
    public func acknowledge(_ receipts: [Receipt]) -> WebhookResponse {
        .batch(receipts, rejected: [])
    }

    func authenticate(_ headers: HeaderFields) throws(AdapterError) {
        guard username != nil || secret != nil else {
            throw .unauthorized("the channel has neither username/password nor secret configured, so every call is refused")
        }
        if let username, let password {
            guard let (user, pass) = Self.basicCredentials(headers["Authorization"]) else {
                throw .unauthorized("missing Authorization: Basic credentials")
            }
            // Both compared whatever the first one says.
            let userMatches = username.matches(user)
            let passwordMatches = password.matches(pass)
            guard userMatches && passwordMatches else { throw .unauthorized("wrong username or password") }
        }
        if let secret {
            guard let given = headers[secretHeader] else { throw .unauthorized("missing \(secretHeader) header") }
            guard secret.matches(given) else { throw .unauthorized("\(secretHeader) does not match the channel secret") }
        }
    }

    /// The user and password of an `Authorization: Basic <base64(user:password)>` header.
    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header else { return nil }
        let parts = header.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces))
        else { return nil }
        let text = String(decoding: decoded, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
