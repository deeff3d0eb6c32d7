import Foundation
import IntakeHTTPClient
import IntakeModel
import IntakeStorage
import TelegramAdapter
import Testing

/// A gateway polling a local Bot API: messages of every kind, the edit, /start, CEK, faults, the 409, webhook
/// mode, and a shutdown in the middle of a long poll.
@Suite("Telegram through a running gateway", .serialized)
struct TelegramPollingTests {
    static func channel(_ api: BotAPIStandIn, mode: String = "poll") -> ChannelConfig {
        var settings = ["bot_token": BotAPIStandIn.token, "api_base": api.base, "mode": mode, "poll_seconds": "0"]
        if mode == "webhook" { settings["secret_token"] = TelegramAdapterTests.secret }
        return ChannelConfig(id: "tg", type: .telegram, settings: settings, burstSeconds: 0)
    }

    /// Runs `body` with a stand-in Bot API and a gateway whose one channel polls it.
    static func with(mode: String = "poll", _ body: (RunningGateway, BotAPIStandIn) async throws -> Void) async throws {
        let api = try BotAPIStandIn()
        defer { api.stop() }
        try await RunningGateway.with(channels: [channel(api, mode: mode)]) { gateway in try await body(gateway, api) }
    }

    static func complaints(_ gateway: RunningGateway) async throws -> [Complaint] {
        try await gateway.server.database.read { try $0.complaints(ComplaintFilter(channelID: "tg"), after: nil, limit: 100).items }
    }

    static func cursor(_ gateway: RunningGateway) async throws -> String? {
        try await gateway.server.database.read { try $0.cursor(for: "tg") }
    }

    /// The texts sendMessage was called with, per chat id.
    static func sent(_ api: BotAPIStandIn) -> [(chat: String, text: String)] {
        api.calls("sendMessage").map { ("\($0.json["chat_id"] ?? "")", $0.json["text"] as? String ?? "") }
    }

    @Test("text, photo, document and location become complaints; /start and /help are answered; the cursor passes the rest")
    func everyKindOfMessage() async throws {
        try await Self.with { gateway, api in
            for name in ["update-text.json", "update-photo.json", "update-document.json", "update-location.json", "update-start.json",
                         "update-help-en.json", "update-channel-post.json", "update-unreadable.json"] {
                try api.add(fixture: name)
            }
            try await eventually(timeout: .seconds(20)) { try await Self.cursor(gateway) == "700000012" }
            try await eventually(timeout: .seconds(20)) { try await Self.complaints(gateway).count == 4 }
            let complaints = try await Self.complaints(gateway)
            #expect(Set(complaints.map(\.externalID)) == ["5123456789:41", "5123456790:42", "5123456791:43", "5123456792:44"])
            let location = try #require(complaints.first { $0.externalID == "5123456792:44" })
            #expect(location.location == "-6.481234, 106.854321")
            #expect(complaints.allSatisfy { $0.reporter.kind == .social && $0.reporter.address.hasPrefix("tg:") })

            // Replies: four tracking numbers and two sets of instructions, each once, through sendMessage.
            try await eventually(timeout: .seconds(20)) { Self.sent(api).count >= 6 }
            let sent = Self.sent(api)
            #expect(sent.count == 6)
            #expect(sent.contains { $0.chat == "5123456793" && $0.text.contains("Tulis laporan Anda") })
            #expect(sent.contains { $0.chat == "5123456794" && $0.text.contains("Write your report") })
            #expect(sent.filter { $0.text.contains("LPR-") && !$0.text.contains("XXXX") }.count == 4)

            // The photo and the document are fetched through getFile at fetch time.
            try await eventually(timeout: .seconds(20)) {
                try await Self.complaints(gateway).flatMap(\.attachments).filter { $0.state == .stored }.count == 2
            }
            #expect(Set(api.calls("getFile").compactMap { $0.json["file_id"] as? String }) == ["AgACAgUAAxkBAAIBLarge", "BQACAgUAAxkBAAIBDocument"])
            #expect(api.received.contains { $0.target.hasPrefix("/file/bot") })
            // The quarantined update is kept; the ignored one is not a complaint.
            let quarantine = gateway.directory.appending("data")
            #expect(Self.files(containing: "update-700000011", under: quarantine) >= 1, "the unreadable update is quarantined")
            try await Self.expectNoToken(in: gateway)
        }
    }

