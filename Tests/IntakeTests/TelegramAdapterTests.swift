import Foundation
import IntakeConfig
import IntakeModel
import TelegramAdapter
import Testing

/// The Telegram family without a server: each fixture update read as the webhook end reads it (the poller
/// reads them the same way), the secret header, and the checks of a channel's keys at load.
@Suite("Telegram updates, secret and settings")
struct TelegramAdapterTests {
    static let secret = "s3cret_Token-for-tests"

    static func channel(mode: String = "webhook") -> ChannelConfig {
        var settings = ["bot_token": BotAPIStandIn.token, "mode": mode]
        if mode == "webhook" { settings["secret_token"] = secret }
        return ChannelConfig(id: "tg", type: .telegram, settings: settings)
    }

    static func request(_ body: String, secret: String? = TelegramAdapterTests.secret) -> WebhookRequest {
        var headers = HeaderFields()
        if let secret { headers.append(name: TelegramAdapter.secretHeader, value: secret) }
        return WebhookRequest(method: "POST", publicURL: "https://lapor.example.go.id/webhooks/tg", headers: headers, body: Array(body.utf8))
    }

    /// What a fixture update must become.
    struct Case: Sendable, CustomTestStringConvertible {
        var fixture: String
        var externalID: String?
        var text: String?
        var location: String?
        /// `file_id`s of the media references, in order.
        var files: [String] = []
        var statusQuestion: String?
        var instructions = false
        var edited = false
        var language: String?
        /// For updates that make no message: the reason word, or `unreadable`.
        var setAside: String?

        var testDescription: String { fixture }
    }

    static let cases: [Case] = [
        Case(fixture: "update-text.json", externalID: "5123456789:41",
             text: "Jalan di depan SDN 3 Cibinong berlubang besar, sudah dua motor jatuh minggu ini."),
        Case(fixture: "update-edited.json", externalID: "5123456789:41",
             text: "Jalan di depan SDN 3 Cibinong berlubang besar, sudah tiga motor jatuh minggu ini. Mohon segera diperbaiki.", edited: true),
        Case(fixture: "update-photo.json", externalID: "5123456790:42", text: "Sampah menumpuk di pasar Kramat Jati sejak seminggu.",
             files: ["AgACAgUAAxkBAAIBLarge"]),
        Case(fixture: "update-document.json", externalID: "5123456791:43", text: "Surat keberatan atas pungutan liar di kantor kelurahan.",
             files: ["BQACAgUAAxkBAAIBDocument"]),
        Case(fixture: "update-location.json", externalID: "5123456792:44", text: "(-6.481234, 106.854321)", location: "-6.481234, 106.854321"),
        Case(fixture: "update-start.json", externalID: "5123456793:45", text: "/start", instructions: true),
        Case(fixture: "update-help-en.json", externalID: "5123456794:46", text: "/help@LaporBot", instructions: true, language: "en"),
        Case(fixture: "update-cek.json", externalID: "5123456789:47", text: "CEK LPR-7K3M-9QX2", statusQuestion: "LPR-7K3M-9QX2"),
        Case(fixture: "update-channel-post.json", setAside: "update-kind"),
        Case(fixture: "update-edited-command.json", setAside: "edited-command"),
        Case(fixture: "update-unreadable.json", setAside: "unreadable"),
        // A group or supergroup is no report, and is never answered (nothing is journaled for a reply to go to).
        Case(fixture: "update-group.json", setAside: "group"),
        Case(fixture: "update-supergroup.json", setAside: "group"),
        // A live location's moves arrive as edits every few seconds: none amends the complaint.
        Case(fixture: "update-live-location.json", setAside: "live-location"),
    ]

