import Foundation
import InfobipAdapter
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import Testing

/// Infobip's forwarded SMS (`fixtures/sms/infobip/`), its authentication, its SMS API for replies, and a
/// batch with a bad item through a running gateway.
@Suite struct InfobipAdapterTests {
    static let secret = "infobip-rahasia-2026"
    static let channel = ChannelConfig(id: "sms-infobip", type: InfobipAdapter.type, settings: ["secret": secret])
    static let adapter = InfobipAdapter(channel: channel)
    /// 2026-04-07T02:30:00Z.
    static let sevenApril = Date(timeIntervalSince1970: 1_775_529_000)

    enum Expected: Sendable {
        case messages([InboundMessage])
        /// Kept messages, and the refused items' indices with the field each names.
        case partial([InboundMessage], rejected: [Int: String])
        case reports([DeliveryStatus])
        case malformed(field: String?)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        let expected: Expected
        var testDescription: String { file }
    }

    static func message(_ id: String, from: String, text: String, sentAt: Date? = nil, metadata: [String: String] = ["to": "1708", "sms_count": "1"],
                        statusQuestion: String? = nil) -> InboundMessage {
        InboundMessage(channelID: "sms-infobip", channelType: InfobipAdapter.type, externalID: id, sentAt: sentAt,
                       reporter: Reporter(kind: .phone, address: from), text: text, metadata: metadata, statusQuestion: statusQuestion)
    }

    static let cases: [Case] = [
        Case(file: "two-messages.json", expected: .messages([
            message("817790313235066447", from: "+6281234567890",
                    text: "LAPOR jalan di depan SDN Ngaglik 2 berlubang dlm, sdh 3 motor jatuh. mhn diperbaiki",
                    sentAt: sevenApril, metadata: ["to": "1708", "sms_count": "1", "keyword": "LAPOR"]),
            message("817790313235066448", from: "+6285712345678", text: "pungli di loket samsat kab. sleman, diminta 50rb tanpa kwitansi",
                    sentAt: sevenApril + 75.5),
        ])),
        Case(file: "one-bad-item.json", expected: .partial([
            message("ib-2001", from: "+6281234567890", text: "bus mudik PO Sinar Jaya ugal2an di tol cipali km 102", sentAt: sevenApril + 1800),
            message("ib-2003", from: "+6281398765432", text: "calo tiket kapal di pelabuhan merak, hrg 3x lipat", sentAt: sevenApril + 1802),
        ], rejected: [1: "results[1].from"])),
        Case(file: "every-item-bad.json", expected: .malformed(field: "results[0].messageId")),
        Case(file: "dlr.json", expected: .reports([
            DeliveryStatus(providerMessageID: "reply-7f3a-0001", status: "delivered", at: sevenApril + 9),
            DeliveryStatus(providerMessageID: "reply-7f3a-0002", status: "undeliverable", at: sevenApril + 100, error: "Absent Subscriber"),
        ])),
        Case(file: "status-question.json", expected: .messages([
            message("ib-4001", from: "+6281234567890", text: "cek LPR-7K3M-9QX2", sentAt: sevenApril + 5400,
                    metadata: ["to": "1708", "sms_count": "1", "keyword": "CEK"], statusQuestion: "LPR-7K3M-9QX2"),
        ])),
        Case(file: "unknown-fields.json", expected: .messages([
            message("ib-5001", from: "+6281234567890", text: "lampu PJU mati sepanjang jl. magelang km 8"),
        ])),
        Case(file: "invalid-utf8.json", expected: .messages([
            message("ib-6001", from: "+6281234567890", text: "jembatan putus di desa \u{FFFD}\u{FFFD} sukamaju"),
        ])),
        Case(file: "missing-results.json", expected: .malformed(field: "results")),
        Case(file: "not-json.txt", expected: .malformed(field: nil)),
    ]

    @Test func everyInboundFixtureHasACase() throws {
        let inbound = try Fixtures.files(in: "sms/infobip").filter { !$0.hasPrefix("send-") }
        #expect(inbound == Self.cases.map(\.file).sorted())
    }

