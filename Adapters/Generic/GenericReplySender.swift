import Foundation
import IntakeModel

/// Sends the generic channel's replies to its `reply_url`: a JSON POST signed like the handoff.
///
/// Body `{"id", "channel_id", "to", "text", "in_reply_to"}` (`id` is the reply's idempotency key), headers
/// `X-Intake-Signature: sha256=<HMAC-SHA256 of the body under the channel secret>` and `Idempotency-Key`.
/// A 2xx is sent (its JSON `id` or `message_id`, if any, is the provider's id that delivery reports name);
/// 408, 425, 429 and 5xx are tried again (`Retry-After` honoured); any other status is a refusal.
public struct GenericReplySender: ReplySender {
    let url: String
    let secret: String

    public init(url: String, secret: String) {
        self.url = url
        self.secret = secret
    }

    public func send(_ reply: OutboundReply, over http: any HTTPExchange) async throws(ReplyFailure) -> SentReply {
        var fields: [String: String] = ["id": reply.idempotencyKey, "channel_id": reply.channelID, "to": reply.recipient, "text": reply.text]
        fields["in_reply_to"] = reply.inReplyTo
        let body: [UInt8]
        do {
            body = Array(try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]))
        } catch {
            throw .permanent("reply could not be encoded: \(error)")
        }
        let request = HTTPExchangeRequest(method: "POST", url: url, headers: [
            ("Content-Type", "application/json"),
            (GenericAdapter.signatureHeader, GenericAdapter.signature(secret: secret, body: body)),
            ("Idempotency-Key", reply.idempotencyKey),
        ], body: body, timeout: .seconds(15))
        let response: HTTPExchangeResponse
        do {
            response = try await http.perform(request)
        } catch {
            throw .transport(error)
        }
        if let failure = response.replyFailure { throw failure }
        let answer = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        return SentReply(providerMessageID: (answer?["message_id"] ?? answer?["id"]).flatMap { $0 as? String })
    }
}
