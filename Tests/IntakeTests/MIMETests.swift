import Foundation
import IntakeMIME
import Testing

/// The libetpan-backed MIME parser against real-shaped complaint mail in `fixtures/email/mime/`.
@Suite struct MIMETests {
    /// One fixture and what the email adapter must read from it.
    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        let subject: String
        let fromAddress: String
        let fromName: String?
        let textContains: [String]
        let partCount: Int
        let attachmentFileName: String?

        var testDescription: String { file }
    }

    static let cases: [Case] = [
        Case(
            file: "plain-utf8.eml",
            subject: "Jalan berlubang parah di Jl. Raya Bogor km 32, Cimanggis, Depok",
            fromAddress: "budi.santoso@gmail.com",
            fromName: "Budi Santoso",
            textContains: ["Lubangnya sudah ±50 cm lebarnya", "Sudah 3 bulan tidak diperbaiki…", "Dinas PUPR Kota Depok"],
            partCount: 1,
            attachmentFileName: nil
        ),
        Case(
            file: "quoted-printable-latin1.eml",
            subject: "Sampah menumpuk di depan Café Melati",
            fromAddress: "siti.rahma@yahoo.co.id",
            fromName: "Siti Rahmawati",
            // Soft line breaks joined, Latin-1 bytes (é, °, ½) converted to UTF-8.
            textContains: ["depan Café Melati, Jl. Diponegoro No. 17, Kelurahan", "suhu mencapai 33°C", "setinggi ½ meter"],
            partCount: 1,
            attachmentFileName: nil
        ),
        Case(
            file: "multipart-with-photo.eml",
            subject: "Jembatan penyeberangan rusak di Pasar Minggu",
            fromAddress: "agus.wijaya@outlook.co.id",
            fromName: "Agus Wijaya",
            textContains: ["pelat lantainya sudah lepas dua buah", "(koordinat -6.2841, 106.8445)"],
            partCount: 3,
            attachmentFileName: "jembatan-pasar-minggu.jpg"
        ),
        Case(
            file: "encoded-subject-b.eml",
            subject: "Banjir setinggi 50 cm – drainase tersumbat di Perumahan Griya Asri 🌧️",
            fromAddress: "dewi.lestari88@gmail.com",
            fromName: "Ibu Dewi Lestari – RT 05",
            textContains: ["menggenangi Blok C Perumahan Griya Asri", "pengerukan segera 🙏"],
            partCount: 2,
            attachmentFileName: "daftar warga – Blok C.txt"
        ),
    ]

    @Test(arguments: cases)
    func fixtureYieldsExpectedComplaintFields(_ expected: Case) throws {
        let message = try MIMEMessage(parsing: fixture(expected.file))
        #expect(message.subject == expected.subject)
        #expect(message.from.map(\.address) == [expected.fromAddress])
        #expect(message.from.first?.displayName == expected.fromName)
        let text = try #require(message.text())
        for fragment in expected.textContains {
            #expect(text.contains(fragment), "text lacks \"\(fragment)\"")
        }
        #expect(!text.contains("\r"))
        #expect(message.parts.count == expected.partCount)
        #expect(message.parts.first { $0.isAttachment }?.fileName == expected.attachmentFileName)
        #expect(message.messageID?.isEmpty == false)
        #expect(message.date != nil)
    }

    @Test func envelopeFieldsAreDecoded() throws {
        let message = try MIMEMessage(parsing: fixture("plain-utf8.eml"))
        #expect(message.messageID == "CAJx8k2Rt9vQ3m1pZ@mail.gmail.com")
        // Mon, 3 Mar 2025 08:15:42 +0700 is 01:15:42 UTC.
        #expect(message.date == Date(timeIntervalSince1970: 1_740_964_542))
        #expect(message.header("to") == "pengaduan@lapor.go.id")
        // Raw header values are unfolded but not decoded.
        #expect(message.header("Subject") == "Jalan berlubang parah di Jl. Raya Bogor km 32, Cimanggis, Depok")
        #expect(message.headers.first?.name == "Return-Path")
        #expect(message.headers.filter { $0.name == "Received" }.count == 1)
        #expect(message.parts.first?.charset == "UTF-8")
    }

    @Test func encodedHeadersStayRawInTheHeaderList() throws {
        let message = try MIMEMessage(parsing: fixture("encoded-subject-b.eml"))
        let raw = try #require(message.header("Subject"))
        #expect(raw.hasPrefix("=?UTF-8?B?"))
        #expect(!raw.contains("\n"))
    }

    @Test func multipartLeavesComeInDocumentOrderWithDecodedBodies() throws {
        let message = try MIMEMessage(parsing: fixture("multipart-with-photo.eml"))
        #expect(message.parts.map(\.mediaType) == ["text/plain", "text/html", "image/jpeg"])
        #expect(message.parts.map(\.isAttachment) == [false, false, true])
        let photo = message.parts[2]
        #expect(photo.body.count == 134)
        #expect(photo.body.prefix(3) == [0xFF, 0xD8, 0xFF])
        #expect(photo.contentID == "foto1@outlook.co.id")
        #expect(photo.text() == nil)
        #expect(message.parts[1].text()?.hasPrefix("<html><body><p>Selamat pagi,</p>") == true)
    }

    @Test func attachedTextFileIsNotTakenForTheBody() throws {
        let message = try MIMEMessage(parsing: fixture("encoded-subject-b.eml"))
        let attachment = try #require(message.parts.last)
        #expect(attachment.mediaType == "text/plain")
        #expect(attachment.isAttachment)
        #expect(attachment.text()?.hasPrefix("Daftar warga terdampak banjir Blok C") == true)
        #expect(message.text()?.hasPrefix("Assalamualaikum,") == true)
    }

    @Test func messageWithoutMIMEHeadersIsPlainText() throws {
        let raw = "From: warga@example.id\r\nSubject: Lampu jalan mati\r\n\r\nLampu PJU di gang 3 mati sejak Senin.\r\n"
        let message = try MIMEMessage(parsing: Array(raw.utf8))
        #expect(message.parts.map(\.mediaType) == ["text/plain"])
        #expect(message.text() == "Lampu PJU di gang 3 mati sejak Senin.\n")
        #expect(message.from == [MailAddress(address: "warga@example.id")])
        #expect(message.messageID == nil)
        #expect(message.date == nil)
    }

    @Test func emptyInputIsRejected() {
        #expect(throws: MIMEError.emptyMessage) { try MIMEMessage(parsing: []) }
    }

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = Bundle.module.url(forResource: "fixtures", withExtension: nil)!
            .appendingPathComponent("email/mime/\(name)")
        return try Array(Data(contentsOf: url))
    }
}

