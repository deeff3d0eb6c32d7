import Foundation
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import Testing
import VonageAdapter

/// Vonage's inbound SMS webhook and delivery receipts against `fixtures/sms/vonage/`: `*-get.txt` arrive as a
/// GET query, other `.txt` as a POST form, `.json` as a POST JSON body.
@Suite struct VonageAdapterTests {
    static let publicURL = "https://lapor.example.go.id"
    static let channel = ChannelConfig(id: "sms-vonage", type: .vonage)
    static var webhookURL: String { "\(publicURL)/webhooks/sms-vonage" }

    enum Expected: Sendable {
        case message(InboundMessage)
        case malformed(String?)
        case delivery(DeliveryStatus)
        /// Answered 200 with nothing journaled.
        case ignored
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        let expected: Expected
        var testDescription: String { file }
    }

    /// 2026-04-07 02:30:00 UTC plus `seconds`.
    static func at(_ seconds: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(1_775_529_000 + seconds)) }

    static func sms(_ id: String, from: String, text: String, sentAt: Date?, metadata: [String: String],
                    part: MessagePart? = nil, statusQuestion: String? = nil) -> Expected {
        .message(InboundMessage(
            channelID: "sms-vonage", channelType: .vonage, externalID: id, sentAt: sentAt, reporter: Reporter(kind: .phone, address: from),
            text: text, metadata: metadata, part: part, statusQuestion: statusQuestion
        ))
    }

    static let cases: [Case] = [
        Case(file: "inbound-sms-get.txt", expected: sms(
            "1600000012A3B4C5", from: "+6281234567890", text: "Lapor, jalan di Jl. Soekarno-Hatta km 5 berlubang besar, sdh 2 motor jatuh",
            sentAt: at(0), metadata: ["to": "6281170800", "type": "text", "keyword": "LAPOR"]
        )),
        Case(file: "inbound-sms-post-form.txt", expected: sms(
            "1600000012A3B4C6", from: "+6285712345678", text: "Air PDAM di Perumnas Klender mati 3 hari",
            sentAt: at(2720), metadata: ["to": "6281170800", "type": "text", "keyword": "AIR"]
        )),
        Case(file: "inbound-sms-post.json", expected: sms(
            "1600000012A3B4C7", from: "+6281311112222", text: "Pelayanan KTP-el di Disdukcapil lambat, antre dari subuh",
            sentAt: at(5405), metadata: ["to": "6281170800", "type": "text", "keyword": "PELAYANAN"]
        )),
        Case(file: "concat-part-2-of-3.json", expected: sms(
            "1600000012A3B4D2", from: "+6281234567890", text: " sudah dilaporkan ke kelurahan tapi belum ada tindakan. Mohon bantuan LAPOR agar ",
            sentAt: at(9001), metadata: ["to": "6281170800", "type": "text", "keyword": "SUDAH"],
            part: MessagePart(reference: "118", index: 2, total: 3)
        )),
        Case(file: "concat-part-beyond-total.json", expected: .malformed("concat-part")),
        Case(file: "unicode-sms.txt", expected: sms(
            "1600000012A3B4E1", from: "+447700900123", text: "Banjir 🌊 setinggi lutut di Kemang, “pompa air” tidak jalan",
            sentAt: at(12600), metadata: ["to": "6281170800", "type": "unicode"]
        )),
        Case(file: "invalid-utf8.txt", expected: sms(
            "1600000012A3B4E2", from: "+6281234567890", text: "Jalan \u{FFFD}( rusak \u{FFFD}", sentAt: nil,
            metadata: ["to": "6281170800", "type": "text"]
        )),
        Case(file: "status-question.json", expected: sms(
            "1600000012A3B4E4", from: "+6281234567890", text: "CEK lpr7k3m9qx2", sentAt: at(13800),
            metadata: ["to": "6281170800", "type": "text"], statusQuestion: "lpr7k3m9qx2"
        )),
        Case(file: "invalid-utf8.json", expected: sms(
            "1600000012A3B4E7", from: "+6281234567890", text: "Pungli \u{FFFD} di samsat", sentAt: nil, metadata: ["type": "text"]
        )),
        Case(file: "missing-msisdn-and-text.json", expected: .malformed("msisdn, text")),
        Case(file: "not-json.json", expected: .malformed(nil)),
        Case(file: "dlr-delivered.json", expected: .delivery(DeliveryStatus(providerMessageID: "0A0000000123ABCD1", status: "delivered", at: at(14412)))),
        Case(file: "dlr-failed.txt", expected: .delivery(DeliveryStatus(
            providerMessageID: "0A0000000123ABCD2", status: "failed", at: at(14460), error: "err-code 6"
        ))),
        Case(file: "binary-sms.txt", expected: .ignored),
    ]

    /// The request a fixture stands for.
    static func request(_ file: String) throws -> WebhookRequest {
        let bytes = try Array(Fixtures.data("sms/vonage/\(file)"))
        if file.hasSuffix("-get.txt") {
            return WebhookRequest(method: "GET", publicURL: webhookURL + "?" + String(decoding: bytes, as: UTF8.self), headers: [:], body: [])
        }
        let type = file.hasSuffix(".json") ? "application/json" : "application/x-www-form-urlencoded"
        return WebhookRequest(method: "POST", publicURL: webhookURL, headers: ["Content-Type": type], body: bytes)
    }

    @Test func everyFixtureHasACase() throws {
        let files = try Fixtures.files(in: "sms/vonage").filter { $0.hasSuffix(".txt") || $0.hasSuffix(".json") }
        #expect(files == Self.cases.map(\.file).sorted())
    }

    @Test("each Vonage request yields its message, part, receipt or named refusal", arguments: cases)
    func fixtureYieldsExpectedOutcome(_ row: Case) throws {
        let request = try Self.request(row.file)
        let outcome: WebhookOutcome
        do {
            outcome = try VonageAdapter(channel: Self.channel).receive(request)
        } catch {
            guard case .malformed(let field, _) = error, case .malformed(let expected) = row.expected else {
                Issue.record("refused with \(error), expected \(row.expected)")
                return
            }
            #expect(field == expected)
            return
        }
        switch (outcome, row.expected) {
        case (.messages(let messages), .message(let expected)): #expect(messages == [expected])
        case (.deliveryStatuses(let reports, let answer), .delivery(let expected)):
            #expect(reports == [expected])
            #expect(answer.status == 200)
        case (.respond(let answer), .ignored): #expect(answer.status == 200)
        default: Issue.record("got \(outcome), expected \(row.expected)")
        }
    }

    // MARK: Signed requests

    static let secret = "Vn9sig-secret-2026-abcdefghijklmnop"
    /// A query with `&` and `=` inside a value, which Vonage's signing replaces by `_`.
    static let parameters = [
        "msisdn": "6281234567890", "to": "6281170800", "messageId": "1600000012A3B4F1", "type": "text",
        "text": "Tarif parkir=Rp 5rb & tdk ada karcis di Pasar Baru", "message-timestamp": "2026-04-07 07:00:00",
    ]

    static func signedAdapter(_ method: String) -> VonageAdapter {
        VonageAdapter(channel: ChannelConfig(id: "sms-vonage", type: .vonage, settings: ["signature_secret": secret, "signature_method": method]))
    }

    static func get(_ parameters: [String: String]) -> WebhookRequest {
        let query = FormFields.encode(parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return WebhookRequest(method: "GET", publicURL: webhookURL + "?" + String(decoding: query, as: UTF8.self), headers: [:], body: [])
    }

    @Test("a request the vonage SDK signed is accepted; one changed byte, no sig or an old timestamp is refused",
          arguments: ["md5hash", "md5", "sha1", "sha256", "sha512"])
    func signedRequests(method: String) async throws {
        let adapter = Self.signedAdapter(method)
        let signed = try await ProviderSigning.vonageSigned(Self.parameters, secret: Self.secret, method: method)
        guard case .messages(let messages) = try adapter.receive(Self.get(signed)) else {
            Issue.record("a signed message was not taken")
            return
        }
        #expect(messages.map(\.text) == [Self.parameters["text"]!])

        var changed = signed
        changed["text"] = "Tarif parkir=Rp 6rb & tdk ada karcis di Pasar Baru"
        var unsigned = signed
        unsigned["sig"] = nil
        let old = try await ProviderSigning.vonageSigned(Self.parameters, secret: Self.secret, method: method, timestamp: Int(Date().timeIntervalSince1970) - 600)
        for refused in [changed, unsigned, old] {
            #expect(Self.refusal(adapter, Self.get(refused)) == "unauthorized")
        }
    }

    /// `unauthorized` when the adapter refuses `request` as unsigned, else what it did.
    static func refusal(_ adapter: VonageAdapter, _ request: WebhookRequest) -> String {
        do {
            _ = try adapter.receive(request)
            return "accepted"
        } catch {
            if case .unauthorized = error { return "unauthorized" }
            return "\(error)"
        }
    }
}

