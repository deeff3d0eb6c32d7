import Foundation
import IntakeModel

/// Why an answer of the X API could not be used.
public enum XAPIError: Error, Equatable, CustomStringConvertible {
    /// The channel's settings cannot work (no query, an `api_base` that is no http(s) URL).
    case configuration(String)
    /// X answered 429: the window's requests are spent until `resetAt` (nil: X did not say).
    case rateLimited(resetAt: Date?)
    /// X answered an HTTP error; `detail` is X's `title`/`detail` when it sent one.
    case status(Int, detail: String)
    /// The body is no search answer (malformed or truncated JSON); the cursor stays where it was.
    case unreadable(String)
    /// The request did not complete (refused connection, timeout, a body cut short).
    case transport(String)
    /// X refused `since_id` (400): it is older than the seven days recent search covers. The next poll reads
    /// the whole window without it; posts older than the window that came while the poller stood may be missed.
    case staleSinceID(String)

    public var description: String {
        switch self {
        case .configuration(let message): "X channel misconfigured: \(message)"
        case .rateLimited(let reset?): "X rate limit reached; the window resets at \(Timestamp.format(reset))"
        case .rateLimited(nil): "X rate limit reached (no reset time given)"
        case .status(let status, let detail): "X API answered \(status)\(detail.isEmpty ? "" : ": \(detail)")"
        case .unreadable(let message): "X API answer unreadable: \(message)"
        case .transport(let message): "X API unreachable: \(message)"
        case .staleSinceID(let id):
            "X refused since_id \(id) as older than its 7-day search window: reading the whole window instead; posts older than the window may have been missed"
        }
    }
}

/// One page of `GET /2/tweets/search/recent`: `data` (posts, newest first), `includes.users`,
/// `includes.media` and `meta` (`newest_id`, `oldest_id`, `result_count`, `next_token`). Unknown fields are
/// ignored; a post that cannot be read is kept apart, not a failure of the page.
struct XSearchPage {
    /// The posts as X sent them, each a JSON object (or whatever stood in its place).
    var posts: [Any]
    var users: [String: [String: Any]]
    var media: [String: [String: Any]]
    var newestID: String?
    var nextToken: String?

    /// Reads a 200 answer's body; throws `XAPIError.unreadable` when it is no JSON object with a `meta`.
    init(body: [UInt8]) throws(XAPIError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)), let top = object as? [String: Any] else {
            throw .unreadable("not a JSON object (\(body.count) bytes)")
        }
        guard let meta = top["meta"] as? [String: Any] else { throw .unreadable("no meta object") }
        posts = top["data"] as? [Any] ?? []
        let includes = top["includes"] as? [String: Any] ?? [:]
        users = Self.index(includes["users"], by: "id")
        media = Self.index(includes["media"], by: "media_key")
        // Without meta.newest_id the largest post id stands in, so a page of posts still moves the cursor.
        newestID = meta["newest_id"] as? String ?? Self.largestID(of: posts)
        nextToken = (meta["next_token"] as? String).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The largest decimal `id` among `posts`; nil when none has one.
    static func largestID(of posts: [Any]) -> String? {
        posts.compactMap { ($0 as? [String: Any])?["id"] as? String }
            .filter { id in !id.isEmpty && id.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }
            .reduce(nil) { XCursor.larger($0, $1) }
    }

    private static func index(_ list: Any?, by key: String) -> [String: [String: Any]] {
        var index: [String: [String: Any]] = [:]
        for case let item as [String: Any] in list as? [Any] ?? [] {
            if let id = item[key] as? String { index[id] = item }
        }
        return index
    }
}

/// Turns posts of a search page into messages, or sets them aside: retweets and the channel's own posts
/// are ignored; a post without an id, text or author is unreadable (quarantined, skipped).
struct XPostReader {
    let channel: ChannelConfig
    /// The channel's own account (`account_id`): its posts are answers, not complaints.
    let accountID: String?

    /// What became of one post.
    enum Outcome {
        case message(PolledMessage)
        case setAside(SetAsideItem)
    }

