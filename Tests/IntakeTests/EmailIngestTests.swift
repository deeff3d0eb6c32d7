import EmailAdapter
import Foundation
import IntakeHTTPClient
import IntakeModel
import Testing

/// `intake ingest-email` (the built binary, as an MTA pipe runs it) and the `email-inbound` webhook through a
/// running gateway: exit 0 stored, 0 again for the same mail creating nothing, 75 without a server, 65 for
/// garbage which is kept in quarantine.
@Suite("EmailIngestTests")
struct EmailIngestTests {
    static let secret = "rahasia-surat-9d1f"
    static let channels = [
        ChannelConfig(id: "mail", type: EmailAdapter.type, maxBodyBytes: 4 << 20, settings: ["secret": secret], burstSeconds: 0),
    ]
    static let yaml = """
          - id: mail
            type: email-inbound
            secret: \(secret)
            max_body_bytes: 4194304
        """

    static func fixturePath(_ name: String) -> String {
        Bundle.module.url(forResource: "fixtures", withExtension: nil)!.appendingPathComponent("email/\(name)").path
    }

    @Test("a piped letter is stored once: exit 0, then exit 0 as a duplicate")
    func pipedLetterIsStoredOnce() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let directory = try TemporaryDirectory("intake-ingest-email")
            defer { directory.remove() }
            let config = try IntakeBinary.writeConfig(in: directory, extraChannels: Self.yaml, port: gateway.port)
            let path = Self.fixturePath("indonesian-qp-utf8.eml")
            let first = try await IntakeBinary.run(["ingest-email", "--config", config, "--channel", "mail", path])
            #expect(first.status == 0, "stderr: \(first.stderr)")
            let number = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(TrackingNumber(parsing: number) != nil, "stdout: \(first.stdout)")
            let stored = try await gateway.get("/api/v1/complaints/\(number)")
            #expect(stored.status == 200 || stored.status == 202)

