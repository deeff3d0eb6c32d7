import AdapterRegistry
import EmailAdapter
import Foundation
import InfobipAdapter
import IntakeConfig
import IntakeHTTPClient
import IntakeModel
import Testing
import WebFormAdapter

/// A web form's contact gets the tracking number through the reply seam, sent by another channel's sender
/// (`reply_email_via`: a mailbox's SMTP, here a real aiosmtpd; `reply_sms_via`: an SMS provider's send API,
/// here a stand-in), in the citizen's language; the contact never goes downstream.
@Suite("Contact replies", .serialized)
struct ContactReplyTests {
    static let smsAPIKey = "infobip-key-5b1d"

    /// The form channel routing email contacts through `mail` and phone contacts through `sms`, beside them.
    static func channels(smtpURL: String? = nil, smsAPI: String? = nil, language: String = "id") -> [ChannelConfig] {
        var form = ChannelConfig(id: "form", type: WebFormAdapter.type, settings: ["secret": WebFormTests.secret], burstSeconds: 0, language: language)
        var channels: [ChannelConfig] = []
        if let smtpURL {
            form.replyVia[.email] = "mail"
            channels.append(EmailReplyTests.channel(smtpURL: smtpURL))
        }
        if let smsAPI {
            form.replyVia[.phone] = "sms"
            channels.append(ChannelConfig(
                id: "sms", type: InfobipAdapter.type, settings: ["api_base": smsAPI + "/", "api_key": smsAPIKey, "from": "LAPOR1708"], burstSeconds: 0
            ))
        }
        return [form] + channels
    }

    static func submit(_ gateway: RunningGateway, _ changes: [String: String], english: Bool = false) async throws -> String {
        let answer = try await WebFormTests.post(
            gateway, fields: WebFormTests.fields(token: WebFormTests.token(), changes), headers: english ? [("Accept-Language", "en-GB,en;q=0.8")] : []
        )
        #expect(answer.status == 200, "\(answer.text)")
        return try #require(answer.json["tracking_number"] as? String)
    }

    @Test("an anonymous report's contact email gets the number by SMTP in Bahasa Indonesia; the handoff carries no contact")
    func emailContactIsAcknowledged() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let core = try RoutingCoreStandIn(secret: HandoffRelayTests.secret)
        defer { core.stop() }
        core.listen()
        try await RunningGateway.with(
            channels: Self.channels(smtpURL: sink.url), routing: HandoffRelayTests.routing(core), handoffPolicy: HandoffRelayTests.policy,
            replyPolicy: ReplyTesting.policy
        ) { gateway in
            let number = try await Self.submit(gateway, ["anonymous": "on", "contact_email": "Ani.Warga@Example.id"])
            let mail = try #require(try await sink.waitForMessages(1).first)
            #expect(mail.recipients == ["ani.warga@example.id"])
            #expect(mail.mailFrom == "lapor@lapor.example.go.id")
            let parsed = try mail.parsed()
            #expect(parsed.subject == "Laporan Anda ke LAPOR! [\(number)]")
            #expect(parsed.header("In-Reply-To") == nil, "a form has no mail thread to join")
            let body = try #require(parsed.text())
            #expect(body.contains("Laporan Anda diterima dengan nomor \(number)"), "\(body)")
            #expect(body.contains("Email ini dikirim otomatis"))

            // Stored and sent under the mailbox that carried it.
            let sent = try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 1 }
            #expect(sent[0]["channel_id"] as? String == "mail")

