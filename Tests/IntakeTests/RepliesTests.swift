import AdapterRegistry
import Foundation
import IntakeConfig
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import Logging
import Testing

/// Replies to citizens through the reply outbox and service, against a real HTTP server on 127.0.0.1 that
/// stands in for the generic channel's `reply_url`.
@Suite("Replies to citizens", .serialized)
struct RepliesTests {
    /// The tracking number the gateway answered a generic webhook with.
    private static func trackingNumber(_ response: HTTPClientResponse) -> String {
        response.json["tracking_number"] as? String ?? "?"
    }

    @Test("a new report's reply arrives at the reply_url, signed, with its tracking number and an idempotency key")
    func replyCarriesTrackingNumber() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret) { _, _ in .status(200, body: #"{"message_id":"prov-1"}"#) }
        provider.listen()
        defer { provider.stop() }
        try await RunningGateway.with(channels: [ReplyTesting.channel(replyURL: provider.url)], replyPolicy: ReplyTesting.policy) { gateway in
            let response = try await gateway.postMessage(ReplyTesting.message("msg-1"), channel: "generic-reply")
            #expect(response.status == 200)
            let number = Self.trackingNumber(response)
            #expect(try await provider.waitUntil(timeout: .seconds(10)) { $0.count == 1 })
            let reply = try #require(provider.received.first)
            #expect(reply.signatureValid)
            #expect(reply.idempotencyKey == "generic-reply/msg-1")
            #expect(reply.json["to"] as? String == "+6281234567890")
            #expect(reply.json["in_reply_to"] as? String == "msg-1")
            let text = try #require(reply.json["text"] as? String)
            #expect(text.contains(number) && text.contains("diterima"))

            let sent = try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 1 }
            #expect(sent[0]["provider_message_id"] as? String == "prov-1")
            #expect(sent[0]["kind"] as? String == "accepted")
            let recipient = try #require(sent[0]["recipient"] as? String)
            #expect(!recipient.contains("81234567890") && recipient.contains("*"))
        }
    }

    @Test("an outage (connection refused, then 500, then 429 with Retry-After) delays replies and loses none")
    func outageLosesNoReply() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret) { _, index in
            switch index {
            case 0: .status(500, body: "down for maintenance")
            case 1: .status(429, headers: [("Retry-After", "1")], body: "slow down")
            default: .status(200)
            }
        }
        defer { provider.stop() }
        try await RunningGateway.with(channels: [ReplyTesting.channel(replyURL: provider.url)], replyPolicy: ReplyTesting.policy) { gateway in
            var numbers: [String] = []
            for index in 1...3 {
                let started = ContinuousClock.now
                let response = try await gateway.postMessage(
                    ReplyTesting.message("out-\(index)", text: "Lampu jalan mati nomor \(index) di Jl. Kaliurang", from: "0812-3456-78\(index)0"),
                    channel: "generic-reply"
                )
                #expect(response.status == 200)
                // Intake answers while the provider still refuses connections; the bound catches an answer held
                // back for the reply's retries, with room for a loaded machine (2 s once failed at 2.2 s).
                #expect(ContinuousClock.now - started < .seconds(10))
                numbers.append(Self.trackingNumber(response))
            }
            // Refused while the provider is down: recorded as an attempt, still pending.
            try await ReplyTesting.waitForReplies(gateway, status: "pending") { items in
                items.contains { ($0["attempts"] as? Int ?? 0) >= 1 && $0["last_error"] is String }
            }
            provider.listen()
            #expect(try await provider.waitUntil(timeout: .seconds(20)) { received in
                numbers.allSatisfy { number in received.contains { $0.answered == 200 && $0.bodyText.contains(number) } }
            })
            let received = provider.received
            #expect(received[0].answered == 500)
            #expect(received[1].answered == 429)
            // The 429's Retry-After: 1 paused the channel for a second.
            #expect(received[2].arrivedAt - received[1].arrivedAt >= .milliseconds(900))
            let delivered = received.filter { $0.answered == 200 }
            #expect(delivered.count == 3)
            #expect(Set(delivered.compactMap(\.idempotencyKey)).count == 3)
            let sent = try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 3 }
            #expect(sent.allSatisfy { ($0["attempts"] as? Int ?? 0) >= 1 })
            #expect(try await ReplyTesting.replies(gateway, status: "failed").isEmpty)
        }
    }

    @Test("a reply the provider refuses (400) ends as failed, is listed with the error, and can be sent again")
    func refusedReplyIsListedAsFailed() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret) { _, index in
            index == 0 ? .status(400, body: #"{"error":"invalid recipient 6281234567890"}"#) : .status(200)
        }
        provider.listen()
        defer { provider.stop() }
        try await RunningGateway.with(channels: [ReplyTesting.channel(replyURL: provider.url)], replyPolicy: ReplyTesting.policy) { gateway in
            _ = try await gateway.postMessage(ReplyTesting.message("bad-1"), channel: "generic-reply")
            let failed = try await ReplyTesting.waitForReplies(gateway, status: "failed") { $0.count == 1 }
            let error = try #require(failed[0]["last_error"] as? String)
            #expect(error.contains("400") && error.contains("invalid recipient"))
            // Providers echo the number they refused; it is listed (and logged) redacted.
            #expect(!error.contains("81234567890"))
            #expect(failed[0]["attempts"] as? Int == 1)
            #expect((failed[0]["recipient"] as? String)?.contains("81234567890") == false)
            #expect(provider.received.count == 1)
            let metrics = String(decoding: try await gateway.get("/metrics", token: nil).body, as: UTF8.self)
            #expect(metrics.contains("intake_replies_total") && metrics.contains(#"outcome="failed""#))
            #expect(try await gateway.get("/api/v1/replies?status=failed", token: nil).status == 401)
            #expect(try await gateway.get("/api/v1/replies?status=lost").status == 400)

            // An operator sends it again once the number is fixed at the provider.
            let retry = try await gateway.client.send(.init(
                method: "POST", url: gateway.baseURL + "/api/v1/replies/retry",
                headers: [("Authorization", "Bearer \(RunningGateway.adminToken)")]
            ))
            #expect(retry.json["requeued"] as? Int == 1)
            try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 1 }
            #expect(try await ReplyTesting.replies(gateway, status: "failed").isEmpty)
        }
    }

    @Test("a provider's retry of the same message sends one reply")
    func providerRetrySendsOneReply() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret)
        provider.listen()
        defer { provider.stop() }
        try await RunningGateway.with(channels: [ReplyTesting.channel(replyURL: provider.url)], replyPolicy: ReplyTesting.policy) { gateway in
            let first = try await gateway.postMessage(ReplyTesting.message("dup-1"), channel: "generic-reply")
            let again = try await gateway.postMessage(ReplyTesting.message("dup-1"), channel: "generic-reply")
            #expect(again.json["duplicate"] as? Bool == true)
            #expect(Self.trackingNumber(first) == Self.trackingNumber(again))
            // Replies of a channel leave in order: once a later message's reply arrived, a second one for
            // the retried message would have arrived before it.
            let later = try await gateway.postMessage(
                ReplyTesting.message("other-1", text: "Sampah menumpuk di pasar", from: "0813-1111-2222"), channel: "generic-reply"
            )
            #expect(try await provider.waitUntil(timeout: .seconds(10)) { $0.contains { $0.bodyText.contains(Self.trackingNumber(later)) } })
            #expect(provider.received.count == 2)
            #expect(provider.received.filter { $0.bodyText.contains(Self.trackingNumber(first)) }.count == 1)
            #expect(try await ReplyTesting.replies(gateway).count == 2)
        }
    }

    @Test("replies_per_second spaces one channel's replies")
    func rateLimitSpacesReplies() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret)
        provider.listen()
        defer { provider.stop() }
        let channel = ReplyTesting.channel(replyURL: provider.url, perSecond: 10)
        try await RunningGateway.with(channels: [channel], replyPolicy: ReplyTesting.policy) { gateway in
            for index in 1...4 {
                _ = try await gateway.postMessage(
                    ReplyTesting.message("rate-\(index)", text: "Laporan \(index) tentang pungli", from: "0812-5555-000\(index)"),
                    channel: "generic-reply"
                )
            }
            #expect(try await provider.waitUntil(timeout: .seconds(10)) { $0.count == 4 })
            let times = provider.received.map(\.arrivedAt)
            for (earlier, later) in zip(times, times.dropFirst()) {
                #expect(later - earlier >= .milliseconds(90))
            }
        }
    }

    @Test("a family that replies inline gets the text in its receipt (channel template rendered), the same text again for a provider's retry, and nothing is sent")
    func inlineRepliesAreNeverSent() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret)
        provider.listen()
        defer { provider.stop() }
        let inline = ChannelConfig(
            id: "twiml", type: ChannelType("inline-test"), settings: ["secret": RunningGateway.secret, "reply_url": provider.url],
            replyTemplate: "Terima kasih! Nomor {{tracking_number}} lewat {{channel}} “ok” 👍"
        )
        let families = AdapterRegistry.families + [ReplyTesting.family("inline-test", inline: true)]
        try await RunningGateway.with(channels: [inline, ReplyTesting.channel(replyURL: provider.url)], families: families,
                                      replyPolicy: ReplyTesting.policy) { gateway in
            let response = try await gateway.postMessage(ReplyTesting.message("sm-1"), channel: "twiml")
            let number = Self.trackingNumber(response)
            // GSM-7 for an SMS family: curly quotes straightened, the emoji replaced.
            #expect(response.json["reply"] as? String == "Terima kasih! Nomor \(number) lewat twiml \"ok\" ?")
            // The provider retries only when our answer did not reach it: the citizen must still get the reply.
            let retried = try await gateway.postMessage(ReplyTesting.message("sm-1"), channel: "twiml")
            #expect(retried.json["reply"] as? String == "Terima kasih! Nomor \(number) lewat twiml \"ok\" ?")

            let other = try await gateway.postMessage(
                ReplyTesting.message("g-1", text: "Sampah menumpuk", from: "0813-9999-0000"), channel: "generic-reply"
            )
            #expect(try await provider.waitUntil(timeout: .seconds(10)) { $0.contains { $0.bodyText.contains(Self.trackingNumber(other)) } })
            #expect(provider.received.count == 1)
            let inlineRows = try await ReplyTesting.replies(gateway, status: "inline")
            #expect(inlineRows.count == 1 && inlineRows[0]["channel_id"] as? String == "twiml")
        }
    }

    @Test("a message split into three parts gets one reply, with the number every part was answered with")
    func splitMessageGetsOneReply() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret)
        provider.listen()
        defer { provider.stop() }
        try await RunningGateway.with(channels: [ReplyTesting.channel(replyURL: provider.url)], replyPolicy: ReplyTesting.policy) { gateway in
            var numbers: Set<String> = []
            for index in [2, 1, 3] {
                var fields = ReplyTesting.message("split-\(index)", text: "bagian \(index) dari laporan jalan rusak")
                fields["part"] = ["reference": "ref-7", "index": index, "total": 3]
                let response = try await gateway.postMessage(fields, channel: "generic-reply")
                #expect(response.status == 200)
                numbers.insert(Self.trackingNumber(response))
            }
            #expect(numbers.count == 1)
            let number = try #require(numbers.first)
            #expect(try await provider.waitUntil(timeout: .seconds(10)) { $0.contains { $0.bodyText.contains(number) } })
            // Everything that could be sent was: one row, sent, for the three parts.
            let sent = try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 1 }
            #expect(sent.count == 1)
            #expect(try await ReplyTesting.replies(gateway).count == 1)
            #expect(provider.received.count == 1)
        }
    }

    @Test("a message a campaign's keyword or hashtag claims is answered with the campaign's template; another with the channel's")
    func campaignKeywordPicksTheCampaignsReply() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret)
        provider.listen()
        defer { provider.stop() }
        let now = Date()
        let mudik = Campaign(
            id: "mudik-2026", starts: now.addingTimeInterval(-3600), ends: now.addingTimeInterval(3600), keywords: ["MUDIK"],
            hashtags: ["#MudikLAPOR"], replyTemplate: "Mudik aman! Laporan {{campaign}} Anda: {{tracking_number}}"
        )
        let channel = ReplyTesting.channel(replyURL: provider.url, template: "Terima kasih, nomor Anda {{tracking_number}}")
        try await RunningGateway.with(channels: [channel], replyPolicy: ReplyTesting.policy, campaigns: [mudik]) { gateway in
            let keyword = try await gateway.postMessage(
                ReplyTesting.message("c-1", text: "mudik: bus AKAP ngetem 3 jam di terminal Pulogebang", from: "0812-1111-0001"),
                channel: "generic-reply"
            )
            let hashtag = try await gateway.postMessage(
                ReplyTesting.message("c-2", text: "Tol macet total km 57 #MudikLAPOR", from: "0812-1111-0002"), channel: "generic-reply"
            )
            let plain = try await gateway.postMessage(
                ReplyTesting.message("c-3", text: "Lampu lalu lintas mati di simpang lima", from: "0812-1111-0003"), channel: "generic-reply"
            )
            let numbers = [keyword, hashtag, plain].map(Self.trackingNumber)
            #expect(try await provider.waitUntil(timeout: .seconds(10)) { received in
                numbers.allSatisfy { number in received.contains { $0.bodyText.contains(number) } }
            })
            func reply(_ number: String) -> String { provider.received.first { $0.bodyText.contains(number) }?.bodyText ?? "" }
            #expect(reply(numbers[0]).contains("Mudik aman! Laporan mudik-2026 Anda: \(numbers[0])"))
            #expect(reply(numbers[1]).contains("Mudik aman! Laporan mudik-2026 Anda: \(numbers[1])"))
            #expect(reply(numbers[2]).contains("Terima kasih, nomor Anda \(numbers[2])"))
        }
    }

    @Test("a delivery report is recorded on the reply it names and makes no complaint")
    func deliveryReportIsRecorded() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret) { _, _ in .status(202, body: #"{"id":"prov-77"}"#) }
        provider.listen()
        defer { provider.stop() }
        let channel = ChannelConfig(id: "reporting", type: ChannelType("report-test"),
                                    settings: ["secret": RunningGateway.secret, "reply_url": provider.url])
        let families = AdapterRegistry.families + [ReplyTesting.family("report-test", inline: false)]
        try await RunningGateway.with(channels: [channel], families: families, replyPolicy: ReplyTesting.policy) { gateway in
            _ = try await gateway.postMessage(ReplyTesting.message("r-1"), channel: "reporting")
            try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.first?["provider_message_id"] as? String == "prov-77" }
            let report = try await gateway.postWebhook(
                "reporting", body: Array("{}".utf8), headers: [("X-Test-Delivery", "prov-77=undelivered=absent subscriber")]
            )
            #expect(report.status == 204)
            let items = try await ReplyTesting.replies(gateway, status: "sent")
            #expect(items.first?["delivery_status"] as? String == "undelivered")
            #expect(items.first?["delivery_error"] as? String == "absent subscriber")
            let complaints = try await gateway.get("/api/v1/complaints")
            #expect((complaints.json["items"] as? [Any])?.count == 1)
        }
    }
}

