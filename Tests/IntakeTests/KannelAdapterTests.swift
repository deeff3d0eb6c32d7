import AdapterRegistry
import Foundation
import IntakeConfig
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import KannelAdapter
import Testing

/// Kannel's SMS box calling `get-url`/`post-url` (`fixtures/sms/kannel/*.txt`, raw HTTP requests as it sends them).
@Suite struct KannelAdapterTests {
    static let secret = "kannel-rahasia-1708"
    static let channel = ChannelConfig(id: "sms-kannel", type: KannelAdapter.type, settings: ["secret": secret])
    static let adapter = KannelAdapter(channel: channel)
    /// 2026-04-07T02:30:00Z.
    static let sevenApril = Date(timeIntervalSince1970: 1_775_529_000)

    enum Expected: Sendable {
        case message(InboundMessage)
        /// A message whose external id is Kannel-less: a hash, checked for its form only.
        case hashedMessage(InboundMessage)
        case unauthorized
        case malformed(field: String)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        let expected: Expected
        var testDescription: String { file }
    }

    static func message(_ id: String, from: String = "+6281234567890", text: String, sentAt: Date? = nil,
                        metadata: [String: String] = ["to": "1708", "coding": "0"], part: MessagePart? = nil,
                        statusQuestion: String? = nil) -> InboundMessage {
        InboundMessage(channelID: "sms-kannel", channelType: KannelAdapter.type, externalID: id, sentAt: sentAt,
                       reporter: Reporter(kind: .phone, address: from), text: text, metadata: metadata, part: part,
                       statusQuestion: statusQuestion)
    }

    static let cases: [Case] = [
        Case(file: "get-plain.txt", expected: .message(message(
            "7a3e1c52-3f0b-4d1e-9a61-0c2f6b8e4d11", text: "jalan  di depan SDN Ngaglik 2 berlubang, sdh 3 motor jatuh. mhn diperbaiki",
            sentAt: sevenApril, metadata: ["to": "1708", "coding": "0", "smsc": "telkomsel"]
        ))),
        Case(file: "concat-part-2-of-3.txt", expected: .message(message(
            "b1c2d3e4-0000-4000-8000-000000000002", text: "ditarik uang parkir 20rb di rest area km 57, ", sentAt: sevenApril + 60,
            metadata: ["to": "1708", "coding": "0", "smsc": "telkomsel"], part: MessagePart(reference: "173", index: 2, total: 3)
        ))),
        Case(file: "udh-binary.txt", expected: .message(message(
            "b1c2d3e4-0000-4000-8000-000000000003", text: "bagian pertama laporan", part: MessagePart(reference: "42", index: 1, total: 2)
        ))),
        Case(file: "udh-16bit.txt", expected: .message(message(
            "b1c2d3e4-0000-4000-8000-000000000004", from: "+6285712345678", text: "terakhir: mohon segera ditindak",
            part: MessagePart(reference: "4660", index: 3, total: 3)
        ))),
        Case(file: "ucs2.txt", expected: .message(message(
            "b1c2d3e4-0000-4000-8000-000000000005", text: "Jalan rusak 🚧 di Sleman, tolong diperbaiki", metadata: ["to": "1708", "coding": "2"]
        ))),
        Case(file: "ucs2-odd-bytes.txt", expected: .message(message(
            "b1c2d3e4-0000-4000-8000-000000000006", text: "Banjir\u{FFFD} RT 05\u{FFFD}", metadata: ["to": "1708", "coding": "2"]
        ))),
        Case(file: "invalid-utf8.txt", expected: .message(message(
            "b1c2d3e4-0000-4000-8000-000000000007", text: "sampah menumpuk di pasar \u{FFFD}\u{FFFD} kranggan"
        ))),
        Case(file: "latin1.txt", expected: .message(message(
            "b1c2d3e4-0000-4000-8000-000000000008", text: "antrean BBM di SPBU Cikampek, petugas bilang \"stok habis\" é"
        ))),
        Case(file: "status-question.txt", expected: .message(message(
            "b1c2d3e4-0000-4000-8000-000000000009", text: "CEK LPR-7K3M-9QX2", statusQuestion: "LPR-7K3M-9QX2"
        ))),
        Case(file: "no-id.txt", expected: .hashedMessage(message("", text: "lampu lalu lintas mati di simpang tugu", sentAt: sevenApril))),
        Case(file: "post-form.txt", expected: .message(message(
            "b1c2d3e4-0000-4000-8000-00000000000a", text: "pelayanan puskesmas lambat, antre 4 jam"
        ))),
        Case(file: "post-url-ucs2.txt", expected: .message(message(
            "b1c2d3e4-0000-4000-8000-00000000000b", text: "Tarif angkot naik sepihak jadi 10rb, tolong dicek dishub", sentAt: sevenApril,
            metadata: ["to": "1708", "coding": "2", "smsc": "indosat"]
        ))),
        Case(file: "wrong-secret.txt", expected: .unauthorized),
        Case(file: "missing-secret.txt", expected: .unauthorized),
        Case(file: "missing-from.txt", expected: .malformed(field: "from")),
        Case(file: "from-not-a-number.txt", expected: .malformed(field: "from")),
        Case(file: "missing-text.txt", expected: .malformed(field: "text")),
        Case(file: "empty-text.txt", expected: .malformed(field: "text")),
    ]