    @Test("each fixture update becomes the message the Bot API's fields say", arguments: cases)
    func readsUpdates(_ expected: Case) throws {
        let body = try BotAPIStandIn.fixture(expected.fixture, ["number": "LPR-7K3M-9QX2"])
        let outcome: WebhookOutcome
        do {
            outcome = try TelegramAdapter(channel: Self.channel()).receive(Self.request(body))
        } catch {
            Issue.record("refused: \(error)")
            return
        }
        switch outcome {
        case .messages(let messages):
            let message = try #require(messages.first)
            #expect(messages.count == 1)
            #expect(message.externalID == expected.externalID)
            #expect(message.text == expected.text)
            #expect(message.location == expected.location)
            #expect(message.attachments.compactMap(\.reference?.location) == expected.files)
            #expect(message.attachments.allSatisfy { $0.reference?.credentials == TelegramAdapter.mediaCredentials && !$0.reference!.location.contains("/") })
            #expect(message.statusQuestion == expected.statusQuestion)
            #expect((message.asksHowToReport ?? false) == expected.instructions)
            #expect((message.editedAt != nil) == expected.edited)
            #expect(message.metadata[InboundMessage.replyLanguageKey] == expected.language)
            #expect(message.reporter.kind == .social && message.reporter.address.hasPrefix("tg:"))
            #expect(message.replyTo == expected.externalID?.split(separator: ":").first.map(String.init))
        case .ignored(let reason, let response):
            #expect(reason == expected.setAside)
            #expect(response.status == 200)
        case .unreadable(_, let fileExtension, let response):
            // Answered 200 once quarantined: a refusal would make Telegram resend it forever.
            #expect(expected.setAside == "unreadable")
            #expect(fileExtension == "json" && response.status == 200)
        default:
            Issue.record("unexpected outcome \(outcome)")
        }
    }

    @Test("a webhook call without the secret header or with another secret is refused; poll-mode channels take none")
    func secretIsRequired() throws {
        let body = try BotAPIStandIn.fixture("update-text.json")
        let adapter = TelegramAdapter(channel: Self.channel())
        for secret in [nil, "wrong", Self.secret + "x", ""] as [String?] {
            #expect(throws: AdapterError.self) { try adapter.receive(Self.request(body, secret: secret)) }
        }
        #expect(throws: AdapterError.self) { try TelegramAdapter(channel: Self.channel(mode: "poll")).receive(Self.request(body)) }
        if case .messages = try adapter.receive(Self.request(body)) {} else { Issue.record("the right secret was refused") }
    }

    static let settingCases: [(yaml: String, problem: String?)] = [
        ("bot_token: 123:abc", nil),
        ("bot_token: 123:abc\n    mode: webhook\n    secret_token: abc_DEF-1", nil),
        ("bot_token: 123:abc\n    mode: webhook", "secret_token"),
        ("bot_token: 123:abc\n    mode: push", "mode"),
        ("bot_token: 123:abc\n    mode: webhook\n    secret_token: has spaces!", "secret_token"),
        ("mode: poll", "bot_token"),
        ("bot_token: 123:abc\n    poll_seconds: -1", "poll_seconds"),
        ("bot_token: 123:abc\n    api_base: ftp://api.telegram.org", "api_base"),
        ("bot_token: 123:abc\n    api_base: http://127.0.0.1:8081", nil),
    ]

    @Test("the channel's keys are checked at load", arguments: settingCases)
    func settingsAreValidated(_ yaml: String, problem: String?) {
        let text = "server:\n  public_url: https://lapor.example.go.id\nchannels:\n  - id: tg\n    type: telegram\n    \(yaml)\n"
        do {
            let config = try ConfigLoader.parse(yaml: text, source: "t.yaml", families: [TelegramAdapter.family], environment: [:])
            #expect(problem == nil, "accepted: \(config.channels.first?.settings.keys.sorted() ?? [])")
        } catch {
            #expect(problem != nil && error.issues.contains { $0.keyPath.hasSuffix(problem!) }, "\(error.issues)")
            #expect(!error.issues.contains { $0.message.contains("123:abc") }, "the token is never in a message")
        }
    }

    static let publicURLCases: [(server: String, refused: Bool)] = [
        ("", true),  // the default http://localhost:<port>
        ("server:\n  public_url: http://lapor.example.go.id\n", true),
        ("server:\n  public_url: https://lapor.example.go.id\n", false),
    ]

    @Test("a webhook channel needs an https server.public_url at load (Telegram refuses any other)", arguments: publicURLCases)
    func webhookNeedsHTTPSPublicURL(_ server: String, refused: Bool) {
        let text = server + "channels:\n  - id: tg_hook\n    type: telegram\n    bot_token: 123:abc\n    mode: webhook\n"
            + "    secret_token: abc_DEF-1\n  - id: tg_poll\n    type: telegram\n    bot_token: 123:abc\n"
        do {
            _ = try ConfigLoader.parse(yaml: text, source: "t.yaml", families: [TelegramAdapter.family], environment: [:])
            #expect(!refused, "a webhook channel was accepted without an https public_url")
        } catch {
            #expect(refused, "\(error.issues)")
            #expect(error.issues.count == 1, "only the webhook channel is named: \(error.issues)")
            #expect(error.issues.allSatisfy { $0.keyPath == "server.public_url" && $0.message.contains("tg_hook") }, "\(error.issues)")
        }
    }
}
