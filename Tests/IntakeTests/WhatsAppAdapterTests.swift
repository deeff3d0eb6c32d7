import Crypto
import Foundation
import IntakeConfig
import IntakeModel
import Testing
import WhatsAppAdapter

/// WhatsApp Cloud API webhooks against the payloads in `fixtures/whatsapp/cloud/`, signed in the test with
/// swift-crypto (and, for the signature table, with openssl when the fixture was made).
@Suite struct WhatsAppAdapterTests {
    static let appSecret = "app-secret-4b1d9e70c2"
    static let verifyToken = "verify-lapor-1708-wa"
    static let channel = ChannelConfig(id: "wa-1708", type: .whatsapp, maxBodyBytes: 256 * 1024, settings: [
        "verify_token": verifyToken, "app_secret": appSecret, "phone_number_id": "106540352242922",
    ])
    /// The adapter's clock: media references expire five minutes after it.
    static let now = Date(timeIntervalSince1970: 1_775_529_010)
    static let adapter = WhatsAppAdapter(channel: channel, clock: { now })

    enum Expected: Sendable {
        case messages([InboundMessage])
        case statuses([DeliveryStatus])
        /// A 200 that journals nothing (a reaction, another subscription's change).
        case nothing
        /// A 400 naming `field`; nil when the body as a whole is unreadable.
        case malformed(field: String?)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        let expected: Expected
        var testDescription: String { file }
    }

    static let siti = Reporter(kind: .phone, address: "+6281234567890", name: "Siti Rahmawati")
    static let sentAt = Date(timeIntervalSince1970: 1_775_529_000)

    /// A message as the adapter should make it from the shared fixture shape.
    static func message(
        _ id: String, type: String, text: String, reporter: Reporter = siti, location: String? = nil,
        attachments: [InboundAttachment] = [], metadata: [String: String] = [:], statusQuestion: String? = nil
    ) -> InboundMessage {
        InboundMessage(
            channelID: "wa-1708", channelType: .whatsapp, externalID: id, sentAt: sentAt, reporter: reporter, text: text,
            location: location, attachments: attachments, replyTo: String(reporter.address.dropFirst()),
            metadata: ["whatsapp_type": type, "whatsapp_phone_number_id": "106540352242922"].merging(metadata) { _, new in new },
            statusQuestion: statusQuestion
        )
    }

    static func media(_ fileName: String, _ mediaType: String, id: String) -> [InboundAttachment] {
        [InboundAttachment(fileName: fileName, mediaType: mediaType, reference: MediaReference(
            location: id, credentials: "whatsapp-graph", expiresAt: now.addingTimeInterval(300)
        ))]
    }

    static let field = "entry[0].changes[0].value.messages[0]"
    static let terminal = "Terminal Kampung Rambutan, Jl. Lingkar Luar Selatan, Rambutan, Ciracas, Jakarta Timur (-6.3097, 106.8826)"

