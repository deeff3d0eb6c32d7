import Foundation
import IntakeHTTPClient
import IntakeModel
import IntakeStorage
import Testing

/// A WhatsApp channel served by a running gateway: Meta's verification, signed notifications, retries of
/// the same wamid, statuses, refusals, and one reporter across SMS and WhatsApp.
@Suite struct WhatsAppGatewayTests {
    static let channels = [
        ChannelConfig(id: "wa", type: .whatsapp, settings: [
            "verify_token": WhatsAppAdapterTests.verifyToken, "app_secret": WhatsAppAdapterTests.appSecret,
            "phone_number_id": "106540352242922",
        ]),
        ChannelConfig(id: "generic", type: .generic, settings: ["secret": RunningGateway.secret]),
    ]

    static func post(_ gateway: RunningGateway, fixture: String, signature: String?? = nil) async throws -> HTTPClientResponse {
        try await post(gateway, body: Array(Fixtures.data("whatsapp/cloud/\(fixture)")), signature: signature)
    }

    static func post(_ gateway: RunningGateway, body: [UInt8], signature: String?? = nil) async throws -> HTTPClientResponse {
        var headers = [("Content-Type", "application/json")]
        if let header = signature ?? WhatsAppAdapterTests.sign(body) { headers.append(("X-Hub-Signature-256", header)) }
        return try await gateway.client.send(HTTPClientRequest(method: "POST", url: "\(gateway.baseURL)/webhooks/wa", headers: headers, body: body))
    }

    static func trackingNumbers(_ response: HTTPClientResponse) -> [String] {
        (response.json["messages"] as? [[String: Any]] ?? []).compactMap { $0["tracking_number"] as? String }
    }

    /// Complaints stored once every journaled message has been processed (processing may lag the answer).
    static func complaintCount(_ gateway: RunningGateway) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await gateway.get("/healthz", token: nil).json["journal_pending"] as? Int != 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await gateway.server.database.read { try $0.complaintCount() }
    }

    @Test func metaVerificationIsAnsweredOnlyForTheVerifyToken() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let token = WhatsAppAdapterTests.verifyToken
            let ok = try await gateway.get("/webhooks/wa?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=\(token)", token: nil)
            #expect(ok.status == 200)
            #expect(ok.text == "1158201444")
            #expect(ok.header("Content-Type")?.hasPrefix("text/plain") == true)
            let wrong = try await gateway.get("/webhooks/wa?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess", token: nil)
            #expect(wrong.status == 403)
            #expect(!wrong.text.contains("1158201444"))
        }
    }

    @Test func retriedWamidAnswersAsBeforeAndMakesOneComplaint() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let first = try await Self.post(gateway, fixture: "text.json")
            let again = try await Self.post(gateway, fixture: "text.json")
            #expect(first.status == 200)
            #expect(again.status == 200)
            let number = try #require(Self.trackingNumbers(first).first)
            #expect(Self.trackingNumbers(again) == [number])
            #expect((again.json["messages"] as? [[String: Any]])?.first?["duplicate"] as? Bool == true)
            #expect(try await Self.complaintCount(gateway) == 1)

            let complaint = try await gateway.get("/api/v1/complaints/\(number)").json
            #expect(complaint["channel_type"] as? String == "whatsapp")
            #expect(complaint["external_id"] as? String == "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEU1RjE1QjY0NTJBMDZFQTgA")
            let reporter = try #require(complaint["reporter"] as? [String: Any])
            #expect(reporter["kind"] as? String == "phone")
            #expect(reporter["address"] as? String == "+6281234567890")
        }
    }

    @Test func oneNotificationWithTwoMessagesMakesTwoComplaints() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let response = try await Self.post(gateway, fixture: "two-messages.json")
            #expect(response.status == 200)
            #expect(Set(Self.trackingNumbers(response)).count == 2)
            #expect(try await Self.complaintCount(gateway) == 2)
        }
    }

    @Test func deliveryStatusesAreAcknowledgedAndMakeNoComplaint() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            for fixture in ["status-delivered.json", "status-failed.json", "reaction.json"] {
                let response = try await Self.post(gateway, fixture: fixture)
                #expect(response.status == 200, "\(fixture)")
            }
            let count = try await Self.complaintCount(gateway)
            #expect(count == 0)
        }
    }

    @Test func unsignedTamperedAndMalformedNotificationsAreRefusedAndStoreNothing() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let body = try Array(Fixtures.data("whatsapp/cloud/text.json"))
            #expect(try await Self.post(gateway, body: body, signature: .some(nil)).status == 403)
            let otherSecret = WhatsAppAdapterTests.sign(body, secret: "not-the-app-secret")
            #expect(try await Self.post(gateway, body: body, signature: .some(otherSecret)).status == 403)
            var tampered = body
            tampered[tampered.count / 2] ^= 0x01
            #expect(try await Self.post(gateway, body: tampered, signature: .some(WhatsAppAdapterTests.sign(body))).status == 403)

            let missing = try await Self.post(gateway, fixture: "missing-from.json")
            #expect(missing.status == 400)
            #expect(missing.json["field"] as? String == "entry[0].changes[0].value.messages[0].from")
            #expect(try await Self.complaintCount(gateway) == 0)
            let metrics = try await gateway.get("/metrics", token: nil).text
            #expect(metrics.contains(#"intake_requests_rejected_total{channel="wa",reason="signature"} 3"#))
        }
    }

    @Test func notificationOverTheChannelLimitIsRefusedWith413() async throws {
        var small = Self.channels[0]
        small.maxBodyBytes = 512
        try await RunningGateway.with(channels: [small]) { gateway in
            let response = try await Self.post(gateway, fixture: "two-messages.json")
            #expect(response.status == 413)
            let count = try await Self.complaintCount(gateway)
            #expect(count == 0)
        }
    }

    @Test func sameNumberOnSMSAndWhatsAppIsOneReporter() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let text = "Lapor, lampu PJU di Jl. Magelang km 5 mati semua sejak seminggu, rawan kecelakaan malam hari."
            let sms = try await gateway.postMessage(["id": "SM-0001", "from": "0812-3456-7890", "text": text])
            #expect(sms.status == 200)
            let whatsapp = try await Self.post(gateway, fixture: "text.json")
            #expect(whatsapp.status == 200)
            // The same citizen repeating the same report on another channel is recognized as a repeat.
            #expect(Self.trackingNumbers(whatsapp) == [sms.json["tracking_number"] as? String])
            #expect((whatsapp.json["messages"] as? [[String: Any]])?.first?["duplicate"] as? Bool == true)
            #expect(try await Self.complaintCount(gateway) == 1)
        }
    }
}
