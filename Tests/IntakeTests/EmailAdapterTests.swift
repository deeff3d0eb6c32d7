import EmailAdapter
import Foundation
import IntakeModel
import Testing

/// Raw MIME to complaint (`EmailParser`), the not-complaints, and the `email-inbound` webhook's secret.
@Suite("EmailAdapterTests")
struct EmailAdapterTests {
    static let channel = ChannelConfig(
        id: "mail", type: EmailAdapter.type, maxBodyBytes: 4 << 20,
        settings: ["secret": "rahasia-surat", "attachment_max_bytes": "100000", "attachments_max_bytes": "200000"]
    )

    /// What one fixture must become.
    struct Case: CustomTestStringConvertible, Sendable {
        var fixture: String
        var externalID: String?
        var reporter: String
        var name: String?
        var title: String?
        var text: String
        var absent: [String] = []
        var files: [String] = []
        var dropped: String?
        var testDescription: String { fixture }
    }

    static let cases: [Case] = [
        Case(fixture: "indonesian-qp-utf8.eml", externalID: "surat-1@example.co.id", reporter: "siti.nuraini@example.co.id",
             name: "Siti Nuráini", title: "Jalan rusak di Desa Sukamaju",
             text: "Anak-anak sekolah harus berjalan kaki — mohon segera diperbaiki."),
        Case(fixture: "windows-1252.eml", externalID: "cp1252-1@example.com", reporter: "budi@example.com", name: "Budi Santoso",
             title: "Lampu jalan mati", text: "mati “sudah lama” – biaya €0."),
        Case(fixture: "latin1-subject.eml", externalID: "latin1-1@example.org", reporter: "andre@example.org", name: "André Wijaya",
             title: "Pelayanan café puskesmas", text: "café di sebelahnya tutup."),
        Case(fixture: "unknown-charset.eml", externalID: "unknown-cs-1@example.id", reporter: "warga@example.id",
             title: "Kantin sekolah", text: "Harga di café sekolah naik dua kali lipat."),
        Case(fixture: "iso-8859-15.eml", externalID: "latin9-1@example.id", reporter: "warga@example.id",
             title: "Retribusi pasar", text: "Retribusi 5 € per hari tanpa karcis."),
        Case(fixture: "html-only.eml", externalID: "html-1@example.id", reporter: "warga@example.id", title: "Sampah menumpuk",
             text: "Sampah menumpuk di pasar & terminal.\n\nBau sekali\nsejak Senin.", absent: ["<p>", "color", "&amp;"]),
        Case(fixture: "multipart-alternative.eml", externalID: "alt-1@example.id", reporter: "dewi@example.id", name: "Dewi",
             title: "Air PDAM keruh", text: "Air PDAM di Perumahan Griya keruh selama seminggu.", absent: ["HTML"]),
        Case(fixture: "reply-quoted-signature.eml", externalID: "reply-1@example.id", reporter: "rudi@example.id", name: "Rudi",
             title: "Re: Jembatan putus", text: "Sampai hari ini jembatan belum diperbaiki.",
             absent: ["Terima kasih", "menulis:", "Ketua RT", "LPR-0000"]),
        Case(fixture: "forwarded.eml", externalID: "fwd-1@example.id", reporter: "lina@example.id", name: "Lina",
             title: "Fwd: Pungutan liar di kelurahan", text: "Petugas kelurahan meminta Rp 50.000 untuk surat pengantar."),
        Case(fixture: "attachment.eml", externalID: "att-1@example.id", reporter: "agus@example.id", name: "Agus",
             title: "Foto banjir", text: "Banjir setinggi lutut di Jl. Kenanga, foto terlampir.", files: ["banjir kenanga.png"]),
        Case(fixture: "attachment-rfc2231-continuation.eml", externalID: "cont-1@example.id", reporter: "wati@example.id", name: "Wati",
             title: "Surat keberatan", text: "Surat keberatan resmi terlampir.", files: ["surat keberatan à kelurahan.pdf"]),
        Case(fixture: "oversized-attachment.eml", externalID: "big-1@example.id", reporter: "agus@example.id", name: "Agus",
             title: "Video banjir", text: "Video banjir terlampir.", files: ["attachment-2.png"], dropped: "video.mp4 (307200 bytes)"),
        Case(fixture: "no-message-id.eml", externalID: nil, reporter: "anonim@example.id", title: "Parkir liar",
             text: "Parkir liar di depan RSUD setiap sore."),
    ]

