import Foundation
import IntakeConfig
import IntakeCore
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import Testing

private let genericFamily = AdapterFamily(type: .generic, settingKeys: [ChannelSettingKey("secret", required: true, secret: true)])

private func parseCampaigns(_ yaml: String) throws(ConfigError) -> GatewayConfig {
    try ConfigLoader.parse(yaml: yaml, source: "test.yaml", families: [genericFamily], environment: [:])
}

/// Lines 1–4: one channel; then `campaigns:` on line 5, a campaign from line 6 whose line 9 is `extra`.
private func campaignYAML(_ extra: String = "", before: String = "") -> String {
    before + """
        channels:
          - id: web
            type: generic
            secret: inline-secret-value
        campaigns:
          - id: mudik-2026
            starts: 2026-03-20T00:00:00+07:00
            ends: 2026-04-10T00:00:00+07:00

        """ + extra
}

/// One campaign mistake and where it must be reported.
struct CampaignConfigCase: CustomTestStringConvertible, Sendable {
    let name: String
    let yaml: String
    let keyPath: String
    let line: Int
    let message: String
    var testDescription: String { name }
}

private let campaignErrors: [CampaignConfigCase] = [
    CampaignConfigCase(name: "campaigns not a list", yaml: "channels:\n  - id: web\n    type: generic\n    secret: s\ncampaigns: mudik\n",
                       keyPath: "campaigns", line: 5, message: "expected a list of campaigns, found 'mudik'"),
    CampaignConfigCase(name: "no id", yaml: "channels:\n  - id: web\n    type: generic\n    secret: s\ncampaigns:\n  - starts: 2026-03-20T00:00:00Z\n    ends: 2026-04-10T00:00:00Z\n",
                       keyPath: "campaigns[0].id", line: 6, message: "is required in a campaign"),
    CampaignConfigCase(name: "no end", yaml: "channels:\n  - id: web\n    type: generic\n    secret: s\ncampaigns:\n  - id: mudik\n    starts: 2026-03-20T00:00:00Z\n",
                       keyPath: "campaigns[0].ends", line: 6, message: "is required in a campaign"),
    CampaignConfigCase(name: "id with a space", yaml: campaignYAML().replacingOccurrences(of: "id: mudik-2026", with: "id: mudik 2026"),
                       keyPath: "campaigns[0].id", line: 6, message: "may hold only letters, digits, '-', '_' and '.', found 'mudik 2026'"),
    CampaignConfigCase(name: "start not a time", yaml: campaignYAML().replacingOccurrences(of: "starts: 2026-03-20T00:00:00+07:00", with: "starts: next week"),
                       keyPath: "campaigns[0].starts", line: 7,
                       message: "expected an ISO 8601 time such as 2026-03-20T00:00:00+07:00, found 'next week'"),
    CampaignConfigCase(name: "ends before it starts", yaml: campaignYAML().replacingOccurrences(of: "ends: 2026-04-10", with: "ends: 2026-03-10"),
                       keyPath: "campaigns[0].ends", line: 8, message: "must be after starts"),
    CampaignConfigCase(name: "misspelt key", yaml: campaignYAML("    keyword: [MUDIK]\n"), keyPath: "campaigns[0].keyword", line: 9,
                       message: "unknown key 'keyword'; known keys: \(["id", "name", "starts", "ends", "keywords", "hashtags", "channels", "tags", "reply_template", "window_hours"].joined(separator: ", "))"),
    CampaignConfigCase(name: "unknown channel", yaml: campaignYAML("    channels: [sms-1708]\n"), keyPath: "campaigns[0].channels[0]", line: 9,
                       message: "unknown channel 'sms-1708'; configured channels: web"),
    CampaignConfigCase(name: "hashtag of two words", yaml: campaignYAML("    hashtags: ['#Mudik LAPOR']\n"), keyPath: "campaigns[0].hashtags[0]", line: 9,
                       message: "must be one word of letters and digits, found '#Mudik LAPOR'"),
    CampaignConfigCase(name: "window of zero hours", yaml: campaignYAML("    window_hours: 0\n"), keyPath: "campaigns[0].window_hours", line: 9,
                       message: "must be between 1 and 8760, found 0"),
    CampaignConfigCase(name: "window given twice, differently",
                       yaml: campaignYAML("    window_hours: 12\n", before: "dedup:\n  campaign_window_hours:\n    mudik-2026: 24\n"),
                       keyPath: "campaigns[0].window_hours", line: 12, message: "is 12 but dedup.campaign_window_hours.mudik-2026 is 24; give it once"),
    CampaignConfigCase(name: "duplicate id", yaml: campaignYAML("  - id: mudik-2026\n    starts: 2026-05-01T00:00:00Z\n    ends: 2026-05-02T00:00:00Z\n"),
                       keyPath: "campaigns[1].id", line: 9, message: "duplicate campaign id 'mudik-2026'"),
]

