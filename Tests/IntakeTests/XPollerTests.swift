import AdapterRegistry
import Foundation
import IntakeModel
import IntakeServer
import IntakeStorage
import Testing
import XAdapter

/// The X poller (`type: x`) in a real gateway, against `XAPIStandIn` answering from `fixtures/social/x/`.
@Suite("X recent-search poller", .serialized)
struct XPollerTests {
    static let bearer = "x-app-bearer-3f9a1c7e55"
    static let channelID: ChannelID = "x-lapor"
    static let ownAccount = "1500000000000000001"
    static let pageTwo = "b26v89c19zqg8o3fosbxaaaaaa"
    static let pageThree = "b26v89c19zqg8o3fosbxbbbbbb"
    /// The three pages of the burst fixture, newest first.
    static let burst = ["since:": "burst-page-1-of-3.json", "next:\(pageTwo)": "burst-page-2-of-3.json", "next:\(pageThree)": "burst-page-3-of-3.json"]

    static func id(_ number: Int) -> String { "18660000000000000" + (number < 10 ? "0\(number)" : "\(number)") }

    static func channel(_ x: XAPIStandIn, extra: [String: String] = [:]) -> ChannelConfig {
        ChannelConfig(id: channelID, type: .x, settings: [
            "bearer_token": bearer, "query": "@lapor1708 OR #MudikLAPOR", "poll_seconds": "1", "account_id": ownAccount,
            "api_base": x.baseURL,
        ].merging(extra) { $1 }, burstSeconds: 0)
    }

    /// Runs `body` with a stand-in serving `pages` and a gateway polling it, stopping both whatever happens.
    static func running(
        _ pages: [String: String], extra: [String: String] = [:], before: (XAPIStandIn) -> Void = { _ in },
        _ body: (XAPIStandIn, RunningGateway) async throws -> Void
    ) async throws {
        let x = try XAPIStandIn(pages: pages)
        defer { x.stop() }
        before(x)
        try await RunningGateway.with(channels: [channel(x, extra: extra)]) { gateway in try await body(x, gateway) }
    }

