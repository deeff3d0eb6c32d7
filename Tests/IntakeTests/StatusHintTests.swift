import EmailAdapter
import Foundation
import IntakeModel
import Testing
import WebFormAdapter

/// An acknowledgment tells its recipient how to follow the report in a way that works where it arrives: SMS
/// says `CEK`, which the SMS adapter answers; email, which takes no status questions, points to the web
/// form's status page (a real SMTP server, aiosmtpd, receives the mail).
@Suite("Acknowledgment status hint", .serialized)
struct StatusHintTests {
    static let statusPage = "https://lapor.example.go.id/lapor/status"

    @Test("a form's email contact is pointed to the status page, its phone contact told to reply CEK")
    func formContactsGetTheirChannelsHint() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let response = String(decoding: try Fixtures.data("sms/infobip/send-accepted.txt"), as: UTF8.self)
        let api = try ProviderAPIStandIn { _, _ in response }
        defer { api.stop() }
        let channels = ContactReplyTests.channels(smtpURL: sink.url, smsAPI: api.baseURL)
        try await RunningGateway.with(channels: channels, replyPolicy: ReplyTesting.policy) { gateway in
            let byMail = try await ContactReplyTests.submit(gateway, ["contact_email": "ani@example.id"])
            let body = try #require(try await sink.waitForMessages(1).first?.parsed().text())
            #expect(body.contains("Laporan Anda diterima dengan nomor \(byMail). Cek status: \(Self.statusPage)?nomor=\(byMail)"), "\(body)")
            #expect(!body.contains("balas CEK"), "email takes no status questions: \(body)")

            let bySMS = try await ContactReplyTests.submit(gateway, [
                "contact_phone": "0812-3456-7890", "body": "Lampu penerangan jalan di Jalan Dago mati sudah seminggu, gelap di malam hari.",
            ])
            _ = try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 2 }
            let request = try #require(api.received.first)
            let message = try #require((request.json["messages"] as? [[String: Any]])?.first)
            let text = try #require(message["text"] as? String)
            #expect(text == "LAPOR!: Laporan Anda diterima dengan nomor \(bySMS). Cek status: balas CEK \(bySMS)")
            #expect(!text.contains("http"))
        }
    }

    @Test("the email family's own acknowledgment points to the status page when a web form serves one, else gives no hint")
    func emailAcknowledgmentHint() async throws {
        for withForm in [true, false] {
            let sink = try await SMTPSink.start()
            defer { sink.stop() }
            var channels = [EmailReplyTests.channel(smtpURL: sink.url)]
            if withForm { channels.append(ChannelConfig(id: "form", type: WebFormAdapter.type, settings: ["secret": WebFormTests.secret])) }
            try await RunningGateway.with(channels: channels, replyPolicy: ReplyTesting.policy) { gateway in
                let answer = try await EmailReplyTests.push(gateway, EmailReplyTests.letter("hint-\(withForm)@example.id"))
                let number = try #require(answer["tracking_number"] as? String)
                let body = try #require(try await sink.waitForMessages(1).first?.parsed().text())
                #expect(!body.contains("balas CEK"), "\(body)")
                if withForm {
                    #expect(body.contains("Laporan Anda diterima dengan nomor \(number). Cek status: \(Self.statusPage)?nomor=\(number)"), "\(body)")
                } else {
                    #expect(body.contains("Laporan Anda diterima dengan nomor \(number)."), "\(body)")
                    #expect(!body.contains("Cek status"), "\(body)")
                    #expect(!body.contains("/lapor/status"), "no web form, no status page: \(body)")
                }
            }
        }
    }
}
