import Foundation
import IntakeModel

/// Posts the tracking number as a reply to the citizen's post: `POST {api_base}/2/tweets` with
/// `{"text", "reply": {"in_reply_to_tweet_id"}}`. Off unless the channel sets `reply: true`.
///
/// Creating a post needs user-context auth: the app-only `bearer_token` that searches cannot post, so the
/// channel gives `user_token`, an OAuth 2.0 user access token (scopes `tweet.read tweet.write users.read`) of
/// the account that answers. X refuses a second post with the same text (403 "duplicate content"): a retry of
/// a reply that was in fact posted counts as sent, so a reply is posted once.
struct XReplySender: ReplySender {
    /// The reply keys: `reply` (`true`/`false`) and `user_token`.
    static let settingKeys = [ChannelSettingKey("reply", oneOf: ["true", "false"]), ChannelSettingKey("user_token", secret: true)]

    let apiBase: String
    let userToken: String

    /// A sender when the channel has `reply: true` and a `user_token`; nil (no replies) otherwise.
    static func make(channel: ChannelConfig) -> XReplySender? {
        guard channel.settings["reply"].flatMap(enabled) == true, let token = channel.settings["user_token"], !token.isEmpty else { return nil }
        return XReplySender(apiBase: XAdapter.apiBase(channel.settings), userToken: token)
    }

    /// `true`/`false`, nil for anything else (load refuses other values).
    static func enabled(_ value: String) -> Bool? {
        switch value.trimmed.lowercased() {
        case "true": true
        case "false": false
        default: nil
        }
    }

    /// The reply settings checked together at load: `reply: true` needs `user_token` (the search's app token
    /// cannot post) and `account_id` (without it our own replies, which quote the citizen's handle and the
    /// query's hashtag, would come back through the search as complaints).
    static func problems(_ settings: [String: String]) -> [(key: String, message: String)] {
        guard settings["reply"].flatMap(enabled) == true else { return [] }
        var problems: [(key: String, message: String)] = []
        if settings["user_token"]?.trimmed.isEmpty != false {
            problems.append(("user_token", "reply: true needs user_token, a user access token of the account that answers"))
        }
        if settings["account_id"]?.trimmed.isEmpty != false {
            problems.append(("account_id", "reply: true needs account_id, the answering account's id, so its own replies are not read as complaints"))
        }
        return problems
    }

    func send(_ reply: OutboundReply, over http: any HTTPExchange) async throws(ReplyFailure) -> SentReply {
        guard let post = reply.inReplyTo, !post.isEmpty else { throw .permanent("no post to reply to") }
        let request = HTTPExchangeRequest(
            method: "POST", url: apiBase + "/2/tweets",
            headers: [("Authorization", "Bearer \(userToken)"), ("Content-Type", "application/json")],
            body: Self.body(text: reply.text, inReplyTo: post)
        )
        let response: HTTPExchangeResponse
        do {
            response = try await http.perform(request)
        } catch {
            throw .temporary("X API unreachable: \(error)")
        }
        let detail = XAdapter.problemDetail(response.body)
        switch response.status {
        case 200..<300:
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            return SentReply(providerMessageID: (object?["data"] as? [String: Any])?["id"] as? String)
        case 403 where detail.lowercased().contains("duplicate"):
            // Posted by an earlier attempt whose answer was lost.
            return SentReply(providerMessageID: nil)
        case 429:
            let reset = XRateGate.reset(response.header("x-rate-limit-reset")).map { max(0, $0.timeIntervalSinceNow) }
            throw .temporary("X API answered 429", retryAfter: reset.map { .seconds(Int($0.rounded(.up))) })
        case 500...:
            throw .temporary("X API answered \(response.status): \(detail)")
        default:
            throw .permanent("X API answered \(response.status): \(detail)")
        }
    }

    static func body(text: String, inReplyTo post: String) -> [UInt8] {
        let object: [String: Any] = ["text": text, "reply": ["in_reply_to_tweet_id": post]]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }
}

/// X's photo URLs (`pbs.twimg.com`) are public: the download is a plain GET of the reference.
struct XMediaResolver: MediaResolver {
    func download(_ reference: MediaReference, over http: any HTTPExchange) async throws -> HTTPExchangeRequest {
        guard reference.credentials == XAdapter.mediaCredentials else {
            throw MediaFailure.permanent("media credentials \(reference.credentials) are not X's")
        }
        guard reference.location.hasPrefix("https://") || reference.location.hasPrefix("http://") else {
            throw MediaFailure.permanent("X media reference is no http(s) URL")
        }
        return HTTPExchangeRequest(method: "GET", url: reference.location)
    }
}
