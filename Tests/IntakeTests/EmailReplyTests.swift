import AdapterRegistry
import EmailAdapter
import Foundation
import IntakeConfig
import IntakeHTTPClient
import IntakeMIME
import IntakeModel
import IntakeServer
@testable import IntakeStorage
import Logging
import Synchronization
import Testing

/// Acknowledgments by email: a real SMTP server on loopback (`aiosmtpd`, `SMTPSink`) receives what the
/// gateway submits over libcurl; an outage delays them and loses none; at most a few per address per hour;
/// never to an address nobody reads; our own acknowledgment coming back is ignored.
@Suite("EmailReplyTests")
struct EmailReplyTests {
    static let secret = "rahasia-balasan-4e2a"
    static let from = "LAPOR! <lapor@lapor.example.go.id>"

    /// An `email-inbound` channel acknowledging through `smtpURL` (plain SMTP on loopback).
    static func channel(smtpURL: String, perHour: Int? = nil, language: String = "id") -> ChannelConfig {
        ChannelConfig(
            id: "mail", type: EmailAdapter.type, maxBodyBytes: 4 << 20,
            settings: ["secret": secret, "smtp_url": smtpURL, "smtp_security": "plain", "from": from], burstSeconds: 0, language: language,
            repliesPerAddressPerHour: perHour
        )
    }

    /// Pushes raw MIME to the channel's webhook; the JSON answer.
    static func push(_ gateway: RunningGateway, _ body: [UInt8]) async throws -> [String: Any] {
        let response = try await gateway.client.send(HTTPClientRequest(
            method: "POST", url: "\(gateway.baseURL)/webhooks/mail", headers: [(EmailAdapter.secretHeader, secret)], body: body
        ))
        #expect(response.status == 200, "\(response.text)")
        return response.json
    }

    static func letter(_ id: String, from: String = "Siti Nuraini <siti@example.id>", subject: String = "Jalan rusak — mohon perbaikan",
                       text: String = "Jalan di Desa Sukamaju rusak parah sejak tiga bulan, mohon segera diperbaiki.",
                       headers: String = "") -> [UInt8] {
        EmailIngestTests.mail(id, from: from, subject: "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?=", text: text, headers: headers)
    }

    @Test("a complaint gets one acknowledgment by SMTP, threaded, automatic, in Bahasa Indonesia; the ack pushed back is ignored")
    func acknowledgmentArrivesAndLoopIsIgnored() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try await RunningGateway.with(channels: [Self.channel(smtpURL: sink.url)], replyPolicy: ReplyTesting.policy) { gateway in
            let answer = try await Self.push(gateway, Self.letter("warga-1@example.id", headers: "References: <lama-0@example.id>\r\n"))
            let number = try #require(answer["tracking_number"] as? String)
            let mail = try #require(try await sink.waitForMessages(1).first)
            #expect(mail.mailFrom == "lapor@lapor.example.go.id")
            #expect(mail.recipients == ["siti@example.id"])
            let parsed = try mail.parsed()
            #expect(parsed.from.first?.address == "lapor@lapor.example.go.id")
            #expect(parsed.header("To") == "<siti@example.id>")
            #expect(parsed.subject == "Re: Jalan rusak — mohon perbaikan [\(number)]")
            #expect(parsed.header("Auto-Submitted") == "auto-replied")
            #expect(parsed.header("X-Auto-Response-Suppress") == "All")
            #expect(parsed.header("In-Reply-To") == "<warga-1@example.id>")
            #expect(parsed.header("References")?.split(separator: " ") == ["<lama-0@example.id>", "<warga-1@example.id>"])
            let messageID = try #require(parsed.messageID)
            #expect(messageID.hasPrefix("\(number).ack.") && messageID.hasSuffix("@lapor.example.go.id"))
            let body = try #require(parsed.text())
            #expect(body.contains("Laporan Anda diterima dengan nomor \(number)"), "\(body)")
            #expect(body.contains("Email ini dikirim otomatis"))
            #expect(!mail.raw.indices.contains { mail.raw[$0] == 0x0A && ($0 == 0 || mail.raw[$0 - 1] != 0x0D) }, "CRLF line endings only")

            let replies = try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 1 }
            #expect(replies.first?["provider_message_id"] as? String == messageID)