    @Test func everyInboundFixtureHasACase() throws {
        let inbound = try Fixtures.files(in: "sms/kannel").filter { !$0.hasPrefix("send-") }
        #expect(inbound == Self.cases.map(\.file).sorted())
    }

    @Test(arguments: cases)
    func smsBoxCallYieldsTheMessageOrARefusal(_ row: Case) throws {
        let request = try Self.request(fixture: row.file)
        switch (Result { () throws(AdapterError) in try Self.adapter.receive(request) }, row.expected) {
        case (.success(.messages(let messages)), .message(let expected)):
            #expect(messages == [expected])
        case (.success(.messages(let messages)), .hashedMessage(var expected)):
            let id = try #require(messages.first?.externalID)
            #expect(id.hasPrefix("sha256-") && id.count == 39, "\(id)")
            expected.externalID = id
            #expect(messages == [expected])
        case (.failure(.unauthorized), .unauthorized):
            break
        case (.failure(.malformed(let field, _)), .malformed(let expected)):
            #expect(field == expected)
        case (let result, let expected):
            Issue.record("got \(result), expected \(expected)")
        }
    }

    /// A request fixture: `METHOD target HTTP/1.1`, header lines, a blank line, the body byte for byte.
    static func request(fixture file: String, peer: String? = nil) throws -> WebhookRequest {
        let bytes = try Array(Fixtures.data("sms/kannel/\(file)"))
        let split = bytes.firstRange(of: Array("\n\n".utf8))
        let head = String(decoding: bytes[..<(split?.lowerBound ?? bytes.count)], as: UTF8.self).split(separator: "\n")
        let requestLine = head[0].split(separator: " ")
        let headers = head.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return WebhookRequest(
            method: String(requestLine[0]), publicURL: "https://lapor.example.go.id" + requestLine[1], headers: HeaderFields(headers),
            body: split.map { Array(bytes[$0.upperBound...]) } ?? [], peerAddress: peer
        )
    }