    static func cursor(_ gateway: RunningGateway) async throws -> [String: String] {
        let stored = try await gateway.server.gateway.database.read { try $0.cursor(for: channelID) }
        return (stored.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: String]) ?? [:]
    }

    @Test("a burst of three pages is read whole: the cursor moves to the newest post only after the last page, every post once")
    func burstAcrossThreePages() async throws {
        try await Self.running(Self.burst, before: { $0.hold("next:\(Self.pageThree)") }) { x, gateway in
            let database = gateway.server.gateway.database
            try await waitUntil(timeout: .seconds(15)) { x.heldCount >= 1 }
            // Pages one and two are committed with the pending page; since_id has not moved.
            try await eventually(timeout: .seconds(10)) { try await database.journalTotal() == 6 }
            var pending = try await Self.cursor(gateway)
            // A new channel reads from when it started; the burst keeps that start until since_id is set.
            #expect(pending.removeValue(forKey: "start_time").flatMap(Timestamp.parse) != nil)
            #expect(pending == ["next_token": Self.pageThree, "newest_id": Self.id(8)])
            x.hold(nil)
            try await eventually(timeout: .seconds(10)) { try await Self.cursor(gateway) == ["since_id": Self.id(8)] }
            try await eventually(timeout: .seconds(10)) { try await database.complaintTotal() == 8 }
            #expect(try await database.externalIDs() == (1...8).map(Self.id))
            #expect(try await database.journalTotal() == 8, "no post journaled twice")
            // The next poll asks only for what is newer than the burst.
            try await waitUntil(timeout: .seconds(10)) { x.searches.contains { $0.parameter("since_id") == Self.id(8) } }
            let searches = x.searches
            #expect(searches.allSatisfy { $0.authorization == "Bearer \(Self.bearer)" })
            #expect(searches.allSatisfy { $0.parameter("query") == "@lapor1708 OR #MudikLAPOR" && $0.parameter("max_results") == "100" })
            #expect(searches.first?.parameter("expansions") == "author_id,attachments.media_keys")
            #expect(searches.first?.parameter("tweet.fields") == "created_at,author_id,referenced_tweets,attachments,conversation_id,lang")
            #expect(searches.first?.parameter("media.fields") == "url,preview_image_url,type")
            #expect(searches.filter { $0.parameter("next_token") != nil }.allSatisfy { $0.parameter("since_id") == nil })
            #expect(x.seen.allSatisfy { $0.method == "GET" }, "replies are off by default")
            let status = try await ChannelsAPITests.channel(Self.channelID, in: gateway)
            #expect((status["last_poll_at"] as? String).flatMap(Timestamp.parse) != nil)
            #expect(status["lag_seconds"] is Double)
        }
    }

    /// A single-page fixture and what it must leave behind.
    struct Case: Sendable, CustomStringConvertible {
        var fixture: String
        var complaints: [String]
        var ignored: Int
        var quarantined: Int
        var description: String { fixture }
    }

    static let cases = [
        Case(fixture: "retweet-and-own-post.json", complaints: [id(21)], ignored: 2, quarantined: 0),
        Case(fixture: "missing-author.json", complaints: [id(41)], ignored: 0, quarantined: 0),
        Case(fixture: "post-without-text.json", complaints: [id(51)], ignored: 0, quarantined: 1),
        Case(fixture: "photo.json", complaints: [id(31)], ignored: 0, quarantined: 0),
    ]

    @Test("retweets and our own posts are ignored, a post without text is quarantined, a missing author keeps the post", arguments: cases)
    func postsBecomeComplaintsOrAreSetAside(_ row: Case) async throws {
        try await Self.running(["since:": row.fixture]) { x, gateway in
            let database = gateway.server.gateway.database
            try await eventually(timeout: .seconds(10)) { try await database.complaintTotal() == row.complaints.count }
            try await eventually(timeout: .seconds(10)) { try await Self.cursor(gateway)["since_id"] != nil }
            #expect(try await database.externalIDs() == row.complaints)
            #expect(try await database.journalTotal() == row.complaints.count)
            let metrics = try await gateway.get("/metrics", token: nil).text
            #expect(row.ignored == 0 || metrics.contains(#"intake_messages_ignored_total{channel="x-lapor"} \#(row.ignored)"#))
            let quarantine = gateway.directory.appending("data/quarantine/x")
            let kept = (try? FileManager.default.contentsOfDirectory(atPath: quarantine)) ?? []
            #expect(kept.count == row.quarantined)
            // An API's item is kept as the JSON it is, under a name that says so.
            #expect(kept.allSatisfy { $0.hasSuffix(".json") }, "\(kept)")
            let journaled = try await database.read { try $0.query("SELECT message FROM journal").first?.string(0) } ?? ""
            #expect(journaled.contains(#""kind":"social""#))
            if row.fixture == "missing-author.json" {
                #expect(journaled.contains("x:1600000000000000099") && journaled.contains("x_author_missing"))
            }
            if row.fixture == "photo.json" { try await Self.expectPhotoFetched(x, gateway) }
        }
    }

    /// The photo is a media reference, fetched from X's URL after the post was committed and stored.
    static func expectPhotoFetched(_ x: XAPIStandIn, _ gateway: RunningGateway) async throws {
        var attachment: [String: Any] = [:]
        try await eventually(timeout: .seconds(15)) {
            let items = try await CrashTests.allComplaints(port: gateway.port, client: gateway.client)
            attachment = (items.first?["attachments"] as? [[String: Any]])?.first ?? [:]
            return attachment["state"] as? String == "stored"
        }
        #expect(attachment["media_type"] as? String == "image/jpeg")
        #expect(x.seen.contains { $0.target == "/media/GkSampahCiliwung.jpg" && $0.authorization == nil }, "X media needs no credentials")
    }

    @Test("a 429 waits until x-rate-limit-reset, then the poller resumes with nothing twice")
    func rateLimitWaitsForReset() async throws {
        let reset = Int(Date().timeIntervalSince1970) + 2
        try await Self.running(["since:": "burst-page-3-of-3.json"], before: { x in
            x.enqueue(.status(429, fixture: "rate-limited.json", headers: [
                ("x-rate-limit-limit", "450"), ("x-rate-limit-remaining", "0"), ("x-rate-limit-reset", "\(reset)"),
            ]))
        }) { x, gateway in
            let database = gateway.server.gateway.database
            try await eventually(timeout: .seconds(15)) { try await database.complaintTotal() == 2 }
            let times = x.searchTimes
            #expect(times.count >= 2)
            if times.count >= 2 { #expect(times[1] >= Double(reset) - 0.05, "asked again only after the reset: \(times[1]) < \(reset)") }
            let status = try await ChannelsAPITests.channel(Self.channelID, in: gateway)
            #expect(((status["last_error"] as? [String: Any])?["message"] as? String)?.contains("rate limit") == true, "\(status)")
            #expect(try await database.journalTotal() == 2)
            #expect(try await database.externalIDs() == [Self.id(1), Self.id(2)])
        }
    }

    @Test("x-rate-limit-remaining: 0 on a page holds the next request until x-rate-limit-reset")
    func spentWindowWaitsForReset() async throws {
        let reset = Int(Date().timeIntervalSince1970) + 2
        try await Self.running(Self.burst, before: { $0.spendWindow(resetAt: reset) }) { x, gateway in
            let database = gateway.server.gateway.database
            try await eventually(timeout: .seconds(15)) { try await database.complaintTotal() == 8 }
            let times = x.searchTimes
            #expect(times.count >= 3)
            if times.count >= 2 { #expect(times[1] >= Double(reset) - 0.05, "page two only after the reset: \(times[1]) < \(reset)") }
            #expect(try await database.journalTotal() == 8)
        }
    }

    @Test("a next_token X no longer accepts restarts the burst from its since_id: nothing skipped, no complaint twice")
    func refusedNextTokenRestartsTheBurst() async throws {
        try await Self.running(["since:": "burst-page-1-of-3.json"]) { x, gateway in
            let database = gateway.server.gateway.database
            try await waitUntil(timeout: .seconds(10)) { x.searches.contains { $0.parameter("next_token") == Self.pageTwo } }
            try await eventually(timeout: .seconds(10)) { try await Self.cursor(gateway).keys.sorted() == ["start_time"] }
            x.setPage("next:\(Self.pageTwo)", "burst-page-3-of-3.json")
            try await eventually(timeout: .seconds(15)) { try await Self.cursor(gateway) == ["since_id": Self.id(8)] }
            try await eventually(timeout: .seconds(10)) { try await database.complaintTotal() == 5 }
            #expect(try await database.externalIDs() == [1, 2, 6, 7, 8].map(Self.id))
        }
    }

    @Test("a since_id older than X's 7-day window is refused once: the window is read without it, the gap is shown, no 400 loop")
    func staleSinceIDIsDropped() async throws {
        try await Self.running(["since:": "burst-page-3-of-3.json"]) { x, gateway in
            let database = gateway.server.gateway.database
            try await eventually(timeout: .seconds(10)) { try await Self.cursor(gateway) == ["since_id": Self.id(2)] }
            // A week passes: X no longer takes since_id 2; the window holds one newer post.
            x.setPage("since:", "missing-author.json")
            x.refuseSince(Self.id(2))
            try await eventually(timeout: .seconds(15)) { try await Self.cursor(gateway) == ["since_id": Self.id(41)] }
            try await eventually(timeout: .seconds(10)) { try await database.complaintTotal() == 3 }
            #expect(try await database.externalIDs() == [Self.id(1), Self.id(2), Self.id(41)])
            // The poller goes on from the new since_id and never asks with the refused one again.
            try await waitUntil(timeout: .seconds(10)) { x.searches.contains { $0.parameter("since_id") == Self.id(41) } }
            #expect(x.staleAnswers == 1, "the refused since_id was sent once")
            let status = try await ChannelsAPITests.channel(Self.channelID, in: gateway)
            let message = (status["last_error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("7-day") && message.contains("may have been missed"), "\(status)")
        }
    }

    @Test("a restarted burst journals each post once and tells the routing core of no change")
    func restartedBurstJournalsEachPostOnce() async throws {
        try await Self.running(["since:": "burst-page-1-of-3.json"]) { x, gateway in
            let database = gateway.server.gateway.database
            // Page one is committed, page two's token is refused: the burst restarts and page one comes again.
            try await waitUntil(timeout: .seconds(10)) { x.searches.contains { $0.parameter("next_token") == Self.pageTwo } }
            try await eventually(timeout: .seconds(10)) { try await Self.cursor(gateway).keys.sorted() == ["start_time"] }
            try await waitUntil(timeout: .seconds(10)) { x.searches.filter { $0.parameter("next_token") == nil }.count >= 2 }
            x.setPage("next:\(Self.pageTwo)", "burst-page-3-of-3.json")
            try await eventually(timeout: .seconds(15)) { try await Self.cursor(gateway) == ["since_id": Self.id(8)] }
            try await eventually(timeout: .seconds(10)) { try await database.complaintTotal() == 5 }
            #expect(try await database.journalTotal() == 5, "no post journaled twice")
            let events = try await database.read {
                try $0.query("SELECT type FROM handoff_events ORDER BY id").compactMap { $0.string(0) }
            }
            #expect(events == Array(repeating: "complaint.created", count: 5), "\(events)")
        }
    }

    @Test("a next_token that repeats ends the burst: the cursor moves past it instead of looping")
    func repeatingNextTokenEndsTheBurst() async throws {
        try await Self.running(["since:": "burst-page-1-of-3.json", "next:\(Self.pageTwo)": "repeating-next-token.json"]) { x, gateway in
            let database = gateway.server.gateway.database
            try await eventually(timeout: .seconds(15)) { try await Self.cursor(gateway) == ["since_id": Self.id(8)] }
            try await eventually(timeout: .seconds(10)) { try await database.complaintTotal() == 6 }
            try await waitUntil(timeout: .seconds(10)) { x.searches.contains { $0.parameter("since_id") == Self.id(8) } }
            #expect(x.searches.filter { $0.parameter("next_token") == Self.pageTwo }.count == 1, "the repeated token is followed no further")
            #expect(try await database.journalTotal() == 6)
        }
    }

    @Test("a new channel asks only for posts made after it started (start_time), then only for newer ones (since_id)")
    func firstStartReadsNoBacklog() async throws {
        let started = Date().addingTimeInterval(-1)
        try await Self.running(["since:": "burst-page-3-of-3.json"]) { x, gateway in
            try await eventually(timeout: .seconds(10)) { try await Self.cursor(gateway) == ["since_id": Self.id(2)] }
            try await waitUntil(timeout: .seconds(10)) { x.searches.contains { $0.parameter("since_id") == Self.id(2) } }
            let first = try #require(x.searches.first)
            let start = try #require(first.parameter("start_time").flatMap { ISO8601DateFormatter().date(from: $0) }, "\(first.target)")
            #expect(start >= started && start <= Date(), "not a week of backlog: \(start)")
            #expect(x.searches.filter { $0.parameter("since_id") != nil }.allSatisfy { $0.parameter("start_time") == nil })
        }
    }

    @Test("a 500 is backed off, then the poller resumes and reads the page once")
    func serverErrorBacksOff() async throws {
        try await Self.running(["since:": "burst-page-3-of-3.json"], before: { x in
            x.enqueue(.status(500, fixture: "server-error.json", headers: []), .status(500, fixture: "server-error.json", headers: []))
        }) { x, gateway in
            let database = gateway.server.gateway.database
            try await eventually(timeout: .seconds(20)) { try await database.complaintTotal() == 2 }
            let times = x.searchTimes
            // After the second failure the backoff is at least 1 s (half of 2 s for sure).
            if times.count >= 3 { #expect(times[2] - times[1] >= 0.95, "backed off: \(times)") }
            #expect(try await database.journalTotal() == 2)
            let status = try await ChannelsAPITests.channel(Self.channelID, in: gateway)
            #expect(((status["last_error"] as? [String: Any])?["message"] as? String)?.contains("500") == true, "\(status)")
            // The error is kept for the operator to read; last_success_at says it is over.
            let failedText = ((status["last_error"] as? [String: Any])?["at"] as? String) ?? ""
            let failedAt = try #require(Timestamp.parse(failedText), "\(status)")
            let succeededAt = try #require(Timestamp.parse(status["last_success_at"] as? String ?? ""), "\(status)")
            #expect(succeededAt > failedAt)
        }
    }

    @Test("a body cut short and malformed JSON neither stop the poller nor move its cursor")
    func truncatedBodiesKeepTheCursor() async throws {
        try await Self.running(["since:": "burst-page-3-of-3.json"]) { x, gateway in
            let database = gateway.server.gateway.database
            try await eventually(timeout: .seconds(10)) { try await Self.cursor(gateway) == ["since_id": Self.id(2)] }
            x.enqueue(.cut, .malformed)
            x.setPage("since:\(Self.id(2))", "missing-author.json")
            try await eventually(timeout: .seconds(20)) { try await database.complaintTotal() == 3 }
            let after = x.searches.dropFirst()
            #expect(after.count >= 3)
            #expect(after.allSatisfy { $0.parameter("since_id") == Self.id(2) || $0.parameter("since_id") == Self.id(41) }, "cursor kept")
            #expect(try await database.journalTotal() == 3)
            #expect(try await database.externalIDs() == [Self.id(1), Self.id(2), Self.id(41)])
            try await eventually(timeout: .seconds(10)) { try await Self.cursor(gateway) == ["since_id": Self.id(41)] }
        }
    }

    @Test("a request that times out is backed off like an outage; the poller goes on")
    func timeoutIsRetried() async throws {
        try await Self.running(["since:": "burst-page-3-of-3.json"], extra: ["timeout_seconds": "1"], before: { $0.enqueue(.stall(seconds: 3)) }) { x, gateway in
            let database = gateway.server.gateway.database
            try await eventually(timeout: .seconds(20)) { try await database.complaintTotal() == 2 }
            let status = try await ChannelsAPITests.channel(Self.channelID, in: gateway)
            #expect(((status["last_error"] as? [String: Any])?["message"] as? String)?.contains("error 28") == true, "\(status)")
            #expect(try await database.journalTotal() == 2)
            #expect(x.searches.count >= 2)
        }
    }

    @Test("PollerService.run stops at once on shutdown while it waits fifteen minutes for a rate-limit reset")
    func shutdownDuringRateLimitWait() async throws {
        let x = try XAPIStandIn(pages: ["since:": "burst-page-3-of-3.json"])
        defer { x.stop() }
        x.enqueue(.status(429, fixture: "rate-limited.json", headers: [("x-rate-limit-reset", "\(Int(Date().timeIntervalSince1970) + 900)")]))
        let gateway = try await RunningGateway.start(channels: [Self.channel(x)])
        do {
            try await eventually(timeout: .seconds(10)) {
                let status = try await ChannelsAPITests.channel(Self.channelID, in: gateway)
                return status["last_error"] is [String: Any]
            }
        } catch {
            await gateway.stop()
            throw error
        }
        // Past the poller's own pause (poll_seconds: 1) it waits in the adapter for the window's reset.
        try await waitUntil(timeout: .seconds(5)) { Date().timeIntervalSince1970 - (x.searchTimes.first ?? .infinity) > 1.5 }
        let started = ContinuousClock.now
        await gateway.stop()
        #expect(ContinuousClock.now - started < .seconds(5), "stopped while waiting for the window")
        #expect(x.searches.count == 1, "no request before the reset")
    }

    @Test("with reply: true the tracking number is posted as a reply with the user token, once per post")
    func repliesArePostedWhenEnabled() async throws {
        try await Self.running(["since:": "burst-page-3-of-3.json"], extra: ["reply": "true", "user_token": "x-user-token-81d2"]) { x, gateway in
            try await waitUntil(timeout: .seconds(20)) { x.seen.filter { $0.method == "POST" }.count >= 2 }
            let posts = x.seen.filter { $0.method == "POST" }
            #expect(posts.allSatisfy { $0.target == "/2/tweets" && $0.authorization == "Bearer x-user-token-81d2" })
            let bodies = posts.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }
            let targets = bodies.compactMap { ($0["reply"] as? [String: Any])?["in_reply_to_tweet_id"] as? String }.sorted()
            #expect(targets == [Self.id(1), Self.id(2)])
            #expect(bodies.allSatisfy { ($0["text"] as? String)?.contains("LPR-") == true }, "\(bodies)")
            #expect(posts.count == 2, "each reply posted once")
        }
    }
}

extension XAPIStandIn {
    /// When each search arrived, in seconds since 1970.
    var searchTimes: [Double] { searches.map(\.at) }
}