            // The acknowledgment comes back (a forwarding loop, a mailbox that bounces it unchanged): ignored.
            let loop = try await Self.push(gateway, mail.raw)
            #expect(loop["ignored"] as? String == "acknowledgment")
            #expect(try await ReplyTesting.replies(gateway).count == 1, "no reply to the loop")
            #expect((try await gateway.get("/api/v1/complaints").json["items"] as? [Any])?.count == 1, "no complaint from the loop")

            // The citizen answering the acknowledgment joins the same complaint (threaded by our Message-ID).
            let followUp = try await Self.push(gateway, Self.letter(
                "warga-2@example.id", subject: "Re: foto tambahan", text: "Berikut foto lubang di depan balai desa.",
                headers: "In-Reply-To: <\(messageID)>\r\n"
            ))
            #expect(followUp["tracking_number"] as? String == number)
            let second = try await sink.waitForMessages(2)[1].parsed()
            #expect(second.header("In-Reply-To") == "<warga-2@example.id>")
            #expect(second.header("References")?.contains("<\(messageID)>") == true)
            #expect(second.subject?.contains(number) == true)
        }
    }

    @Test("an SMTP outage keeps the acknowledgment queued with the error; once the server is up exactly one arrives")
    func outageDelaysAndLosesNothing() async throws {
        let port = try FreePort.pick()
        try await RunningGateway.with(channels: [Self.channel(smtpURL: "smtp://127.0.0.1:\(port)")], replyPolicy: ReplyTesting.policy) { gateway in
            _ = try await Self.push(gateway, Self.letter("warga-outage@example.id"))
            let waiting = try await ReplyTesting.waitForReplies(gateway) { items in
                items.count == 1 && (items[0]["attempts"] as? Int ?? 0) >= 2 && items[0]["status"] as? String == "pending"
            }
            let error = waiting[0]["last_error"] as? String ?? ""
            #expect(error.contains("unreachable"), "\(error)")
            #expect(!error.contains("siti@example.id"), "no address in the error")

            let sink = try await SMTPSink.start(port: port)
            defer { sink.stop() }
            try await sink.waitForMessages(1)
            try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 1 }
            #expect(sink.messages().count == 1, "no duplicate")
            #expect(try sink.messages()[0].parsed().header("In-Reply-To") == "<warga-outage@example.id>")
        }
    }

    @Test("five complaints from one address within the hour get three acknowledgments; the rest are suppressed with the reason")
    func perAddressLimit() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try await RunningGateway.with(channels: [Self.channel(smtpURL: sink.url)], replyPolicy: ReplyTesting.policy) { gateway in
            let places = ["Sukamaju", "Cibadak", "Cisaat", "Parungkuda", "Cicurug"]
            for (index, place) in places.enumerated() {
                _ = try await Self.push(gateway, Self.letter(
                    "banyak-\(index)@example.id", subject: "Laporan \(place)", text: "Lampu jalan di \(place) mati \(index + 2) minggu."
                ))
            }
            _ = try await Self.push(gateway, Self.letter("lain-1@example.id", from: "budi@example.id", subject: "Sampah menumpuk"))
            let suppressed = try await ReplyTesting.waitForReplies(gateway, status: "suppressed") { $0.count == 2 }
            #expect(suppressed.allSatisfy { ($0["last_error"] as? String ?? "").contains("limit 3 per address per hour") }, "\(suppressed)")
            try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 4 }
            let received = sink.messages()
            #expect(received.count == 4)
            #expect(received.filter { $0.recipients == ["siti@example.id"] }.count == 3)
            #expect(received.filter { $0.recipients == ["budi@example.id"] }.count == 1, "the limit is per address")
        }
    }

    @Test("mail from an address nobody reads makes no complaint and gets no acknowledgment", arguments: [
        "MAILER-DAEMON@mx.example.id", "noreply@bank.example.id", "postmaster@example.id",
    ])
    func automatedSendersAreNeverAnswered(address: String) async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try await RunningGateway.with(channels: [Self.channel(smtpURL: sink.url)], replyPolicy: ReplyTesting.policy) { gateway in
            let answer = try await Self.push(gateway, Self.letter("otomatis@example.id", from: address, subject: "Pemberitahuan"))
            #expect(answer["ignored"] as? String == "automated-sender")
            #expect(try await ReplyTesting.replies(gateway).isEmpty)
            #expect(sink.messages().isEmpty)
        }
    }

    @Test("the sender suppresses a reply to an unanswerable address without touching the transport")
    func senderSuppressesUnanswerable() async throws {
        let sender = try #require(EmailReplySender.make(channel: Self.channel(smtpURL: "smtp://127.0.0.1:1")))
        let transport = RecordingTransport()
        for recipient in ["mailer-daemon@example.id", "no-reply@example.id", "NoReply@Example.id"] {
            let reply = OutboundReply(idempotencyKey: "mail/x", channelID: "mail", recipient: recipient, text: "LAPOR!")
            do {
                _ = try await sender.send(reply, over: ReplyTransports(http: HTTPClient(), mail: transport))
                Issue.record("a reply to \(recipient) was sent")
            } catch {
                guard case .suppressed = error else { Issue.record("expected suppressed, got \(error)"); continue }
            }
        }
        #expect(transport.count == 0)
    }

    @Test("SMTP errors are typed: a refused connection is temporary, a rejected recipient permanent with the server's code")
    func smtpErrorsAreClassified() async throws {
        let sink = try await SMTPSink.start(reject: ["nobody"])
        defer { sink.stop() }
        let client = SMTPClient()
        let message = Array("Subject: uji\r\n\r\nisi\r\n.\r\n.titik\r\n".utf8)
        func submit(_ url: String, to recipient: String) async -> SMTPClientError? {
            do {
                try await client.send(SMTPSubmission(url: url, from: "lapor@example.go.id", recipients: [recipient], message: message))
                return nil
            } catch { return error }
        }
        #expect(await submit(sink.url, to: "warga@example.id") == nil)
        let delivered = try #require(sink.messages().first)
        #expect(String(decoding: delivered.raw, as: UTF8.self).contains("\r\n.\r\n.titik\r\n"), "libcurl dot-stuffs; the sink unstuffs")
        let rejected = await submit(sink.url, to: "nobody@example.id")
        guard case .rejected(let code, _)? = rejected else { Issue.record("expected rejected, got \(String(describing: rejected))"); return }
        #expect(code == 550 && rejected?.isPermanent == true)
        let refused = await submit("smtp://127.0.0.1:\(try FreePort.pick())", to: "warga@example.id")
        guard case .unreachable? = refused else { Issue.record("expected unreachable, got \(String(describing: refused))"); return }
        #expect(refused?.isPermanent == false)
        // STARTTLS demanded from a server that does not offer it: no mail goes out in clear, and it is retried.
        var clear: SMTPClientError?
        do {
            try await client.send(SMTPSubmission(
                url: sink.url, requireStartTLS: true, from: "lapor@example.go.id", recipients: ["warga@example.id"], message: message
            ))
        } catch { clear = error }
        guard case .security? = clear else { Issue.record("expected security, got \(String(describing: clear))"); return }
        #expect(clear?.isPermanent == false && sink.messages().count == 1)
        let injected = await submit(sink.url, to: "warga@example.id>\r\nRCPT TO:<x@y")
        guard case .invalidRequest? = injected else { Issue.record("expected invalidRequest, got \(String(describing: injected))"); return }
    }
}

