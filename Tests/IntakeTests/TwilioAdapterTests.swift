import Foundation
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import Testing
import TwilioAdapter

/// Twilio's inbound SMS/MMS webhook against the requests in `fixtures/sms/twilio/`, each signed by Twilio's
/// own library (`twilio.request_validator`, from `.venv`).
@Suite struct TwilioAdapterTests {
    static let authToken = "9f1c2e3d4b5a69788796a5b4c3d2e1f0"
    static let accountSID = "AC3f1c0e8d2b7a4c6e9f0a1b2c3d4e5f60"
    static let publicURL = "https://lapor.example.go.id"
    static let channel = ChannelConfig(id: "sms-twilio", type: .twilio, settings: ["auth_token": authToken, "account_sid": accountSID])
    static let adapter = TwilioAdapter(channel: channel)
    static var webhookURL: String { "\(publicURL)/webhooks/\(channel.id)" }

    enum Signing: Sendable {
        /// Signed by Twilio's library with the channel's auth token.
        case provider
        /// Signed by Twilio's library with another auth token.
        case otherToken
        /// No `X-Twilio-Signature` at all.
        case none
    }

    enum Expected: Sendable {
        case message(InboundMessage)
        /// A 400 naming these fields.
        case malformed(String)
        /// A 403.
        case unauthorized
        case delivery(DeliveryStatus)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        var signing = Signing.provider
        let expected: Expected
        var testDescription: String { file }
    }

    static func sms(_ sid: String, from: String, text: String, to: String = "+6221170800", attachments: [InboundAttachment] = [],
                    metadata: [String: String] = [:], statusQuestion: String? = nil) -> Expected {
        .message(InboundMessage(
            channelID: "sms-twilio", channelType: .twilio, externalID: sid, reporter: Reporter(kind: .phone, address: from),
            text: text, attachments: attachments, metadata: ["to": to].merging(metadata) { $1 }, statusQuestion: statusQuestion
        ))
    }

    static func media(_ message: String, _ media: String, _ type: String, _ fileName: String) -> InboundAttachment {
        let url = "https://api.twilio.com/2010-04-01/Accounts/\(accountSID)/Messages/\(message)/Media/\(media)"
        return InboundAttachment(fileName: fileName, mediaType: type, reference: MediaReference(location: url, credentials: "twilio-basic"))
    }