    @Test func aRedeliveryWithoutKannelsIDIsTheSameMessage() throws {
        let first = try Self.adapter.receive(Self.request(fixture: "no-id.txt"))
        let again = try Self.adapter.receive(Self.request(fixture: "no-id.txt"))
        guard case .messages(let one) = first, case .messages(let two) = again else { Issue.record("not messages"); return }
        #expect(one.map(\.externalID) == two.map(\.externalID))
        var other = try Self.request(fixture: "no-id.txt")
        other.publicURL = other.publicURL.replacingOccurrences(of: "simpang+tugu", with: "simpang+lima")
        guard case .messages(let three) = try Self.adapter.receive(other) else { Issue.record("not messages"); return }
        #expect(three.map(\.externalID) != one.map(\.externalID))
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("::ffff:127.0.0.1", true), ("10.0.0.5", true), ("10.0.0.6", false), (nil, false),
    ] as [(String?, Bool)])
    func onlyAllowedPeersAreHeard(peer: String?, heard: Bool) throws {
        let adapter = KannelAdapter(channel: ChannelConfig(
            id: "sms-kannel", type: KannelAdapter.type, settings: ["secret": Self.secret, "allowed_ips": "10.0.0.5, 127.0.0.1"]
        ))
        let request = try Self.request(fixture: "get-plain.txt", peer: peer)
        if heard {
            guard case .messages(let messages) = try adapter.receive(request) else { Issue.record("not messages"); return }
            #expect(messages.count == 1)
        } else {
            #expect(throws: AdapterError.unauthorized("the caller's address is not in the channel's allowed_ips")) { try adapter.receive(request) }
        }
    }
}

/// Odd bytes from the SMS box never crash the adapter: User Data Headers and texts from a seeded generator.
@Suite struct KannelOddInputTests {
    @Test(arguments: [
        ("050003AD0302", MessagePart(reference: "173", index: 2, total: 3)),
        ("06080412340303", MessagePart(reference: "4660", index: 3, total: 3)),
        // A port-addressing element before the concatenation one.
        ("0B05040B8423F00003010201", MessagePart(reference: "1", index: 1, total: 2)),
        ("0A05040B8423F00003010201", nil), // the length cuts the concatenation element short
        ("050003AD0304", nil), // part 4 of 3
        ("050003AD0000", nil), // no parts
        ("050003AD0101", nil), // one part of one: a whole message
        ("050003AD03", nil), // cut short
        ("FF0003AD0302", MessagePart(reference: "173", index: 2, total: 3)), // a length past the end: what is there is read
        ("", nil),
    ] as [(String, MessagePart?)])
    func concatenationIsReadFromTheHeader(hex: String, part: MessagePart?) throws {
        let request = WebhookRequest(
            method: "GET",
            publicURL: "https://lapor.example.go.id/webhooks/sms-kannel?secret=\(KannelAdapterTests.secret)&from=081234567890&text=sebagian&udh=\(hex)&id=u1",
            headers: [:], body: []
        )
        guard case .messages(let messages) = try KannelAdapterTests.adapter.receive(request) else { Issue.record("not messages"); return }
        #expect(messages.first?.part == part)
    }

    @Test func randomBytesInEveryFieldNeverCrash() {
        var generator = SplitMix64(seed: 1708)
        func randomEncoded(_ count: Int) -> String {
            (0..<count).map { _ in String(format: "%%%02X", UInt8.random(in: 0...255, using: &generator)) }.joined()
        }
        for round in 0..<500 {
            let coding = ["0", "1", "2", "9", "x"][round % 5]
            let charset = ["UTF-8", "UTF-16BE", "ISO-8859-1", "WINDOWS-1252", "GSM", "%FF"][round % 6]
            let query = "secret=\(KannelAdapterTests.secret)&from=\(round % 7 == 0 ? randomEncoded(8) : "081234567890")"
                + "&text=\(randomEncoded(Int.random(in: 0...40, using: &generator)))&udh=\(randomEncoded(Int.random(in: 0...12, using: &generator)))"
                + "&coding=\(coding)&charset=\(charset)&time=\(randomEncoded(6))%"
            let request = WebhookRequest(method: "GET", publicURL: "https://lapor.example.go.id/webhooks/sms-kannel?" + query, headers: [:], body: [])
            // Refusals are fine; a crash is not. A message must carry valid text.
            if case .messages(let messages) = try? KannelAdapterTests.adapter.receive(request) {
                #expect(messages.count == 1)
                #expect(messages[0].part?.isValid ?? true)
            }
        }
    }
}

