import AdapterRegistry
import Foundation
import IntakeConfig
@testable import IntakeCore
import IntakeModel
import IntakeStorage
import Testing

/// Reply texts: templates, placeholders, languages, and one GSM-7 SMS (160 septets) for SMS families.
@Suite("Reply texts")
struct ReplyTextTests {
    static let sms = AdapterFamily(type: ChannelType("sms-test"), settingKeys: [], makeReplySender: { _ in nil }, repliesInline: true, isSMS: true)
    static let chat = AdapterFamily(type: ChannelType("chat-test"), settingKeys: [], repliesInline: true)

    private static func compose(
        _ kind: ReplyKind, values: [String: String], family: AdapterFamily = sms, language: String = "id", template: String? = nil,
        campaign: String? = nil, campaignTemplates: [String: String] = [:]
    ) throws -> String {
        let config = ChannelConfig(id: "c-1", type: family.type, campaign: campaign, language: language, replyTemplate: template)
        let outbox = ReplyOutbox(channels: [config], families: [family], campaignTemplates: campaignTemplates)
        let channel = try #require(outbox.channels["c-1"])
        let message = InboundMessage(
            channelID: "c-1", channelType: family.type, externalID: "x", reporter: Reporter(kind: .phone, address: "+6281234567890"), text: "t"
        )
        return outbox.compose(kind, values: values, message: message, channel: channel)
    }

    @Test("GSM-7 counts extension characters as two and refuses what is outside the alphabet")
    func counts() {
        #expect(GSM7.units("Laporan diterima") == 16)
        #expect(GSM7.units("{}[]") == 8)
        #expect(GSM7.units("€5") == 3)
        #expect(GSM7.units("ā") == nil)
        #expect(GSM7.units("Ümit à Ñ") == 8)
    }

    @Test("characters outside GSM-7 are transliterated or replaced", arguments: [
        ("“Halo” – ‘ok’…", "\"Halo\" - 'ok'..."),
        ("Jalan rusak 😡 parah", "Jalan rusak ? parah"),
        ("Şehir ā ō", "Sehir a o"),
        ("café é", "café é"),
        ("baris\r\nkedua", "baris\nkedua"),
    ])
    func transliterates(input: String, output: String) {
        #expect(GSM7.transliterate(input) == output)
    }

    @Test("a text over 160 septets is cut at a word to at most 160, never splitting an extension pair")
    func fits() throws {
        let long = String(repeating: "jalan rusak ", count: 20)
        let fitted = GSM7.fit(long)
        #expect(try #require(GSM7.units(fitted)) <= 160)
        #expect(fitted.hasSuffix("rusak...") || fitted.hasSuffix("jalan..."))
        let euros = String(repeating: "€", count: 80) + "ab"
        let cut = GSM7.fit(euros)
        #expect(try #require(GSM7.units(cut)) <= 160)
        #expect(cut.dropLast(3).allSatisfy { $0 == "€" })
        let exact = String(repeating: "€", count: 79) + "xy"
        #expect(GSM7.fit(exact) == exact)
    }

    @Test("every built-in SMS reply fits one GSM-7 message with the longest number a citizen can type",
          arguments: ReplyKind.allCases, ["id", "en"])
    func builtInsFit(kind: ReplyKind, language: String) throws {
        let values = [
            "tracking_number": "LPR-7K3M-9QX2", "number": String(repeating: "W", count: 24),
            "status": ReplyTemplates.statusWords(.handedOff, ReplyLanguage(code: language)),
        ]
        let text = try Self.compose(kind, values: values, language: language)
        #expect(!text.hasSuffix("..."), "built-in \(kind) was cut: \(text)")
        #expect(try #require(GSM7.units(text)) <= 160)
        #expect(!text.contains("{{"))
    }

    @Test("the channel's template replaces the accepted text; a campaign's template wins over it")
    func templates() throws {
        let values = ["tracking_number": "LPR-7K3M-9QX2"]
        #expect(try Self.compose(.accepted, values: values, template: "Nomor {{tracking_number}} dari {{channel}}") == "Nomor LPR-7K3M-9QX2 dari c-1")
        let campaign = try Self.compose(
            .accepted, values: values, template: "Nomor {{tracking_number}}", campaign: "mudik-2026",
            campaignTemplates: ["mudik-2026": "Mudik aman! {{campaign}}: {{tracking_number}} {{unknown}}"]
        )
        #expect(campaign == "Mudik aman! mudik-2026: LPR-7K3M-9QX2 {{unknown}}")
        // Only new reports take the custom text.
        #expect(try Self.compose(.duplicate, values: values, template: "Nomor {{tracking_number}}").contains("sudah kami terima"))
        #expect(try Self.compose(.accepted, values: values, language: "en").contains("Your report was received"))
    }

