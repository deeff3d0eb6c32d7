import Foundation
import GenericAdapter
import IntakeModel
import Testing

/// intake's own signed JSON webhook against the payloads in `fixtures/generic/generic/`.
@Suite struct GenericAdapterTests {
    static let secret = "rahasia-mudik-2026"
    static let channel = ChannelConfig(id: "generic-partner", type: .generic, maxBodyBytes: 64 * 1024, settings: ["secret": secret])
    static let adapter = GenericAdapter(channel: channel)

    enum Expected: Sendable {
        case message(InboundMessage)
        /// A 400 naming `field`; nil when the body as a whole is unreadable.
        case malformed(field: String?)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        let expected: Expected

        var testDescription: String { file }
    }

    static let cases: [Case] = [
        Case(file: "valid-sms-style.json", expected: .message(InboundMessage(
            channelID: "generic-partner", channelType: .generic, externalID: "sms-1708-20260407-000413",
            reporter: Reporter(kind: .phone, address: "+6281234567890"),
            text: "lapor pak, di terminal kampung rambutan byk calo tiket bus mudik, hrg tiket jd 2x lipat. petugas dishub gk ada yg jaga. tlg ditindak, mksh"
        ))),
        Case(file: "valid-with-all-optional-fields.json", expected: .message(InboundMessage(
            channelID: "generic-partner", channelType: .generic, externalID: "form-88231-0007",
            // 2026-04-07T09:30:00+07:00 (WIB) is 02:30 UTC.
            sentAt: Date(timeIntervalSince1970: 1_775_529_000),
            reporter: Reporter(kind: .email, address: "dewi.lestari88@gmail.com", name: "Ibu Dewi Lestari"),
            anonymous: true, confidential: true, kind: .complaint,
            title: "Jalan rusak parah di Jl. Kaliurang km 12, Sleman",
            text: "Selamat pagi Bapak/Ibu,\n\nJalan di depan SD Negeri Ngaglik 2 berlubang dalam (±40 cm) sejak musim hujan. Sdh 3 pengendara motor jatuh minggu ini.\nMohon segera diperbaiki oleh DPUPKP Kab. Sleman.\n\nTerima kasih.",
            location: "Jl. Kaliurang km 12, Sardonoharjo, Ngaglik, Kab. Sleman, DI Yogyakarta",
            incidentDate: "2026-04-05", category: "Infrastruktur", tags: ["jalan-rusak", "sleman"]
        ))),
        Case(file: "valid-information-request.json", expected: .message(InboundMessage(
            channelID: "generic-partner", channelType: .generic, externalID: "tw-1909876543210987654",
            sentAt: Date(timeIntervalSince1970: 1_775_513_703.5),
            reporter: Reporter(kind: .social, address: "wargamudik_jkt", name: "Warga Mudik"),
            kind: .informationRequest,
            text: "@lapor1708 min, mau tanya jadwal mudik gratis Kemenhub dr Terminal Kampung Rambutan kapan dibuka pendaftarannya? #MudikLAPOR",
            tags: ["#MudikLAPOR"]
        ))),
        Case(file: "valid-web-account.json", expected: .message(InboundMessage(
            channelID: "generic-partner", channelType: .generic, externalID: "web-20260407-5521",
            reporter: Reporter(kind: .web, address: "akun-web-88231"), confidential: true,
            text: "Ada pungli di kantor kelurahan utk bikin surat pengantar KTP, diminta Rp 50rb tanpa kwitansi."
        ))),
        Case(file: "missing-id.json", expected: .malformed(field: "id")),
        Case(file: "blank-id.json", expected: .malformed(field: "id")),
        Case(file: "missing-from.json", expected: .malformed(field: "from")),
        Case(file: "from-not-an-address.json", expected: .malformed(field: "from")),
        Case(file: "from-phone-too-short.json", expected: .malformed(field: "from")),
        Case(file: "missing-text.json", expected: .malformed(field: "text")),
        Case(file: "empty-text.json", expected: .malformed(field: "text")),
        Case(file: "text-not-a-string.json", expected: .malformed(field: "text")),
        Case(file: "anonymous-not-a-bool.json", expected: .malformed(field: "anonymous")),
        Case(file: "tags-not-a-list.json", expected: .malformed(field: "tags")),
        Case(file: "sent-at-not-iso.json", expected: .malformed(field: "sent_at")),
        Case(file: "bad-kind.json", expected: .malformed(field: "kind")),
        Case(file: "bad-incident-date.json", expected: .malformed(field: "incident_date")),
        Case(file: "not-an-object.json", expected: .malformed(field: nil)),
        Case(file: "not-json.txt", expected: .malformed(field: nil)),
        Case(file: "truncated-json.json", expected: .malformed(field: nil)),
    ]