            // The same mail from stdin (an MTA redelivering it): the same number, marked duplicate.
            let again = try await IntakeBinary.run(
                ["ingest-email", "--config", config, "--channel", "mail"], input: try Array(Data(contentsOf: URL(fileURLWithPath: path)))
            )
            #expect(again.status == 0, "stderr: \(again.stderr)")
            #expect(again.stdout == "\(number) duplicate\n")
        }
    }

    @Test("an out-of-office is accepted with exit 0 and journals nothing")
    func outOfOfficeIsIgnored() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let directory = try TemporaryDirectory("intake-ingest-email")
            defer { directory.remove() }
            let config = try IntakeBinary.writeConfig(in: directory, extraChannels: Self.yaml, port: gateway.port)
            let result = try await IntakeBinary.run(["ingest-email", "--config", config, "--channel", "mail", Self.fixturePath("out-of-office.eml")])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stdout == "ignored\n")
            let metrics = String(decoding: try await gateway.get("/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"intake_messages_ignored_total{channel="mail"} 1"#), "counted: \(metrics.split(separator: "\n").filter { $0.contains("ignored") })")
            let complaints = try await gateway.get("/api/v1/complaints").json["items"] as? [Any]
            #expect(complaints?.isEmpty == true, "no complaint was made")
        }
    }

    @Test("without a running server the MTA is told to retry (75)")
    func withoutServerRetry() async throws {
        let directory = try TemporaryDirectory("intake-ingest-email")
        defer { directory.remove() }
        let config = try IntakeBinary.writeConfig(in: directory, extraChannels: Self.yaml, port: try FreePort.pick())
        let result = try await IntakeBinary.run(["ingest-email", "--config", config, "--channel", "mail", Self.fixturePath("windows-1252.eml")])
        #expect(result.status == 75, "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("bytes that are not a message exit 65 and are kept in quarantine")
    func garbageIsQuarantined() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let directory = try TemporaryDirectory("intake-ingest-email")
            defer { directory.remove() }
            let config = try IntakeBinary.writeConfig(in: directory, extraChannels: Self.yaml, port: gateway.port)
            let garbage = try Array(Data(contentsOf: URL(fileURLWithPath: Self.fixturePath("garbage.bin"))))
            let result = try await IntakeBinary.run(["ingest-email", "--config", config, "--channel", "mail"], input: garbage)
            #expect(result.status == 65, "stderr: \(result.stderr)")
            let quarantine = directory.appending("data/quarantine/email")
            let kept = try FileManager.default.contentsOfDirectory(atPath: quarantine)
            #expect(kept.count == 1)
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: quarantine + "/" + kept[0])))
            #expect(bytes == garbage, "the quarantined file holds the exact bytes")
        }
    }

    @Test("the webhook stores raw MIME with the shared secret, refuses it without, and counts an out-of-office as ignored")
    func webhookWithSecret() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let body = try Array(Data(contentsOf: URL(fileURLWithPath: Self.fixturePath("html-only.eml"))))
            let url = "\(gateway.baseURL)/webhooks/mail"
            let refused = try await gateway.client.send(HTTPClientRequest(
                method: "POST", url: url, headers: [(EmailAdapter.secretHeader, "wrong")], body: body
            ))
            #expect(refused.status == 403)
            let accepted = try await gateway.client.send(HTTPClientRequest(
                method: "POST", url: url, headers: [(EmailAdapter.secretHeader, Self.secret), ("Content-Type", "message/rfc822")], body: body
            ))
            #expect(accepted.status == 200)
            #expect(TrackingNumber(parsing: accepted.json["tracking_number"] as? String ?? "") != nil)
            let outOfOffice = try await gateway.client.send(HTTPClientRequest(
                method: "POST", url: url, headers: [(EmailAdapter.secretHeader, Self.secret)],
                body: try Array(Data(contentsOf: URL(fileURLWithPath: Self.fixturePath("out-of-office.eml"))))
            ))
            #expect(outOfOffice.status == 200 && outOfOffice.json["ignored"] as? String == "auto-reply")
            let metrics = String(decoding: try await gateway.get("/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"intake_messages_ignored_total{channel="mail"} 1"#), "counted: \(metrics.split(separator: "\n").filter { $0.contains("ignored") })")
            let complaints = try await gateway.get("/api/v1/complaints").json["items"] as? [Any]
            #expect(complaints?.count == 1, "only the letter is a complaint")
        }
    }

    /// A mail from `from` with `subject`, `text` and extra header lines, as CRLF bytes.
    static func mail(_ id: String, from: String, subject: String, text: String, headers: String = "") -> [UInt8] {
        Array("From: \(from)\r\nSubject: \(subject)\r\nMessage-ID: <\(id)>\r\n\(headers)Content-Type: text/plain; charset=UTF-8\r\n\r\n\(text)\r\n".utf8)
    }

    @Test("a reply naming the tracking number (subject or In-Reply-To) joins the reporter's complaint; another reporter's does not")
    func repliesJoinTheirThread() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            func post(_ body: [UInt8]) async throws -> (number: String, duplicate: Bool) {
                let response = try await gateway.client.send(HTTPClientRequest(
                    method: "POST", url: "\(gateway.baseURL)/webhooks/mail", headers: [(EmailAdapter.secretHeader, Self.secret)], body: body
                ))
                #expect(response.status == 200)
                return (response.json["tracking_number"] as? String ?? "", response.json["duplicate"] as? Bool ?? false)
            }
            let first = try await post(Self.mail("t1@example.id", from: "Rudi <rudi@example.id>", subject: "Jembatan putus",
                                                 text: "Jembatan di Desa Sukamaju putus sejak banjir kemarin."))
            #expect(!first.duplicate && TrackingNumber(parsing: first.number) != nil)
            let bySubject = try await post(Self.mail("t2@example.id", from: "rudi@example.id", subject: "Nomor \(first.number)",
                                                     text: "Saluran air di Jl. Mawar tersumbat sampah plastik."))
            #expect(bySubject.number == first.number && bySubject.duplicate)
            let byHeader = try await post(Self.mail("t3@example.id", from: "rudi@example.id", subject: "Sekolah",
                                                    text: "Pohon tumbang menutup akses ke sekolah dasar.",
                                                    headers: "In-Reply-To: <\(first.number).ack@lapor.example>\r\n"))
            #expect(byHeader.number == first.number && byHeader.duplicate)
            let stranger = try await post(Self.mail("t4@example.id", from: "orang.lain@example.id", subject: "Nomor \(first.number)",
                                                    text: "Lampu lalu lintas di perempatan pasar mati total."))
            #expect(stranger.number != first.number && !stranger.duplicate)
            // Joined by the thread rule, not by text similarity (the replies are about other things).
            let messages = try await gateway.get("/api/v1/complaints/\(first.number)/messages").json["items"] as? [[String: Any]] ?? []
            #expect(messages.compactMap { $0["reason"] as? String }.filter { $0.hasPrefix("thread:") }.count == 2)
        }
    }
}