/// Replies through Kannel's sendsms, against a local server answering as the SMS box does (`fixtures/sms/kannel/send-*.txt`).
@Suite struct KannelReplySenderTests {
    static let reply = OutboundReply(idempotencyKey: "reply-key-1", channelID: "sms-kannel", recipient: "+6281234567890",
                                     text: "Laporan Anda diterima. Nomor: LPR-7K3M-9QX2")

    static func sender(_ url: String) -> KannelReplySender {
        KannelReplySender(channel: ChannelConfig(id: "sms-kannel", type: KannelAdapter.type, settings: [
            "send_url": url, "send_username": "lapor", "send_password": "s3nd+pw&x", "from": "1708",
        ]))
    }

    enum Expected: Sendable { case sent, temporary, permanent }

    static let cases: [(String, Expected)] = [
        ("send-accepted.txt", .sent),
        ("send-queued.txt", .sent),
        ("send-not-routable.txt", .permanent),
        ("send-auth-failed.txt", .permanent),
        ("send-missing-receiver.txt", .permanent),
        ("send-temporal-failure.txt", .temporary),
    ]

    @Test func everySendFixtureHasACase() throws {
        let send = try Fixtures.files(in: "sms/kannel").filter { $0.hasPrefix("send-") }
        #expect(send == Self.cases.map(\.0).sorted())
    }

    @Test(arguments: cases)
    func answersMapToSentTemporaryOrPermanent(file: String, expected: Expected) async throws {
        let box = try ProviderAPIStandIn(fixture: "sms/kannel/\(file)")
        defer { box.stop() }
        let outcome = await Self.sender(box.baseURL + "/cgi-bin/sendsms").outcome(of: Self.reply)
        switch (outcome, expected) {
        case (.success, .sent), (.failure(.temporary), .temporary), (.failure(.permanent), .permanent): break
        default: Issue.record("got \(outcome), expected \(expected)")
        }
        if case .failure(let failure) = outcome {
            #expect(!failure.description.contains("s3nd"), "the password never appears in a failure")
        }
        let request = try #require(box.received.first)
        #expect(request.method == "GET")
        #expect(request.target.hasPrefix("/cgi-bin/sendsms?"))
        #expect(request.query == [
            "username": "lapor", "password": "s3nd+pw&x", "from": "1708", "to": "+6281234567890", "text": Self.reply.text, "charset": "UTF-8",
        ])
    }

    @Test func textOutsideGSM7GoesAsUCS2AndTheURLsOwnParametersStay() async throws {
        let box = try ProviderAPIStandIn(fixture: "sms/kannel/send-accepted.txt")
        defer { box.stop() }
        var reply = Self.reply
        reply.text = "Terima kasih 🙏 laporan Anda kami terima"
        guard case .success = await Self.sender(box.baseURL + "/cgi-bin/sendsms?smsc=telkomsel").outcome(of: reply) else {
            Issue.record("not sent")
            return
        }
        let query = try #require(box.received.first).query
        #expect(query["coding"] == "2")
        #expect(query["smsc"] == "telkomsel")
        #expect(query["text"] == reply.text)
    }

    @Test func anUnreachableBoxIsATemporaryFailureThatHidesThePassword() async throws {
        let closed = try LoopbackSocket()
        defer { close(closed.descriptor) }
        let outcome = await Self.sender("http://127.0.0.1:\(closed.port)/cgi-bin/sendsms").outcome(of: Self.reply)
        guard case .failure(.temporary(let message, _)) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(!message.contains("s3nd"))
    }
}

/// The SMS box calling a running gateway: the peer address reaches the adapter, a redelivery creates nothing.
@Suite struct KannelGatewayTests {
    /// Bursts off: the second SMS (same sender, a different text) must be a complaint of its own here.
    static let channels = [
        ChannelConfig(id: "sms-kannel", type: KannelAdapter.type, settings: ["secret": KannelAdapterTests.secret], burstSeconds: 0),
        ChannelConfig(id: "sms-kannel-locked", type: KannelAdapter.type, settings: ["secret": KannelAdapterTests.secret, "allowed_ips": "10.1.2.3"]),
        ChannelConfig(id: "sms-kannel-local", type: KannelAdapter.type, settings: ["secret": KannelAdapterTests.secret, "allowed_ips": "127.0.0.1,::1"]),
    ]

