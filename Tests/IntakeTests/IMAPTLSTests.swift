import Foundation
import IntakeIMAP
import IntakeModel
import Testing

/// The IMAP client over TLS (`tls` and `starttls`) against a real Dovecot serving a certificate of a throwaway
/// test CA: the chain and the host name are verified before LOGIN.
@Suite("IMAP over TLS with Dovecot", .serialized)
struct IMAPTLSTests {
    /// What the client trusts: the test CA as `ca_file`, the system CAs (no `ca_file`), or a `ca_file` that is missing.
    enum Trust: String, Sendable {
        case testCA = "ca_file", system = "system CAs", missingFile = "missing ca_file"
    }

    /// One connection attempt: how, to which host name, which certificate Dovecot serves, what the client
    /// trusts, and the words a refusal must contain (nil: it fetches).
    struct Case: Sendable, CustomTestStringConvertible {
        let security: IMAPSecurity
        let host: String
        /// `server` (localhost, 127.0.0.1) or `other` (mail.example.org), both signed by the test CA.
        let certificate: String
        let trust: Trust
        let refusal: String?

        var testDescription: String {
            "\(security) to \(host), \(certificate) certificate, \(trust.rawValue): "
                + (refusal.map { "refused (\($0))" } ?? "fetches")
        }
    }

    static let cases: [Case] = [
        Case(security: .tls, host: "127.0.0.1", certificate: "server", trust: .testCA, refusal: nil),
        Case(security: .tls, host: "localhost", certificate: "server", trust: .testCA, refusal: nil),
        Case(security: .starttls, host: "127.0.0.1", certificate: "server", trust: .testCA, refusal: nil),
        Case(security: .starttls, host: "localhost", certificate: "server", trust: .testCA, refusal: nil),
        Case(security: .tls, host: "127.0.0.1", certificate: "server", trust: .system, refusal: "issuer is unknown"),
        Case(security: .starttls, host: "localhost", certificate: "server", trust: .system, refusal: "issuer is unknown"),
        Case(security: .tls, host: "localhost", certificate: "other", trust: .testCA, refusal: "does not match"),
        Case(security: .starttls, host: "127.0.0.1", certificate: "other", trust: .testCA, refusal: "does not match"),
        Case(security: .tls, host: "localhost", certificate: "server", trust: .missingFile, refusal: "holds no usable CA certificate"),
    ]

    static func caFile(_ trust: Trust, in certificates: TemporaryDirectory) -> String? {
        switch trust {
        case .testCA: certificates.appending("ca.pem")
        case .system: nil
        case .missingFile: certificates.appending("no-such-ca.pem")
        }
    }

    /// Runs `body` with Dovecot serving `certificate` (a file pair from `scripts/test-tls-certs.sh`) and the
    /// directory holding the test CA (`ca.pem`).
    /// `byServerName` maps a host name sent in SNI to another file pair.
    static func withTLSDovecot(
        certificate: String, byServerName: [String: String] = [:], _ body: (DovecotServer, TemporaryDirectory) async throws -> Void
    ) async throws {
        let certificates = try TemporaryDirectory("intake-imap-tls")
        defer { certificates.remove() }
        let script = ProviderSigning.root.appendingPathComponent("scripts/test-tls-certs.sh").path
        let made = try CPythonCorpus.run(script, [certificates.path])
        try #require(made.status == 0, "test-tls-certs.sh failed: \(made.errors)")
        chmod(certificates.path, 0o755)
        let files = { (name: String) in (certificate: certificates.appending("\(name).pem"), key: certificates.appending("\(name).key")) }
        let dovecot = try await DovecotServer.start(tls: DovecotServer.TLSFiles(
            certificate: files(certificate).certificate, key: files(certificate).key, byServerName: byServerName.mapValues(files)))
        defer { dovecot.stop() }
        try await body(dovecot, certificates)
    }

