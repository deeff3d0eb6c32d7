import Crypto
import Foundation
import GenericAdapter
import IntakeModel
import IntakeServer
import IntakeStorage
import Testing

/// The real server on a loopback port with real SQLite, driven over HTTP by the curl client.
@Suite("ServerTests")
struct ServerTests {
    static var report: [String: Any] { [
        "id": "SM-0001", "from": "0812-3456-7890", "name": "Siti Rahmawati", "title": "Calo tiket",
        "text": "Di Terminal Kampung Rambutan byk calo tiket yg maksa penumpang beli tiket 2x lipat. Mhn ditindak.",
        "sent_at": "2026-04-07T09:30:00+07:00",
    ] }

    @Test func signedWebhookIsAcknowledgedWithATrackingNumberAndStored() async throws {
        try await RunningGateway.with { gateway in
            let response = try await gateway.postMessage(Self.report)
            #expect(response.status == 200)
            #expect(response.json["duplicate"] as? Bool == false)
            let number = try #require((response.json["tracking_number"] as? String).flatMap(TrackingNumber.init(parsing:)))

            let shown = try await gateway.get("/api/v1/complaints/\(number)")
            #expect(shown.status == 200)
            let complaint = shown.json
            #expect(complaint["tracking_number"] as? String == number.description)
            #expect(complaint["external_id"] as? String == "SM-0001")
            #expect(complaint["channel_id"] as? String == "generic")
            #expect(complaint["channel_type"] as? String == "generic")
            #expect(complaint["original_text"] as? String == Self.report["text"] as? String)
            #expect(complaint["status"] as? String == "queued")
            let reporter = try #require(complaint["reporter"] as? [String: Any])
            #expect(reporter["kind"] as? String == "phone")
            #expect(reporter["address"] as? String == "+6281234567890")
            #expect(reporter["name"] as? String == "Siti Rahmawati")
            #expect(complaint["sent_at"] as? String == "2026-04-07T02:30:00.000Z")
            for key in ["location", "incident_date", "category", "campaign"] {
                #expect(complaint[key] is NSNull, "\(key) should be present as null")
            }
        }
    }