/// The Vonage channel through a running gateway, with `signature_secret` set.
@Suite struct VonageWebhookTests {
    static let channel = ChannelConfig(
        id: "sms-vonage", type: .vonage, settings: ["signature_secret": VonageAdapterTests.secret, "signature_method": "sha256"]
    )

    static func get(_ gateway: RunningGateway, _ parameters: [String: String]) async throws -> HTTPClientResponse {
        let query = FormFields.encode(parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return try await gateway.client.send(HTTPClientRequest(url: "\(gateway.baseURL)/webhooks/sms-vonage?" + String(decoding: query, as: UTF8.self)))
    }

    @Test("a GET the vonage SDK signed is a 200; one changed byte is a 403; a retry of the messageId makes one complaint")
    func signedInboundThroughTheGateway() async throws {
        try await RunningGateway.with(channels: [Self.channel], publicURL: VonageAdapterTests.publicURL) { gateway in
            let signed = try await ProviderSigning.vonageSigned(VonageAdapterTests.parameters, secret: VonageAdapterTests.secret, method: "sha256")
            var changed = signed
            changed["msisdn"] = "6281234567891"
            #expect(try await Self.get(gateway, changed).status == 403)
            let first = try await Self.get(gateway, signed)
            let again = try await Self.get(gateway, signed)
            #expect(first.status == 200)
            #expect(again.status == 200)
            #expect(again.body == first.body)
            try await TwilioWebhookTests.processed(gateway)
            #expect(try await gateway.server.database.read { try $0.complaintCount() } == 1)
        }
    }

    @Test("a signed delivery receipt on the same URL is a 200 and makes no complaint")
    func deliveryReceiptThroughTheGateway() async throws {
        try await RunningGateway.with(channels: [Self.channel], publicURL: VonageAdapterTests.publicURL) { gateway in
            let receipt = try JSONSerialization.jsonObject(with: Fixtures.data("sms/vonage/dlr-delivered.json")) as! [String: String]
            let signed = try await ProviderSigning.vonageSigned(receipt, secret: VonageAdapterTests.secret, method: "sha256")
            #expect(try await Self.get(gateway, signed).status == 200)
            try await TwilioWebhookTests.processed(gateway)
            #expect(try await gateway.server.database.read { try $0.complaintCount() } == 0)
        }
    }

    @Test("a signed request missing required fields is a 400 naming them")
    func missingFieldsAre400() async throws {
        try await RunningGateway.with(channels: [Self.channel], publicURL: VonageAdapterTests.publicURL) { gateway in
            var parameters = VonageAdapterTests.parameters
            parameters["msisdn"] = nil
            let answer = try await Self.get(gateway, try await ProviderSigning.vonageSigned(parameters, secret: VonageAdapterTests.secret, method: "sha256"))
            #expect(answer.status == 400)
            #expect(answer.text.contains("msisdn"))
        }
    }
}