/// Replies outlive the process that wrote them.
@Suite("Replies across a restart")
struct ReplyRestartTests {
    /// A gateway over `directory` (kept when it stops), replying to `replyURL`.
    private static func start(directory: TemporaryDirectory, replyURL: String) async throws -> RunningGateway {
        let config = GatewayConfig(
            server: ServerSettings(host: "127.0.0.1", port: 0, publicURL: "https://lapor.example.go.id"),
            storage: StorageSettings(path: directory.appending("data")),
            adminToken: RunningGateway.adminToken,
            channels: [ReplyTesting.channel(replyURL: replyURL)]
        )
        var logger = Logger(label: "intake-test")
        logger.logLevel = .critical
        let server = try GatewayServer(config: config, families: AdapterRegistry.families, logger: logger, replyPolicy: ReplyTesting.policy)
        return try await RunningGateway.serve(server, directory: directory)
    }

    @Test("a reply still pending when the gateway stops is sent after the restart, once")
    func pendingRepliesSurviveRestart() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret)
        defer { provider.stop() }
        let directory = try TemporaryDirectory("intake-replies")
        defer { directory.remove() }

        let first = try await Self.start(directory: directory, replyURL: provider.url)
        let response = try await first.postMessage(ReplyTesting.message("keep-1"), channel: "generic-reply")
        let number = try #require(response.json["tracking_number"] as? String)
        try await ReplyTesting.waitForReplies(first, status: "pending") { $0.first?["last_error"] is String }
        await first.shutdown.trigger()
        _ = await first.task.result

        provider.listen()
        let second = try await Self.start(directory: directory, replyURL: provider.url)
        #expect(try await provider.waitUntil(timeout: .seconds(20)) { $0.contains { $0.bodyText.contains(number) } })
        try await ReplyTesting.waitForReplies(second, status: "sent") { $0.count == 1 }
        #expect(provider.received.count == 1)
        await second.shutdown.trigger()
        _ = await second.task.result
    }
}