    static let cases: [Case] = [
        Case(file: "inbound-sms.txt", expected: sms(
            "SM5b0e2c9a7d4f4e1a8c3b6d9e0f1a2b3c", from: "+6281234567890",
            text: "Lapor pak, lampu PJU di Jl. Gatot Subroto depan pasar mati sdh 2 minggu, rawan begal. Mohon diperbaiki",
            metadata: ["num_segments": "1"]
        )),
        Case(file: "inbound-mms-two-photos.txt", expected: sms(
            "MM8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d", from: "+6285712345678",
            text: "Sampah menumpuk di TPS Kel. Cempaka Putih, sdh seminggu tdk diangkut. Foto terlampir",
            attachments: [
                media("MM8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d", "ME1111aaaa2222bbbb3333cccc4444dddd", "image/jpeg", "ME1111aaaa2222bbbb3333cccc4444dddd.jpg"),
                media("MM8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d", "ME5555eeee6666ffff7777aaaa8888bbbb", "image/png", "ME5555eeee6666ffff7777aaaa8888bbbb.png"),
            ],
            metadata: ["num_segments": "1"]
        )),
        Case(file: "inbound-mms-photo-only.txt", expected: sms(
            "MM0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", from: "+6281311112222", text: "",
            attachments: [media("MM0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "ME9999aaaa9999aaaa9999aaaa9999aaaa", "image/jpeg", "ME9999aaaa9999aaaa9999aaaa9999aaaa.jpg")]
        )),
        Case(file: "status-question.txt", expected: sms(
            "SM0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a", from: "+6281234567890", text: "cek LPR-7K3M-9QX2", statusQuestion: "LPR-7K3M-9QX2"
        )),
        Case(file: "whatsapp-sender.txt", expected: sms(
            "SM0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", from: "+6281234567890",
            text: "Jembatan penyeberangan di Halte Dukuh Atas rusak, besi pegangan lepas", to: "whatsapp:+14155238886"
        )),
        Case(file: "invalid-utf8-body.txt", expected: sms(
            "SM0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d", from: "+6281234567890", text: "Jalan \u{FFFD}\u{FFFD} rusak \u{FFFD}"
        )),
        Case(file: "status-callback-delivered.txt", expected: .delivery(DeliveryStatus(
            providerMessageID: "SM2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b", status: "delivered"
        ))),
        Case(file: "missing-message-sid.txt", expected: .malformed("MessageSid")),
        Case(file: "missing-from-and-body.txt", expected: .malformed("From, Body")),
        Case(file: "from-not-a-number.txt", expected: .malformed("From")),
        Case(file: "num-media-without-url.txt", expected: .malformed("MediaUrl1")),
        Case(file: "bad-signature.txt", signing: .otherToken, expected: .unauthorized),
        Case(file: "missing-signature.txt", signing: .none, expected: .unauthorized),
    ]

    @Test func everyFixtureHasACase() throws {
        #expect(try Fixtures.files(in: "sms/twilio") == Self.cases.map(\.file).sorted())
    }

    @Test("each Twilio request, signed by Twilio's own library, yields its message, report or named refusal", arguments: cases)
    func fixtureYieldsExpectedOutcome(_ row: Case) async throws {
        let body = try Array(Fixtures.data("sms/twilio/\(row.file)"))
        var headers: HeaderFields = ["Content-Type": "application/x-www-form-urlencoded"]
        switch row.signing {
        case .provider:
            headers.append(name: "X-Twilio-Signature", value: try await ProviderSigning.twilioSignature(authToken: Self.authToken, url: Self.webhookURL, body: body))
        case .otherToken:
            headers.append(name: "X-Twilio-Signature", value: try await ProviderSigning.twilioSignature(authToken: "0" + Self.authToken.dropFirst(), url: Self.webhookURL, body: body))
        case .none:
            break
        }
        let request = WebhookRequest(method: "POST", publicURL: Self.webhookURL, headers: headers, body: body)
        let outcome: WebhookOutcome
        do {
            outcome = try Self.adapter.receive(request)
        } catch {
            switch (error, row.expected) {
            case (.malformed(let field, _), .malformed(let expected)): #expect(field == expected)
            case (.unauthorized, .unauthorized): break
            default: Issue.record("refused with \(error), expected \(row.expected)")
            }
            return
        }
        switch (outcome, row.expected) {
        case (.messages(let messages), .message(let expected)): #expect(messages == [expected])
        case (.deliveryStatuses(let reports, let answer), .delivery(let expected)):
            #expect(reports == [expected])
            #expect(answer.status == 200)
        default: Issue.record("got \(outcome), expected \(row.expected)")
        }
    }

    @Test("the TwiML answer carries the reply, XML-escaped, or nothing")
    func twiMLAnswer() throws {
        let number = TrackingNumber(payload: 42)
        let quiet = Self.adapter.acknowledge([Receipt(trackingNumber: number, duplicate: false, complaintID: "c1", journalID: 1)])
        #expect(String(decoding: quiet.body, as: UTF8.self) == #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#)
        #expect(quiet.contentType.hasPrefix("text/xml"))
        let reply = "Laporan <\(number)> diterima & diproses \"segera\""
        let answer = Self.adapter.acknowledge([Receipt(trackingNumber: number, duplicate: false, complaintID: "c1", journalID: 1, reply: reply)])
        #expect(String(decoding: answer.body, as: UTF8.self) == #"<?xml version="1.0" encoding="UTF-8"?><Response><Message>Laporan &lt;\#(number)&gt; diterima &amp; diproses &quot;segera&quot;</Message></Response>"#)
    }

    @Test("the Twilio family replies inline, as SMS, and fetches media by reference")
    func familyShape() {
        #expect(TwilioAdapter.family.repliesInline)
        #expect(TwilioAdapter.family.isSMS)
        #expect(TwilioAdapter.family.makeMediaResolver != nil)
        #expect(TwilioAdapter.family.settingKeys.contains(ChannelSettingKey("auth_token", required: true, secret: true)))
    }
}

/// The Twilio channel through a running gateway: signatures from Twilio's library, retries, refusals.
@Suite struct TwilioWebhookTests {
    static let channel = TwilioAdapterTests.channel

    static func post(_ gateway: RunningGateway, body: [UInt8], signature: String?) async throws -> HTTPClientResponse {
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if let signature { headers.append(("X-Twilio-Signature", signature)) }
        return try await gateway.client.send(HTTPClientRequest(
            method: "POST", url: "\(gateway.baseURL)/webhooks/\(channel.id)", headers: headers, body: body
        ))
    }

    static func sign(_ body: [UInt8]) async throws -> String {
        try await ProviderSigning.twilioSignature(authToken: TwilioAdapterTests.authToken, url: TwilioAdapterTests.webhookURL, body: body)
    }

    /// Waits (bounded) until the gateway has processed every journaled message.
    static func processed(_ gateway: RunningGateway) async throws {
        for _ in 0..<400 {
            if try await gateway.get("/healthz", token: nil).json["journal_pending"] as? Int == 0 { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("the gateway did not process its journal within 10 s")
    }

    @Test("a request Twilio's library signed is accepted with TwiML; one changed byte in the body or the signature is a 403")
    func signedRequestAcceptedAndTamperedRefused() async throws {
        try await RunningGateway.with(channels: [Self.channel], publicURL: TwilioAdapterTests.publicURL) { gateway in
            let files = ["inbound-sms.txt", "inbound-mms-two-photos.txt", "inbound-mms-photo-only.txt"]
            for file in files {
                let body = try Array(Fixtures.data("sms/twilio/\(file)"))
                let signature = try await Self.sign(body)
                var changedBody = body
                let index = changedBody.firstRange(of: Array("Body=".utf8))!.upperBound
                changedBody[index] ^= 0x01
                var changedSignature = Array(signature.utf8)
                changedSignature[3] = changedSignature[3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")

                #expect(try await Self.post(gateway, body: changedBody, signature: signature).status == 403, "\(file)")
                #expect(try await Self.post(gateway, body: body, signature: String(decoding: changedSignature, as: UTF8.self)).status == 403, "\(file)")
                #expect(try await Self.post(gateway, body: body, signature: nil).status == 403, "\(file)")
                let accepted = try await Self.post(gateway, body: body, signature: signature)
                #expect(accepted.status == 200, "\(file)")
                #expect(accepted.header("Content-Type")?.hasPrefix("text/xml") == true)
                #expect(String(decoding: accepted.body, as: UTF8.self).hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?><Response"#))
            }
            try await Self.processed(gateway)
            #expect(try await gateway.server.database.read { try $0.complaintCount() } == files.count)
        }
    }

    @Test("Twilio retrying the same MessageSid gets the same answer and makes one complaint")
    func retriedMessageMakesOneComplaint() async throws {
        try await RunningGateway.with(channels: [Self.channel], publicURL: TwilioAdapterTests.publicURL) { gateway in
            let body = try Array(Fixtures.data("sms/twilio/inbound-sms.txt"))
            let signature = try await Self.sign(body)
            let first = try await Self.post(gateway, body: body, signature: signature)
            let again = try await Self.post(gateway, body: body, signature: signature)
            #expect(first.status == 200)
            #expect(again.status == 200)
            #expect(again.body == first.body)
            try await Self.processed(gateway)
            #expect(try await gateway.server.database.read { try $0.complaintCount() } == 1)
        }
    }

    @Test("a body over the channel's max_body_bytes is a 413")
    func oversizedBodyIs413() async throws {
        var small = Self.channel
        small.maxBodyBytes = 256
        try await RunningGateway.with(channels: [small], publicURL: TwilioAdapterTests.publicURL) { gateway in
            let body = try Array(Fixtures.data("sms/twilio/inbound-mms-two-photos.txt"))
            #expect(body.count > 256)
            #expect(try await Self.post(gateway, body: body, signature: try await Self.sign(body)).status == 413)
        }
    }

    @Test("a signed request missing required fields is a 400 naming them")
    func missingFieldsAre400() async throws {
        try await RunningGateway.with(channels: [Self.channel], publicURL: TwilioAdapterTests.publicURL) { gateway in
            let body = try Array(Fixtures.data("sms/twilio/missing-from-and-body.txt"))
            let answer = try await Self.post(gateway, body: body, signature: try await Self.sign(body))
            #expect(answer.status == 400)
            #expect(String(decoding: answer.body, as: UTF8.self).contains("From, Body"))
        }
    }
}

/// Twilio media URLs answer with a redirect to the CDN, which the resolver hands back as the download.
@Suite struct TwilioMediaResolverTests {
    static func resolver(accountSID: String?) -> any MediaResolver {
        var settings = ["auth_token": TwilioAdapterTests.authToken]
        settings["account_sid"] = accountSID
        return TwilioAdapter.family.makeMediaResolver!(ChannelConfig(id: "sms-twilio", type: .twilio, settings: settings))
    }

    static func reference(_ server: RoutingCoreStandIn) -> MediaReference {
        MediaReference(
            location: "http://127.0.0.1:\(server.port)/2010-04-01/Accounts/\(TwilioAdapterTests.accountSID)/Messages/MM1/Media/ME1",
            credentials: TwilioAdapter.mediaCredentials
        )
    }

    @Test("the media URL is asked once with basic auth and its redirect becomes the download, without credentials")
    func redirectBecomesDownload() async throws {
        let cdn = "https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC3f/abc123?Expires=1775529000&Signature=x"
        let server = try RoutingCoreStandIn(secret: "unused") { _, _ in .status(307, headers: [("Location", cdn)]) }
        server.listen()
        defer { server.stop() }
        let download = try await Self.resolver(accountSID: TwilioAdapterTests.accountSID).download(Self.reference(server), over: HTTPClient())
        #expect(download.method == "GET")
        #expect(download.url == cdn)
        #expect(download.headers.isEmpty)
        let basic = "Basic " + Data("\(TwilioAdapterTests.accountSID):\(TwilioAdapterTests.authToken)".utf8).base64EncodedString()
        #expect(server.received.map { $0.headers["authorization"] } == [basic])
    }

    @Test("without account_sid the media URL is asked without credentials")
    func noAccountNoCredentials() async throws {
        let server = try RoutingCoreStandIn(secret: "unused") { _, _ in .status(302, headers: [("Location", "/cdn/ME1")]) }
        server.listen()
        defer { server.stop() }
        let download = try await Self.resolver(accountSID: nil).download(Self.reference(server), over: HTTPClient())
        #expect(download.url == "http://127.0.0.1:\(server.port)/cdn/ME1")
        #expect(server.received.count == 1)
        #expect(server.received.first?.headers["authorization"] == nil)
    }

    @Test("a media URL Twilio no longer serves is an error saying so")
    func goneMedia() async throws {
        let server = try RoutingCoreStandIn(secret: "unused") { _, _ in .status(404, body: #"{"code":20404}"#) }
        server.listen()
        defer { server.stop() }
        await #expect(throws: TwilioMediaError.gone(status: 404)) {
            _ = try await Self.resolver(accountSID: TwilioAdapterTests.accountSID).download(Self.reference(server), over: HTTPClient())
        }
    }
}