    static let cases: [Case] = [
        Case(file: "text.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEU1RjE1QjY0NTJBMDZFQTgA", type: "text",
            text: "Lapor, lampu PJU di Jl. Magelang km 5 mati semua sejak seminggu, rawan kecelakaan malam hari."
        )])),
        Case(file: "text-status-question.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFENFSy0xNzA4LVNUQVRVUy0wMDAxAA==", type: "text", text: "cek LPR-7K3M-9QX2",
            statusQuestion: "LPR-7K3M-9QX2"
        )])),
        Case(file: "image-with-caption.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFklNQUdFLVdJVEgtQ0FQVElPTi0wMDEA", type: "image",
            text: "Jalan berlubang di depan SDN Ngaglik 2, sudah 3 motor jatuh",
            attachments: media("image-1479537139650973.jpg", "image/jpeg", id: "1479537139650973")
        )])),
        Case(file: "image-without-caption.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFklNQUdFLU5PLUNBUFRJT04tMDAxAA==", type: "image", text: "",
            attachments: media("image-1479537139650974.jpg", "image/jpeg", id: "1479537139650974")
        )])),
        Case(file: "document.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFkRPQ1VNRU5ULTAwMS1TVVJBVC1LVFAA", type: "document",
            text: "Bukti kwitansi pungli surat pengantar KTP",
            attachments: media("kwitansi-kelurahan.pdf", "application/pdf", id: "812937461029384")
        )])),
        Case(file: "audio.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFkFVRElPLVZPSUNFLU5PVEUtMDAwMQA=", type: "audio", text: "",
            attachments: media("audio-950212883341607.ogg", "audio/ogg", id: "950212883341607")
        )])),
        Case(file: "video.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFlZJREVPLUJBTkpJUi0wMDAxLVNMRU1BTgA=", type: "video",
            text: "Banjir setinggi lutut di perumahan",
            attachments: media("video-1187732245501122.mp4", "video/mp4", id: "1187732245501122")
        )])),
        Case(file: "sticker.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFlNUSUNLRVItMDAwMS1USEFOS1MtWU9VAA==", type: "sticker", text: "",
            attachments: media("sticker-733421908812345.webp", "image/webp", id: "733421908812345")
        )])),
        Case(file: "location.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFkxPQ0FUSU9OLVRFUk1JTkFMLUtQLVJNQgA=", type: "location", text: terminal,
            location: terminal, metadata: [
                "latitude": "-6.3097", "longitude": "106.8826", "location_name": "Terminal Kampung Rambutan",
                "location_address": "Jl. Lingkar Luar Selatan, Rambutan, Ciracas, Jakarta Timur",
            ]
        )])),
        Case(file: "interactive-button-reply.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFklOVEVSQUNUSVZFLUJVVFRPTi0wMDAxAA==", type: "interactive", text: "Infrastruktur",
            metadata: [
                "whatsapp_reply_id": "kategori-infrastruktur",
                "whatsapp_context_id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQyQUJDREVGMDEyMzQ1Njc4OQA=",
            ]
        )])),
        Case(file: "two-messages.json", expected: .messages([
            message("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFlRXTy1NRVNTQUdFUy1GSVJTVC0wMDAxAA==", type: "text",
                    text: "Selamat siang, saya mau lapor calo tiket bus di Terminal Pulo Gebang."),
            message("wamid.HBgNNjI4NTY3ODkwMTIzNBUCABIYFlRXTy1NRVNTQUdFUy1TRUNPTkQtMDAwMgA=", type: "text",
                    text: "Antrean BBM solar di SPBU Jl. Raya Bogor sudah 2 km, truk parkir di bahu jalan.",
                    reporter: Reporter(kind: .phone, address: "+6285678901234", name: "Budi Santoso")),
        ])),
        Case(file: "foreign-number.json", expected: .messages([message(
            "wamid.HBgLMTQxNTU1NTAxMjMVAgASGBZGT1JFSUdOLU5VTUJFUi0wMDAxAA==", type: "text",
            text: "Tourist here: the taxi at Ngurah Rai airport charged me 3x the meter.",
            reporter: Reporter(kind: .phone, address: "+14155550123", name: "Jane Doe")
        )])),
        Case(file: "unsupported-type.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFlVOU1VQUE9SVEVELVZJRVctT05DRS0xAA==", type: "unsupported",
            text: "[WhatsApp message of type unsupported that the gateway cannot read]",
            metadata: ["whatsapp_unsupported": "unsupported", "whatsapp_error": "131051 Message type unknown: Message type is currently not supported."]
        )])),
        Case(file: "unknown-fields.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFlVOS05PV04tRklFTERTLTAwMDAxAA==", type: "text",
            text: "Sampah menumpuk di pasar Beringharjo 3 hari tidak diangkut."
        )])),
        Case(file: "invalid-utf8.json", expected: .messages([message(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFklOVkFMSUQtVVRGOC0wMDAxAA==", type: "text",
            text: "Caf\u{FFFD} di di alun-alun buang limbah ke selokan"
        )])),
        Case(file: "reaction.json", expected: .nothing),
        Case(file: "account-update.json", expected: .nothing),
        Case(file: "status-delivered.json", expected: .statuses([DeliveryStatus(
            providerMessageID: "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQyQUJDREVGMDEyMzQ1Njc4OQA=", status: "delivered",
            at: Date(timeIntervalSince1970: 1_775_529_065)
        )])),
        Case(file: "status-failed.json", expected: .statuses([DeliveryStatus(
            providerMessageID: "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEkZBSUxFRC1SRVBMWS0wMDAxAA==", status: "failed",
            at: Date(timeIntervalSince1970: 1_775_615_400),
            error: "131047 Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number."
        )])),
        Case(file: "missing-message-id.json", expected: .malformed(field: "\(field).id")),
        Case(file: "missing-from.json", expected: .malformed(field: "\(field).from")),
        Case(file: "text-without-body.json", expected: .malformed(field: "\(field).text.body")),
        Case(file: "image-without-id.json", expected: .malformed(field: "\(field).image.id")),
        Case(file: "location-without-latitude.json", expected: .malformed(field: "\(field).location.latitude")),
        Case(file: "messages-not-a-list.json", expected: .malformed(field: "entry[0].changes[0].value.messages")),
        Case(file: "missing-entry.json", expected: .malformed(field: "entry")),
        Case(file: "not-json.txt", expected: .malformed(field: nil)),
        Case(file: "truncated.json", expected: .malformed(field: nil)),
    ]

    @Test func everyFixtureHasACase() throws {
        let files = try Fixtures.files(in: "whatsapp/cloud").filter { $0.hasSuffix(".json") || $0.hasSuffix(".txt") }
        #expect(files == Self.cases.map(\.file).sorted())
    }

    @Test(arguments: cases)
    func signedNotificationYieldsExpectedMessagesStatusesOrNamedError(_ row: Case) throws {
        let body = try Array(Fixtures.data("whatsapp/cloud/\(row.file)"))
        let outcome = Result { () throws(AdapterError) in try Self.adapter.receive(Self.post(body, signature: Self.sign(body))) }
        switch (row.expected, outcome) {
        case (.messages(let expected), .success(.messages(let messages))):
            #expect(messages.count == expected.count)
            for (message, expected) in zip(messages, expected) { #expect(message == expected) }
        case (.statuses(let expected), .success(.deliveryStatuses(let statuses, let response))):
            #expect(statuses == expected)
            #expect(response.status == 200)
        case (.nothing, .success(.respond(let response))):
            #expect(response.status == 200)
        case (.malformed(let field), .failure(.malformed(let actual, _))):
            #expect(actual == field)
        default:
            Issue.record("expected \(row.expected), got \(outcome)")
        }
    }

    /// The openssl-signed table: Meta's documented header format is accepted, anything else is a 403.
    struct SignatureCase: Decodable, Sendable, CustomTestStringConvertible {
        var `case`: String
        var body: String
        var header: String?
        var accepted: Bool
        var testDescription: String { self.case }
    }

    static let signatureTable: (secret: String, cases: [SignatureCase]) = {
        struct Table: Decodable { var app_secret: String; var cases: [SignatureCase] }
        let table = try! JSONDecoder().decode(Table.self, from: Fixtures.data("whatsapp/cloud/signature/bad-signature-cases.json"))
        return (table.app_secret, table.cases)
    }()

    @Test(arguments: signatureTable.cases)
    func onlyMetasSignatureOverTheExactBodyIsAccepted(_ row: SignatureCase) throws {
        #expect(Self.signatureTable.secret == Self.appSecret)
        let body = try Array(Fixtures.data("whatsapp/cloud/\(row.body)"))
        let outcome = Result { () throws(AdapterError) in try Self.adapter.receive(Self.post(body, signature: row.header)) }
        switch outcome {
        case .success(.messages): #expect(row.accepted)
        case .failure(.unauthorized): #expect(!row.accepted)
        default: Issue.record("unexpected \(outcome)")
        }
    }

    @Test func oneChangedBodyByteIsRefused() throws {
        var body = try Array(Fixtures.data("whatsapp/cloud/text.json"))
        let signature = Self.sign(body)
        // A letter inside the text: the body stays valid JSON, so only the signature can refuse it.
        let index = try #require(body.firstRange(of: Array("lampu".utf8))?.lowerBound)
        body[index] = UInt8(ascii: "L")
        #expect {
            _ = try Self.adapter.receive(Self.post(body, signature: signature))
        } throws: { error in
            if case .unauthorized = error as? AdapterError { true } else { false }
        }
    }

    static func sign(_ body: [UInt8], secret: String = appSecret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func post(_ body: [UInt8], signature: String?) -> WebhookRequest {
        var headers: HeaderFields = ["Content-Type": "application/json"]
        if let signature { headers.append(name: "X-Hub-Signature-256", value: signature) }
        return WebhookRequest(method: "POST", publicURL: "https://lapor.example.go.id/webhooks/wa-1708", headers: headers, body: body)
    }
}