extension MIMETests {
    @Test("an mbox From_ line before the header (Postfix pipe flag F, mbox files) is skipped, not fatal")
    func mboxSeparatorLineIsSkipped() throws {
        let raw = Array("From MAILER-DAEMON Fri Apr 06 16:46:09 2001\nFrom: Rudi <rudi@example.id>\nSubject: Jalan\n\nBerlubang.\n".utf8)
        let message = try MIMEMessage(parsing: raw)
        #expect(message.subject == "Jalan")
        #expect(message.from == [MailAddress(displayName: "Rudi", address: "rudi@example.id")])
        #expect(message.text()?.hasPrefix("Berlubang.") == true)
        #expect(throws: MIMEError.emptyMessage) { try MIMEMessage(parsing: Array("From x\n".utf8)) }
    }
}

extension MIMETests {
    @Test("a text part's CRLF line ends become LF; a lone CR stays", arguments: [
        ("a\r\nb\r\n", "a\nb\n"), ("a\rb", "a\rb"), ("a\r", "a\r"), ("\r\r\n", "\r\n"), ("tanpa baris", "tanpa baris"), ("é\r\nü", "é\nü"),
    ])
    func crlfBecomesLF(body: String, expected: String) {
        #expect(MIMEPart(mediaType: "text/plain", charset: "utf-8", body: Array(body.utf8)).text() == expected)
    }
}
