import AdapterRegistry
import Foundation
import IMAPAdapter
import IntakeConfig
import IntakeIMAP
import IntakeModel
import IntakeServer
import IntakeStorage
import Logging
import Testing

/// The IMAP poller against a real Dovecot on loopback: mail dropped into the Maildir becomes complaints.
@Suite("IMAP polling with Dovecot", .serialized)
struct IMAPPollingTests {
    /// The channel `id` reading Dovecot's INBOX over plain IMAP at `port` (Dovecot's own unless a proxy's);
    /// `extra` adds or overrides settings.
    static func channel(
        _ dovecot: DovecotServer, pollSeconds: Int = 1, after: String = "seen", id: ChannelID = "surel", port: Int? = nil,
        extra: [String: String] = [:]
    ) -> ChannelConfig {
        ChannelConfig(id: id, type: .imap, settings: [
            "host": "127.0.0.1", "port": "\(port ?? dovecot.port)", "security": "plain", "user": DovecotServer.user,
            "password": DovecotServer.password, "poll_seconds": "\(pollSeconds)", "after": after,
        ].merging(extra) { $1 }, burstSeconds: 0)
    }

    /// A gateway over `directory` (kept when it halts) with the one IMAP channel.
    static func start(_ channel: ChannelConfig, directory: TemporaryDirectory) async throws -> RunningGateway {
        try await start([channel], directory: directory)
    }

    /// A gateway over `directory` (kept when it halts) with `channels`.
    static func start(_ channels: [ChannelConfig], directory: TemporaryDirectory) async throws -> RunningGateway {
        let config = GatewayConfig(
            server: ServerSettings(host: "127.0.0.1", port: 0, publicURL: "https://lapor.example.go.id"),
            storage: StorageSettings(path: directory.appending("data")),
            adminToken: RunningGateway.adminToken,
            channels: channels
        )
        var logger = Logger(label: "intake-test")
        logger.logLevel = .warning
        let server = try GatewayServer(config: config, families: AdapterRegistry.families, logger: logger)
        return try await RunningGateway.serve(server, directory: directory)
    }

    /// Runs `body` against a gateway over `directory`, then halts it (keeping its files) whatever `body` did.
    static func running(_ channel: ChannelConfig, directory: TemporaryDirectory, _ body: (RunningGateway) async throws -> Void) async throws {
        try await running([channel], directory: directory, body)
    }

    /// The same with several channels.
    static func running(_ channels: [ChannelConfig], directory: TemporaryDirectory, _ body: (RunningGateway) async throws -> Void) async throws {
        let gateway = try await start(channels, directory: directory)
        do {
            try await body(gateway)
        } catch {
            await gateway.halt()
            throw error
        }
        await gateway.halt()
    }

    /// Runs `body` with a fresh Dovecot and a gateway directory, stopping both whatever happens.
    static func withDovecot(_ body: (DovecotServer, TemporaryDirectory) async throws -> Void) async throws {
        let dovecot = try await DovecotServer.start()
        let directory = try TemporaryDirectory("intake-imap")
        defer {
            dovecot.stop()
            directory.remove()
        }
        try await body(dovecot, directory)
    }

    @Test("mail dropped into the mailbox arrives as complaints and is flagged \\Seen afterwards")
    func mailBecomesComplaints() async throws {
        try await Self.withDovecot { dovecot, directory in
            try dovecot.deliver(messageID: "jalan-1@example.id", subject: "Jalan rusak di Jl. Merdeka", body: "Lubang besar di depan sekolah.")
            try dovecot.deliver(messageID: "air-2@example.id", from: "Siti <siti@example.id>", subject: "Air PDAM mati", body: "Sudah tiga hari air mati.")
            try await Self.running(Self.channel(dovecot), directory: directory) { gateway in
                let database = gateway.server.gateway.database
                try await eventually { try await database.complaintTotal() == 2 }
                try await eventually { dovecot.seenCount == 2 }
                #expect(try await database.externalIDs() == ["air-2@example.id", "jalan-1@example.id"])
            }
        }
    }

    @Test("after: move:<mailbox> moves committed messages out of the INBOX")
    func moveAfterCommit() async throws {
        try await Self.withDovecot { dovecot, directory in
            try dovecot.createMailbox("Diproses")
            try dovecot.deliver(messageID: "pindah@example.id", subject: "Parkir liar", body: "Parkir liar di trotoar.")
            try await Self.running(Self.channel(dovecot, after: "move:Diproses"), directory: directory) { gateway in
                try await eventually { dovecot.messageCount(in: "Diproses") == 1 }
                // Moved once journaled; the complaint itself may be processed a moment later (deferred).
                try await eventually { try await gateway.server.gateway.database.complaintTotal() == 1 }
                #expect(try await gateway.server.gateway.database.journalTotal() == 1)
                // Dovecot links the file into the target before it unlinks it from the INBOX.
                try await eventually(timeout: .seconds(5)) { dovecot.messageCount() == 0 }
            }
        }
    }

