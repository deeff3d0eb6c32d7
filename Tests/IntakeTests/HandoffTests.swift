import AdapterRegistry
import Foundation
import IntakeConfig
import IntakeCore
import IntakeModel
@testable import IntakeServer
@testable import IntakeStorage
import Logging
import Testing

/// Handoff events: written with what they report, durable before anyone sees them, pulled with a long poll.
@Suite("HandoffTests", .timeLimit(.minutes(2)))
struct HandoffTests {
    @Test func eachChangeToAComplaintIsRecordedAsAnEventInTheOrderItHappened() async throws {
        let directory = try TemporaryDirectory("intake-handoff-events")
        defer { directory.remove() }
        var logger = Logger(label: "intake-test")
        logger.logLevel = .warning
        let server = try GatewayServer(
            config: GatewayConfig(storage: StorageSettings(path: directory.appending("data")), adminToken: RunningGateway.adminToken,
                                  channels: [ChannelConfig(id: "generic", type: .generic, settings: ["secret": "s3cret-for-tests"], burstSeconds: 0)]),
            families: AdapterRegistry.families, logger: logger
        )
        defer { server.database.close() }
        try await server.loadDedupIndex()
        let gateway = server.gateway
        func message(_ id: String, _ from: String, _ text: String) -> InboundMessage {
            InboundMessage(channelID: "generic", channelType: .generic, externalID: id, reporter: Reporter(inferringFrom: from)!, text: text)
        }
        let first = try await gateway.submit([message("u1", "081234567890", "lampu pju jalan magelang km 10 sleman mati semua sejak seminggu")], raw: [])[0]
        let merged = try await gateway.submit([message("u2", "081234567890", "lampu PJU di jln magelang km 10 sleman mati semua udh seminggu")], raw: [])[0]
        let split = try await gateway.unmerge(messageID: merged.journalID, note: "two different lamps")
        let other = try await gateway.submit([message("u3", "budi@example.id", "lampu pju jalan magelang km 10 sleman mati semua, gelap")], raw: [])[0]
        _ = try await gateway.uncluster(complaint: other.trackingNumber.description, note: "another street")

        let (a, c) = (try #require(first.complaintID), try #require(other.complaintID))
        let events = try await server.database.read { try $0.handoffEvents(after: 0, limit: 100) }.map { "\($0.type.rawValue) \($0.complaint.id)" }
        #expect(events.prefix(4) == [
            "complaint.created \(a)",
            "complaint.updated \(a)", // u2 merged in
            "complaint.created \(split.id)", "complaint.updated \(a)", // u2 split off again
        ])
        // u3 opens a cluster with one of the two lamp complaints (the root hears of it), then leaves it.
        #expect(events.dropFirst(4).count == 3)
        #expect(["complaint.clustered \(a)", "complaint.clustered \(split.id)"].contains(events.dropFirst(4).first ?? ""))
        #expect(Array(events.suffix(2)) == ["complaint.created \(c)", "complaint.clustered \(c)"])
    }

    @Test func complaintsStillWaitingInTheOutboxBecomeCreatedEventsWhenTheSchemaIsUpgraded() async throws {
        let directory = try TemporaryDirectory("intake-handoff-migration")
        defer { directory.remove() }
        do {
            let connection = try Connection(path: directory.appending("intake.sqlite"))
            try Migrations.apply(Schema.migrations.filter { $0.version < 3 }, to: connection)
            for (journalID, id) in [(1, "c-delivered"), (2, "c-waiting")] {
                try connection.execute("""
                    INSERT INTO complaints (id, journal_id, channel_id, external_id, received_at, reporter_kind, reporter_address,
                                            match_hash, match_key, status, document)
                    VALUES ('\(id)', \(journalID), 'sms', 'SM-\(journalID)', 0, 'phone', '+628', 0, '', 'queued', '{}')
                    """)
            }
            try connection.execute("""
                INSERT INTO outbox (journal_id, enqueued_at, attempts, next_attempt_at, delivered_at, last_error)
                VALUES (1, 10, 1, 10, 11, NULL), (2, 20, 3, 99, NULL, 'routing core down')
                """)
        }
        let database = try Database(directory: directory.path)
        defer { database.close() }
        let rows = try await database.read { connection in
            try connection.query("SELECT id, complaint_id, type, created_at, attempts, next_attempt_at, last_error FROM handoff_events")
                .map { "\($0.int(0) ?? 0) \($0.string(1) ?? "") \($0.string(2) ?? "") \($0.double(3) ?? 0) \($0.int(4) ?? 0) \($0.double(5) ?? 0) \($0.string(6) ?? "")" }
        }
        #expect(rows == ["1 c-waiting complaint.created 20.0 3 99.0 routing core down"])
        #expect(try await database.read { try $0.query("SELECT name FROM sqlite_master WHERE name = 'outbox'") }.isEmpty)
    }

    @Test func nothingCommittedAfterAFailedFlushIsHandedOff() async throws {
        try await PipelineHarness.with { harness in
            let core = RecordingRoutingCore(failing: 0)
            let relay = HandoffRelay(database: harness.database, routingCore: core, signal: HandoffSignal(), logger: harness.logger)
            _ = try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-before")], raw: [])
            #expect(try await relay.deliverDue().count == 1)

            harness.database.injectFlushFailure()
            await #expect(throws: (any Error).self) {
                try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-after", from: "+6281311112222")], raw: [])
            }
            // The complaint and its event are committed (the reader sees them) but their flush failed.
            #expect(try await harness.database.read { try $0.pendingOutboxCount() } == 1)
            #expect(harness.database.failure != nil)
            await #expect(throws: (any Error).self) { try await relay.deliverDue() }
            #expect(await core.attempts == 1, "only the event flushed before the failure was ever sent")
        }
    }

    @Test func aLongPollWaitsForTheNextComplaintAndPullingOnAcknowledgesWhatWasRead() async throws {
        try await RunningGateway.with { gateway in
            let started = ContinuousClock.now
            let empty = try await gateway.get("/api/v1/events?after=0&wait=1").json
            #expect(ContinuousClock.now - started >= .seconds(1), "with nothing to answer, the poll waits `wait` seconds")
            #expect((empty["events"] as? [Any])?.isEmpty == true)
            #expect(empty["next_after"] as? Int == 0)

            let poll = Task { try await gateway.get("/api/v1/events?after=0&wait=30") }
            for _ in 0..<500 where gateway.server.handoffSignal.waiting == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(gateway.server.handoffSignal.waiting == 1, "the poll is waiting before the complaint arrives")
            let posted = ContinuousClock.now
            let receipt = try await gateway.postMessage(HandoffRelayTests.complaint(1)).json
            // Reading the complaint settles what was acknowledged before (a new reporter's message is processed
            // behind the answer), so the poll's wake-up does not hang on the processing service's timing.
            let number = try #require(receipt["tracking_number"] as? String)
            _ = try await gateway.get("/api/v1/complaints/\(number)")
            let answer = try await poll.value.json
            #expect(ContinuousClock.now - posted < .seconds(10), "the poll returns when the complaint arrives, not after 30 s")
            let events = try #require(answer["events"] as? [[String: Any]])
            #expect(events.count == 1)
            #expect(events.first?["type"] as? String == "complaint.created")
            #expect((events.first?["complaint"] as? [String: Any])?["tracking_number"] as? String == receipt["tracking_number"] as? String)
            let next = try #require(answer["next_after"] as? Int)
            #expect(events.first?["id"] as? Int == next)

            // Without routing.url, asking after an id acknowledges everything up to it.
            #expect(try await gateway.get("/api/v1/handoff").json["pending"] as? Int == 1)
            let after = try await gateway.get("/api/v1/events?after=\(next)").json
            #expect((after["events"] as? [Any])?.isEmpty == true)
            #expect(after["next_after"] as? Int == next)
            let state = try await gateway.get("/api/v1/handoff").json
            #expect(state["pending"] as? Int == 0)
            #expect(state["delivered"] as? Int == 1)
            #expect(state["oldest_pending_age_seconds"] is NSNull)
            #expect(try await gateway.get("/api/v1/complaints/\(number)").json["status"] as? String == "handed_off")
        }
    }

    @Test(arguments: [
        ("/api/v1/events?wait=61", 400), ("/api/v1/events?limit=0", 400), ("/api/v1/events?after=-1", 400),
        ("/api/v1/events?after=abc", 400), ("/api/v1/events", 200), ("/api/v1/handoff", 200),
    ])
    func pullParametersAreChecked(path: String, status: Int) async throws {
        try await RunningGateway.with { gateway in
            let answer = try await gateway.get(path)
            let anonymous = try await gateway.get(path, token: nil)
            #expect(answer.status == status)
            #expect(anonymous.status == 401, "the admin token is required")
        }
    }

    @Test(arguments: [
        (200, nil, "delivered"), (204, nil, "delivered"), (500, nil, "retry"), (503, "7", "retry"), (408, nil, "retry"),
        (429, "120", "retry"), (400, nil, "dead"), (404, nil, "dead"), (422, nil, "dead"), (301, nil, "retry"),
    ] as [(Int, String?, String)])
    func routingCoreAnswersAreSortedIntoDeliveredRetryAndDead(status: Int, retryAfter: String?, expected: String) {
        let outcome = HTTPRoutingCore.outcome(status: status, retryAfter: retryAfter, body: "why")
        #expect(outcome.label == expected)
        if let retryAfter, case .retry(_, _, let seconds) = outcome {
            #expect(seconds == Double(retryAfter))
        }
        if case .rejected(let code, let answer) = outcome {
            #expect(code == status && answer == "why")
        }
    }

    @Test func retryAfterIsReadAsSecondsOrAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_777_000_000)
        #expect(HTTPRoutingCore.retryAfterSeconds("30", now: now) == 30)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(HTTPRoutingCore.retryAfterSeconds(formatter.string(from: now.addingTimeInterval(90)), now: now) == 90)
        #expect(HTTPRoutingCore.retryAfterSeconds("soon", now: now) == nil)
    }

    @Test func backoffDoublesWithJitterAndIsCapped() {
        let policy = HandoffPolicy(baseDelay: 1, maxDelay: 600)
        for attempts in 0..<40 {
            let capped = min(600, pow(2, Double(min(attempts, 30))))
            let delay = policy.delay(afterAttempts: attempts)
            #expect(delay >= capped / 2 && delay <= capped)
        }
    }

    @Test func theRoutingSectionIsRead() throws {
        let yaml = """
            routing:
              url: https://routing.example.go.id/events
              secret: env:ROUTING_SECRET
            channels:
              - id: web
                type: generic
                secret: inline-secret-value
            """
        let config = try ConfigLoader.parse(
            yaml: yaml, source: "test.yaml", families: AdapterRegistry.families, environment: ["ROUTING_SECRET": "routing-secret-0123456789"]
        )
        #expect(config.routing == RoutingSettings(url: "https://routing.example.go.id/events", secret: "routing-secret-0123456789", timeoutSeconds: 10))
        let none = try ConfigLoader.parse(yaml: "routing:\n" + yaml.split(separator: "\n").dropFirst(3).joined(separator: "\n"),
                                          source: "test.yaml", families: AdapterRegistry.families, environment: [:])
        #expect(none.routing == nil, "an empty routing section leaves events to the pull API")
    }
}