/// Meta's subscription check (`GET` with `hub.*` parameters) and who a WhatsApp reporter is.
@Suite struct WhatsAppVerificationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var description: String
        var query: [(name: String, value: String)]
        /// The challenge echoed with a 200, or the error expected.
        var expected: Result<String, AdapterError>
        var testDescription: String { description }
    }

    static let token = WhatsAppAdapterTests.verifyToken
    static let cases: [Case] = [
        Case(description: "right token answers the challenge", query: [
            ("hub.mode", "subscribe"), ("hub.challenge", "1158201444"), ("hub.verify_token", token),
        ], expected: .success("1158201444")),
        Case(description: "wrong token is refused", query: [
            ("hub.mode", "subscribe"), ("hub.challenge", "1158201444"), ("hub.verify_token", token + "x"),
        ], expected: .failure(.unauthorized(""))),
        Case(description: "token prefix is refused", query: [
            ("hub.mode", "subscribe"), ("hub.challenge", "1158201444"), ("hub.verify_token", String(token.dropLast())),
        ], expected: .failure(.unauthorized(""))),
        Case(description: "missing token is refused", query: [
            ("hub.mode", "subscribe"), ("hub.challenge", "1158201444"),
        ], expected: .failure(.unauthorized(""))),
        Case(description: "another mode is malformed", query: [
            ("hub.mode", "unsubscribe"), ("hub.challenge", "1158201444"), ("hub.verify_token", token),
        ], expected: .failure(.malformed(field: "hub.mode", message: ""))),
        Case(description: "missing challenge is malformed", query: [
            ("hub.mode", "subscribe"), ("hub.verify_token", token),
        ], expected: .failure(.malformed(field: "hub.challenge", message: ""))),
    ]

    @Test(arguments: cases)
    func subscriptionCheckAnswersTheChallengeOnlyForTheVerifyToken(_ row: Case) {
        let request = WebhookRequest(method: "GET", publicURL: "https://lapor.example.go.id/webhooks/wa-1708", query: row.query, headers: [:], body: [])
        let outcome = Result { () throws(AdapterError) in try WhatsAppAdapterTests.adapter.receive(request) }
        switch (row.expected, outcome) {
        case (.success(let challenge), .success(.respond(let response))):
            #expect(response.status == 200)
            #expect(response.contentType.hasPrefix("text/plain"))
            #expect(response.body == Array(challenge.utf8))
        case (.failure(.unauthorized), .failure(.unauthorized)): break
        case (.failure(.malformed(let field, _)), .failure(.malformed(let actual, _))): #expect(actual == field)
        default: Issue.record("expected \(row.expected), got \(outcome)")
        }
    }

    @Test func otherMethodsAreRefused() {
        let request = WebhookRequest(method: "PUT", publicURL: "https://lapor.example.go.id/webhooks/wa-1708", headers: [:], body: [])
        #expect(throws: AdapterError.self) { try WhatsAppAdapterTests.adapter.receive(request) }
    }

    @Test func whatsappSenderIsTheSameReporterAsTheSMSSenderWithTheSameNumber() throws {
        let body = try Array(Fixtures.data("whatsapp/cloud/text.json"))
        let request = WhatsAppAdapterTests.post(body, signature: WhatsAppAdapterTests.sign(body))
        guard case .messages(let messages) = try WhatsAppAdapterTests.adapter.receive(request) else {
            Issue.record("no messages")
            return
        }
        let fromSMS = try #require(Reporter(kind: .phone, raw: "0812-3456-7890"))
        let fromAggregator = try #require(Reporter(kind: .phone, raw: "+62 812 3456 7890"))
        #expect(messages.first?.reporter.kind == fromSMS.kind)
        #expect(messages.first?.reporter.address == fromSMS.address)
        #expect(messages.first?.reporter.address == fromAggregator.address)
    }
}

