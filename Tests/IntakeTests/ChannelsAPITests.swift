import Foundation
import IntakeCore
import IntakeModel
import Synchronization
import Testing

/// `GET /api/v1/channels`: each channel's last message, last error and counts, the same figures as metrics.
@Suite("ChannelsAPITests")
struct ChannelsAPITests {
    static var report: [String: Any] { ["id": "C-1", "from": "0812-3456-7890", "text": "Pungli di loket samsat Kab. Sleman."] }

    /// The channel `id` in the API's answer.
    static func channel(_ id: String, in gateway: RunningGateway) async throws -> [String: Any] {
        let items = try await gateway.get("/api/v1/channels").json["items"] as? [[String: Any]] ?? []
        return try #require(items.first { $0["id"] as? String == id }, "channel \(id) missing from \(items)")
    }

    static func counts(_ object: Any?) -> [Int] {
        let window = object as? [String: Any] ?? [:]
        return [window["last_hour"] as? Int ?? -1, window["total"] as? Int ?? -1]
    }

    @Test func channelsAPINeedsTheAdminToken() async throws {
        try await RunningGateway.with { gateway in
            let withoutToken = try await gateway.get("/api/v1/channels", token: nil).status
            let wrongToken = try await gateway.get("/api/v1/channels", token: "guess").status
            let withToken = try await gateway.get("/api/v1/channels").status
            #expect(withoutToken == 401)
            #expect(wrongToken == 401)
            #expect(withToken == 200)
        }
    }

    @Test func countsAcceptedDuplicateAndRejectedAndRemembersTheLastError() async throws {
        try await RunningGateway.with { gateway in
            let quiet = try await Self.channel("small", in: gateway)
            #expect(quiet["last_received_at"] is NSNull)
            #expect(quiet["last_error"] is NSNull)
            #expect(quiet["type"] as? String == "generic")
            #expect(quiet["last_poll_at"] == nil, "webhook channels have no poll figures")

            #expect(try await gateway.postMessage(Self.report).status == 200)
            #expect(try await gateway.postMessage(Self.report).status == 200)
            let body = Array(try JSONSerialization.data(withJSONObject: Self.report))
            #expect(try await gateway.postWebhook("generic", body: body, secret: "wrong-secret").status == 403)

            let generic = try await Self.channel("generic", in: gateway)
            #expect(Self.counts(generic["accepted"]) == [1, 1])
            #expect(Self.counts(generic["duplicate"]) == [1, 1])
            #expect(Self.counts(generic["rejected"]) == [1, 1])
            #expect((generic["last_received_at"] as? String).flatMap(Timestamp.parse) != nil)
            let error = try #require(generic["last_error"] as? [String: Any])
            #expect((error["message"] as? String)?.contains("signature") == true)
            #expect((error["at"] as? String).flatMap(Timestamp.parse) != nil)
            #expect(!"\(generic)".contains(RunningGateway.secret), "secrets are never shown")

            // The same figures as metrics.
            let metrics = try await gateway.get("/metrics", token: nil).text
            #expect(metrics.contains(#"intake_messages_accepted_total{channel="generic"} 1"#))
            #expect(metrics.contains(#"intake_messages_duplicate_total{channel="generic"} 1"#))
            #expect(metrics.contains(#"intake_requests_rejected_total{channel="generic",reason="signature"} 1"#))
            #expect(metrics.contains(#"intake_channel_last_received_timestamp_seconds{channel="generic"}"#))
            #expect(metrics.contains(#"intake_channel_last_error_timestamp_seconds{channel="generic"}"#))
            #expect(!metrics.contains(#"intake_channel_last_received_timestamp_seconds{channel="small"}"#))
        }
    }

    @Test func pollersShowTheirLastPollLagAndFailures() async throws {
        let channel = ChannelConfig(id: "poll-test", type: ScriptedPoller.type)
        try await RunningGateway.with(channels: [channel], families: [ScriptedPoller.family]) { gateway in
            // The script: one message, then a failure, then nothing new. Await the state it leads to (bounded).
            var status: [String: Any] = [:]
            let deadline = ContinuousClock.now + .seconds(10)
            repeat {
                status = try await Self.channel("poll-test", in: gateway)
                let settled = Self.counts(status["accepted"]) == [1, 1] && !(status["last_error"] is NSNull)
                    && (status["lag_seconds"] as? Double ?? .infinity) < 5
                if settled { break }
                try await Task.sleep(for: .milliseconds(20))
            } while ContinuousClock.now < deadline
            #expect(Self.counts(status["accepted"]) == [1, 1])
            #expect(((status["last_error"] as? [String: Any])?["message"] as? String)?.contains("provider down") == true)
            #expect((status["last_poll_at"] as? String).flatMap(Timestamp.parse) != nil)
            #expect((status["lag_seconds"] as? Double ?? .infinity) < 5, "an empty poll after the failure catches up: \(status)")
            let metrics = try await gateway.get("/metrics", token: nil).text
            #expect(metrics.contains(#"intake_channel_lag_seconds{channel="poll-test"}"#))
            #expect(metrics.contains(#"intake_channel_last_poll_timestamp_seconds{channel="poll-test"}"#))
        }
    }
}

/// A polling adapter that plays a script: one message (sent a minute ago), a failure, then nothing new.
struct ScriptedPoller: PollingAdapter {
    static let type = ChannelType("scripted-poll-test")
    static let family = AdapterFamily(type: type, settingKeys: [], makePoller: { _ in ScriptedPoller() })

    struct ProviderDown: Error, CustomStringConvertible {
        var description: String { "provider down (HTTP 503)" }
    }

    let calls = Calls()
    var interval: Duration { .milliseconds(20) }

    func fetch(after cursor: String?) async throws -> PollBatch {
        switch calls.next() {
        case 0:
            let message = InboundMessage(
                channelID: "poll-test", channelType: Self.type, externalID: "P-1", sentAt: Date().addingTimeInterval(-60),
                reporter: Reporter(kind: .social, address: "@warga_sleman"), text: "Jalan rusak di Kec. Godean."
            )
            return PollBatch(messages: [PolledMessage(message: message, raw: Array("P-1".utf8))], cursor: "1")
        case 1:
            throw ProviderDown()
        default:
            return PollBatch(messages: [], cursor: cursor)
        }
    }

    /// Counts calls across the value's copies.
    final class Calls: Sendable {
        private let count = Mutex(0)

        func next() -> Int {
            count.withLock { value in
                defer { value += 1 }
                return value
            }
        }
    }
}