    func call(_ fixture: String, channel: String = "sms-kannel", on gateway: RunningGateway) async throws -> HTTPClientResponse {
        let request = try KannelAdapterTests.request(fixture: fixture)
        let target = String(request.publicURL.dropFirst("https://lapor.example.go.id".count))
            .replacingOccurrences(of: "/webhooks/sms-kannel?", with: "/webhooks/\(channel)?")
        return try await gateway.client.send(HTTPClientRequest(
            method: request.method, url: gateway.baseURL + target, headers: request.headers.fields, body: request.body
        ))
    }

    @Test func aRedeliveredSMSAnswersAsBeforeAndMakesOneComplaint() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway async throws in
            let first = try await call("get-plain.txt", on: gateway)
            let again = try await call("get-plain.txt", on: gateway)
            #expect(first.status == 200 && again.status == 200)
            #expect(first.body == again.body)
            #expect(try await gateway.listedComplaintCount() == 1)
            #expect(try await call("post-url-ucs2.txt", on: gateway).status == 200)
            #expect(try await gateway.listedComplaintCount() == 2)
            #expect(try await call("wrong-secret.txt", on: gateway).status == 403)
            #expect(try await call("missing-from.txt", on: gateway).status == 400)
        }
    }

    @Test func aPeerOutsideAllowedIPsIsRefused() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway async throws in
            #expect(try await call("get-plain.txt", channel: "sms-kannel-locked", on: gateway).status == 403)
            #expect(try await gateway.listedComplaintCount() == 0)
            #expect(try await call("get-plain.txt", channel: "sms-kannel-local", on: gateway).status == 200)
            #expect(try await gateway.listedComplaintCount() == 1)
        }
    }
}

/// Both families as an operator configures them in YAML.
@Suite struct SMSAggregatorConfigTests {
    static let yaml = """
        channels:
          - id: sms-infobip
            type: infobip
            secret: env:INFOBIP_SECRET
            api_key: env:INFOBIP_KEY
            api_base: https://xyz.api.infobip.com
            from: "1708"
          - id: sms-kannel
            type: kannel
            secret: env:KANNEL_SECRET
            allowed_ips: 10.0.0.5, 10.0.0.6
            send_url: http://kannel:13013/cgi-bin/sendsms
            send_username: lapor
            send_password: env:KANNEL_PASSWORD
            from: "1708"
        """

    @Test func bothFamiliesLoadWithTheirKeys() throws {
        let config = try ConfigLoader.parse(yaml: Self.yaml, source: "test.yaml", families: AdapterRegistry.families, environment: [
            "INFOBIP_SECRET": "s1", "INFOBIP_KEY": "k1", "KANNEL_SECRET": "s2", "KANNEL_PASSWORD": "p2",
        ])
        #expect(config.channels.map(\.type.rawValue) == ["infobip", "kannel"])
        #expect(config.channels[0].settings["api_key"] == "k1")
        #expect(config.channels[1].settings["send_password"] == "p2")
        #expect(AdapterRegistry.families.filter { ["infobip", "kannel"].contains($0.type.rawValue) }.allSatisfy { $0.isSMS })
    }

    @Test func aKannelChannelWithoutSecretIsRefused() {
        let yaml = "channels:\n  - id: sms-kannel\n    type: kannel\n    send_url: http://kannel:13013/cgi-bin/sendsms\n"
        #expect {
            _ = try ConfigLoader.parse(yaml: yaml, source: "test.yaml", families: AdapterRegistry.families, environment: [:])
        } throws: { error in
            (error as? ConfigError)?.issues.contains { $0.keyPath.hasSuffix("secret") && $0.message.contains("required") } == true
        }
    }
}
