import Foundation
import IntakeModel

/// Where and how a channel calls the Telegram Bot API: `{api_base}/bot<token>/<method>`.
///
/// The token is part of every URL, so no URL built here is ever logged, stored or put in an error: errors
/// carry the method name and Telegram's `description` only, with the token scrubbed from anything else.
struct BotSettings: Sendable {
    static let defaultBase = "https://api.telegram.org"

    /// `api_base` without a trailing slash; tests point it at a local server.
    let base: String
    let token: String
    /// `poll` (getUpdates) or `webhook` (Telegram calls `/webhooks/{channel_id}`).
    let mode: BotMode
    /// The expected `X-Telegram-Bot-Api-Secret-Token` in webhook mode.
    let secretToken: String?
    /// Seconds between polls when nothing came (the long poll itself waits up to `longPollSeconds` first).
    let pollSeconds: Int

    init(channel: ChannelConfig) {
        let settings = channel.settings
        var base = settings["api_base"].flatMap { $0.isBlank ? nil : $0.trimmed } ?? Self.defaultBase
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        token = settings["bot_token"]?.trimmed ?? ""
        mode = settings["mode"].flatMap(BotMode.init(rawValue:)) ?? .poll
        secretToken = settings["secret_token"].flatMap { $0.isBlank ? nil : $0 }
        pollSeconds = settings["poll_seconds"].flatMap(Int.init).map { max($0, 0) } ?? 1
    }

    /// The URL of Bot API method `method`. Secret: never logged or stored.
    func methodURL(_ method: String) -> String { "\(base)/bot\(token)/\(method)" }

    /// The download URL of a file `getFile` answered with `path`. Secret: built at fetch time, never stored.
    func fileURL(_ path: String) -> String {
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#"))
        return "\(base)/file/bot\(token)/\(path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path)"
    }

    /// `text` with the token replaced by `<bot_token>`: for messages from lower layers that might quote a URL.
    func scrubbed(_ text: String) -> String {
        token.isEmpty ? text : text.replacingOccurrences(of: token, with: "<bot_token>")
    }

    /// Problems with a channel's keys, found at load: `mode`, `secret_token` (required in webhook mode, 1-256
    /// characters of A-Z a-z 0-9 _ -, as `setWebhook` takes it), `api_base`'s scheme and the token's shape.
    static func problems(_ settings: [String: String]) -> [(key: String, message: String)] {
        var problems: [(key: String, message: String)] = []
        let mode = settings["mode"] ?? BotMode.poll.rawValue
        if BotMode(rawValue: mode) == nil { problems.append(("mode", "must be poll or webhook, not \(mode)")) }
        if let token = settings["bot_token"], token.isEmpty || token.contains(where: { $0 == "/" || $0.isWhitespace }) {
            problems.append(("bot_token", "is not a bot token (digits:letters, as BotFather gives it)"))
        }
        if let base = settings["api_base"]?.lowercased(), !(base.hasPrefix("https://") || base.hasPrefix("http://")) {
            problems.append(("api_base", "must be an http:// or https:// URL"))
        }
        if let secret = settings["secret_token"] {
            let allowed = secret.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
            if !(1...256).contains(secret.utf8.count) || !allowed {
                problems.append(("secret_token", "must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"))
            }
        } else if mode == BotMode.webhook.rawValue {
            problems.append(("secret_token", "is required with mode: webhook (Telegram sends it in X-Telegram-Bot-Api-Secret-Token)"))
        }
        return problems
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
    }
}

/// How a Telegram channel receives updates.
enum BotMode: String, Sendable {
    /// The gateway long-polls `getUpdates`.
    case poll
    /// Telegram posts each update to `/webhooks/{channel_id}`; the gateway calls `setWebhook` at start.
    case webhook
}

/// Why the Bot API did not give what was asked. Messages never contain the bot token.
public enum BotAPIError: Error, Equatable, CustomStringConvertible {
    /// 409 on getUpdates: a webhook is set, so Telegram refuses polling.
    case webhookActive(String)
    /// 409 on getUpdates from another poller with the same token.
    case otherPoller(String)
    /// 401/404: the token is wrong or revoked.
    case unauthorized(String)
    /// Any other refusal, with Telegram's `error_code` (or the HTTP status) and `description`.
    case refused(method: String, code: Int, description: String, retryAfter: Int?)
    /// A 2xx answer that is not the Bot API's JSON (a truncated body, a proxy's page).
    case unreadableAnswer(method: String, problem: String)
    /// The request did not complete (refused connection, timeout); the transport's message, token scrubbed.
    case transport(method: String, message: String)
    /// The channel has no `public_url` to give `setWebhook`.
    case noPublicURL

