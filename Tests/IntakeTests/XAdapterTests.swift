import Foundation
import IntakeConfig
import IntakeModel
import Testing
@testable import XAdapter

/// The X family's pieces without a server: configuration, the cursor's moves, the rate gate, replies.
@Suite("X adapter pieces")
struct XAdapterTests {
    static func parse(_ channel: String, environment: [String: String] = [:]) throws(ConfigError) -> GatewayConfig {
        try ConfigLoader.parse(yaml: "channels:\n  - id: x-lapor\n    type: x\n" + channel, source: "test.yaml",
                               families: [XAdapter.family], environment: environment)
    }

    /// One channel body and the key its problem is reported on (nil: accepted).
    struct ConfigCase: Sendable, CustomStringConvertible {
        var name: String
        var yaml: String
        var refusedKey: String?
        var description: String { name }
    }

    static let configCases = [
        ConfigCase(name: "token from the environment", yaml: "    bearer_token: env:X_BEARER\n    query: \"@lapor1708\"\n", refusedKey: nil),
        ConfigCase(name: "no query", yaml: "    bearer_token: abc\n", refusedKey: "query"),
        ConfigCase(name: "no bearer token", yaml: "    query: \"@lapor1708\"\n", refusedKey: "bearer_token"),
        ConfigCase(name: "poll_seconds 0", yaml: "    bearer_token: abc\n    query: q\n    poll_seconds: 0\n", refusedKey: "poll_seconds"),
        ConfigCase(name: "max_results above 100", yaml: "    bearer_token: abc\n    query: q\n    max_results: 500\n", refusedKey: "max_results"),
        ConfigCase(name: "reply neither true nor false", yaml: "    bearer_token: abc\n    query: q\n    reply: maybe\n", refusedKey: "reply"),
        ConfigCase(name: "replies on", yaml: "    bearer_token: abc\n    query: q\n    reply: true\n    user_token: env:X_USER\n    account_id: \"15\"\n", refusedKey: nil),
        ConfigCase(name: "replies on without user_token", yaml: "    bearer_token: abc\n    query: q\n    reply: true\n    account_id: \"15\"\n", refusedKey: "user_token"),
        ConfigCase(name: "replies on without account_id", yaml: "    bearer_token: abc\n    query: q\n    reply: true\n    user_token: u\n", refusedKey: "account_id"),
        ConfigCase(name: "unknown key", yaml: "    bearer_token: abc\n    query: q\n    since: 1\n", refusedKey: "since"),
    ]

