import Foundation
import IntakeModel

/// Sends replies through Kannel's sendsms interface: `GET {send_url}?username=&password=&from=&to=&text=
/// &charset=UTF-8`, with `coding=2` (UCS-2) when the text does not fit the GSM-7 alphabet.
///
/// Kannel answers `202 0: Accepted for delivery` or `202 3: Queued for later delivery`; `403` (not routable,
/// wrong credentials) and other 4xx are permanent, `503` (temporal failure) and other 5xx temporary.
public struct KannelReplySender: ReplySender {
    let sendURL: String?
    let username: String
    let password: String
    let from: String?

    /// The sender of one configured channel (`send_url`, `send_username`, `send_password`, `from`).
    public init(channel: ChannelConfig) {
        func setting(_ name: String) -> String? {
            let value = channel.settings[name]?.trimmingCharacters(in: .whitespaces) ?? ""
            return value.isEmpty ? nil : value
        }
        sendURL = setting("send_url")
        username = setting("send_username") ?? ""
        password = channel.settings["send_password"] ?? ""
        from = setting("from")
    }

    public func send(_ reply: OutboundReply, over http: any HTTPExchange) async throws(ReplyFailure) -> SentReply {
        guard let sendURL else { throw .permanent("the channel has no send_url, so it cannot send replies") }
        let response: HTTPExchangeResponse
        do {
            response = try await http.perform(HTTPExchangeRequest(method: "GET", url: url(sendURL, reply)))
        } catch {
            // The URL carries the password: the error's words are kept, never the password.
            throw .temporary("Kannel's sendsms could not be reached: \(redacted("\(error)"))")
        }
        let answer = redacted(String(decoding: response.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        switch response.status {
        case 200..<300:
            return SentReply(providerMessageID: nil)
        case 429, 500..<600:
            throw .temporary("Kannel answered \(response.status): \(answer)", retryAfter: retryAfter(response.header("Retry-After")))
        default:
            throw .permanent("Kannel answered \(response.status): \(answer)")
        }
    }

    /// The sendsms URL for `reply`; parameters added to any `send_url` already carries (`smsc=…`).
    func url(_ base: String, _ reply: OutboundReply) -> String {
        var parameters = [("username", username), ("password", password)]
        if let from { parameters.append(("from", from)) }
        parameters += [("to", reply.recipient), ("text", reply.text), ("charset", "UTF-8")]
        if !GSM7.encodes(reply.text) { parameters.append(("coding", "2")) }
        let query = parameters.map { "\($0)=\(Self.encoded($1))" }.joined(separator: "&")
        return base + (base.contains("?") ? "&" : "?") + query
    }

    /// Every byte but the unreserved ones percent-encoded: Kannel reads `+` as a space, so `+62…` must be `%2B62…`.
    static func encoded(_ value: String) -> String {
        var output = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }

    func redacted(_ text: String) -> String {
        password.isEmpty ? text : text.replacingOccurrences(of: password, with: "***")
    }

    func retryAfter(_ header: String?) -> Duration? {
        guard let header, let seconds = Int(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}

/// The GSM 03.38 default alphabet and its extension table: text made only of these goes out as GSM-7.
enum GSM7 {
    static let characters: Set<Character> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
            + "^{}\\[~]|€\u{0C}"
    ).union(["\r\n"])

    static func encodes(_ text: String) -> Bool {
        text.allSatisfy { characters.contains($0) }
    }
}