    @Test("a citizen's letter becomes a complaint with sender, subject, body and files", arguments: cases)
    func letterBecomesComplaint(_ expected: Case) throws {
        let raw = try Self.fixture(expected.fixture)
        guard case .complaint(let message) = try EmailParser.message(raw: raw, channel: Self.channel) else {
            Issue.record("\(expected.fixture) was not taken as a complaint")
            return
        }
        if let id = expected.externalID { #expect(message.externalID == id) }
        #expect(message.reporter.kind == .email)
        #expect(message.reporter.address == expected.reporter)
        #expect(message.reporter.name == expected.name)
        #expect(message.title == expected.title)
        #expect(message.text.contains(expected.text), "text was: \(message.text)")
        for fragment in expected.absent { #expect(!message.text.contains(fragment), "\(fragment) should be cut: \(message.text)") }
        #expect(message.attachments.map(\.fileName) == expected.files)
        #expect(message.attachments.allSatisfy { !$0.bytes.isEmpty })
        #expect(message.metadata["attachments_dropped"] == expected.dropped)
        #expect(message.channelType == EmailAdapter.type)
    }

    @Test("a message without Message-ID gets the same id from its content every time")
    func missingMessageIDIsStable() throws {
        let raw = try Self.fixture("no-message-id.eml")
        guard case .complaint(let first) = try EmailParser.message(raw: raw, channel: Self.channel),
              case .complaint(let second) = try EmailParser.message(raw: raw, channel: Self.channel),
              case .complaint(let other) = try EmailParser.message(raw: raw + Array("Lagi.\r\n".utf8), channel: Self.channel)
        else { Issue.record("not a complaint"); return }
        #expect(first.externalID.hasPrefix("sha256:") && first.externalID.count == 7 + 64)
        #expect(first.externalID == second.externalID)
        #expect(other.externalID != first.externalID)
        // Another path adds trace headers; the sender's mail is the same, so is its id.
        guard case .complaint(let traced) = try EmailParser.message(
            raw: Array("Received: from mx2.example.id by lapor.example; Fri, 4 Dec 2026 10:00:00 +0700\r\n".utf8) + raw, channel: Self.channel
        ) else { Issue.record("not a complaint"); return }
        #expect(traced.externalID == first.externalID)
    }

    /// Mail that is recorded but never a complaint.
    struct Ignored: CustomTestStringConvertible, Sendable {
        var fixture: String?
        var raw: String?
        var reason: IgnoredEmailReason
        var original: String?
        var testDescription: String { fixture ?? String(raw!.prefix(40)) }
    }

    static let ignored: [Ignored] = [
        Ignored(fixture: "out-of-office.eml", reason: .autoReply),
        Ignored(fixture: "dsn-bounce.eml", reason: .bounce, original: "ack-42@lapor.example"),
        Ignored(raw: "From: a@example.id\r\nSubject: Hi\r\nX-Autoreply: yes\r\n\r\nAway.\r\n", reason: .autoReply),
        Ignored(raw: "From: a@example.id\r\nSubject: Hi\r\nX-Autorespond: yes\r\n\r\nAway.\r\n", reason: .autoReply),
        Ignored(raw: "From: a@example.id\r\nSubject: News\r\nPrecedence: bulk\r\n\r\nPromo.\r\n", reason: .autoReply),
        Ignored(raw: "From: a@example.id\r\nSubject: News\r\nList-Unsubscribe: <mailto:u@example.id>\r\n\r\nPromo.\r\n", reason: .autoReply),
        Ignored(raw: "From: a@example.id\r\nSubject: Hi\r\nX-Loop: lapor\r\n\r\nLoop.\r\n", reason: .autoReply),
        Ignored(raw: "From: a@example.id\r\nSubject: Out of Office: laporan\r\n\r\nAway.\r\n", reason: .autoReply),
        Ignored(raw: "From: a@example.id\r\nSubject: Hi\r\nX-Intake-Acknowledgment: LPR-0000-0000\r\nAuto-Submitted: auto-replied\r\n\r\nAck.\r\n",
                reason: .acknowledgment),
        Ignored(raw: "From: noreply@bank.example\r\nSubject: Info\r\n\r\nNotice.\r\n", reason: .automatedSender),
        Ignored(raw: "From: MAILER-DAEMON@mx.example\r\nSubject: failure\r\n\r\nBounced.\r\n", reason: .automatedSender),
    ]

    @Test("auto-replies, bounces, list mail and our own acknowledgments are never complaints", arguments: ignored)
    func notComplaints(_ expected: Ignored) throws {
        let raw = try expected.fixture.map(Self.fixture) ?? Array(expected.raw!.utf8)
        guard case .ignored(let ignored) = try EmailParser.message(raw: raw, channel: Self.channel) else {
            Issue.record("taken as a complaint")
            return
        }
        #expect(ignored.reason == expected.reason)
        #expect(ignored.originalMessageID == expected.original)
        // Pushed, it yields nothing to journal.
        #expect(try EmailAdapter(channel: Self.channel).receive(raw: raw).isEmpty)
    }

    @Test("replies never go to mailer-daemon or noreply addresses", arguments: [
        ("MAILER-DAEMON@mx.example.id", true), ("postmaster@example.id", true), ("noreply@bank.example", true),
        ("no-reply@x.example", true), ("warga@example.id", false), ("noreply.fan@example.id", false),
    ])
    func unanswerableAddresses(_ address: String, _ unanswerable: Bool) {
        #expect(EmailParser.isUnanswerable(address) == unanswerable)
    }

    @Test("Auto-Submitted: no is an ordinary letter")
    func autoSubmittedNoIsALetter() throws {
        let raw = Array("From: a@example.id\r\nSubject: Jalan\r\nAuto-Submitted: no\r\n\r\nJalan rusak.\r\n".utf8)
        guard case .complaint = try EmailParser.message(raw: raw, channel: Self.channel) else {
            Issue.record("Auto-Submitted: no was ignored")
            return
        }
    }

    @Test("bytes that are not a message are refused as malformed")
    func garbageIsMalformed() throws {
        for raw in [try Self.fixture("garbage.bin"), Array("just some words\nno headers\n".utf8), []] {
            #expect(throws: AdapterError.self) { try EmailParser.message(raw: raw, channel: Self.channel) }
        }
    }

    @Test("the webhook takes raw MIME only with the channel secret, and answers an ignored mail 200")
    func webhookSecret() throws {
        let adapter = EmailAdapter(channel: Self.channel)
        let raw = try Self.fixture("indonesian-qp-utf8.eml")
        func request(_ secret: String?, body: [UInt8]) -> WebhookRequest {
            var headers = HeaderFields()
            if let secret { headers = HeaderFields([(EmailAdapter.secretHeader, secret)]) }
            return WebhookRequest(method: "POST", publicURL: "http://127.0.0.1/webhooks/mail", headers: headers, body: body)
        }
        #expect(throws: AdapterError.self) { try adapter.receive(request(nil, body: raw)) }
        #expect(throws: AdapterError.self) { try adapter.receive(request("rahasia-suraT", body: raw)) }
        guard case .messages(let messages) = try adapter.receive(request("rahasia-surat", body: raw)) else {
            Issue.record("a letter with the right secret was not accepted")
            return
        }
        #expect(messages.count == 1)
        guard case .ignored("auto-reply", let response) = try adapter.receive(request("rahasia-surat", body: try Self.fixture("out-of-office.eml"))) else {
            Issue.record("an out-of-office was not answered without journaling")
            return
        }
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self).contains("auto-reply"))
        guard case .deliveryStatuses(let statuses, let answer) = try adapter.receive(request("rahasia-surat", body: try Self.fixture("dsn-bounce.eml"))) else {
            Issue.record("a bounce was not recorded against the bounced mail")
            return
        }
        #expect(statuses.map(\.providerMessageID) == ["ack-42@lapor.example"] && statuses.first?.status == "failed")
        #expect(answer.status == 200)
    }