    @Test("channel settings are validated at load", arguments: configCases)
    func settingsAreValidated(_ row: ConfigCase) throws {
        do {
            let config = try Self.parse(row.yaml, environment: ["X_BEARER": "from-env-123", "X_USER": "user-env-456"])
            #expect(row.refusedKey == nil, "accepted: \(row.name)")
            if row.name == "token from the environment" { #expect(config.channels.first?.settings["bearer_token"] == "from-env-123") }
            if row.name == "replies on" { #expect(config.channels.first?.settings["reply"] == "true") }
        } catch {
            let keys = error.issues.map(\.keyPath)
            #expect(row.refusedKey.map { key in keys.contains { $0.hasSuffix(key) } } == true, "\(error.issues)")
            #expect(!error.description.contains("from-env-123"))
        }
    }

    @Test("an unusable reply or api_base setting fails every fetch with a message the channel status shows")
    func unusableSettingsFailFetches() async {
        for settings in [["reply": "maybe"], ["api_base": "ftp://x.example"], ["query": " "]] {
            let channel = ChannelConfig(id: "x", type: .x, settings: ["bearer_token": "t", "query": "q"].merging(settings) { $1 })
            await #expect(throws: XAPIError.self) { try await XAdapter(channel: channel).fetch(after: nil) }
        }
    }

    /// A cursor, the page's meta, and the cursor after it.
    struct CursorCase: Sendable, CustomStringConvertible {
        var name: String
        var before: XCursor
        var newest: String?
        var next: String?
        var after: XCursor
        var description: String { name }
    }

    static let cursorCases = [
        CursorCase(name: "single page", before: XCursor(sinceID: "100"), newest: "120", next: nil, after: XCursor(sinceID: "120")),
        CursorCase(name: "nothing new", before: XCursor(sinceID: "100"), newest: nil, next: nil, after: XCursor(sinceID: "100")),
        CursorCase(name: "first page of a burst", before: XCursor(sinceID: "100"), newest: "130", next: "t2",
                   after: XCursor(sinceID: "100", nextToken: "t2", newestID: "130")),
        CursorCase(name: "middle page keeps the burst's newest", before: XCursor(sinceID: "100", nextToken: "t2", newestID: "130"),
                   newest: "120", next: "t3", after: XCursor(sinceID: "100", nextToken: "t3", newestID: "130")),
        CursorCase(name: "last page moves since_id", before: XCursor(sinceID: "100", nextToken: "t3", newestID: "130"),
                   newest: "110", next: nil, after: XCursor(sinceID: "130")),
        CursorCase(name: "first poll ever", before: XCursor(), newest: "99", next: nil, after: XCursor(sinceID: "99")),
    ]

    @Test("the cursor moves to the burst's newest post only after its last page", arguments: cursorCases)
    func cursorMoves(_ row: CursorCase) throws {
        var meta: [String: Any] = ["result_count": 1]
        if let newest = row.newest { meta["newest_id"] = newest }
        if let next = row.next { meta["next_token"] = next }
        let page = try XSearchPage(body: Array(try JSONSerialization.data(withJSONObject: ["meta": meta])))
        let after = row.before.after(page)
        #expect(after == row.after)
        #expect(XCursor(stored: after.stored) == row.after)
    }

    @Test("a post is read as X sends it: author by account id, sent time, a status question after the mentions")
    func postIsRead() throws {
        let body = #"""
            {"data":[{"id":"1866000000000000061","text":"@lapor1708 @budi_s CEK LPR-7K3M-9QX2","author_id":"1600000000000000011",
            "created_at":"2026-12-05T02:10:00.000Z"}],"includes":{"users":[{"id":"1600000000000000011","name":"Budi Santoso",
            "username":"Budi_S"}]},"meta":{"newest_id":"1866000000000000061","result_count":1}}
            """#
        let page = try XSearchPage(body: Array(body.utf8))
        let reader = XPostReader(channel: ChannelConfig(id: "x", type: .x), accountID: nil)
        guard case .message(let polled) = reader.read(page.posts[0], at: 0, page: page) else {
            Issue.record("the post was set aside")
            return
        }
        #expect(polled.message.externalID == "1866000000000000061" && polled.message.replyTo == "1866000000000000061")
        #expect(polled.message.reporter == Reporter(kind: .social, address: "x:1600000000000000011", name: "Budi Santoso @Budi_S"))
        #expect(polled.message.sentAt == Date(timeIntervalSince1970: 1_796_436_600))
        #expect(polled.message.statusQuestion == "LPR-7K3M-9QX2")
        #expect(polled.message.metadata["x_username"] == "Budi_S")
    }

    @Test("a page of posts without meta.newest_id moves since_id to its largest post id, so the posts are not read again")
    func pageWithoutNewestIDMovesCursor() throws {
        let body = #"{"data":[{"id":"1000","text":"a","author_id":"7"},{"id":"999","text":"b","author_id":"7"},{"id":"x"}],"meta":{"result_count":3}}"#
        let page = try XSearchPage(body: Array(body.utf8))
        #expect(XCursor(sinceID: "100").after(page) == XCursor(sinceID: "1000"))
        let empty = try XSearchPage(body: Array(#"{"meta":{"result_count":0}}"#.utf8))
        #expect(XCursor(sinceID: "100").after(empty) == XCursor(sinceID: "100"))
    }

    @Test("post ids compare as numbers, not as text")
    func idsCompareAsNumbers() {
        #expect(XCursor.larger("999", "1000") == "1000")
        #expect(XCursor.larger(nil, "5") == "5")
    }

    @Test("the rate gate waits for the reset after a spent window or a 429, and backs off otherwise")
    func rateGate() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let gate = XRateGate()
        gate.succeeded(remaining: 0, resetAt: now.addingTimeInterval(120), now: now)
        #expect(abs(gate.pendingWait(now: now) - 120) < 0.01)
        gate.succeeded(remaining: 3, resetAt: now.addingTimeInterval(120), now: now)
        #expect(gate.pendingWait(now: now) == 0 && !gate.paging, "paging only once a page with a next_token is committed")
        gate.committed(paging: true)
        #expect(gate.paging)
        gate.failed(resetAt: now.addingTimeInterval(7 * 3600), now: now)
        #expect(gate.pendingWait(now: now) == XRateGate.longestWait, "a bogus reset is capped")
        gate.failed(now: now)
        #expect((1...2).contains(gate.pendingWait(now: now)), "second failure in a row: 1 to 2 seconds")
        #expect((150...300).contains(XRateGate.backoff(afterFailures: 40)))
        #expect(XRateGate.reset("1764900000") == Date(timeIntervalSince1970: 1_764_900_000))
    }

    @Test("replies are off by default and need reply: true with a user_token")
    func repliesOffByDefault() {
        func sender(_ settings: [String: String]) -> XReplySender? {
            XReplySender.make(channel: ChannelConfig(id: "x", type: .x, settings: ["bearer_token": "t", "query": "q"].merging(settings) { $1 }))
        }
        #expect(sender([:]) == nil)
        #expect(sender(["user_token": "u"]) == nil)
        #expect(sender(["reply": "true"]) == nil, "the app bearer token cannot post")
        #expect(sender(["reply": "true", "user_token": "u"]) != nil)
        #expect(String(decoding: XReplySender.body(text: "Nomor LPR-1", inReplyTo: "42"), as: UTF8.self)
                == #"{"reply":{"in_reply_to_tweet_id":"42"},"text":"Nomor LPR-1"}"#)
    }

    @Test("a repeated reply X refuses as duplicate content counts as sent; a 429 waits; a 401 is permanent")
    func replyAnswers() async throws {
        let sender = XReplySender(apiBase: "http://127.0.0.1:9", userToken: "u")
        let reply = OutboundReply(idempotencyKey: "k", channelID: "x", recipient: "x:1", text: "t", inReplyTo: "42")
        let duplicate = #"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#
        #expect(try await sender.send(reply, over: FixedExchange(status: 403, body: duplicate)) == SentReply(providerMessageID: nil))
        #expect(try await sender.send(reply, over: FixedExchange(status: 201, body: #"{"data":{"id":"77","text":"t"}}"#)) == SentReply(providerMessageID: "77"))
        await #expect(throws: ReplyFailure.self) { try await sender.send(reply, over: FixedExchange(status: 401, body: "{}")) }
        do {
            _ = try await sender.send(reply, over: FixedExchange(status: 429, body: "{}"))
            Issue.record("a 429 must fail")
        } catch {
            guard case .temporary = error else { Issue.record("a 429 is temporary: \(error)"); return }
        }
    }
}

/// An exchange that answers every request the same.
private struct FixedExchange: HTTPExchange {
    var status: Int
    var body: String
    func perform(_ request: HTTPExchangeRequest) async throws -> HTTPExchangeResponse {
        HTTPExchangeResponse(status: status, body: Array(body.utf8))
    }
}