    public var description: String {
        switch self {
        case .webhookActive(let text):
            "getUpdates refused (409 \(text)): a webhook is set for this bot; call deleteWebhook or set mode: webhook"
        case .otherPoller(let text):
            "getUpdates refused (409 \(text)): another program polls this bot; stop it (one poller per bot token)"
        case .unauthorized(let text): "the Bot API refused the bot_token (\(text)): check the channel's bot_token"
        case .refused(let method, let code, let description, _): "\(method) answered \(code): \(description)"
        case .unreadableAnswer(let method, let problem): "\(method) answer unreadable: \(problem)"
        case .transport(let method, let message): "\(method) failed: \(message)"
        case .noPublicURL: "mode: webhook needs server.public_url to give setWebhook"
        }
    }
}

/// The Bot API's envelope: `{"ok":true,"result":…}` or `{"ok":false,"error_code":409,"description":"…"}`.
struct BotAnswer<Result: Decodable>: Decodable {
    var ok: Bool
    var result: Result?
    var errorCode: Int?
    var description: String?
    var parameters: Parameters?

    struct Parameters: Decodable {
        var retryAfter: Int?

        enum CodingKeys: String, CodingKey { case retryAfter = "retry_after" }
    }

    enum CodingKeys: String, CodingKey {
        case ok, result, description, parameters
        case errorCode = "error_code"
    }
}

/// Calls Bot API methods with JSON bodies and reads their envelopes.
struct BotClient: Sendable {
    let settings: BotSettings
    let http: any HTTPExchange

    /// Calls `method` with `parameters` (a JSON object) and returns its `result`; `timeout` bounds the whole call.
    func call<Result: Decodable>(
        _ method: String, _ parameters: [String: Any], as: Result.Type, timeout: Duration = .seconds(30)
    ) async throws(BotAPIError) -> Result {
        try Self.read(try await perform(method, parameters, timeout: timeout), method: method, as: Result.self, settings: settings)
    }

    /// Calls `method` and returns the HTTP answer, whatever its status; only a failed exchange throws.
    func perform(_ method: String, _ parameters: [String: Any], timeout: Duration = .seconds(30)) async throws(BotAPIError) -> HTTPExchangeResponse {
        let body = (try? JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys])) ?? Data("{}".utf8)
        let request = HTTPExchangeRequest(
            method: "POST", url: settings.methodURL(method), headers: [("Content-Type", "application/json")], body: Array(body), timeout: timeout
        )
        let response: HTTPExchangeResponse
        do {
            response = try await http.perform(request)
        } catch {
            throw .transport(method: method, message: settings.scrubbed(String(describing: error)))
        }
        return response
    }

    /// The `result` of a Bot API answer, or the error it states.
    static func read<Result: Decodable>(
        _ response: HTTPExchangeResponse, method: String, as: Result.Type, settings: BotSettings
    ) throws(BotAPIError) -> Result {
        let answer = try? JSONDecoder().decode(BotAnswer<Result>.self, from: Data(response.body))
        guard (200..<300).contains(response.status), let answer, answer.ok, let result = answer.result else {
            let description = settings.scrubbed(answer?.description ?? "HTTP \(response.status)")
            let code = answer?.errorCode ?? response.status
            switch code {
            case _ where (200..<300).contains(response.status) && answer?.ok != false:
                throw .unreadableAnswer(method: method, problem: "not the Bot API's JSON (\(response.body.count) bytes)")
            case 409 where description.localizedCaseInsensitiveContains("webhook"): throw .webhookActive(description)
            case 409: throw .otherPoller(description)
            case 401, 404: throw .unauthorized(description)
            default: throw .refused(method: method, code: code, description: description, retryAfter: answer?.parameters?.retryAfter)
            }
        }
        return result
    }
}
