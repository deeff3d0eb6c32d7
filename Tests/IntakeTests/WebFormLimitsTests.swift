import AdapterRegistry
import Foundation
import IntakeConfig
import IntakeHTTPClient
import IntakeModel
import Testing
import WebFormAdapter

/// What the web form's configuration allows and what its pages then promise: the body limit that holds the
/// files, the page's stated limits, and the channel ids and values the loader refuses.
@Suite("Web form limits and configuration", .serialized)
struct WebFormLimitsTests {
    static func load(_ channel: String) throws(ConfigError) -> GatewayConfig {
        try ConfigLoader.parse(
            yaml: "channels:\n" + channel, source: "test.yaml", families: AdapterRegistry.families, environment: [:]
        )
    }

    /// The issues `channel` is refused with, joined; empty when it loads.
    static func refusal(_ channel: String) -> String {
        do {
            _ = try load(channel)
            return ""
        } catch {
            return error.description
        }
    }

    @Test("a webform channel without max_body_bytes takes its files and fields: 26 MiB by default")
    func defaultBodyHoldsTheFiles() throws {
        let config = try Self.load("  - id: lapor\n    type: webform\n    secret: s3cret\n")
        let channel = try #require(config.channels.first)
        #expect(channel.maxBodyBytes == WebFormAdapter.defaultAttachmentsMaxBytes + (1 << 20))
        #expect(channel.maxBodyBytes > WebFormAdapter.defaultAttachmentsMaxBytes)
    }

    @Test("file limits larger than the body limit are refused at load, naming both keys", arguments: [
        ("    max_body_bytes: 1048576\n    attachment_max_bytes: 2097152\n", "attachment_max_bytes"),
        ("    max_body_bytes: 1048576\n    attachments_max_bytes: 2097152\n", "attachments_max_bytes"),
        ("    attachments_max_bytes: 41943040\n", "attachments_max_bytes"),
    ])
    func fileLimitsBeyondTheBodyAreRefused(_ example: (keys: String, key: String)) {
        let refusal = Self.refusal("  - id: lapor\n    type: webform\n    secret: s3cret\n" + example.keys)
        #expect(refusal.contains("channels[0].\(example.key)"), "\(refusal)")
        #expect(refusal.contains("exceeds max_body_bytes"), "\(refusal)")
    }

    @Test("the page states the limits that apply: a 1 MiB body limit shows 1 MB, not the 10 MB / 25 MB defaults, and the file count")
    func pageShowsTheLimitsThatApply() async throws {
        let channels = [ChannelConfig(id: "form", type: WebFormAdapter.type, maxBodyBytes: 1 << 20,
                                      settings: ["secret": WebFormTests.secret, "attachments_max_count": "4"])]
        try await RunningGateway.with(channels: channels) { gateway in
            let html = try await gateway.client.send(HTTPClientRequest(url: gateway.baseURL + "/lapor")).text
            #expect(html.contains("Paling banyak 4 berkas, paling besar 1 MB per berkas dan 1 MB untuk semua berkas."), "\(html)")
            #expect(!html.contains("10 MB") && !html.contains("25 MB"))
        }
    }

    @Test("/lapor serves the first webform channel with a page when the first one is for apps only")
    func laporSkipsAppOnlyChannels() async throws {
        let channels = [
            ChannelConfig(id: "app", type: WebFormAdapter.type, settings: ["secret": WebFormTests.secret, "app_key": WebFormTests.appKey], burstSeconds: 0),
            ChannelConfig(id: "form", type: WebFormAdapter.type, settings: ["secret": WebFormTests.secret], burstSeconds: 0),
        ]
        try await RunningGateway.with(channels: channels) { gateway in
            let page = try await gateway.client.send(HTTPClientRequest(url: gateway.baseURL + "/lapor"))
            #expect(page.status == 200)
            #expect(page.text.contains("name=\"form_token\""))
            let sent = try await WebFormTests.post(gateway, "/lapor", fields: WebFormTests.fields(token: WebFormTests.token()))
            #expect(sent.status == 303, "\(sent.text)")
            try await eventually { try await WebFormTests.complaints(gateway).count == 1 }
            #expect(try await WebFormTests.complaints(gateway).first?["channel_id"] as? String == "form")
        }
    }

    @Test("a webform channel cannot take the id of a fixed page", arguments: ["status", "terima", "wilayah"])
    func reservedIDsAreRefused(_ id: String) {
        let refusal = Self.refusal("  - id: \(id)\n    type: webform\n    secret: s3cret\n")
        #expect(refusal.contains("channels[0].id") && refusal.contains("'\(id)'"), "\(refusal)")
    }

    @Test("submissions_per_minute: 0 is a configuration error (at least 1), 1 loads")
    func zeroSubmissionsPerMinuteIsRefused() {
        let refusal = Self.refusal("  - id: lapor\n    type: webform\n    secret: s3cret\n    submissions_per_minute: 0\n")
        #expect(refusal.contains("channels[0].submissions_per_minute") && refusal.contains("must be between 1 and"), "\(refusal)")
        #expect(Self.refusal("  - id: lapor\n    type: webform\n    secret: s3cret\n    submissions_per_minute: 1\n").isEmpty)
    }
}