    @Test(arguments: cases)
    func forwardedBodyYieldsMessagesReportsOrANamedError(_ row: Case) throws {
        let body = try Array(Fixtures.data("sms/infobip/\(row.file)"))
        let outcome: WebhookOutcome
        do {
            outcome = try Self.adapter.receive(Self.request(body: body, headers: ["X-Intake-Secret": Self.secret]))
        } catch {
            guard case .malformed(let expectedField) = row.expected, case .malformed(let field, _) = error else {
                Issue.record("refused with \(error), expected \(row.expected)")
                return
            }
            #expect(field == expectedField)
            return
        }
        switch (outcome, row.expected) {
        case (.messages(let messages), .messages(let expected)):
            #expect(messages == expected)
        case (.partial(let messages, let rejected), .partial(let expected, let refused)):
            #expect(messages == expected)
            #expect(Dictionary(uniqueKeysWithValues: rejected.map { item in
                guard case .malformed(let field?, _) = item.error else { return (item.index, "\(item.error)") }
                return (item.index, field)
            }) == refused)
        case (.deliveryStatuses(let statuses, let response), .reports(let expected)):
            #expect(statuses == expected)
            #expect(response.status == 200)
        default:
            Issue.record("got \(outcome), expected \(row.expected)")
        }
    }

    static func request(body: [UInt8], headers: HeaderFields, method: String = "POST") -> WebhookRequest {
        WebhookRequest(method: method, publicURL: "https://lapor.example.go.id/webhooks/sms-infobip", headers: headers, body: body)
    }

    // MARK: Authentication

    struct AuthCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let settings: [String: String]
        let headers: [String: String]
        let accepted: Bool
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    static let authCases: [AuthCase] = [
        AuthCase(testDescription: "basic auth right", settings: ["username": "infobip", "password": "pw-1708"],
                 headers: ["Authorization": basic("infobip", "pw-1708")], accepted: true),
        AuthCase(testDescription: "basic auth wrong password", settings: ["username": "infobip", "password": "pw-1708"],
                 headers: ["Authorization": basic("infobip", "pw-1709")], accepted: false),
        AuthCase(testDescription: "basic auth wrong user", settings: ["username": "infobip", "password": "pw-1708"],
                 headers: ["Authorization": basic("infobi", "pw-1708")], accepted: false),
        AuthCase(testDescription: "basic auth missing", settings: ["username": "infobip", "password": "pw-1708"],
                 headers: [:], accepted: false),
        AuthCase(testDescription: "basic auth not base64", settings: ["username": "infobip", "password": "pw-1708"],
                 headers: ["Authorization": "Basic %%%"], accepted: false),
        AuthCase(testDescription: "secret header right", settings: ["secret": secret], headers: ["x-intake-secret": secret], accepted: true),
        AuthCase(testDescription: "secret header one byte off", settings: ["secret": secret],
                 headers: ["X-Intake-Secret": secret + "x"], accepted: false),
        AuthCase(testDescription: "secret header missing", settings: ["secret": secret], headers: [:], accepted: false),
        AuthCase(testDescription: "secret in a configured header", settings: ["secret": secret, "secret_header": "X-Lapor-Token"],
                 headers: ["X-Lapor-Token": secret], accepted: true),
        AuthCase(testDescription: "secret in the default header when another is configured",
                 settings: ["secret": secret, "secret_header": "X-Lapor-Token"], headers: ["X-Intake-Secret": secret], accepted: false),
        AuthCase(testDescription: "both configured, only basic given",
                 settings: ["secret": secret, "username": "infobip", "password": "pw-1708"],
                 headers: ["Authorization": basic("infobip", "pw-1708")], accepted: false),
        AuthCase(testDescription: "both configured, both given",
                 settings: ["secret": secret, "username": "infobip", "password": "pw-1708"],
                 headers: ["Authorization": basic("infobip", "pw-1708"), "X-Intake-Secret": secret], accepted: true),
        AuthCase(testDescription: "nothing configured refuses everything", settings: [:],
                 headers: ["X-Intake-Secret": ""], accepted: false),
    ]

    @Test(arguments: authCases)
    func callsAreAuthenticatedByBasicAuthOrTheSecretHeader(_ row: AuthCase) throws {
        let adapter = InfobipAdapter(channel: ChannelConfig(id: "sms-infobip", type: InfobipAdapter.type, settings: row.settings))
        let body = try Array(Fixtures.data("sms/infobip/two-messages.json"))
        let request = Self.request(body: body, headers: HeaderFields(row.headers.map { ($0.key, $0.value) }))
        if row.accepted {
            guard case .messages(let messages) = try adapter.receive(request) else { Issue.record("not messages"); return }
            #expect(messages.count == 2)
        } else {
            #expect {
                _ = try adapter.receive(request)
            } throws: { error in
                if case AdapterError.unauthorized = error { return true }
                return false
            }
        }
    }

    @Test func getIsRefused() {
        #expect(throws: AdapterError.self) {
            _ = try Self.adapter.receive(Self.request(body: [], headers: ["X-Intake-Secret": Self.secret], method: "GET"))
        }
    }
}