    @Test func pendingMessagesAreProcessedWithoutAnyoneAsking() async throws {
        try await RunningGateway.with { gateway in
            for index in 0..<5 {
                var message = Self.report
                message["id"] = "SM-P\(index)"
                message["from"] = "0813-0000-000\(index)"
                #expect(try await gateway.postMessage(message).status == 200)
            }
            // /healthz reads the journal as it is: it never processes anything itself.
            var pending = -1
            for _ in 0..<200 {
                pending = try await gateway.get("/healthz", token: nil).json["journal_pending"] as? Int ?? -1
                if pending == 0 { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(pending == 0, "the processing service should have processed every pending message")
            let stored = try await gateway.server.database.read { try $0.complaintCount() }
            #expect(stored == 5)
        }
    }

    @Test func resentMessageGetsTheSameTrackingNumberAndNoNewComplaint() async throws {
        try await RunningGateway.with { gateway in
            let first = try await gateway.postMessage(Self.report)
            let again = try await gateway.postMessage(Self.report)
            var reworded = Self.report
            reworded["id"] = "SM-0002"
            reworded["text"] = "di terminal kampung rambutan BYK calo tiket, yg maksa penumpang beli tiket 2x lipat!! mhn ditindak"
            let sameText = try await gateway.postMessage(reworded)

            #expect(again.json["duplicate"] as? Bool == true)
            #expect(sameText.json["duplicate"] as? Bool == true)
            #expect(again.json["tracking_number"] as? String == first.json["tracking_number"] as? String)
            #expect(sameText.json["tracking_number"] as? String == first.json["tracking_number"] as? String)
            let list = try await gateway.get("/api/v1/complaints")
            #expect((list.json["items"] as? [Any])?.count == 1)
        }
    }

    struct Rejection: Sendable, CustomStringConvertible {
        var description: String
        var channel: String
        var body: String
        var secret: String?
        var status: Int
        var field: String?
        var reason: String
    }

    static let rejections: [Rejection] = [
        Rejection(description: "unknown channel", channel: "nope", body: #"{"id":"1","from":"081234567890","text":"x"}"#,
                  secret: RunningGateway.secret, status: 404, field: nil, reason: "unknown_channel"),
        Rejection(description: "no signature", channel: "generic", body: #"{"id":"1","from":"081234567890","text":"x"}"#,
                  secret: nil, status: 403, field: nil, reason: "signature"),
        Rejection(description: "signed with another secret", channel: "generic", body: #"{"id":"1","from":"081234567890","text":"x"}"#,
                  secret: "not-the-channel-secret", status: 403, field: nil, reason: "signature"),
        Rejection(description: "malformed JSON", channel: "generic", body: #"{"id":"1","from":"#,
                  secret: RunningGateway.secret, status: 400, field: nil, reason: "malformed"),
        Rejection(description: "missing text", channel: "generic", body: #"{"id":"1","from":"081234567890"}"#,
                  secret: RunningGateway.secret, status: 400, field: "text", reason: "malformed"),
        Rejection(description: "id of the wrong type", channel: "generic", body: #"{"id":7,"from":"081234567890","text":"x"}"#,
                  secret: RunningGateway.secret, status: 400, field: "id", reason: "malformed"),
        Rejection(description: "body over the channel limit", channel: "small",
                  body: #"{"id":"1","from":"081234567890","text":""# + String(repeating: "jalan rusak ", count: 200) + #""}"#,
                  secret: RunningGateway.secret, status: 413, field: nil, reason: "too_large"),
    ]

    @Test(arguments: rejections)
    func badInputGetsAClearErrorAndStoresNothing(_ rejection: Rejection) async throws {
        try await RunningGateway.with { gateway in
            let response = try await gateway.postWebhook(rejection.channel, body: Array(rejection.body.utf8), secret: rejection.secret)
            #expect(response.status == rejection.status)
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
            let message = try #require(response.json["error"] as? String)
            #expect(!message.isEmpty)
            #expect(response.json["field"] as? String == rejection.field)

            let counts = try await gateway.server.database.read { try $0.journalCounts() }
            #expect(counts.values.reduce(0, +) == 0, "a rejected request must leave nothing in the journal")
            let complaints = try await gateway.server.database.read { try $0.complaintCount() }
            #expect(complaints == 0)
            let metrics = try await gateway.get("/metrics", token: nil).text
            let metricChannel = rejection.channel == "nope" ? "_unknown" : rejection.channel
            #expect(metrics.contains(#"intake_requests_rejected_total{channel="\#(metricChannel)",reason="\#(rejection.reason)"} 1"#))
        }
    }

    @Test func complaintsAPINeedsTheAdminToken() async throws {
        try await RunningGateway.with { gateway in
            let withoutToken = try await gateway.get("/api/v1/complaints", token: nil).status
            let wrongToken = try await gateway.get("/api/v1/complaints", token: "guess").status
            let oneWithoutToken = try await gateway.get("/api/v1/complaints/anything", token: nil).status
            let withToken = try await gateway.get("/api/v1/complaints").status
            let health = try await gateway.get("/healthz", token: nil).status
            #expect(withoutToken == 401)
            #expect(wrongToken == 401)
            #expect(oneWithoutToken == 401)
            #expect(withToken == 200)
            #expect(health == 200)
        }
    }

    @Test func complaintsAreListedWithFiltersAndCursorPages() async throws {
        try await RunningGateway.with { gateway in
            for index in 0..<7 {
                var message = Self.report
                message["id"] = "P-\(index)"
                message["from"] = "0813-0000-00\(10 + index)"
                message["text"] = "Laporan nomor \(index): lampu jalan mati di Jl. Magelang km \(index)."
                let response = try await gateway.postMessage(message, channel: index < 5 ? "generic" : "small")
                #expect(response.status == 200)
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let path = "/api/v1/complaints?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await gateway.get(path).json
                seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["external_id"] as? String }
                cursor = page["next_cursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == (0..<7).map { "P-\($0)" })
            #expect(pages == 3)

            let small = try await gateway.get("/api/v1/complaints?channel=small").json["items"] as? [[String: Any]]
            #expect(small?.compactMap { $0["external_id"] as? String } == ["P-5", "P-6"])
            let campaign = try await gateway.get("/api/v1/complaints?campaign=mudik-2026").json["items"] as? [[String: Any]]
            #expect(campaign?.count == 2)
            let future = try await gateway.get("/api/v1/complaints?since=2099-01-01T00:00:00Z").json["items"] as? [Any]
            #expect(future?.isEmpty == true)
            let badSince = try await gateway.get("/api/v1/complaints?since=yesterday")
            #expect(badSince.status == 400)
            #expect(badSince.json["field"] as? String == "since")
            let unknownNumber = try await gateway.get("/api/v1/complaints/LPR-0000-0000").status
            #expect(unknownNumber == 404)
        }
    }

    @Test func metricsCountReceivedAcceptedAndDuplicates() async throws {
        try await RunningGateway.with { gateway in
            _ = try await gateway.postMessage(Self.report)
            _ = try await gateway.postMessage(Self.report)
            let metrics = try await gateway.get("/metrics", token: nil)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains(#"intake_messages_received_total{channel="generic"} 2"#))
            #expect(metrics.text.contains(#"intake_messages_accepted_total{channel="generic"} 1"#))
            #expect(metrics.text.contains(#"intake_messages_duplicate_total{channel="generic"} 1"#))
            #expect(metrics.text.contains(#"intake_webhook_duration_seconds_count{channel="generic"} 2"#))
        }
    }

    @Test func adapterSeesThePublicURLAndCanAnswerAChallenge() async throws {
        try await RunningGateway.with(
            channels: [ChannelConfig(id: "sms-test", type: URLSignedAdapter.type, settings: ["secret": "url-secret"])],
            families: [URLSignedAdapter.family],
            publicURL: "https://intake.lapor.example.go.id"
        ) { gateway in
            let challenge = try await gateway.get("/webhooks/sms-test?hub.challenge=1158201444", token: nil)
            #expect(challenge.status == 200)
            #expect(challenge.text == "1158201444")

            let body = Array("From=%2B6281234567890&Body=Jalan+berlubang+di+Bantul&MessageSid=SM42".utf8)
            let signedURL = "https://intake.lapor.example.go.id/webhooks/sms-test?source=telkomsel"
            let signature = URLSignedAdapter.sign(secret: "url-secret", url: signedURL, body: body)
            let accepted = try await gateway.client.send(.init(
                method: "POST", url: "\(gateway.baseURL)/webhooks/sms-test?source=telkomsel",
                headers: [("X-Test-Signature", signature), ("Content-Type", "application/x-www-form-urlencoded")], body: body
            ))
            #expect(accepted.status == 200)
            #expect(accepted.text.hasPrefix("<Response><Message>Laporan diterima. Nomor tiket: LPR-"))

            let signedForLocalURL = URLSignedAdapter.sign(secret: "url-secret", url: "\(gateway.baseURL)/webhooks/sms-test", body: body)
            let refused = try await gateway.client.send(.init(
                method: "POST", url: "\(gateway.baseURL)/webhooks/sms-test", headers: [("X-Test-Signature", signedForLocalURL)], body: body
            ))
            #expect(refused.status == 403)
        }
    }
}

/// A test-only family shaped like an SMS aggregator: form body, signature over the public URL and the body,
/// a GET challenge, and an XML answer. It proves the webhook seam carries what those providers need.
struct URLSignedAdapter: WebhookAdapter {
    static let type = ChannelType("url-signed-test")
    static let family = AdapterFamily(
        type: type, settingKeys: [ChannelSettingKey("secret", required: true, secret: true)],
        makeWebhook: { URLSignedAdapter(channel: $0) }
    )
    let channel: ChannelConfig
    var maxBodyBytes: Int { channel.maxBodyBytes }

    static func sign(secret: String, url: String, body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(url.utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome {
        if request.method == "GET", let challenge = request.query.first(where: { $0.name == "hub.challenge" })?.value {
            return .respond(WebhookResponse(status: 200, contentType: "text/plain", body: Array(challenge.utf8)))
        }
        let expected = Self.sign(secret: channel.settings["secret"] ?? "", url: request.publicURL, body: request.body)
        guard request.headers["x-test-signature"] == expected else { throw .unauthorized("signature does not match") }
        var form: [String: String] = [:]
        for pair in String(decoding: request.body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        guard let sid = form["MessageSid"], let text = form["Body"],
              let reporter = form["From"].flatMap({ Reporter(kind: .phone, raw: $0) })
        else { throw .malformed(field: "From", message: "missing") }
        return .messages([InboundMessage(channelID: channel.id, channelType: Self.type, externalID: sid, reporter: reporter, text: text)])
    }

    func acknowledge(_ receipts: [Receipt]) -> WebhookResponse {
        let body = "<Response><Message>Laporan diterima. Nomor tiket: \(receipts.first?.trackingNumber.description ?? "")</Message></Response>"
        return WebhookResponse(status: 200, contentType: "application/xml", body: Array(body.utf8))
    }
}