    /// How many files under `directory` have `fragment` in their name.
    static func files(containing fragment: String, under directory: String) -> Int {
        let paths = FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []
        return paths.filter { $0.contains(fragment) }.count
    }

    /// The token is in no file of the data directory (database, WAL, quarantine, attachments).
    static func expectNoToken(in gateway: RunningGateway) async throws {
        let directory = gateway.directory.appending("data")
        let secret = Array(BotAPIStandIn.token.utf8)
        let secretPart = Array(BotAPIStandIn.token.split(separator: ":").last!.utf8)
        for path in FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? [] {
            guard let data = FileManager.default.contents(atPath: directory + "/" + path) else { continue }
            let bytes = Array(data)
            #expect(!bytes.contains(secret) && !bytes.contains(secretPart), "the bot token is stored in \(path)")
        }
    }

    @Test("an edited message amends its complaint (one complaint, new text); CEK is answered with its status")
    func editAndStatusQuestion() async throws {
        try await Self.with { gateway, api in
            try api.add(fixture: "update-text.json")
            try await eventually(timeout: .seconds(20)) { try await Self.complaints(gateway).count == 1 }
            try api.add(fixture: "update-edited.json")
            try await eventually(timeout: .seconds(20)) { try await Self.cursor(gateway) == "700000003" }
            let complaints = try await Self.complaints(gateway)
            #expect(complaints.count == 1, "an edit is never a second complaint")
            #expect(complaints.first?.originalText.contains("tiga motor jatuh") == true)
            let number = try #require(complaints.first?.trackingNumber.description)

            try api.add(fixture: "update-cek.json", ["number": number])
            try await eventually(timeout: .seconds(20)) { Self.sent(api).contains { $0.text.contains("Status laporan \(number)") } }
            #expect(try await Self.complaints(gateway).count == 1)
            let replies = Self.sent(api)
            #expect(replies.count == 2, "one acknowledgment, one status answer, nothing for the edit: \(replies.map(\.text))")
            let quoted = api.calls("sendMessage").compactMap { ($0.json["reply_parameters"] as? [String: Any])?["message_id"] as? Int }
            #expect(quoted.sorted() == [41, 47], "each reply quotes the message it answers")
        }
    }

    @Test("a message and its edit fetched in one batch make one complaint with the edited text")
    func editInTheSameBatch() async throws {
        let api = try BotAPIStandIn()
        defer { api.stop() }
        try api.add(fixture: "update-text.json")
        try api.add(fixture: "update-edited.json")
        try await RunningGateway.with(channels: [Self.channel(api)]) { gateway in
            try await eventually(timeout: .seconds(20)) { try await Self.cursor(gateway) == "700000003" }
            try await eventually(timeout: .seconds(10)) { try await Self.complaints(gateway).count == 1 }
            #expect(try await Self.complaints(gateway).first?.originalText.contains("tiga motor jatuh") == true)
            let journal = try await gateway.server.database.read { try $0.journalEntries(from: 1, limit: 10) }
            #expect(journal.count == 2 && Set(journal.compactMap(\.complaintID)).count == 1, "both entries belong to the one complaint")
        }
    }