/// Seam 6: campaigns tag matching messages, count their complaints and carry them into metrics.
@Suite("Campaigns", .timeLimit(.minutes(1)))
struct CampaignTests {
    @Test("each campaign mistake is reported with its key path and line", arguments: campaignErrors)
    func campaignMistake(_ errorCase: CampaignConfigCase) {
        do {
            _ = try parseCampaigns(errorCase.yaml)
            Issue.record("expected the configuration to be refused")
        } catch {
            #expect(error.issues == [ConfigIssue(keyPath: errorCase.keyPath, line: errorCase.line, message: errorCase.message)])
        }
    }

    @Test("a campaign is read into every field, its window into the dedup windows, its template into the reply map")
    func campaignIsRead() throws {
        let config = try parseCampaigns(campaignYAML("""
                name: Mudik Lebaran 2026
                keywords: [MUDIK, Lebaran]
                hashtags: ['#MudikLAPOR']
                channels: [web]
                tags: [mudik, transportasi]
                reply_template: "Laporan mudik Anda: {tracking_number}"
                window_hours: 6

            """))
        let campaign = try #require(config.campaigns.first)
        #expect(campaign.id == "mudik-2026" && campaign.name == "Mudik Lebaran 2026")
        #expect(campaign.starts == Timestamp.parse("2026-03-19T17:00:00Z") && campaign.ends == Timestamp.parse("2026-04-09T17:00:00Z"))
        #expect(campaign.keywords == ["MUDIK", "Lebaran"] && campaign.hashtags == ["MudikLAPOR"])
        #expect(campaign.channels == ["web"] && campaign.tags == ["mudik", "transportasi"] && campaign.windowHours == 6)
        #expect(config.dedup.campaignWindows["mudik-2026"] == .seconds(6 * 3600))
        #expect(config.mergeWindow(channel: "web", campaign: "mudik-2026") == 6 * 3600)
        #expect(config.campaignReplyTemplates == ["mudik-2026": "Laporan mudik Anda: {tracking_number}"])
    }

    static let mudik = Campaign(
        id: "mudik-2026", starts: Timestamp.parse("2026-03-20T00:00:00+07:00")!, ends: Timestamp.parse("2026-04-10T00:00:00+07:00")!,
        keywords: ["MUDIK"], hashtags: ["#MudikLAPOR"], channels: ["sms-1708", "wa-1708"], tags: ["Mudik", "transportasi"]
    )
    static let inside = Timestamp.parse("2026-03-28T09:15:00+07:00")!

