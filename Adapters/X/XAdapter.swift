import Foundation
import IntakeHTTPClient
import IntakeModel
import Synchronization

/// Polls X's recent search (`type: x`) for a `query` such as `@lapor1708 OR #MudikLAPOR`: one complaint per
/// post, the author as a `social` reporter (`x:<author id>`), photos as media references. The cursor
/// (`XCursor`) moves to the newest post only after every page of a burst was committed with its posts.
///
/// Retweets and the channel's own posts (`account_id`) are counted as ignored; a post without id, text or
/// author id is quarantined and skipped; a post whose author is missing from `includes.users` is kept with
/// the author id alone. Rate limits, errors and unreadable answers close `XRateGate` for a while and keep the
/// cursor where it was.
public final class XAdapter: PollingAdapter {
    /// The family: `bearer_token` (secret), `query`, `poll_seconds`, `account_id`, `api_base`, `max_results`,
    /// `timeout_seconds`, and for replies `reply` (`true`/`false`, default false) with `user_token` (secret).
    public static let family: AdapterFamily = {
        var family = AdapterFamily(
            type: .x,
            settingKeys: [
                ChannelSettingKey("bearer_token", required: true, secret: true), ChannelSettingKey("query", required: true),
                ChannelSettingKey("poll_seconds", integerIn: 1...86_400), ChannelSettingKey("account_id"), ChannelSettingKey("api_base"),
                ChannelSettingKey("max_results", integerIn: 10...100), ChannelSettingKey("timeout_seconds", integerIn: 1...300),
            ] + XReplySender.settingKeys,
            makePoller: { XAdapter(channel: $0) },
            makeReplySender: { XReplySender.make(channel: $0) },
            makeMediaResolver: { _ in XMediaResolver() }
        )
        family.settingProblems = { XReplySender.problems($0) }
        return family
    }()

    /// The real service, used when a channel sets no `api_base`.
    public static let defaultAPIBase = "https://api.x.com"
    /// The credentials name of X's media references: public URLs fetched without any.
    public static let mediaCredentials = "x-public"
    /// What a search asks X to include with each post.
    static let fields: [(String, String)] = [
        ("tweet.fields", "created_at,author_id,referenced_tweets,attachments,conversation_id,lang"),
        ("expansions", "author_id,attachments.media_keys"),
        ("user.fields", "username,name"),
        ("media.fields", "url,preview_image_url,type"),
    ]

    let channel: ChannelConfig
    let apiBase: String
    let query: String
    let bearerToken: String
    let pollSeconds: Int
    let maxResults: Int
    let timeout: Duration
    let reader: XPostReader
    /// Set when the settings cannot work; every fetch fails with it, so the channel's status shows it.
    let configurationError: XAPIError?
    let gate = XRateGate()
    /// A `since_id` X refused as older than its seven-day window: the next search leaves it out.
    let refusedSinceID = Mutex<String?>(nil)
    /// The `next_token`s followed in the current burst.
    let burstTokens = Mutex<Set<String>>([])
    let http = HTTPClient()

    /// The poller for `channel`; unusable settings are kept as `configurationError`, not thrown, so the
    /// gateway starts and the channel's status says what is wrong.
    public init(channel: ChannelConfig) {
        self.channel = channel
        let settings = channel.settings
        apiBase = Self.apiBase(settings)
        query = settings["query"]?.trimmed ?? ""
        bearerToken = settings["bearer_token"] ?? ""
        pollSeconds = settings["poll_seconds"].flatMap(Int.init) ?? 60
        maxResults = settings["max_results"].flatMap(Int.init) ?? 100
        timeout = .seconds(settings["timeout_seconds"].flatMap(Int.init) ?? 30)
        let accountID = settings["account_id"]?.trimmed
        reader = XPostReader(channel: channel, accountID: accountID?.isEmpty == false ? accountID : nil)
        configurationError = Self.problem(settings, apiBase: apiBase)
    }