            #expect(try await core.waitUntil { received in received.contains { $0.answered == 200 } })
            let handoff = try #require(core.received.first { $0.answered == 200 })
            #expect(handoff.complaint["anonymous"] as? Bool == true)
            for secret in ["ani.warga", "example.id", "Ani.Warga"] {
                #expect(!handoff.bodyText.contains(secret), "the handoff must not carry \(secret)")
            }
        }
    }

    @Test("the English form is acknowledged in English, subject and footer too")
    func englishFormIsAnsweredInEnglish() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try await RunningGateway.with(channels: Self.channels(smtpURL: sink.url), replyPolicy: ReplyTesting.policy) { gateway in
            let number = try await Self.submit(gateway, ["contact_email": "budi@example.id"], english: true)
            let parsed = try #require(try await sink.waitForMessages(1).first).parsed()
            #expect(parsed.subject == "Your report to LAPOR! [\(number)]")
            let body = try #require(parsed.text())
            #expect(body.contains("Your report was received, tracking number \(number)"), "\(body)")
            #expect(!body.contains("Laporan Anda"), "\(body)")
            #expect(!body.contains("Email ini dikirim otomatis"), "the footer follows the citizen's language: \(body)")
        }
    }

    @Test("one address gets at most the mailbox's replies per hour, however many forms name it")
    func perAddressLimitHolds() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        try await RunningGateway.with(channels: Self.channels(smtpURL: sink.url), replyPolicy: ReplyTesting.policy) { gateway in
            for index in 1...(EmailReplySender.defaultPerAddressPerHour + 1) {
                _ = try await Self.submit(gateway, ["contact_email": "korban@example.id", "title": "Laporan nomor \(index)"])
            }
            // Replies are written with the journal entry, so the answer above means the rows exist.
            let suppressed = try await ReplyTesting.replies(gateway, status: "suppressed")
            #expect(suppressed.count == 1)
            #expect((suppressed.first?["last_error"] as? String)?.contains("limit \(EmailReplySender.defaultPerAddressPerHour) per address per hour") == true)
            _ = try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == EmailReplySender.defaultPerAddressPerHour }
            #expect(try await sink.waitForMessages(EmailReplySender.defaultPerAddressPerHour).count == EmailReplySender.defaultPerAddressPerHour)
        }
    }

    @Test("a contact phone gets the number by the SMS channel's API; a report without a contact gets no reply")
    func phoneContactIsAcknowledgedBySMS() async throws {
        let response = String(decoding: try Fixtures.data("sms/infobip/send-accepted.txt"), as: UTF8.self)
        let api = try ProviderAPIStandIn { _, _ in response }
        defer { api.stop() }
        try await RunningGateway.with(channels: Self.channels(smsAPI: api.baseURL), replyPolicy: ReplyTesting.policy) { gateway in
            let number = try await Self.submit(gateway, ["contact_phone": "0812-3456-7890", "anonymous": "on"])
            _ = try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 1 }
            let request = try #require(api.received.first)
            #expect(request.target == "/sms/2/text/advanced")
            #expect(request.headers["authorization"] == "App \(Self.smsAPIKey)")
            let message = try #require((request.json["messages"] as? [[String: Any]])?.first)
            let destination = try #require((message["destinations"] as? [[String: Any]])?.first)
            #expect(destination["to"] as? String == "6281234567890")
            let text = try #require(message["text"] as? String)
            #expect(text.contains(number) && text.contains("diterima"), "\(text)")
            #expect(text.count <= 160)

            // Without a contact (and with only an email the form cannot send to here) nobody is written to.
            _ = try await Self.submit(gateway, [:])
            _ = try await Self.submit(gateway, ["contact_email": "ani@example.id"])
            #expect(try await ReplyTesting.replies(gateway).count == 1)
            #expect(api.received.count == 1)
        }
    }

    @Test("a form without a route answers the citizen but writes no reply, whatever contact is given")
    func formWithoutRouteWritesNoReply() async throws {
        try await RunningGateway.with(channels: Self.channels()) { gateway in
            _ = try await Self.submit(gateway, ["contact_phone": "0812-3456-7890", "contact_email": "ani@example.id"])
            #expect(try await ReplyTesting.replies(gateway).isEmpty)
        }
    }

    @Test("the generic webhook door counts against the same per-address limit as the form's doors")
    func webhookDoorSharesTheLimit() async throws {
        try await RunningGateway.with(channels: Self.channels()) { gateway in
            // The form channel allows the default 10 submissions a minute per address.
            for index in 0..<10 {
                // Alternate the doors: each submission counts once, whichever it took.
                let path = index.isMultiple(of: 2) ? "/webhooks/form" : "/lapor/form"
                let answer = try await WebFormTests.post(gateway, path, fields: WebFormTests.fields(token: WebFormTests.token(), ["body": ""]))
                #expect(answer.status == 422, "\(path): \(answer.text)")
            }
            for path in ["/webhooks/form", "/api/v1/reports", "/lapor"] {
                let limited = try await WebFormTests.post(gateway, path, fields: WebFormTests.fields(token: WebFormTests.token()))
                #expect(limited.status == 429, "\(path)")
                #expect(limited.header("Retry-After") != nil)
            }
        }
    }
}

