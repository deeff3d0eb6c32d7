import Foundation
import IntakeModel

/// Sends replies through the Cloud API's messages endpoint: `POST /{version}/{phone_number_id}/messages`.
///
/// A 429 or 5xx, a refused connection and Graph's throttling codes are temporary (Retry-After honoured);
/// any other refusal is permanent and carries Graph's message (131047: the 24-hour window has closed).
struct GraphReplySender: ReplySender {
    let settings: GraphSettings

    /// Graph error codes that mean "not now" even when they come with a 400: throttling and outages.
    static let temporaryCodes: Set<Int> = [1, 2, 4, 17, 80007, 130429, 131000, 131016, 131048, 131056, 133004]

    func send(_ reply: OutboundReply, over http: any HTTPExchange) async throws(ReplyFailure) -> SentReply {
        guard let token = settings.accessToken else { throw .permanent(GraphAPIError.missingAccessToken.description) }
        guard !settings.phoneNumberID.isEmpty else { throw .permanent("the channel has no phone_number_id") }
        let recipient = reply.recipient.filter { $0.isASCII && $0.isNumber }
        guard !recipient.isEmpty else { throw .permanent("the recipient has no phone number digits") }
        let request = HTTPExchangeRequest(
            method: "POST", url: settings.url(settings.phoneNumberID, "messages"),
            headers: [settings.authorization(token), ("Content-Type", "application/json")],
            body: Self.body(to: recipient, text: reply.text, inReplyTo: reply.inReplyTo), timeout: .seconds(30)
        )
        let response: HTTPExchangeResponse
        do {
            response = try await http.perform(request)
        } catch {
            throw .temporary("Graph API unreachable: \(error)")
        }
        guard (200..<300).contains(response.status) else { throw Self.failure(response) }
        let answer = try? JSONDecoder().decode(MessagesAnswer.self, from: Data(response.body))
        return SentReply(providerMessageID: answer?.messages?.first?.id)
    }

    /// The messages API's JSON for a text reply, threaded under the citizen's message when known.
    static func body(to recipient: String, text: String, inReplyTo: String?) -> [UInt8] {
        let message = OutgoingText(to: recipient, text: .init(body: text), context: inReplyTo.map { .init(messageID: $0) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(message)) ?? Data())
    }

    static func failure(_ response: HTTPExchangeResponse) -> ReplyFailure {
        let (message, code) = GraphErrorBody.read(response.body, status: response.status)
        let text = "Graph API answered \(response.status): \(message)"
        if response.status == 429 || response.status >= 500 || code.map(temporaryCodes.contains) == true {
            return .temporary(text, retryAfter: retryAfter(response.header("Retry-After")))
        }
        return .permanent(text)
    }

    /// `Retry-After` as seconds or an HTTP date; nil when absent or unreadable.
    static func retryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmed, !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "GMT")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = format.date(from: value) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSince(now).rounded(.up))))
    }

    struct OutgoingText: Encodable {
        var messagingProduct = "whatsapp"
        var recipientType = "individual"
        var to: String
        var type = "text"
        var text: Body
        var context: Context?

        struct Body: Encodable {
            var previewURL = false
            var body: String

            enum CodingKeys: String, CodingKey {
                case previewURL = "preview_url"
                case body
            }
        }

        struct Context: Encodable {
            var messageID: String

            enum CodingKeys: String, CodingKey { case messageID = "message_id" }
        }

        enum CodingKeys: String, CodingKey {
            case messagingProduct = "messaging_product"
            case recipientType = "recipient_type"
            case to, type, text, context
        }
    }

    /// `{"messaging_product":"whatsapp","contacts":[…],"messages":[{"id":"wamid…"}]}`.
    struct MessagesAnswer: Decodable {
        var messages: [Sent]?

        struct Sent: Decodable { var id: String? }
    }
}