    struct TaggingCase: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        var channel: ChannelID = "sms-1708"
        var at: Date = CampaignTests.inside
        var explicit: String?
        let expected: String?
        var testDescription: String { name }
    }

    static let taggingCases = [
        TaggingCase(name: "keyword first, upper case", text: "MUDIK macet total di tol Cipali km 102", expected: "mudik-2026"),
        TaggingCase(name: "keyword first, any case, with a colon", text: "  mudik: bus AKAP ugal-ugalan", expected: "mudik-2026"),
        TaggingCase(name: "hashtag anywhere, any case", text: "Rest area km 57 penuh sampah #mudiklapor", expected: "mudik-2026"),
        TaggingCase(name: "keyword not first", text: "Saya mau lapor soal mudik tahun ini", expected: nil),
        TaggingCase(name: "keyword inside a longer word", text: "MUDIKNYA lancar, tapi jalan rusak", expected: nil),
        TaggingCase(name: "a longer hashtag", text: "Jalan rusak #MudikLAPOR2025", expected: nil),
        TaggingCase(name: "before the campaign", text: "MUDIK macet", at: Timestamp.parse("2026-03-19T16:59:59Z")!, expected: nil),
        TaggingCase(name: "at its end", text: "MUDIK macet", at: Timestamp.parse("2026-04-09T17:00:00Z")!, expected: nil),
        TaggingCase(name: "a channel outside its list", text: "MUDIK macet", channel: "x-lapor", expected: nil),
        TaggingCase(name: "the channel's own campaign still applies", text: "Jalan rusak", channel: "wa-arus-balik", expected: "arus-balik"),
        TaggingCase(name: "the message's own campaign wins", text: "MUDIK macet", explicit: "posko-2026", expected: "posko-2026"),
    ]

    @Test("keywords and hashtags tag a message inside the campaign's window and channels", arguments: taggingCases)
    func tagging(_ tagging: TaggingCase) {
        let normalizer = Normalizer(
            channels: [ChannelConfig(id: "sms-1708", type: .sms), ChannelConfig(id: "wa-arus-balik", type: .whatsapp, campaign: "arus-balik")],
            campaigns: [Self.mudik]
        )
        var message = SampleMessage.sms(channelID: tagging.channel, text: tagging.text, campaign: tagging.explicit)
        message.channelType = .sms
        let complaint = normalizer.normalize(message, attachments: [], receivedAt: tagging.at).complaint
        #expect(complaint.campaign == tagging.expected)
        #expect(complaint.tags.contains("transportasi") == (tagging.expected == "mudik-2026"), "the campaign's tags come with it")
    }

    @Test("stats count a campaign's complaints per channel and hour; metrics count them by campaign and channel")
    func statsAndMetrics() async throws {
        let seams = try SeamServer(channels: [
            ChannelConfig(id: "sms-1708", type: .sms, burstSeconds: 0), ChannelConfig(id: "wa-1708", type: .whatsapp, burstSeconds: 0),
        ], campaigns: [Self.mudik])
        defer { seams.remove() }
        try await seams.serve { server, port in
            let hour = Timestamp.parse("2026-03-28T02:00:00Z")!
            let sends: [(ChannelID, String, Double)] = [
                ("sms-1708", "MUDIK macet di km 57 arah Cikampek", 60), ("sms-1708", "MUDIK bus mogok di tol Cipali", 1200),
                ("wa-1708", "Antrean kapal di Merak #MudikLAPOR", 300), ("sms-1708", "MUDIK jembatan timbang ditutup", 3600 + 10),
                ("sms-1708", "Lampu jalan mati di Depok", 120),
            ]
            for (index, (channel, text, offset)) in sends.enumerated() {
                let message = SampleMessage.sms(channelID: channel, from: "+62812340000\(index)", text: text)
                _ = try await server.gateway.submit([message], raw: [], receivedAt: hour + offset)
            }
            let client = HTTPClient()
            let auth = [("Authorization", "Bearer \(RunningGateway.adminToken)")]
            let response = try await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/campaigns/mudik-2026/stats", headers: auth))
            #expect(response.status == 200)
            let stats = response.json
            #expect(stats["total"] as? Int == 4)
            #expect(stats["by_channel"] as? [String: Int] == ["sms-1708": 3, "wa-1708": 1])
            let hours = (stats["hours"] as? [[String: Any]] ?? []).map { "\($0["hour"] ?? "") \($0["channel"] ?? "") \($0["complaints"] ?? "")" }
            #expect(hours == ["2026-03-28T02:00:00.000Z sms-1708 2", "2026-03-28T02:00:00.000Z wa-1708 1", "2026-03-28T03:00:00.000Z sms-1708 1"])

            let unknown = try await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/campaigns/nope/stats", headers: auth))
            #expect(unknown.status == 404)
            let anonymous = try await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/campaigns/mudik-2026/stats"))
            #expect(anonymous.status == 401)

            let metrics = String(decoding: try await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")).body, as: UTF8.self)
            let lines = metrics.split(separator: "\n").filter { $0.hasPrefix("intake_campaign_complaints_total{") }
            #expect(lines.contains { $0.contains(#"campaign="mudik-2026""#) && $0.contains(#"channel="sms-1708""#) && $0.hasSuffix(" 3") })
            #expect(lines.contains { $0.contains(#"campaign="mudik-2026""#) && $0.contains(#"channel="wa-1708""#) && $0.hasSuffix(" 1") })
            #expect(lines.count == 2, "a complaint without campaign is not counted here")
        }
    }
}