/// The channel as an operator writes it in the configuration.
@Suite struct WhatsAppConfigTests {
    static let yaml = """
        channels:
          - id: wa-1708
            type: whatsapp
            verify_token: env:WA_VERIFY_TOKEN
            app_secret: env:WA_APP_SECRET
            access_token: env:WA_ACCESS_TOKEN
            phone_number_id: "106540352242922"
        """

    @Test func readmeConfigurationLoadsWithSecretsFromTheEnvironment() throws {
        let config = try ConfigLoader.parse(yaml: Self.yaml, source: "wa.yaml", families: [WhatsAppAdapter.family], environment: [
            "WA_VERIFY_TOKEN": "verify-token-value", "WA_APP_SECRET": "app-secret-value", "WA_ACCESS_TOKEN": "EAAG-token-value",
        ])
        let channel = try #require(config.channels.first)
        #expect(channel.type == .whatsapp)
        #expect(channel.settings["verify_token"] == "verify-token-value")
        #expect(channel.settings["app_secret"] == "app-secret-value")
        #expect(channel.settings["phone_number_id"] == "106540352242922")
    }

    @Test func missingVerifyTokenAppSecretAndPhoneNumberIDAreEachReported() {
        let yaml = """
            channels:
              - id: wa-1708
                type: whatsapp
                access_token: token
            """
        do {
            _ = try ConfigLoader.parse(yaml: yaml, source: "wa.yaml", families: [WhatsAppAdapter.family], environment: [:])
            Issue.record("a WhatsApp channel without its required keys must be refused")
        } catch {
            let text = error.issues.map(\.keyPath).joined(separator: "\n")
            for key in ["verify_token", "app_secret", "phone_number_id"] { #expect(text.contains(key), "\(text)") }
            #expect(!text.contains("access_token"))
        }
    }
}