    @Test func everyFixtureHasACase() throws {
        #expect(try Fixtures.files(in: "generic/generic") == Self.cases.map(\.file).sorted())
    }

    @Test(arguments: cases)
    func signedWebhookYieldsExpectedMessageOrNamedError(_ row: Case) throws {
        let body = try Array(Fixtures.data("generic/generic/\(row.file)"))
        let request = Self.request(body: body, signature: GenericAdapter.signature(secret: Self.secret, body: body))
        let result: Result<[InboundMessage], AdapterError>
        do {
            switch try Self.adapter.receive(request) {
            case .messages(let messages): result = .success(messages)
            case .respond(let response): Issue.record("answered \(response.status) instead of journaling"); return
            case .deliveryStatuses: Issue.record("answered with delivery reports instead of journaling"); return
            case .partial: Issue.record("refused part of a one-message body"); return
            case .ignored(let reason, _): Issue.record("ignored (\(reason)) instead of journaling"); return
            case .unreadable(let problem, _, _): Issue.record("quarantined (\(problem)) instead of journaling"); return
            }
        } catch {
            result = .failure(error)
        }
        Self.check(result, row.expected)
    }

    @Test(arguments: cases)
    func pushedPayloadNeedsNoSignature(_ row: Case) throws {
        let body = try Array(Fixtures.data("generic/generic/\(row.file)"))
        let result: Result<[InboundMessage], AdapterError>
        do {
            result = .success(try Self.adapter.receive(raw: body))
        } catch {
            result = .failure(error)
        }
        Self.check(result, row.expected)
    }