/// Replies through Infobip's SMS API, against a local server answering as the API does (`fixtures/sms/infobip/send-*.txt`).
@Suite struct InfobipReplySenderTests {
    static let reply = OutboundReply(idempotencyKey: "reply-key-1", channelID: "sms-infobip", recipient: "+6281234567890",
                                     text: "Laporan Anda diterima. Nomor: LPR-7K3M-9QX2")

    enum Expected: Sendable, Equatable {
        case sent(String?)
        case temporary(retryAfter: Duration?, containing: String)
        case permanent(containing: String)
    }

    static let cases: [(String, Expected)] = [
        ("send-accepted.txt", .sent("reply-key-1")),
        ("send-rejected-status.txt", .permanent(containing: "Destination address not supported")),
        ("send-unauthorized.txt", .permanent(containing: "Invalid login details")),
        ("send-bad-request.txt", .permanent(containing: "Bad request")),
        ("send-rate-limited.txt", .temporary(retryAfter: .seconds(7), containing: "Too many requests")),
        ("send-server-error.txt", .temporary(retryAfter: nil, containing: "Something went wrong")),
    ]

    @Test func everySendFixtureHasACase() throws {
        let send = try Fixtures.files(in: "sms/infobip").filter { $0.hasPrefix("send-") }
        #expect(send == Self.cases.map(\.0).sorted())
    }

    @Test(arguments: cases)
    func answersMapToSentTemporaryOrPermanent(file: String, expected: Expected) async throws {
        let api = try ProviderAPIStandIn(fixture: "sms/infobip/\(file)")
        defer { api.stop() }
        let sender = InfobipReplySender(channel: ChannelConfig(
            id: "sms-infobip", type: InfobipAdapter.type, settings: ["api_base": api.baseURL + "/", "api_key": "key-abc123", "from": "LAPOR1708"]
        ))
        let result: Expected
        switch await sender.outcome(of: Self.reply) {
        case .success(let sent): result = .sent(sent.providerMessageID)
        case .failure(.temporary(let message, let retryAfter)): result = .temporary(retryAfter: retryAfter, containing: message)
        case .failure(.permanent(let message)), .failure(.suppressed(let message)): result = .permanent(containing: message)
        }
        switch (result, expected) {
        case (.sent(let id), .sent(let expectedID)): #expect(id == expectedID)
        case (.temporary(let retryAfter, let message), .temporary(let expectedRetry, let words)):
            #expect(retryAfter == expectedRetry)
            #expect(message.contains(words), "\(message)")
        case (.permanent(let message), .permanent(let words)): #expect(message.contains(words), "\(message)")
        default: Issue.record("got \(result), expected \(expected)")
        }

        // The request as Infobip documents it.
        let request = try #require(api.received.first)
        #expect(request.method == "POST")
        #expect(request.target == "/sms/2/text/advanced")
        #expect(request.headers["authorization"] == "App key-abc123")
        #expect(request.headers["content-type"] == "application/json")
        let message = try #require((request.json["messages"] as? [[String: Any]])?.first)
        let destination = try #require((message["destinations"] as? [[String: Any]])?.first)
        #expect(destination["to"] as? String == "6281234567890")
        #expect(destination["messageId"] as? String == "reply-key-1")
        #expect(message["from"] as? String == "LAPOR1708")
        #expect(message["text"] as? String == Self.reply.text)
    }

