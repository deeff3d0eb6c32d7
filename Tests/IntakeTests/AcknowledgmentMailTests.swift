import EmailAdapter
import Foundation
import IntakeMIME
import IntakeModel
import Testing

/// The acknowledgment's wire form, case by case: headers, RFC 2047 subjects, CRLF, quoted-printable, a
/// Message-ID that is stable per reply, read back by the gateway's own MIME parser.
@Suite("AcknowledgmentMailTests")
struct AcknowledgmentMailTests {
    static let number = TrackingNumber(payload: 12_345_678).description
    static let sender = MailSender("LAPOR! Kementerian PANRB <lapor@lapor.example.go.id>")!

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var subject: String?
        var language: String
        var inReplyTo: String?
        var references: [String]
        var text: String
        /// The subject as a reader sees it; `#` stands for the tracking number.
        var expectedSubject: String
        /// Whether the raw Subject must be encoded words.
        var encoded: Bool
        /// The raw References value, `nil` for none.
        var expectedReferences: String?

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "ASCII subject, Bahasa Indonesia", subject: "Jembatan putus", language: "id", inReplyTo: "a1@example.id", references: [],
             text: "LAPOR!: Laporan Anda diterima dengan nomor #.", expectedSubject: "Re: Jembatan putus [#]", encoded: false,
             expectedReferences: "<a1@example.id>"),
        Case(name: "non-ASCII subject is RFC 2047 encoded", subject: "Jalan rusak — mohon perbaikan, Bapak/Ibu 🙏", language: "id",
             inReplyTo: "a2@example.id", references: ["r0@example.id", "r1@example.id"],
             text: "Terima kasih — laporan # sudah kami catat.", expectedSubject: "Re: Jalan rusak — mohon perbaikan, Bapak/Ibu 🙏 [#]",
             encoded: true, expectedReferences: "<r0@example.id> <r1@example.id> <a2@example.id>"),
        Case(name: "no subject, English", subject: nil, language: "en", inReplyTo: "a3@example.id", references: [],
             text: "LAPOR!: Your report was received, tracking number #.", expectedSubject: "Your report to LAPOR! [#]", encoded: false,
             expectedReferences: "<a3@example.id>"),
        Case(name: "a reply already naming the number keeps its subject", subject: "RE: Laporan # tambahan", language: "id",
             inReplyTo: "a4@example.id", references: [], text: "Tambahan diterima.", expectedSubject: "RE: Laporan # tambahan", encoded: false,
             expectedReferences: "<a4@example.id>"),
        Case(name: "a mail without Message-ID gets no In-Reply-To", subject: "Sampah", language: "id", inReplyTo: "sha256:0badc0ffee",
             references: [], text: "Diterima.", expectedSubject: "Re: Sampah [#]", encoded: false, expectedReferences: nil),
        Case(name: "a long Indonesian subject and body fold within the line limits",
             subject: String(repeating: "Pungutan liar di kantor kelurahan — ", count: 4), language: "id", inReplyTo: "a6@example.id",
             references: (1...14).map { "r\($0)@example.id" },
             text: String(repeating: "Petugas meminta uang tambahan sebesar Rp50.000 untuk pengurusan KTP, tanpa kuitansi. ", count: 5)
                 + "\nBaris dengan spasi di akhir   \n=sama dengan di awal",
             expectedSubject: "Re: " + String(repeating: "Pungutan liar di kantor kelurahan — ", count: 4)
                 .trimmingCharacters(in: .whitespaces) + " [#]",
             encoded: true,
             expectedReferences: (["r1@example.id"] + (7...14).map { "r\($0)@example.id" } + ["a6@example.id"]).map { "<\($0)>" }.joined(separator: " ")),
    ]

    static func reply(_ item: Case, key: String = "mail/a") -> OutboundReply {
        OutboundReply(
            idempotencyKey: key, channelID: "mail", recipient: "siti@example.id", text: item.text.replacing("#", with: number),
            inReplyTo: item.inReplyTo, references: item.references, trackingNumber: number, subject: item.subject?.replacing("#", with: number)
        )
    }

    @Test("the acknowledgment reads back as written", arguments: cases)
    func composedMailReadsBack(_ item: Case) throws {
        let mail = AcknowledgmentMail(reply: Self.reply(item), sender: Self.sender, language: item.language, date: Date(timeIntervalSince1970: 1_796_000_000))
        let raw = mail.bytes
        let wire = String(decoding: raw, as: UTF8.self)
        #expect(!raw.indices.contains { raw[$0] == 0x0A && ($0 == 0 || raw[$0 - 1] != 0x0D) }, "CRLF only")
        #expect(raw.allSatisfy { $0 < 0x80 }, "7-bit on the wire")
        let (head, body) = try #require(wire.range(of: "\r\n\r\n").map { (wire[..<$0.lowerBound], wire[$0.upperBound...]) })
        #expect(head.components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 }, "header lines within 78")
        #expect(body.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 }, "quoted-printable lines within 76")
        #expect(head.contains("Subject: =?UTF-8?B?") == item.encoded)

        let parsed = try MIMEMessage(parsing: raw)
        #expect(parsed.subject == item.expectedSubject.replacing("#", with: Self.number))
        #expect(parsed.from.first?.address == "lapor@lapor.example.go.id")
        #expect(parsed.from.first?.displayName == "LAPOR! Kementerian PANRB")
        #expect(parsed.header("To") == "<siti@example.id>")
        #expect(parsed.header("Date") == "Mon, 30 Nov 2026 00:53:20 +0000")
        #expect(parsed.header("Auto-Submitted") == "auto-replied")
        #expect(parsed.header("X-Auto-Response-Suppress") == "All")
        #expect(parsed.header("X-Intake-Acknowledgment") == Self.number)
        #expect(parsed.header("Content-Type") == "text/plain; charset=UTF-8")
        #expect(parsed.header("Content-Transfer-Encoding") == "quoted-printable")
        #expect(parsed.header("References") == item.expectedReferences)
        #expect(parsed.header("In-Reply-To") == item.expectedReferences.map { _ in "<\(item.inReplyTo!)>" })
        #expect(parsed.messageID == mail.messageID)
        #expect(MessageThread.trackingNumber(in: "<\(mail.messageID)>")?.description == Self.number, "a reply to it finds the complaint")
        let footer = item.language == "en" ? "This email was sent automatically" : "Email ini dikirim otomatis"
        let text = try #require(parsed.text())
        #expect(text.hasPrefix(item.text.replacing("#", with: Self.number) + "\n\n" + footer), "\(text)")
    }

    @Test("the Message-ID is the same on every retry of one reply and differs between replies")
    func messageIDIsStablePerReply() {
        let item = Self.cases[0]
        let first = AcknowledgmentMail(reply: Self.reply(item), sender: Self.sender, language: "id", date: Date(timeIntervalSince1970: 0))
        let retry = AcknowledgmentMail(reply: Self.reply(item), sender: Self.sender, language: "id", date: Date())
        let other = AcknowledgmentMail(reply: Self.reply(item, key: "mail/b"), sender: Self.sender, language: "id", date: Date())
        #expect(first.messageID == retry.messageID)
        #expect(first.messageID != other.messageID)
        #expect(first.messageID.hasPrefix("\(Self.number).ack.") && first.messageID.hasSuffix("@lapor.example.go.id"))
    }

    @Test("the channel's from is read as a name and an address, or refused", arguments: [
        ("lapor@example.go.id", "lapor@example.go.id", nil),
        ("\"LAPOR! 1708\" <lapor@example.go.id>", "lapor@example.go.id", "LAPOR! 1708"),
        ("Layanan Pengaduan <pengaduan@kab.example.go.id>", "pengaduan@kab.example.go.id", "Layanan Pengaduan"),
        ("bukan alamat", nil, nil),
    ] as [(String, String?, String?)])
    func fromSetting(_ value: String, address: String?, name: String?) {
        let sender = MailSender(value)
        #expect(sender?.address == address)
        #expect(sender?.name == name)
    }
}