    static func check(_ result: Result<[InboundMessage], AdapterError>, _ expected: Expected,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        switch (result, expected) {
        case (.success(let messages), .message(let message)):
            #expect(messages == [message], sourceLocation: sourceLocation)
        case (.failure(.malformed(let field, let text)), .malformed(let expectedField)):
            #expect(field == expectedField, sourceLocation: sourceLocation)
            #expect(!text.isEmpty, sourceLocation: sourceLocation)
            // The 400 answer starts with the field it names, so a partner sees what to fix.
            if let expectedField {
                #expect(String(describing: result.failure!).hasPrefix("\(expectedField): "), sourceLocation: sourceLocation)
            }
        default:
            Issue.record("got \(result), expected \(expected)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Reading JSON

    /// Bodies as partners write them, each read by hand now: what comes out must be what JSON means.
    @Test(arguments: [
        (#"{"id":"a","from":"081234567890","text":"caf\u00e9 \ud83d\ude00 \"kutip\" \\ \/ baris\nbaru\ttab"}"#,
         "café 😀 \"kutip\" \\ / baris\nbaru\ttab"),
        (#" { "text" : "jalan  rusak" , "id" : "a" , "from" : "081234567890" } "#, "jalan  rusak"),
        (#"{"id":"a","from":"081234567890","text":"x","extra":{"nested":[1,-2.5e3,true,null,{"k":"v"}]},"n":0}"#, "x"),
        (#"{"id":"a","from":"081234567890","text":"teks ünïcödé","title":null,"tags":["a","b"],"anonymous":false}"#,
         "teks ünïcödé"),
    ])
    func bodiesAreReadAsJSONMeansThem(body: String, text: String) throws {
        let messages = try Self.adapter.receive(raw: Array(body.utf8))
        #expect(messages.map(\.text) == [text])
    }

    @Test(arguments: [
        (#"{"id":"a","from":"081234567890","text":"x",}"#, nil),
        (#"{"id":"a","from":"081234567890","text":"x"} {}"#, nil),
        (#"{"id":"a","from":"081234567890","text":"\ud83d"}"#, nil),
        (#"{"id":"a","from":"081234567890","text":"\x"}"#, nil),
        ("{\"id\":\"a\",\"from\":\"081234567890\",\"text\":\"tab\tinside\"}", nil),
        (#"{"id":"a","from":"081234567890","text":"x","n":01}"#, nil),
        (#"{"id":"a","from":"081234567890","text":"x","n":tru}"#, nil),
        (#"{"id":1,"from":"081234567890","text":"x"}"#, "id"),
        (#"{"id":"a","from":"081234567890","text":["x"]}"#, "text"),
        (#"{"id":"a","from":"081234567890","text":"x","tags":["a",2]}"#, "tags"),
        (#"{"id":"a","from":"081234567890","text":"x","confidential":"yes"}"#, "confidential"),
        // A wrong type before a syntax error: the body is not JSON, and that is what is said.
        (#"{"id":1,"from":"081234567890","text":"x""#, nil),
        (#"["not", "an", "object"]"#, nil),
    ] as [(String, String?)])
    func badBodiesAreRefusedNamingTheField(body: String, field: String?) {
        let error = #expect(throws: AdapterError.self) { try Self.adapter.receive(raw: Array(body.utf8)) }
        guard case .malformed(let named, _) = error else { Issue.record("not malformed: \(String(describing: error))"); return }
        #expect(named == field)
    }

    @Test func invalidUTF8AndDeepNestingAreNotJSON() {
        let invalid: [UInt8] = Array(#"{"id":"a","from":"081234567890","text":""#.utf8) + [0xff, 0xfe] + Array(#""}"#.utf8)
        let deep = Array((#"{"id":"a","from":"081234567890","text":"x","d":"# + String(repeating: "[", count: 600)
            + String(repeating: "]", count: 600) + "}").utf8)
        for body in [invalid, deep] {
            #expect(throws: AdapterError.malformed(field: nil, message: "body is not valid JSON")) { try Self.adapter.receive(raw: body) }
        }
    }

    // MARK: Signatures

    static let body = Array(#"{"id":"sms-001","from":"081234567890","text":"tlg jln rusak di Sleman"}"#.utf8)
    static var validHex: String { String(GenericAdapter.signature(secret: secret, body: body).dropFirst("sha256=".count)) }

    @Test func signatureMatchesAnIndependentHMACImplementation() throws {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"rahasia-mudik-2026",
        //   b"{\"id\":\"sms-001\",\"from\":\"081234567890\",\"text\":\"tlg jln rusak di Sleman\"}", hashlib.sha256).hexdigest())'
        let python = "sha256=5fff5f605f87c8d06f1d2dd5aff242f250c53e910aa978bfc49df41c84b3ebdf"
        #expect(GenericAdapter.signature(secret: Self.secret, body: Self.body) == python)
        guard case .messages(let messages) = try Self.adapter.receive(Self.request(body: Self.body, signature: python)) else {
            Issue.record("no messages"); return
        }
        #expect(messages.map(\.text) == ["tlg jln rusak di Sleman"])
    }

    /// A header a sender might put on `body`, and whether the adapter must accept it.
    struct SignatureCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let header: String?
        var sentBody: [UInt8] = GenericAdapterTests.body
        let accepted: Bool
    }

    static let signatureCases: [SignatureCase] = [
        SignatureCase(testDescription: "valid", header: "sha256=" + validHex, accepted: true),
        // HMAC hex is case-insensitive; some HTTP libraries print digests in upper case.
        SignatureCase(testDescription: "upper-case hex", header: "sha256=" + validHex.uppercased(), accepted: true),
        SignatureCase(testDescription: "missing header", header: nil, accepted: false),
        SignatureCase(testDescription: "empty header", header: "", accepted: false),
        SignatureCase(testDescription: "wrong prefix", header: "sha1=" + validHex, accepted: false),
        SignatureCase(testDescription: "no prefix", header: validHex, accepted: false),
        SignatureCase(testDescription: "one byte short", header: "sha256=" + validHex.dropLast(2), accepted: false),
        SignatureCase(testDescription: "odd number of digits", header: "sha256=" + validHex.dropLast(), accepted: false),
        SignatureCase(testDescription: "one byte too many", header: "sha256=" + validHex + "00", accepted: false),
        SignatureCase(testDescription: "not hex", header: "sha256=" + String(repeating: "zz", count: 32), accepted: false),
        SignatureCase(testDescription: "body tampered after signing", header: "sha256=" + validHex,
                      sentBody: Array(#"{"id":"sms-001","from":"081234567890","text":"tlg jln rusak di Bantul"}"#.utf8), accepted: false),
        SignatureCase(testDescription: "signed with another secret",
                      header: GenericAdapter.signature(secret: "rahasia-lain", body: body), accepted: false),
    ]

    @Test(arguments: signatureCases)
    func signatureDecidesWhetherTheMessageIsTaken(_ row: SignatureCase) {
        do {
            let outcome = try Self.adapter.receive(Self.request(body: row.sentBody, signature: row.header))
            #expect(row.accepted, "accepted")
            if case .messages(let messages) = outcome { #expect(messages.count == 1) }
        } catch {
            #expect(!row.accepted, "refused: \(error)")
            guard case .unauthorized = error else { Issue.record("not unauthorized: \(error)"); return }
        }
    }

    /// The adapter's own HMAC (SHA256 keyed once per channel) agrees with swift-crypto's for secrets shorter
    /// than, as long as and longer than the 64-byte block (hashed first), and refuses a neighbouring secret's.
    @Test(arguments: [0, 1, 18, 63, 64, 65, 200])
    func signatureKeyAgreesWithHMACForEverySecretLength(_ length: Int) throws {
        let secret = String((0..<length).map { Character(UnicodeScalar(UInt8(33 + $0 % 90))) })
        let adapter = GenericAdapter(channel: ChannelConfig(
            id: "generic-partner", type: .generic, maxBodyBytes: 64 * 1024, settings: ["secret": secret]
        ))
        let header = GenericAdapter.signature(secret: secret, body: Self.body)
        guard case .messages(let messages) = try adapter.receive(Self.request(body: Self.body, signature: header)) else {
            Issue.record("no messages"); return
        }
        #expect(messages.count == 1)
        let other = GenericAdapter.signature(secret: secret + "x", body: Self.body)
        #expect(throws: AdapterError.self) { try adapter.receive(Self.request(body: Self.body, signature: other)) }
    }

    @Test func everySingleByteChangeToTheBodyIsRejected() {
        let header = GenericAdapter.signature(secret: Self.secret, body: Self.body)
        for index in Self.body.indices {
            var tampered = Self.body
            tampered[index] ^= 0x01
            #expect(throws: AdapterError.self, "byte \(index)") {
                try Self.adapter.receive(Self.request(body: tampered, signature: header))
            }
        }
    }

    @Test func signatureHeaderNameIsCaseInsensitive() throws {
        let headers: HeaderFields = ["x-intake-signature": GenericAdapter.signature(secret: Self.secret, body: Self.body)]
        let request = WebhookRequest(method: "POST", publicURL: "https://intake.lapor.go.id/webhooks/generic-partner", headers: headers, body: Self.body)
        guard case .messages(let messages) = try Self.adapter.receive(request) else { Issue.record("no messages"); return }
        #expect(messages.count == 1)
    }

    @Test func onlyPostDeliversMessages() {
        var request = Self.request(body: Self.body, signature: GenericAdapter.signature(secret: Self.secret, body: Self.body))
        request.method = "GET"
        let error = #expect(throws: AdapterError.self) { try Self.adapter.receive(request) }
        guard case .wrongMethod = error else { Issue.record("not wrongMethod: \(String(describing: error))"); return }
    }

    @Test func signatureIsCheckedBeforeTheBodyIsRead() throws {
        let body = try Array(Fixtures.data("generic/generic/not-json.txt"))
        let error = #expect(throws: AdapterError.self) {
            try Self.adapter.receive(Self.request(body: body, signature: "sha256=" + Self.validHex))
        }
        guard case .unauthorized = error else { Issue.record("not unauthorized: \(String(describing: error))"); return }
        // The same bytes, correctly signed, are refused for what they are.
        let signed = Self.request(body: body, signature: GenericAdapter.signature(secret: Self.secret, body: body))
        #expect(throws: AdapterError.malformed(field: nil, message: "body is not valid JSON")) { try Self.adapter.receive(signed) }
    }

    // MARK: Answers

    @Test(arguments: [false, true])
    func acknowledgementCarriesTheTrackingNumberAsJSON(duplicate: Bool) throws {
        let number = TrackingNumber.random()
        let receipt = Receipt(trackingNumber: number, duplicate: duplicate, complaintID: ComplaintID.make(), journalID: 41)
        let response = Self.adapter.acknowledge([receipt])
        #expect(response.status == 200)
        #expect(response.contentType.hasPrefix("application/json"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(Set(object.keys) == ["duplicate", "tracking_number"])
        #expect(object["duplicate"] as? Bool == duplicate)
        let tracking = try #require(object["tracking_number"] as? String)
        #expect(tracking.hasPrefix("LPR-"))
        #expect(TrackingNumber(parsing: tracking) == number)
    }

    @Test func acknowledgementWithoutReceiptIsAServerError() {
        #expect(Self.adapter.acknowledge([]).status == 500)
    }

    @Test func bodyLimitComesFromTheChannel() {
        #expect(Self.adapter.maxBodyBytes == 64 * 1024)
        #expect(GenericAdapter(channel: ChannelConfig(id: "g", type: .generic)).maxBodyBytes == ChannelConfig.defaultMaxBodyBytes)
    }

    static func request(body: [UInt8], signature: String?) -> WebhookRequest {
        var headers = HeaderFields([("Content-Type", "application/json")])
        if let signature { headers.append(name: GenericAdapter.signatureHeader, value: signature) }
        return WebhookRequest(method: "POST", publicURL: "https://intake.lapor.go.id/webhooks/generic-partner", headers: headers, body: body)
    }
}

private extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