    /// A first fetch, tried again (bounded) while the client finds no descriptor below 1024 for libetpan's
    /// select(): the whole test process can hold over a thousand while other suites run, and the poller
    /// treats that connection error as it treats any other, by trying again.
    static func fetch(_ client: IMAPClient) async throws -> IMAPFetchResult {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try await client.fetch(uidValidity: nil, after: 0, limit: 50)
            } catch {
                guard case .connection(let message) = error, message.contains("no descriptor below 1024"), ContinuousClock.now < deadline else {
                    throw error
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test("the server's certificate and host name are verified before LOGIN", arguments: cases)
    func verification(_ tlsCase: Case) async throws {
        try await Self.withTLSDovecot(certificate: tlsCase.certificate) { dovecot, certificates in
            try dovecot.deliver(messageID: "tls@example.id", subject: "Lampu jalan", body: "Lampu jalan padam.")
            let port = tlsCase.security == .tls ? try #require(dovecot.tlsPort) : dovecot.port
            let client = try IMAPClient(settings: IMAPSettings(
                host: tlsCase.host, port: UInt16(port), security: tlsCase.security, user: DovecotServer.user,
                password: DovecotServer.password, timeoutSeconds: 5, caFile: Self.caFile(tlsCase.trust, in: certificates)
            ))
            guard let refusal = tlsCase.refusal else {
                let fetched = try await Self.fetch(client)
                #expect(fetched.messages.count == 1)
                let raw = String(decoding: fetched.messages.first?.raw ?? [], as: UTF8.self)
                #expect(raw.contains("Message-ID: <tls@example.id>"))
                // The log check below is not vacuous: a login is logged.
                try await eventually(timeout: .seconds(5)) { dovecot.log.contains("Login: user=<\(DovecotServer.user)>") }
                await client.close()
                return
            }
            do {
                _ = try await Self.fetch(client)
                Issue.record("fetched over a connection whose certificate should be refused")
            } catch {
                guard case IMAPError.certificate(let message) = error else { Issue.record("not a certificate error: \(error)"); return }
                #expect(message.contains("the certificate of \(tlsCase.host) is not trusted") && message.contains(refusal), "\(message)")
                #expect(!message.contains(DovecotServer.user) && !message.contains(DovecotServer.password), "\(message)")
            }
            #expect(!dovecot.log.contains("Login:"), "no LOGIN over an unverified connection: \(dovecot.log)")
        }
    }

    @Test("the host name goes out as SNI: Dovecot picks the certificate for localhost only when the client names it", arguments: [
        IMAPSecurity.tls, .starttls,
    ])
    func serverNameIndication(_ security: IMAPSecurity) async throws {
        // Without SNI Dovecot would serve the certificate for mail.example.org, which does not name localhost.
        try await Self.withTLSDovecot(certificate: "other", byServerName: ["localhost": "server"]) { dovecot, certificates in
            try dovecot.deliver(messageID: "sni@example.id", subject: "Banjir", body: "Banjir di gang 5.")
            let port = security == .tls ? try #require(dovecot.tlsPort) : dovecot.port
            let settings = { (host: String) in
                IMAPSettings(host: host, port: UInt16(port), security: security, user: DovecotServer.user,
                             password: DovecotServer.password, timeoutSeconds: 5, caFile: certificates.appending("ca.pem"))
            }
            let named = try IMAPClient(settings: settings("localhost"))
            #expect(try await Self.fetch(named).messages.count == 1)
            await named.close()
            // An IP address is never sent as SNI (RFC 6066), so the default certificate comes back.
            let byAddress = try IMAPClient(settings: settings("127.0.0.1"))
            do {
                _ = try await Self.fetch(byAddress)
                Issue.record("the certificate for mail.example.org was accepted for 127.0.0.1")
            } catch {
                guard case IMAPError.certificate(let message) = error else { Issue.record("not a certificate error: \(error)"); return }
                #expect(message.contains("does not match"), "\(message)")
            }
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