    @Test("a truncated body, a 500 and a non-Bot-API answer neither stop the poller nor move its cursor")
    func faultsAreSurvived() async throws {
        try await Self.with { gateway, api in
            try api.add(fixture: "update-text.json")
            try await eventually(timeout: .seconds(20)) { try await Self.cursor(gateway) == "700000002" }
            api.fail(.truncated, .serverError, .garbage)
            try await waitUntil(timeout: .seconds(20)) { api.pendingFaults == 0 }
            #expect(try await Self.cursor(gateway) == "700000002", "no fault moves the cursor")
            try api.add(fixture: "update-photo.json")
            try await eventually(timeout: .seconds(30)) { try await Self.cursor(gateway) == "700000004" }
            let getUpdates = api.calls("getUpdates")
            #expect(getUpdates.count >= 5)
            // Every call after the first commit asked from the committed offset, faults or not.
            let offsets = getUpdates.dropFirst().compactMap { $0.json["offset"] as? Int }
            #expect(offsets.allSatisfy { $0 == 700000002 || $0 == 700000004 }, "\(offsets)")
            try await eventually(timeout: .seconds(10)) { try await Self.complaints(gateway).count == 2 }
            let journal = try await gateway.server.database.read { try $0.journalEntries(from: 1, limit: 10) }
            #expect(journal.count == 2, "nothing journaled twice")
        }
    }

    @Test("a 409 (a webhook is set) shows in the channel's status with what to do, and the poller waits instead of retrying")
    func conflictIsReported() async throws {
        try await Self.with { gateway, api in
            api.fail(.conflict)
            var message = ""
            try await eventually(timeout: .seconds(20)) {
                let items = try await gateway.get("/api/v1/channels").json["items"] as? [[String: Any]] ?? []
                let status = items.first { $0["id"] as? String == "tg" }
                message = (status?["last_error"] as? [String: Any])?["message"] as? String ?? ""
                return !message.isEmpty
            }
            #expect(message.contains("deleteWebhook") && message.contains("mode: webhook"), "\(message)")
            #expect(!message.contains(BotAPIStandIn.token))
            let metrics = try await gateway.get("/metrics", token: nil).text
            #expect(metrics.contains(#"intake_channel_last_error_timestamp_seconds{channel="tg"}"#))
            #expect(api.calls("getUpdates").count == 1, "after a 409 the next try waits (conflict backoff)")
        }
    }

    @Test("webhook mode: setWebhook at start with url, secret_token and allowed_updates; the right secret is taken, a wrong or missing one stores nothing")
    func webhookMode() async throws {
        try await Self.with(mode: "webhook") { gateway, api in
            try await eventually(timeout: .seconds(10)) { !api.calls("setWebhook").isEmpty }
            let set = try #require(api.calls("setWebhook").first).json
            #expect(set["url"] as? String == "https://lapor.example.go.id/webhooks/tg")
            #expect(set["secret_token"] as? String == TelegramAdapterTests.secret)
            #expect(set["allowed_updates"] as? [String] == ["message", "edited_message"])
            #expect(set["max_connections"] as? Int == 1, "one delivery at a time, so edits arrive in order")
            #expect(api.calls("getUpdates").isEmpty, "webhook mode never polls")

            let body = Array(try BotAPIStandIn.fixture("update-text.json").utf8)
            func post(_ secret: String?) async throws -> HTTPClientResponse {
                var headers = [(name: "Content-Type", value: "application/json")]
                if let secret { headers.append((TelegramAdapter.secretHeader, secret)) }
                return try await gateway.client.send(HTTPClientRequest(method: "POST", url: "\(gateway.baseURL)/webhooks/tg", headers: headers, body: body))
            }
            #expect([401, 403].contains(try await post(nil).status))
            #expect([401, 403].contains(try await post("guess").status))
            #expect(try await gateway.server.database.read { try $0.journalEntries(from: 1, limit: 10) }.isEmpty, "refused calls store nothing")
            let ok = try await post(TelegramAdapterTests.secret)
            #expect(ok.status == 200)
            try await eventually(timeout: .seconds(10)) { try await Self.complaints(gateway).count == 1 }
            #expect(try await post(TelegramAdapterTests.secret).status == 200, "Telegram's retry")
            #expect(try await Self.complaints(gateway).count == 1)
        }
    }