    @Test("the cursor survives a restart: nothing is fetched twice")
    func cursorSurvivesRestart() async throws {
        try await Self.withDovecot { dovecot, directory in
            let channel = Self.channel(dovecot, after: "keep")
            try dovecot.deliver(messageID: "satu@example.id", subject: "Sampah", body: "Sampah menumpuk di pasar.")
            try await Self.running(channel, directory: directory) { gateway in
                try await eventually { try await gateway.server.gateway.database.journalTotal() == 1 }
            }
            try dovecot.deliver(messageID: "dua@example.id", from: "Rina <rina@example.id>", subject: "Lampu jalan", body: "Lampu jalan padam.")
            try await Self.running(channel, directory: directory) { gateway in
                let database = gateway.server.gateway.database
                try await eventually { try await database.complaintTotal() == 2 }
                #expect(try await database.journalTotal() == 2)
                #expect(try await database.cursor()?.hasSuffix(":2") == true)
                #expect(dovecot.seenCount == 0)
            }
        }
    }

    @Test("a UIDVALIDITY change re-reads the mailbox without a duplicate complaint")
    func uidValidityChangeRereads() async throws {
        try await Self.withDovecot { dovecot, directory in
            let channel = Self.channel(dovecot)
            try dovecot.deliver(messageID: "a@example.id", subject: "Banjir", body: "Banjir setinggi lutut.")
            try dovecot.deliver(messageID: "b@example.id", from: "Agus <agus@example.id>", subject: "Macet", body: "Macet total di perempatan.")
            var before: String?
            try await Self.running(channel, directory: directory) { gateway in
                try await eventually { try await gateway.server.gateway.database.complaintTotal() == 2 }
                before = try await gateway.server.gateway.database.cursor()
            }
            try dovecot.resetUIDValidity()
            try dovecot.deliver(messageID: "c@example.id", from: "Dewi <dewi@example.id>", subject: "Pohon tumbang", body: "Pohon tumbang menutup jalan.")
            try await Self.running(channel, directory: directory) { gateway in
                let database = gateway.server.gateway.database
                // The two old messages are read again with the new one, but dropped before journaling: no row,
                // no complaint twice.
                try await eventually { try await database.complaintTotal() == 3 }
                #expect(try await database.journalTotal() == 3)
                try await eventually { try await database.unprocessedTotal() == 0 }
                #expect(try await database.complaintTotal() == 3)
                let after = try #require(try await database.cursor())
                #expect(after.split(separator: ":").first != before?.split(separator: ":").first)
            }
        }
    }

    @Test("with IDLE a new message arrives within seconds, though poll_seconds is ten minutes")
    func idleDeliversPromptly() async throws {
        try await Self.withDovecot { dovecot, directory in
            try dovecot.deliver(messageID: "first@example.id", subject: "Pertama", body: "Pesan pertama.")
            try await Self.running(Self.channel(dovecot, pollSeconds: 600), directory: directory) { gateway in
                let database = gateway.server.gateway.database
                try await eventually { try await database.complaintTotal() == 1 }
                try dovecot.deliver(messageID: "second@example.id", from: "Rina <rina@example.id>", subject: "Kedua", body: "Pesan kedua saat IDLE.")
                let start = ContinuousClock.now
                try await eventually(timeout: .seconds(10)) { try await database.complaintTotal() == 2 }
                #expect(ContinuousClock.now - start < .seconds(5))
            }
        }
    }

    @Test("shutdown while the poller waits in IDLE is prompt")
    func shutdownDuringIdleIsPrompt() async throws {
        try await Self.withDovecot { dovecot, directory in
            try dovecot.deliver(messageID: "only@example.id", subject: "Satu-satunya", body: "Pesan tunggal.")
            let gateway = try await Self.start(Self.channel(dovecot, pollSeconds: 600), directory: directory)
            // Once flagged, the poller fetches once more (nothing new) and waits in IDLE for up to ten minutes.
            try? await eventually { dovecot.seenCount == 1 }
            let start = ContinuousClock.now
            await gateway.halt()
            #expect(ContinuousClock.now - start < .seconds(3))
            #expect(dovecot.seenCount == 1)
        }
    }

    @Test("plain is refused to a host that is not loopback", arguments: ["mail.example.go.id", "10.0.0.5"])
    func plainOnlyToLoopback(host: String) {
        let settings = IMAPSettings(host: host, port: 143, security: .plain, user: "u", password: "p")
        #expect(throws: IMAPError.self) { _ = try IMAPClient(settings: settings) }
        #expect(IMAPSettings.isLoopback("127.0.0.1") && IMAPSettings.isLoopback("localhost") && !IMAPSettings.isLoopback(host))
    }
}

extension RunningGateway {
    /// Stops the server gracefully and waits for it, keeping its files (for a restart over them).
    func halt() async {
        await shutdown.trigger()
        _ = await task.result
    }
}

extension Database {
    /// Journal rows not yet processed (pending or failed).
    func unprocessedTotal() async throws -> Int {
        try await read { Int(try $0.query("SELECT count(*) FROM journal WHERE state IN ('pending', 'failed')").first?.int(0) ?? 0) }
    }

    /// The complaints' external ids, sorted.
    func externalIDs() async throws -> [String] {
        try await read { try $0.query("SELECT external_id FROM complaints ORDER BY external_id").compactMap { $0.string(0) } }
    }

    /// The IMAP channel's committed cursor.
    func cursor() async throws -> String? {
        try await read { try $0.cursor(for: "surel") }
    }
}
