import Foundation
import IntakeIMAP
import IntakeModel
import Testing

/// The IMAP client over TLS (`tls` and `starttls`) against a real Dovecot serving a certificate of a throwaway
/// test CA: the chain and the host name are verified before LOGIN.
@Suite("IMAP over TLS with Dovecot", .serialized)
struct IMAPTLSTests {
    /// One connection attempt: how, to which host name, which certificate Dovecot serves, whether the client
    /// trusts the test CA (`ca_file`) or only the system CAs, and the words a refusal must contain (nil: it fetches).
    struct Case: Sendable, CustomTestStringConvertible {
        let security: IMAPSecurity
        let host: String
        /// `server` (localhost, 127.0.0.1) or `other` (mail.example.org), both signed by the test CA.
        let certificate: String
        let trustsTestCA: Bool
        let refusal: String?

        var testDescription: String {
            "\(security) to \(host), \(certificate) certificate, \(trustsTestCA ? "ca_file" : "system CAs"): "
                + (refusal.map { "refused (\($0))" } ?? "fetches")
        }
    }

    static let cases: [Case] = [
        Case(security: .tls, host: "127.0.0.1", certificate: "server", trustsTestCA: true, refusal: nil),
        Case(security: .tls, host: "localhost", certificate: "server", trustsTestCA: true, refusal: nil),
        Case(security: .starttls, host: "127.0.0.1", certificate: "server", trustsTestCA: true, refusal: nil),
        Case(security: .starttls, host: "localhost", certificate: "server", trustsTestCA: true, refusal: nil),
        Case(security: .tls, host: "127.0.0.1", certificate: "server", trustsTestCA: false, refusal: "issuer is unknown"),
        Case(security: .starttls, host: "localhost", certificate: "server", trustsTestCA: false, refusal: "issuer is unknown"),
        Case(security: .tls, host: "localhost", certificate: "other", trustsTestCA: true, refusal: "does not match"),
        Case(security: .starttls, host: "127.0.0.1", certificate: "other", trustsTestCA: true, refusal: "does not match"),
    ]

    /// Runs `body` with Dovecot serving `certificate` (a file pair from `scripts/test-tls-certs.sh`) and the
    /// directory holding the test CA (`ca.pem`).
    static func withTLSDovecot(certificate: String, _ body: (DovecotServer, TemporaryDirectory) async throws -> Void) async throws {
        let certificates = try TemporaryDirectory("intake-imap-tls")
        defer { certificates.remove() }
        let script = ProviderSigning.root.appendingPathComponent("scripts/test-tls-certs.sh").path
        let made = try CPythonCorpus.run(script, [certificates.path])
        try #require(made.status == 0, "test-tls-certs.sh failed: \(made.errors)")
        chmod(certificates.path, 0o755)
        let dovecot = try DovecotServer.start(tls: DovecotServer.TLSFiles(
            certificate: certificates.appending("\(certificate).pem"), key: certificates.appending("\(certificate).key")))
        defer { dovecot.stop() }
        try await body(dovecot, certificates)
    }

    @Test("the server's certificate and host name are verified before LOGIN", arguments: cases)
    func verification(_ tlsCase: Case) async throws {
        try await Self.withTLSDovecot(certificate: tlsCase.certificate) { dovecot, certificates in
            try dovecot.deliver(messageID: "tls@example.id", subject: "Lampu jalan", body: "Lampu jalan padam.")
            let port = tlsCase.security == .tls ? try #require(dovecot.tlsPort) : dovecot.port
            let client = try IMAPClient(settings: IMAPSettings(
                host: tlsCase.host, port: UInt16(port), security: tlsCase.security, user: DovecotServer.user,
                password: DovecotServer.password, timeoutSeconds: 5, caFile: tlsCase.trustsTestCA ? certificates.appending("ca.pem") : nil
            ))
            guard let refusal = tlsCase.refusal else {
                let fetched = try await client.fetch(uidValidity: nil, after: 0, limit: 50)
                #expect(fetched.messages.count == 1)
                let raw = String(decoding: fetched.messages.first?.raw ?? [], as: UTF8.self)
                #expect(raw.contains("Message-ID: <tls@example.id>"))
                // The log check below is not vacuous: a login is logged.
                try await eventually(timeout: .seconds(5)) { dovecot.log.contains("Login: user=<\(DovecotServer.user)>") }
                await client.close()
                return
            }
            do {
                _ = try await client.fetch(uidValidity: nil, after: 0, limit: 50)
                Issue.record("fetched over a connection whose certificate should be refused")
            } catch {
                guard case IMAPError.certificate(let message) = error else { Issue.record("not a certificate error: \(error)"); return }
                #expect(message.contains("the certificate of \(tlsCase.host) is not trusted") && message.contains(refusal), "\(message)")
                #expect(!message.contains(DovecotServer.user) && !message.contains(DovecotServer.password), "\(message)")
            }
            #expect(!dovecot.log.contains("Login:"), "no LOGIN over an unverified connection: \(dovecot.log)")
        }
    }

    @Test("a refused certificate is the channel's last error, without user or password, and the message stays unfetched; ca_file fetches")
    func channelShowsCertificateError() async throws {
        try await Self.withTLSDovecot(certificate: "server") { dovecot, certificates in
            try dovecot.deliver(messageID: "sertifikat@example.id", subject: "Jalan berlubang", body: "Jalan berlubang di RT 3.")
            let tlsPort = try #require(dovecot.tlsPort)
            let directory = try TemporaryDirectory("intake-imap-tls-gateway")
            defer { directory.remove() }
            let refused = IMAPPollingTests.channel(dovecot, id: "surel-ragu", port: tlsPort, extra: ["security": "tls"])
            try await IMAPPollingTests.running([refused], directory: directory) { gateway in
                var message = ""
                try await eventually(timeout: .seconds(10)) {
                    let status = try await ChannelsAPITests.channel("surel-ragu", in: gateway)
                    message = (status["last_error"] as? [String: Any])?["message"] as? String ?? ""
                    return !message.isEmpty
                }
                #expect(message.contains("IMAP certificate") && message.contains("127.0.0.1 is not trusted"), "\(message)")
                #expect(!message.contains(DovecotServer.user) && !message.contains(DovecotServer.password), "\(message)")
                #expect(try await gateway.server.gateway.database.journalTotal() == 0)
                #expect(!dovecot.log.contains("Login:"), "no LOGIN: \(dovecot.log)")
            }
            let trusted = IMAPPollingTests.channel(
                dovecot, id: "surel", port: tlsPort, extra: ["security": "tls", "ca_file": certificates.appending("ca.pem")])
            try await IMAPPollingTests.running([trusted], directory: directory) { gateway in
                try await eventually(timeout: .seconds(10)) { try await gateway.server.gateway.database.complaintTotal() == 1 }
            }
        }
    }
}