/// `reply_email_via`, `reply_sms_via` and the web form's numbers, as the loader checks them.
@Suite("Contact reply configuration")
struct ContactReplyConfigTests {
    static let mailbox = """
          - id: mail
            type: email-inbound
            secret: s
            smtp_url: smtp://127.0.0.1:2525
            from: LAPOR! <lapor@example.go.id>
          - id: mail-no-smtp
            type: email-inbound
            secret: s
          - id: sms
            type: vonage
            api_key: k
            api_secret: s
            signature_secret: s
            from: LAPOR
        """

    static func issues(_ formKeys: String) -> [ConfigIssue] {
        let yaml = "channels:\n  - id: form\n    type: webform\n    secret: s\n" + formKeys + mailbox
        do {
            _ = try ConfigLoader.parse(yaml: yaml, source: "test.yaml", families: AdapterRegistry.families, environment: [:])
            Issue.record("accepted: \(yaml)")
            return []
        } catch {
            return error.issues
        }
    }

    @Test("routes through a mailbox with SMTP and an SMS channel load")
    func validRoutesLoad() throws {
        let yaml = "channels:\n  - id: form\n    type: webform\n    secret: s\n    reply_email_via: mail\n    reply_sms_via: sms\n" + Self.mailbox
        let config = try ConfigLoader.parse(yaml: yaml, source: "test.yaml", families: AdapterRegistry.families, environment: [:])
        #expect(config.channels.first?.replyVia == [.email: "mail", .phone: "sms"])
    }

    @Test("a route to a channel that cannot carry it is refused at its key", arguments: [
        ("    reply_email_via: nowhere\n", "channels[0].reply_email_via", "no channel 'nowhere' is configured"),
        ("    reply_sms_via: mail\n", "channels[0].reply_sms_via", "channel 'mail' (type email-inbound) sends to email addresses, not to phone numbers"),
        ("    reply_email_via: sms\n", "channels[0].reply_email_via", "channel 'sms' (type vonage) sends to phone numbers, not to email addresses"),
        ("    reply_email_via: mail-no-smtp\n", "channels[0].reply_email_via", "channel 'mail-no-smtp' (type email-inbound) has no sender configured (it needs smtp_url and from)"),
        ("    reply_email_via: form\n", "channels[0].reply_email_via", "channel 'form' (type webform) cannot send replies for other channels"),
    ])
    func badRouteIsRefused(_ example: (String, String, String)) {
        let issues = Self.issues(example.0)
        #expect(issues.map(\.keyPath) == [example.1])
        #expect(issues.first?.message == example.2)
        #expect(issues.first?.line == 5)
    }

    @Test("a web form's numbers must be non-negative integers", arguments: [
        ("min_fill_seconds", "soon"), ("attachment_max_bytes", "10MB"), ("attachments_max_bytes", "-1"), ("submissions_per_minute", "1.5"),
    ])
    func badNumberIsRefused(_ example: (String, String)) {
        let issues = Self.issues("    \(example.0): '\(example.1)'\n")
        #expect(issues.map(\.keyPath) == ["channels[0].\(example.0)"])
        #expect(issues.first?.message.contains(example.1) == true, "\(issues)")
    }
}