    @Test("random byte mutations of every fixture never crash the parser")
    func mutationsNeverCrash() throws {
        var generator = SplitMix64(seed: 0x18E3A11)
        let names = Self.cases.map(\.fixture).filter { $0 != "oversized-attachment.eml" } + ["out-of-office.eml", "dsn-bounce.eml"]
        var parsed = 0
        for name in names {
            let original = try Self.fixture(name)
            for _ in 0..<150 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...12, using: &generator) {
                    let index = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<4, using: &generator) {
                    case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                    case 1: bytes.remove(at: index)
                    case 2: bytes.insert(contentsOf: Array(Self.tokens[index % Self.tokens.count].utf8), at: index)
                    default: bytes = Array(bytes.prefix(index))
                    }
                    if bytes.isEmpty { bytes = [0x41] }
                }
                if (try? EmailParser.message(raw: bytes, channel: Self.channel)) != nil { parsed += 1 }
            }
        }
        #expect(parsed > 0, "some mutations still parse, so the parser was exercised beyond the first byte")
    }

    /// Fragments that steer mutations into the parser's interesting states: encoded words, boundaries, entities.
    static let tokens = ["=?", "?=", "\r\n", "--", "<", "&#x", "=?UTF-8?B?", "\r\n\r\n", ";", "\"", "=\r\n", ">"]

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = Bundle.module.url(forResource: "fixtures", withExtension: nil)!.appendingPathComponent("email/\(name)")
        return try Array(Data(contentsOf: url))
    }
}
