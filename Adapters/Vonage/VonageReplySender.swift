import Foundation
import IntakeModel

/// Sends replies through Vonage's SMS API: `POST {api_base}/sms/json` with the channel's `api_key`,
/// `api_secret` and `from`, the reply's idempotency key as `client-ref`, and `type=unicode` for text that
/// GSM-7 cannot carry.
///
/// Vonage answers 200 with a status per sent part: `"0"` is sent, `"1"` (throttled) is worth retrying, any
/// other refuses the message for good. An HTTP 429 or 5xx, or no answer at all, is an outage: retried.
struct VonageReplySender: ReplySender {
    static let defaultAPIBase = "https://rest.nexmo.com"

    let apiBase: String
    let apiKey: String?
    let apiSecret: String?
    let from: String?

    init(channel: ChannelConfig) {
        let base = channel.settings["api_base"]?.trimmed ?? ""
        apiBase = base.isEmpty ? Self.defaultAPIBase : String(base.reversed().drop { $0 == "/" }.reversed())
        apiKey = channel.settings["api_key"].flatMap { $0.isEmpty ? nil : $0 }
        apiSecret = channel.settings["api_secret"].flatMap { $0.isEmpty ? nil : $0 }
        from = channel.settings["from"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func send(_ reply: OutboundReply, over http: any HTTPExchange) async throws(ReplyFailure) -> SentReply {
        guard let apiKey, let apiSecret, let from else {
            throw .permanent("the channel needs api_key, api_secret and from to reply through Vonage")
        }
        var form: [(name: String, value: String)] = [
            ("api_key", apiKey), ("api_secret", apiSecret), ("from", from),
            // Vonage takes international numbers without the "+".
            ("to", reply.recipient.hasPrefix("+") ? String(reply.recipient.dropFirst()) : reply.recipient),
            ("text", reply.text), ("client-ref", reply.idempotencyKey),
        ]
        if !GSM7.canEncode(reply.text) { form.append(("type", "unicode")) }
        let request = HTTPExchangeRequest(
            method: "POST", url: apiBase + "/sms/json",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: FormFields.encode(form), timeout: .seconds(30)
        )
        let response: HTTPExchangeResponse
        do {
            response = try await http.perform(request)
        } catch {
            throw .temporary("Vonage SMS API unreachable: \(error)")
        }
        return try Self.outcome(of: response)
    }

    /// What Vonage's answer means for the reply.
    static func outcome(of response: HTTPExchangeResponse) throws(ReplyFailure) -> SentReply {
        switch response.status {
        case 429:
            let wait = response.header("Retry-After").flatMap { Int($0.trimmed) }.map { Duration.seconds($0) }
            throw .temporary("Vonage SMS API throttled the request (HTTP 429)", retryAfter: wait)
        case 500...599:
            throw .temporary("Vonage SMS API failed (HTTP \(response.status))")
        case 200..<300:
            break
        default:
            throw .permanent("Vonage SMS API refused the request (HTTP \(response.status))")
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        guard let messages = object?["messages"] as? [[String: Any]], let first = messages.first else {
            // It may have been sent: trying again could reach the citizen twice.
            throw .permanent("Vonage SMS API answered without a messages list")
        }
        func text(_ value: Any?) -> String? { (value as? String) ?? (value as? NSNumber)?.stringValue }
        if let refused = messages.first(where: { text($0["status"]) != "0" }) {
            let status = text(refused["status"]) ?? "?"
            let reason = "Vonage status \(status): \(text(refused["error-text"]) ?? "no error text")"
            if status == "1" { throw .temporary(reason) }
            throw .permanent(reason)
        }
        return SentReply(providerMessageID: text(first["message-id"]))
    }
}

/// The GSM 03.38 alphabet: its basic table and the extension table (escaped, two septets each).
enum GSM7 {
    static let basic: Set<Unicode.Scalar> = Set((
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà" as String).unicodeScalars
    )
    static let extended: Set<Unicode.Scalar> = Set(("^{}\\[~]|€\u{0C}" as String).unicodeScalars)

    /// True when every character of `text` is in GSM-7 (an SMS can carry it without UCS-2).
    static func canEncode(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { basic.contains($0) || extended.contains($0) }
    }
}
