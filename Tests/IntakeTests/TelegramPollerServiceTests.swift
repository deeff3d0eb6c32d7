import Foundation
import IntakeCore
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import IntakeStorage
import TelegramAdapter
import Testing

/// `PollerService` running the Telegram poller itself: how long it waits after each kind of failure, and
/// that a wait (a 409's long backoff) never holds up a stop.
@Suite("Telegram poller under PollerService", .serialized)
struct TelegramPollerServiceTests {
    static func poller(_ api: BotAPIStandIn, conflictBackoff: Duration = .seconds(300)) -> TelegramPoller {
        TelegramPoller(channel: TelegramPollingTests.channel(api), http: HTTPClient(), longPollSeconds: 0, conflictBackoff: conflictBackoff)
    }

    @Test("a 409 waits the conflict backoff; other failures 1 s, then 2 s; a good poll commits and clears the wait")
    func backoffs() async throws {
        let api = try BotAPIStandIn()
        defer { api.stop() }
        try await PipelineHarness.with { harness in
            let conflicted = Self.poller(api)
            api.fail(.conflict)
            let first = PollerService(channelID: "tg", adapter: conflicted, gateway: harness.gateway, logger: harness.logger)
            await #expect(throws: BotAPIError.self) { try await first.pollOnce() }
            #expect(conflicted.backoff == .seconds(300))

            let poller = Self.poller(api)
            let service = PollerService(channelID: "tg", adapter: poller, gateway: harness.gateway, logger: harness.logger)
            api.fail(.serverError, .truncated)
            await #expect(throws: BotAPIError.self) { try await service.pollOnce() }
            #expect(poller.backoff == .seconds(1))
            await #expect(throws: BotAPIError.self) { try await service.pollOnce() }
            #expect(poller.backoff == .seconds(2))
            try api.add(fixture: "update-text.json")
            #expect(try await service.pollOnce() == 1)
            #expect(poller.backoff == .zero)
            #expect(try await harness.database.read { try $0.cursor(for: "tg") } == "700000002")
            #expect(try await service.pollOnce() == 0, "nothing new: the committed offset is asked again")
            #expect(api.calls("getUpdates").last?.json["offset"] as? Int == 700000002)
        }
    }

    @Test("a getUpdates that never answers times out; the cursor stays and the next poll reads on")
    func timeoutKeepsTheCursor() async throws {
        let api = try BotAPIStandIn()
        defer { api.stop() }
        try await PipelineHarness.with { harness in
            let poller = TelegramPoller(
                channel: TelegramPollingTests.channel(api), http: HTTPClient(), longPollSeconds: 0, requestMargin: .milliseconds(500)
            )
            let service = PollerService(channelID: "tg", adapter: poller, gateway: harness.gateway, logger: harness.logger)
            try api.add(fixture: "update-text.json")
            #expect(try await service.pollOnce() == 1)
            api.hold(from: 0)
            await #expect(throws: BotAPIError.self) { try await service.pollOnce() }
            #expect(try await harness.database.read { try $0.cursor(for: "tg") } == "700000002")
            api.release()
            try api.add(fixture: "update-photo.json")
            #expect(try await service.pollOnce() == 1)
            #expect(try await harness.database.read { try $0.cursor(for: "tg") } == "700000004")
        }
    }

    @Test("an answer one update spoils is asked again one update at a time; that update is quarantined and passed, the others are kept")
    func poisonedAnswerIsPassed() async throws {
        let api = try BotAPIStandIn()
        defer { api.stop() }
        try await PipelineHarness.with { harness in
            let quarantine = Quarantine(storagePath: harness.databaseDirectory, kind: "telegram")
            let service = PollerService(channelID: "tg", adapter: Self.poller(api), gateway: harness.gateway, logger: harness.logger, quarantine: quarantine)
            try api.add(fixture: "update-text.json")
            // An unescaped control character and a lone surrogate: no JSON parser takes the answer holding it.
            api.add(#"{"update_id":700000002,"message":{"message_id":60,"from":{"id":5123456799,"is_bot":false,"first_name":"Y"},"chat":{"id":5123456799,"type":"private"},"date":1764901200,"text":"rusak \ud800 \#u{01}"}}"#, id: 700000002)
            try api.add(fixture: "update-photo.json")
            for _ in 0..<10 where try await harness.database.read({ try $0.cursor(for: "tg") }) != "700000004" {
                _ = try? await service.pollOnce()
            }
            #expect(try await harness.database.read { try $0.cursor(for: "tg") } == "700000004")
            #expect(try await harness.database.read { try $0.complaintCount() } == 2, "the updates either side of the spoiled one are complaints")
            let kept = (try? FileManager.default.contentsOfDirectory(atPath: quarantine.directory.path)) ?? []
            #expect(kept.count == 1 && kept.allSatisfy { $0.contains("update-700000002") }, "\(kept)")
            #expect(api.calls("getUpdates").contains { $0.json["limit"] as? Int == 1 }, "asked again for one update")
            #expect(api.calls("getUpdates").last?.json["limit"] as? Int == 100, "back to whole batches after")
        }
    }

    @Test("an error that would quote a Bot API URL shows <bot_token> in place of the token")
    func errorsNeverShowTheToken() async throws {
        let channel = ChannelConfig(id: "tg", type: ChannelType("telegram"), settings: ["bot_token": BotAPIStandIn.token, "api_base": "ftp://127.0.0.1:9"])
        let poller = TelegramPoller(channel: channel, http: HTTPClient(), longPollSeconds: 0)
        do {
            _ = try await poller.fetch(after: nil)
            Issue.record("a poll through ftp:// succeeded")
        } catch {
            #expect(!"\(error)".contains(BotAPIStandIn.token) && "\(error)".contains("<bot_token>"), "\(error)")
        }
    }

    @Test("run() keeps polling through failures and stops promptly when cancelled in a 409's long wait")
    func runStopsDuringBackoff() async throws {
        let api = try BotAPIStandIn()
        defer { api.stop() }
        try await PipelineHarness.with { harness in
            let activity = ChannelActivity(channelID: "tg", type: ChannelType("telegram"), polls: true)
            let service = PollerService(
                channelID: "tg", adapter: Self.poller(api), gateway: harness.gateway, logger: harness.logger, activity: activity
            )
            api.fail(.serverError)
            try api.add(fixture: "update-text.json")
            let task = Task { try await service.run() }
            try await eventually(timeout: .seconds(15)) { try await harness.database.read { try $0.cursor(for: "tg") } == "700000002" }
            api.fail(.conflict)
            try await waitUntil(timeout: .seconds(15)) { api.pendingFaults == 0 }
            try await waitUntil(timeout: .seconds(5)) { activity.snapshot().lastError?.message.contains("deleteWebhook") == true }
            let started = ContinuousClock.now
            task.cancel()
            _ = await task.result
            #expect(ContinuousClock.now - started < .seconds(3), "the 300 s wait was cancelled")
        }
    }
}
