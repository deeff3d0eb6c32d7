import Foundation
import IntakeModel

/// Sends replies through Infobip's SMS API: `POST {api_base}/sms/2/text/advanced` with `Authorization: App
/// {api_key}`; the reply's idempotency key is the destination's `messageId`, which delivery reports name.
public struct InfobipReplySender: ReplySender {
    let apiBase: String?
    let apiKey: String?
    let from: String?

    /// The sender of one configured channel (`api_base`, `api_key`, `from`).
    public init(channel: ChannelConfig) {
        func setting(_ name: String) -> String? {
            let value = channel.settings[name]?.trimmingCharacters(in: .whitespaces) ?? ""
            return value.isEmpty ? nil : value
        }
        apiBase = setting("api_base").map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        apiKey = setting("api_key")
        from = setting("from")
    }

    public func send(_ reply: OutboundReply, over http: any HTTPExchange) async throws(ReplyFailure) -> SentReply {
        guard let apiBase, let apiKey else {
            throw .permanent("the channel has no api_base and api_key, so it cannot send replies")
        }
        let request = HTTPExchangeRequest(
            method: "POST", url: apiBase + "/sms/2/text/advanced",
            headers: [("Authorization", "App \(apiKey)"), ("Content-Type", "application/json"), ("Accept", "application/json")],
            body: Self.body(reply, from: from)
        )
        let response: HTTPExchangeResponse
        do {
            response = try await http.perform(request)
        } catch {
            throw .temporary("Infobip could not be reached: \(error)")
        }
        return try Self.interpret(response)
    }

    /// `{"messages":[{"destinations":[{"to","messageId"}],"from","text"}]}`; Infobip wants numbers without `+`.
    static func body(_ reply: OutboundReply, from: String?) -> [UInt8] {
        let to = reply.recipient.hasPrefix("+") ? String(reply.recipient.dropFirst()) : reply.recipient
        let message = Message(destinations: [Destination(to: to, messageId: reply.idempotencyKey)], from: from, text: reply.text)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(Request(messages: [message]))) ?? Data())
    }

    /// 2xx with status group PENDING or ACCEPTED: sent. 429 and 5xx: try again (after `Retry-After`). Any
    /// other answer, or a message status Infobip refused at once: permanent, with Infobip's own words.
    static func interpret(_ response: HTTPExchangeResponse) throws(ReplyFailure) -> SentReply {
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        switch response.status {
        case 200..<300:
            let first = (json["messages"] as? [[String: Any]])?.first ?? [:]
            let status = first["status"] as? [String: Any] ?? [:]
            let group = (status["groupName"] as? String)?.uppercased()
            guard group == nil || group == "PENDING" || group == "ACCEPTED" else {
                let reason = status["description"] as? String ?? status["name"] as? String ?? group ?? ""
                throw .permanent("Infobip refused the message: \(reason)")
            }
            return SentReply(providerMessageID: first["messageId"] as? String)
        case 429, 500..<600:
            throw .temporary("Infobip answered \(response.status): \(serviceText(json) ?? "try again later")",
                             retryAfter: RetryAfter.duration(response.header("Retry-After")))
        default:
            throw .permanent("Infobip answered \(response.status): \(serviceText(json) ?? "request refused")")
        }
    }

    /// `requestError.serviceException.text`, Infobip's explanation of a refused request.
    static func serviceText(_ json: [String: Any]) -> String? {
        let requestError = json["requestError"] as? [String: Any]
        let exception = requestError?["serviceException"] as? [String: Any] ?? requestError?["policyException"] as? [String: Any]
        return exception?["text"] as? String
    }

    struct Request: Encodable { var messages: [Message] }
    struct Message: Encodable {
        var destinations: [Destination]
        var from: String?
        var text: String
    }
    struct Destination: Encodable {
        var to: String
        var messageId: String
    }
}

/// The `Retry-After` header: seconds, or an HTTP date.
enum RetryAfter {
    static func duration(_ header: String?, now: Date = Date()) -> Duration? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Int(header), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSince(now).rounded(.up))))
    }
}