    @Test func anUnreachableAPIIsATemporaryFailure() async throws {
        let closed = try LoopbackSocket()
        defer { close(closed.descriptor) }
        let sender = InfobipReplySender(channel: ChannelConfig(
            id: "sms-infobip", type: InfobipAdapter.type, settings: ["api_base": "http://127.0.0.1:\(closed.port)", "api_key": "k"]
        ))
        guard case .failure(.temporary) = await sender.outcome(of: Self.reply) else {
            Issue.record("an unreachable API must be a temporary failure")
            return
        }
    }

    @Test func withoutAPIBaseNothingIsSentAndTheFailureIsPermanent() async {
        let sender = InfobipReplySender(channel: ChannelConfig(id: "sms-infobip", type: InfobipAdapter.type, settings: ["api_key": "k"]))
        guard case .failure(.permanent) = await sender.outcome(of: Self.reply) else {
            Issue.record("without api_base a reply must fail permanently")
            return
        }
    }
}

/// A batch through a running gateway: the bad item is refused by itself, the rest kept, a resend creates nothing.
@Suite struct InfobipGatewayTests {
    static let channel = ChannelConfig(id: "sms-infobip", type: InfobipAdapter.type, settings: ["secret": InfobipAdapterTests.secret])

    func post(_ file: String, to gateway: RunningGateway, secret: String = InfobipAdapterTests.secret) async throws -> HTTPClientResponse {
        try await gateway.postWebhook("sms-infobip", body: Array(Fixtures.data("sms/infobip/\(file)")), secret: nil,
                                      headers: [("X-Intake-Secret", secret)])
    }

    @Test func oneBadItemIsRefusedAloneAndAResentBatchCreatesNothing() async throws {
        try await RunningGateway.with(channels: [Self.channel]) { gateway async throws in
            let first = try await post("one-bad-item.json", to: gateway)
            #expect(first.status == 200)
            let accepted = first.json["accepted"] as? [[String: Any]] ?? []
            let rejected = first.json["rejected"] as? [[String: Any]] ?? []
            #expect(accepted.map { $0["index"] as? Int } == [0, 2])
            #expect(rejected.map { $0["index"] as? Int } == [1])
            #expect(rejected.first?["field"] as? String == "results[1].from")
            #expect(try await gateway.listedComplaintCount() == 2)

            // Infobip retries the same batch: the same answer, nothing new.
            let again = try await post("one-bad-item.json", to: gateway)
            #expect(again.status == 200)
            let acceptedAgain = again.json["accepted"] as? [[String: Any]] ?? []
            #expect(acceptedAgain.map { $0["tracking_number"] as? String } == accepted.map { $0["tracking_number"] as? String })
            #expect(acceptedAgain.allSatisfy { $0["duplicate"] as? Bool == true })
            #expect(try await gateway.listedComplaintCount() == 2)

            let channel = try await ChannelsAPITests.channel("sms-infobip", in: gateway)
            #expect(ChannelsAPITests.counts(channel["accepted"]) == [2, 2])
            #expect(ChannelsAPITests.counts(channel["rejected"]) == [2, 2], "the bad item, once per call")
            let metrics = try await gateway.get("/metrics", token: nil).text
            #expect(metrics.contains(#"intake_requests_rejected_total{channel="sms-infobip",reason="malformed"} 2"#))
        }
    }

    @Test func wrongSecretIs403AndDeliveryReportsMakeNoComplaint() async throws {
        try await RunningGateway.with(channels: [Self.channel]) { gateway async throws in
            #expect(try await post("two-messages.json", to: gateway, secret: "not-it").status == 403)
            #expect(try await post("dlr.json", to: gateway).status == 200)
            #expect(try await post("missing-results.json", to: gateway).status == 400)
            #expect(try await gateway.listedComplaintCount() == 0)
            #expect(try await post("two-messages.json", to: gateway).status == 200)
            #expect(try await gateway.listedComplaintCount() == 2)
        }
    }
}