/// The per-address limit and the schema change behind it hold across restarts: both live in the table.
@Suite("EmailReplyStorageTests")
struct EmailReplyStorageTests {
    @Test("the per-address limit counts the replies written before a restart")
    func limitSurvivesRestart() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let data = try TemporaryDirectory("intake-email-restart")
        defer { data.remove() }
        let config = GatewayConfig(
            server: ServerSettings(host: "127.0.0.1", port: 0, publicURL: "https://lapor.example.go.id"),
            storage: StorageSettings(path: data.path), adminToken: RunningGateway.adminToken,
            channels: [EmailReplyTests.channel(smtpURL: sink.url, perHour: 2)]
        )
        var logger = Logger(label: "intake-test")
        logger.logLevel = .warning
        for (run, id) in ["eins@example.id", "zwei@example.id", "drei@example.id"].enumerated() {
            // A fresh server on the same data directory each time: nothing is carried over in memory.
            let server = try GatewayServer(config: config, families: AdapterRegistry.families, logger: logger, replyPolicy: ReplyTesting.policy)
            let gateway = try await RunningGateway.serve(server, directory: try TemporaryDirectory("intake-email-restart-unused"))
            _ = try await EmailReplyTests.push(gateway, EmailReplyTests.letter(id, subject: "Laporan ke-\(run + 1)"))
            if run < 2 {
                try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == run + 1 }
            } else {
                let suppressed = try await ReplyTesting.replies(gateway, status: "suppressed")
                #expect(suppressed.count == 1, "the third within the hour is over the limit of 2")
            }
            await gateway.stop()
        }
        #expect(sink.messages().count == 2)
    }

    @Test("migration 9 keeps every reply written before it and accepts suppressed ones")
    func migrationKeepsReplies() async throws {
        let directory = try TemporaryDirectory("intake-reply-migration")
        defer { directory.remove() }
        do {
            let connection = try Connection(path: directory.appending("intake.sqlite"))
            try Migrations.apply(Schema.migrations.filter { $0.version < 9 }, to: connection)
            try connection.execute("""
                INSERT INTO replies (id, channel_id, journal_id, recipient, recipient_kind, in_reply_to, text, kind, idempotency_key,
                                     status, attempts, next_attempt_at, last_error, created_at)
                VALUES (41, 'sms', 7, '+6281234567890', 'phone', 'SM-7', 'LAPOR!: diterima', 'accepted', 'sms/SM-7', 'failed', 3, 5,
                        'HTTP 400', 5)
                """)
        }
        let database = try Database(directory: directory.path)
        defer { database.close() }
        let kept = try await database.read { try $0.reply(idempotencyKey: "sms/SM-7") }
        #expect(kept?.id == 41 && kept?.record.status == .failed && kept?.lastError == "HTTP 400" && kept?.attempts == 3)
        #expect(kept?.record.references == [] && kept?.record.trackingNumber == nil)
        let inserted = try await database.write { connection in
            try connection.insertReply(ReplyRecord(
                channelID: "mail", journalID: 8, complaintID: nil, recipient: "siti@example.id", recipientKind: .email, inReplyTo: "m@x",
                text: "LAPOR!", kind: .accepted, idempotencyKey: "mail/m@x", status: .suppressed, createdAt: Date(),
                trackingNumber: "LPR-TEST", subject: "Halo", references: ["a@x", "b@x"]
            ), reason: "suppressed: test")
        }
        #expect(inserted)
        let suppressed = try await database.read { try $0.reply(idempotencyKey: "mail/m@x") }
        #expect(suppressed.map { $0.id > 41 } == true, "ids keep growing after the copy")
        #expect(suppressed?.record.status == .suppressed && suppressed?.lastError == "suppressed: test")
        #expect(suppressed?.record.references == ["a@x", "b@x"] && suppressed?.record.subject == "Halo")
    }
}

/// A mail transport that only counts, for checks that nothing was submitted.
final class RecordingTransport: MailTransport {
    private let submitted = Mutex(0)

    var count: Int { submitted.withLock { $0 } }

    func submit(_ mail: OutgoingMail) async throws(MailTransportError) {
        submitted.withLock { $0 += 1 }
    }
}