    static func apiBase(_ settings: [String: String]) -> String {
        var base = settings["api_base"]?.trimmed ?? defaultAPIBase
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// What makes the settings unusable, if anything.
    static func problem(_ settings: [String: String], apiBase: String) -> XAPIError? {
        if settings["query"]?.trimmed.isEmpty != false { return .configuration("query is empty") }
        if !(apiBase.hasPrefix("https://") || apiBase.hasPrefix("http://")) { return .configuration("api_base must be an http(s) URL") }
        if let reply = settings["reply"], XReplySender.enabled(reply) == nil { return .configuration("reply must be true or false") }
        return nil
    }

    /// No pause while a burst's pages are pending; `poll_seconds` otherwise.
    public var interval: Duration { gate.paging ? .zero : .seconds(pollSeconds) }

    /// The next page after `cursor` (an `XCursor`), after waiting for the rate gate; its posts as messages or
    /// set aside, and the cursor that covers them.
    public func fetch(after cursor: String?) async throws -> PollBatch {
        if let configurationError { throw configurationError }
        try await gate.wait()
        // The very first poll (no cursor at all) starts now: posts made before the channel existed are not read,
        // nor answered. An unreadable cursor reads the whole window; what is journaled already is dropped.
        var position = XCursor(stored: cursor) ?? XCursor(startTime: cursor == nil ? Self.rfc3339(Date()) : nil)
        if let since = position.sinceID, refusedSinceID.withLock({ $0 == since }) {
            // Every post the window holds is newer than that id: the whole window is read once, and posts
            // already journaled are dropped before they are journaled again.
            position.sinceID = nil
        }
        let page: XSearchPage
        do {
            page = try await search(after: position)
        } catch XAPIError.staleSinceID(let since) where position.sinceID == since {
            // Refused once; the next poll goes on without it, so the same 400 never comes twice. Thrown, so the
            // channel's status says that posts older than the window may have been missed.
            refusedSinceID.withLock { $0 = since }
            throw XAPIError.staleSinceID(since)
        } catch XAPIError.status(400, _) where position.nextToken != nil {
            // The pending page's token is refused (expired): the burst is read again from where it started;
            // posts already committed come again with their ids and make no second complaint.
            return PollBatch(messages: [], cursor: XCursor(sinceID: position.sinceID, startTime: position.startTime).stored)
        }
        var messages: [PolledMessage] = []
        var setAside: [SetAsideItem] = []
        for (index, post) in page.posts.enumerated() {
            switch reader.read(post, at: index, page: page) {
            case .message(let message): messages.append(message)
            case .setAside(let item): setAside.append(item)
            }
        }
        return PollBatch(messages: messages, cursor: next(after: position, page: page).stored, setAside: setAside)
    }

    /// The cursor after `page`; a `next_token` this burst already followed ends the burst there, as if the
    /// page were its last, so a token that repeats can never loop the poller.
    func next(after position: XCursor, page: XSearchPage) -> XCursor {
        let tokenRepeats = burstTokens.withLock { tokens in
            if position.nextToken == nil { tokens = [] }
            if let used = position.nextToken { tokens.insert(used) }
            guard let token = page.nextToken else { return false }
            return tokens.contains(token)
        }
        var after = position.after(page)
        if tokenRepeats {
            after = XCursor(sinceID: XCursor.larger(after.newestID, position.sinceID))
        }
        return after
    }

    /// The batch is durable: while its cursor has a page pending, the next poll follows without a pause.
    public func committed(_ batch: PollBatch) async throws {
        gate.committed(paging: XCursor(stored: batch.cursor)?.nextToken != nil)
    }

    /// One page after `position`; every failure closes the gate for a while and leaves the cursor as it was.
    func search(after position: XCursor) async throws -> XSearchPage {
        let response: HTTPClientResponse
        do {
            response = try await http.send(HTTPClientRequest(
                url: searchURL(after: position), headers: [("Authorization", "Bearer \(bearerToken)"), ("Accept", "application/json")],
                timeout: timeout
            ))
        } catch {
            if case .cancelled = error { throw CancellationError() }
            gate.failed()
            throw XAPIError.transport(error.description)
        }
        let resetAt = XRateGate.reset(response.header("x-rate-limit-reset"))
        switch response.status {
        case 200:
            do {
                let page = try XSearchPage(body: response.body)
                let remaining = response.header("x-rate-limit-remaining").flatMap { Int($0.trimmed) }
                gate.succeeded(remaining: remaining, resetAt: resetAt)
                return page
            } catch {
                gate.failed()
                throw error
            }
        case 429:
            gate.failed(resetAt: resetAt)
            throw XAPIError.rateLimited(resetAt: resetAt)
        case 400 where position.sinceID != nil && Self.namesSinceID(response.body):
            gate.failed()
            throw XAPIError.staleSinceID(position.sinceID ?? "")
        default:
            gate.failed()
            throw XAPIError.status(response.status, detail: Self.problemDetail(response.body))
        }
    }

    /// `{api_base}/2/tweets/search/recent?query=…&max_results=…&since_id=…&next_token=…&<fields>`.
    func searchURL(after position: XCursor) -> String {
        var parameters: [(String, String)] = [("query", query), ("max_results", "\(maxResults)")]
        if let since = position.sinceID { parameters.append(("since_id", since)) }
        if position.sinceID == nil, let start = position.startTime { parameters.append(("start_time", Self.withinWindow(start))) }
        if let token = position.nextToken { parameters.append(("next_token", token)) }
        parameters += Self.fields
        return apiBase + "/2/tweets/search/recent?" + parameters.map { "\($0)=\(Self.percentEncoded($1))" }.joined(separator: "&")
    }

    /// `start`, or the oldest time recent search still takes (seven days ago, and two minutes) if it is older.
    static func withinWindow(_ start: String, now: Date = Date()) -> String {
        let oldest = now.addingTimeInterval(-7 * 86_400 + 120)
        guard let date = ISO8601DateFormatter().date(from: start), date >= oldest else { return rfc3339(oldest) }
        return start
    }

    /// `2026-12-05T03:30:00Z`, as X's `start_time` takes it.
    static func rfc3339(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    static func percentEncoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// X's problem answer (`title`, `detail`), shortened; never the request, which holds the token.
    static func problemDetail(_ body: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return "" }
        let text = [object["title"] as? String, object["detail"] as? String].compactMap { $0 }.joined(separator: ": ")
        return String(text.prefix(200))
    }

    /// Whether X's 400 answer refuses the `since_id` parameter: an `errors[]` entry whose `parameters` has a
    /// `since_id` key, or whose `message` mentions `since_id` (X says it must be a post of the last seven days).
    static func namesSinceID(_ body: [UInt8]) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let errors = object["errors"] as? [[String: Any]]
        else { return false }
        return errors.contains { error in
            (error["parameters"] as? [String: Any])?["since_id"] != nil
                || (error["message"] as? String)?.lowercased().contains("since_id") == true
        }
    }
}