/// How a provider's HTTP answer to a reply is judged, for every family's sender.
@Suite("Reply HTTP answers")
struct ReplyHTTPTests {
    @Test("2xx is sent; 408, 425, 429 and 5xx are retried; any other status is a refusal", arguments: [
        (200, "sent"), (202, "sent"), (408, "temporary"), (425, "temporary"), (429, "temporary"), (500, "temporary"),
        (503, "temporary"), (400, "permanent"), (401, "permanent"), (404, "permanent"), (422, "permanent"),
    ])
    func classifies(status: Int, expected: String) {
        let failure = HTTPExchangeResponse(status: status, body: Array("nope".utf8)).replyFailure
        switch failure {
        case nil: #expect(expected == "sent")
        case .temporary(let message, _)?: #expect(expected == "temporary" && message == "HTTP \(status): nope")
        case .permanent(let message)?: #expect(expected == "permanent" && message == "HTTP \(status): nope")
        case .suppressed?: Issue.record("an HTTP answer never suppresses a reply")
        }
    }

    @Test("Retry-After is read as seconds or as an HTTP date")
    func retryAfter() throws {
        let seconds = HTTPExchangeResponse(status: 429, headers: [("retry-after", "7")])
        #expect(seconds.retryAfter == .seconds(7))
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "GMT")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = HTTPExchangeResponse(status: 503, headers: [("Retry-After", format.string(from: Date().addingTimeInterval(120)))])
        let wait = try #require(date.retryAfter)
        #expect(wait > .seconds(100) && wait <= .seconds(120))
        #expect(HTTPExchangeResponse(status: 503, headers: [("Retry-After", "soon")]).retryAfter == nil)
    }
}