    func read(_ post: Any, at index: Int, page: XSearchPage) -> Outcome {
        guard let fields = post as? [String: Any], let id = fields["id"] as? String, !id.isEmpty,
              id.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .setAside(SetAsideItem(kind: .unreadable(problem: "post without a numeric id"), reference: "page-item-\(index)", raw: Self.json(post), fileExtension: "json"))
        }
        let reference = "post-\(id)"
        let author = (fields["author_id"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        let user = author.flatMap { page.users[$0] }
        let raw = Self.json(["post": fields, "author": user as Any? ?? NSNull(), "media": attachedMedia(fields, page: page)])
        guard let text = fields["text"] as? String, let author else {
            return .setAside(SetAsideItem(kind: .unreadable(problem: "post without text or author_id"), reference: reference, raw: raw, fileExtension: "json"))
        }
        if Self.isRetweet(fields) { return .setAside(SetAsideItem(kind: .ignored(reason: "retweet"), reference: reference, raw: raw, fileExtension: "json")) }
        if author == accountID { return .setAside(SetAsideItem(kind: .ignored(reason: "own-post"), reference: reference, raw: raw, fileExtension: "json")) }
        return .message(PolledMessage(message: message(id: id, text: text, author: author, user: user, fields: fields, page: page), raw: raw))
    }

    private func message(id: String, text: String, author: String, user: [String: Any]?, fields: [String: Any], page: XSearchPage) -> InboundMessage {
        let username = user?["username"] as? String
        let shown = [user?["name"] as? String, username.map { "@" + $0 }].compactMap { $0 }.joined(separator: " ")
        // The account id, not the handle: a handle can be renamed and later taken by someone else.
        let reporter = Reporter(kind: .social, address: "x:\(author)", name: shown.isEmpty ? nil : shown)
        var metadata = ["x_author_id": author]
        if let username { metadata["x_username"] = username }
        if user == nil { metadata["x_author_missing"] = "true" }
        if let conversation = fields["conversation_id"] as? String { metadata["x_conversation_id"] = conversation }
        if let lang = fields["lang"] as? String { metadata["x_lang"] = lang }
        let body = Self.withoutLeadingMentions(text)
        return InboundMessage(
            channelID: channel.id, channelType: .x, externalID: id, sentAt: (fields["created_at"] as? String).flatMap(Self.date),
            reporter: reporter, text: text, attachments: photos(fields, page: page), tags: channel.tags, campaign: channel.campaign,
            replyTo: id, metadata: metadata, statusQuestion: StatusQuestion.typedNumber(in: body)
        )
    }

    /// The post's photos as media references fetched after the commit; X serves them without credentials.
    private func photos(_ fields: [String: Any], page: XSearchPage) -> [InboundAttachment] {
        attachedMedia(fields, page: page).compactMap { item -> InboundAttachment? in
            guard item["type"] as? String == "photo", let url = item["url"] as? String,
                  url.hasPrefix("https://") || url.hasPrefix("http://"), let key = item["media_key"] as? String else { return nil }
            let png = url.lowercased().hasSuffix(".png")
            return InboundAttachment(
                fileName: "x-\(key).\(png ? "png" : "jpg")", mediaType: png ? "image/png" : "image/jpeg",
                reference: MediaReference(location: url, credentials: XAdapter.mediaCredentials)
            )
        }
    }

    private func attachedMedia(_ fields: [String: Any], page: XSearchPage) -> [[String: Any]] {
        let keys = (fields["attachments"] as? [String: Any])?["media_keys"] as? [Any] ?? []
        return keys.compactMap { ($0 as? String).flatMap { page.media[$0] } }
    }

    static func isRetweet(_ fields: [String: Any]) -> Bool {
        (fields["referenced_tweets"] as? [Any] ?? []).contains { ($0 as? [String: Any])?["type"] as? String == "retweeted" }
    }

    /// `@lapor1708 CEK LPR-…` asks for a status: the mentions X puts in front of a reply are not part of it.
    static func withoutLeadingMentions(_ text: String) -> String {
        var words = text.split(separator: " ", omittingEmptySubsequences: true)[...]
        while let first = words.first, first.hasPrefix("@") { words = words.dropFirst() }
        return words.joined(separator: " ")
    }

    /// `created_at` as X writes it (`2026-12-05T02:10:00.000Z`).
    static func date(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }

    static func json(_ value: Any) -> [UInt8] {
        guard JSONSerialization.isValidJSONObject(value),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return Array(String(describing: value).utf8)
        }
        return Array(data)
    }
}