    @Test("a custom SMS text too long is shortened, and falls back to the built-in one rather than lose the number")
    func longTemplates() throws {
        let values = ["tracking_number": "LPR-7K3M-9QX2"]
        let early = try Self.compose(.accepted, values: values, template: "Nomor {{tracking_number}}. " + String(repeating: "Terima kasih ", count: 20))
        #expect(early.hasPrefix("Nomor LPR-7K3M-9QX2.") && early.hasSuffix("..."))
        #expect(try #require(GSM7.units(early)) <= 160)
        let late = try Self.compose(.accepted, values: values, template: String(repeating: "Terima kasih ", count: 20) + "{{tracking_number}}")
        #expect(late == "LAPOR!: Laporan Anda diterima dengan nomor LPR-7K3M-9QX2. Cek status: balas CEK LPR-7K3M-9QX2")
        // Not an SMS family: no limit.
        let chat = try Self.compose(.accepted, values: values, family: Self.chat, template: String(repeating: "Terima kasih ", count: 20) + "{{tracking_number}} 👍")
        #expect(chat.hasSuffix("LPR-7K3M-9QX2 👍"))
    }

    @Test("the status hint fits the recipient: CEK by phone, the status page by email, nothing by email without a page")
    func statusHints() throws {
        let config = ChannelConfig(id: "c-1", type: Self.chat.type, replyTemplate: "Nomor {{tracking_number}}.{{status_hint}}")
        let values = ["tracking_number": "LPR-7K3M-9QX2"]
        var message = InboundMessage(
            channelID: "c-1", channelType: Self.chat.type, externalID: "x", reporter: Reporter(kind: .phone, address: "+6281234567890"), text: "t"
        )
        let withPage = ReplyOutbox(channels: [config], families: [Self.chat], statusPage: "https://lapor.example.go.id/lapor/status")
        let without = ReplyOutbox(channels: [config], families: [Self.chat])
        let channel = try #require(withPage.channels["c-1"])
        func text(_ outbox: ReplyOutbox, _ kind: ReplyKind, _ recipient: ReporterKind) -> String {
            outbox.compose(kind, values: values, message: message, channel: channel, recipient: recipient)
        }
        let page = "https://lapor.example.go.id/lapor/status?nomor=LPR-7K3M-9QX2"
        #expect(text(withPage, .duplicate, .phone) == "LAPOR!: Laporan ini sudah kami terima dengan nomor LPR-7K3M-9QX2. Cek status: balas CEK LPR-7K3M-9QX2")
        #expect(text(withPage, .duplicate, .email) == "LAPOR!: Laporan ini sudah kami terima dengan nomor LPR-7K3M-9QX2. Cek status: \(page)")
        #expect(text(without, .duplicate, .email) == "LAPOR!: Laporan ini sudah kami terima dengan nomor LPR-7K3M-9QX2.")
        // A channel's own template takes the hint too.
        #expect(text(withPage, .accepted, .email) == "Nomor LPR-7K3M-9QX2. Cek status: \(page)")
        #expect(text(without, .accepted, .social) == "Nomor LPR-7K3M-9QX2. Cek status: balas CEK LPR-7K3M-9QX2")
        message.metadata[InboundMessage.replyLanguageKey] = "en"
        #expect(text(withPage, .duplicate, .email) == "LAPOR!: We already received this report, tracking number LPR-7K3M-9QX2. For its status see \(page)&lang=en")
        #expect(text(withPage, .duplicate, .phone).hasSuffix("For its status reply CEK LPR-7K3M-9QX2"))
    }
}

/// Which configured channels get replies.
@Suite("Reply outbox channels")
struct ReplyOutboxChannelTests {
    @Test("a generic channel replies only with a reply_url; its language, template and rate come from the configuration")
    func onlyConfiguredChannelsReply() throws {
        let yaml = """
            channels:
              - id: partner
                type: generic
                secret: partner-secret-0123456789
                reply_url: http://127.0.0.1:9/replies
                language: en
                reply_template: "Thanks, {{tracking_number}}"
                replies_per_second: 5
              - id: silent
                type: generic
                secret: silent-secret-0123456789
            """
        let config = try ConfigLoader.parse(yaml: yaml, source: "test.yaml", families: AdapterRegistry.families, environment: [:])
        let outbox = ReplyOutbox(channels: config.channels, families: AdapterRegistry.families)
        #expect(outbox.replies(to: "partner"))
        #expect(!outbox.replies(to: "silent"))
        #expect(outbox.signal(for: "partner") != nil)
        let partner = try #require(outbox.channels["partner"])
        #expect(partner.language == .english && partner.template == "Thanks, {{tracking_number}}" && partner.perSecond == 5)
        #expect(!partner.sms)
    }

    @Test("the ASCII shortcut agrees with the full rules", arguments: [
        "LAPOR! Laporan Anda diterima dengan nomor LPR-7K3M-9QX2. Cek status: balas CEK LPR-7K3M-9QX2",
        "Kurung [siku] dan {kurawal} dihitung dua", "tab\tdan\r\nbaris", "harga ~ 5000 | `kutip`", String(repeating: "a", count: 160),
    ])
    func asciiShortcutAgrees(_ text: String) {
        #expect((GSM7.units(GSM7.fit(text)) ?? .max) <= 160)
        if let units = GSM7.units(text), units <= 160 { #expect(GSM7.fit(text) == text) }
    }

    @Test("ASCII outside the alphabet still goes through the full rules")
    func asciiOutsideTheAlphabet() {
        #expect(GSM7.fit("tab\tdan\r\nbaris") == "tab dan\nbaris")
        #expect(GSM7.fit("harga `5000`") == "harga '5000'")
    }
}