    @Test("a /start the citizen then edits into a report becomes a complaint and is still answered with its tracking number")
    func editedStartGetsItsAcknowledgment() async throws {
        try await Self.with { gateway, api in
            try api.add(fixture: "update-start.json")
            try await eventually(timeout: .seconds(20)) { Self.sent(api).count == 1 }
            api.add(#"{"update_id":700000030,"edited_message":{"message_id":45,"from":{"id":5123456793,"is_bot":false,"first_name":"Rina","language_code":"id"},"chat":{"id":5123456793,"first_name":"Rina","type":"private"},"date":1764900400,"edit_date":1764900460,"text":"Lampu jalan di Gang Melati mati sejak tiga hari."}}"#)
            try await eventually(timeout: .seconds(20)) { try await Self.complaints(gateway).count == 1 }
            let complaint = try #require(try await Self.complaints(gateway).first)
            try await eventually(timeout: .seconds(20)) { Self.sent(api).count >= 2 }
            let sent = Self.sent(api)
            #expect(sent.count == 2)
            #expect(sent.last?.chat == "5123456793")
            #expect(sent.last?.text.contains(complaint.trackingNumber.description) == true, "\(sent)")
        }
    }

    /// Posts `body` to the channel's webhook with the right secret.
    static func postUpdate(_ gateway: RunningGateway, _ body: String) async throws -> HTTPClientResponse {
        let headers = [(name: "Content-Type", value: "application/json"), (name: TelegramAdapter.secretHeader, value: TelegramAdapterTests.secret)]
        return try await gateway.client.send(HTTPClientRequest(method: "POST", url: "\(gateway.baseURL)/webhooks/tg", headers: headers, body: Array(body.utf8)))
    }

    @Test("webhook mode: an unreadable update with the right secret is quarantined, counted and answered 200, so Telegram stops resending it")
    func unreadableWebhookUpdateIsQuarantined() async throws {
        try await Self.with(mode: "webhook") { gateway, _ in
            let answer = try await Self.postUpdate(gateway, try BotAPIStandIn.fixture("update-unreadable.json"))
            #expect(answer.status == 200)
            let quarantine = gateway.directory.appending("data/quarantine/telegram")
            #expect(Self.files(containing: ".json", under: quarantine) == 1, "the body is kept for an operator")
            #expect(try await gateway.server.database.read { try $0.journalEntries(from: 1, limit: 10) }.isEmpty)
            let metrics = try await gateway.get("/metrics", token: nil).text
            #expect(metrics.contains(#"intake_requests_rejected_total{channel="tg",reason="malformed"} 1"#))
            // A body the secret does not vouch for is still refused and kept nowhere.
            var headers = [(name: "Content-Type", value: "application/json")]
            headers.append((TelegramAdapter.secretHeader, "guess"))
            let guess = try await gateway.client.send(HTTPClientRequest(
                method: "POST", url: "\(gateway.baseURL)/webhooks/tg", headers: headers, body: Array(try BotAPIStandIn.fixture("update-unreadable.json").utf8)
            ))
            #expect([401, 403].contains(guess.status))
            #expect(Self.files(containing: ".json", under: quarantine) == 1)
        }
    }

    @Test("a graceful shutdown in the middle of a long poll stops the poller at once")
    func shutdownDuringLongPoll() async throws {
        let api = try BotAPIStandIn()
        defer { api.stop() }
        let gateway = try await RunningGateway.start(channels: [Self.channel(api)])
        // The first getUpdates finds nothing and is held open (timeout 25 s) by the stand-in.
        try await waitUntil(timeout: .seconds(10)) { api.calls("getUpdates").count == 1 }
        let started = ContinuousClock.now
        await gateway.stop()
        let took = ContinuousClock.now - started
        #expect(took < .seconds(5), "the long poll was cancelled, not waited out: \(took)")
    }
}
