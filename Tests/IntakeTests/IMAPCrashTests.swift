import Foundation
import IntakeHTTPClient
import IntakeStorage
import Testing

/// The real `intake serve` with an IMAP channel, SIGKILLed between the commit of a batch and its flagging.
@Suite("IMAP crash between commit and flagging", .serialized)
struct IMAPCrashTests {
    /// The IMAP channel through the proxy at `port` (YAML, after the generic channel `writeConfig` adds).
    static func yaml(port: Int) -> String {
        """
          - id: surel
            type: imap
            host: 127.0.0.1
            port: \(port)
            security: plain
            user: \(DovecotServer.user)
            password: \(DovecotServer.password)
            poll_seconds: 1
            after: seen
            burst_seconds: 0
            attachment_max_bytes: 5000000
            attachments_max_bytes: 20000000
        """
    }

    static func deliver(_ dovecot: DovecotServer, _ number: Int) throws {
        try dovecot.deliver(messageID: "mati-\(number)@example.id", from: "Warga \(number) <warga\(number)@example.id>",
                            subject: "Laporan \(number)", body: "Keluhan nomor \(number) tentang pelayanan kelurahan.")
    }

    /// Journal rows and the cursor, read from the data directory of a server that is not running.
    static func stored(_ directory: TemporaryDirectory) async throws -> (journal: Int, cursor: String?) {
        let database = try Database(directory: directory.appending("data"))
        defer { database.close() }
        return (try await database.journalTotal(), try await database.cursor())
    }

    @Test("SIGKILL after the commit, before UID STORE: after a restart each letter is one complaint, none refetched, all flagged \\Seen")
    func killBetweenCommitAndFlagging() async throws {
        let dovecot = try await DovecotServer.start()
        let directory = try TemporaryDirectory("intake-imap-crash")
        let proxy = try TCPProxy(targetPort: dovecot.port)
        defer {
            proxy.stop()
            dovecot.stop()
            directory.remove()
        }
        for number in 1...3 { try Self.deliver(dovecot, number) }
        let config = try IntakeBinary.writeConfig(in: directory, extraChannels: Self.yaml(port: proxy.port))

        // The proxy swallows the flagging command; it is sent only after the batch committed.
        proxy.hold("UID STORE")
        let first = try await ServerProcess.start(config: config, logPath: directory.appending("first.log"))
        do {
            try await waitUntil(timeout: .seconds(15)) { proxy.held >= 1 }
        } catch {
            first.kill()
            Issue.record("no UID STORE reached the proxy; log:\n\(first.log)")
            throw error
        }
        first.kill()
        #expect(dovecot.seenCount == 0, "killed before the flags were stored")
        let afterKill = try await Self.stored(directory)
        #expect(afterKill.journal == 3 && afterKill.cursor?.hasSuffix(":3") == true, "the batch was committed: \(afterKill)")

        proxy.hold(nil)
        let second = try await ServerProcess.start(config: config, logPath: directory.appending("second.log"))
        do {
            // The first poll after the start marks everything the cursor covers.
            try await eventually(timeout: .seconds(15)) { dovecot.seenCount == 3 }
            try Self.deliver(dovecot, 4)
            try await eventually(timeout: .seconds(15)) { dovecot.seenCount == 4 }
            var complaints: [[String: Any]] = []
            try await eventually(timeout: .seconds(10)) {
                complaints = try await CrashTests.allComplaints(port: second.port, client: HTTPClient())
                return complaints.count >= 4
            }
            let ids = complaints.compactMap { $0["external_id"] as? String }.sorted()
            #expect(ids == (1...4).map { "mati-\($0)@example.id" }, "one complaint per letter: \(ids)")
        } catch {
            _ = try? await offThePool { second.terminate() }
            throw error
        }
        #expect(try await offThePool { second.terminate() } == 0)
        let final = try await Self.stored(directory)
        #expect(final.journal == 4, "nothing fetched twice")
        #expect(final.cursor?.hasSuffix(":4") == true)
    }
}
