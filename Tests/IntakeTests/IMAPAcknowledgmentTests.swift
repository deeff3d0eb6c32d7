import Foundation
import IntakeModel
import Testing

/// Mail read over IMAP is acknowledged like pushed mail: by SMTP through the reply outbox, threaded to the
/// citizen's message. Real Dovecot and a real SMTP sink (aiosmtpd), both on loopback.
@Suite("IMAP acknowledgments", .serialized)
struct IMAPAcknowledgmentTests {
    @Test("a letter read from the mailbox is acknowledged by SMTP with its tracking number, in reply to the letter")
    func polledLetterIsAcknowledged() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try await IMAPPollingTests.withDovecot { dovecot, directory in
            var channel = IMAPPollingTests.channel(dovecot)
            channel.settings["smtp_url"] = sink.url
            channel.settings["smtp_security"] = "plain"
            channel.settings["from"] = "LAPOR! <lapor@lapor.example.go.id>"
            try dovecot.deliver(
                messageID: "lampu-7@example.id", from: "Dewi Lestari <dewi@example.id>", subject: "Lampu jalan mati",
                body: "Lampu jalan di Jl. Kaliurang km 7 mati sejak seminggu."
            )
            try await IMAPPollingTests.running(channel, directory: directory) { gateway in
                let mail = try #require(try await sink.waitForMessages(1).first)
                #expect(mail.recipients == ["dewi@example.id"])
                let parsed = try mail.parsed()
                #expect(parsed.header("In-Reply-To") == "<lampu-7@example.id>")
                #expect(parsed.header("Auto-Submitted") == "auto-replied")
                let complaints = try #require(try await gateway.get("/api/v1/complaints").json["items"] as? [[String: Any]])
                let number = try #require(complaints.first?["tracking_number"] as? String)
                #expect(parsed.subject == "Re: Lampu jalan mati [\(number)]")
                #expect(parsed.text()?.contains(number) == true)
            }
        }
        #expect(sink.messages().count == 1, "one acknowledgment, not one per poll")
    }
}
