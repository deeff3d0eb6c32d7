import Foundation
import IntakeHTTPClient
import IntakeStorage
import Testing

/// The real `intake serve` polling a local Bot API, SIGKILLed in the middle of a burst of updates.
@Suite("Telegram crash in the middle of a burst", .serialized)
struct TelegramCrashTests {
    static let burst = 250
    static let firstID: Int64 = 800_000_001

    static func yaml(api: BotAPIStandIn) -> String {
        """
          - id: tg
            type: telegram
            bot_token: \(BotAPIStandIn.token)
            api_base: \(api.base)
            poll_seconds: 0
            burst_seconds: 0
        """
    }

    static func update(_ index: Int) -> String {
        let chat = 6_100_000_000 + index
        return #"{"update_id":\#(firstID + Int64(index)),"message":{"message_id":\#(index + 1),"from":{"id":\#(chat),"is_bot":false,"first_name":"Warga \#(index)","language_code":"id"},"chat":{"id":\#(chat),"type":"private"},"date":1764900000,"text":"Laporan nomor \#(index): lampu jalan mati di RT \#(index % 17) sejak kemarin malam."}}"#
    }

    /// Journal rows and the cursor, read from the data directory of a server that is not running.
    static func stored(_ directory: TemporaryDirectory) async throws -> (journal: Int, cursor: String?) {
        let database = try Database(directory: directory.appending("data"))
        defer { database.close() }
        return (try await database.journalTotal(), try await database.read { try $0.cursor(for: "tg") })
    }

    /// `held`: the second page is held until the kill (a kill between two pages, every time); otherwise the kill
    /// lands wherever the server is once it asked for the second page (mid-commit, mid-fetch, or after the end).
    @Test("SIGKILL in the middle of a burst: after a restart every update is journaled exactly once, the token stored nowhere",
          arguments: [true, false])
    func killInTheMiddleOfABurst(held: Bool) async throws {
        let api = try BotAPIStandIn()
        let directory = try TemporaryDirectory("intake-telegram-crash")
        defer {
            api.stop()
            directory.remove()
        }
        for index in 0..<Self.burst { api.add(Self.update(index)) }
        let config = try IntakeBinary.writeConfig(in: directory, extraChannels: Self.yaml(api: api))

        // The second page is asked for once the first is committed; it is held until the kill, so the server
        // dies with 100 updates journaled and 150 still at Telegram, whatever the machine's load.
        let secondPage = Int(Self.firstID) + 100
        if held { api.hold(from: Int64(secondPage)) }
        let first = try await ServerProcess.start(config: config, logPath: directory.appending("first.log"))
        do {
            try await waitUntil(timeout: .seconds(30)) {
                api.calls("getUpdates").contains { ($0.json["offset"] as? Int ?? 0) >= secondPage }
            }
        } catch {
            first.kill()
            Issue.record("the poller never asked for the second page; log:\n\(first.log)")
            throw error
        }
        first.kill()
        let afterKill = try await Self.stored(directory)
        let covered = afterKill.cursor.flatMap(Int.init).map { $0 - Int(Self.firstID) } ?? 0
        #expect(afterKill.journal == covered, "the cursor covers exactly the journaled updates: \(afterKill)")
        #expect(!held || covered == 100, "killed between the first and the second page: \(afterKill)")
        api.release()

        let second = try await ServerProcess.start(config: config, logPath: directory.appending("second.log"))
        do {
            let end = String(Int(Self.firstID) + Self.burst)
            try await eventually(timeout: .seconds(60)) {
                try await CrashTests.allComplaints(port: second.port, client: HTTPClient()).count >= Self.burst
            }
            let complaints = try await CrashTests.allComplaints(port: second.port, client: HTTPClient())
            let ids = complaints.compactMap { $0["external_id"] as? String }
            #expect(ids.count == Self.burst && Set(ids).count == Self.burst, "one complaint per update")
            _ = try? await offThePool { second.terminate() }
            let final = try await Self.stored(directory)
            #expect(final.journal == Self.burst, "nothing journaled twice, nothing skipped")
            #expect(final.cursor == end)
        } catch {
            _ = try? await offThePool { second.terminate() }
            throw error
        }
        // The bot token is in no log line and no stored byte.
        let token = Array(BotAPIStandIn.token.utf8)
        for name in ["first.log", "second.log"] {
            let log = Array(FileManager.default.contents(atPath: directory.appending(name)) ?? Data())
            #expect(!log.isEmpty && !log.contains(token), "\(name) holds the token or is empty")
        }
        let data = directory.appending("data")
        for path in FileManager.default.enumerator(atPath: data)?.allObjects as? [String] ?? [] {
            guard let bytes = FileManager.default.contents(atPath: data + "/" + path) else { continue }
            #expect(!Array(bytes).contains(token), "the bot token is stored in \(path)")
        }
    }
}
