import Foundation
import IntakeIMAP
import Testing

/// The libetpan IMAP client against a real Dovecot on loopback.
@Suite("IMAP client with Dovecot", .serialized)
struct IMAPClientTests {
    @Test("fetch returns only the messages after the given UID, including ones delivered after the first SELECT")
    func fetchAfterUID() async throws {
        let dovecot = try await DovecotServer.start()
        defer { dovecot.stop() }
        let client = try IMAPClient(settings: IMAPSettings(
            host: "127.0.0.1", port: UInt16(dovecot.port), security: .plain, user: DovecotServer.user, password: DovecotServer.password
        ))
        try dovecot.deliver(messageID: "k1@example.id", subject: "Satu", body: "Pesan satu.")
        let first = try await client.fetch(uidValidity: nil, after: 0, limit: 50)
        #expect(first.messages.map(\.uid) == [1])
        try dovecot.deliver(messageID: "k2@example.id", subject: "Dua", body: "Pesan dua.")
        let second = try await client.fetch(uidValidity: first.uidValidity, after: 1, limit: 50)
        #expect(second.messages.map(\.uid) == [2])
        let raw = String(decoding: second.messages.first?.raw ?? [], as: UTF8.self)
        #expect(raw.contains("Message-ID: <k2@example.id>"))
        try await client.markSeen([1, 2])
        #expect(dovecot.seenCount == 2)
        await client.close()
    }

    @Test("IDLE wakes for a message delivered after the last SELECT, and a cancelled IDLE ends at once")
    func idleWakesAndCancels() async throws {
        let dovecot = try await DovecotServer.start()
        defer { dovecot.stop() }
        let client = try IMAPClient(settings: IMAPSettings(
            host: "127.0.0.1", port: UInt16(dovecot.port), security: .plain, user: DovecotServer.user, password: DovecotServer.password
        ))
        _ = try await client.fetch(uidValidity: nil, after: 0, limit: 50)
        #expect(client.offersIdle)
        try dovecot.deliver(messageID: "idle@example.id", subject: "IDLE", body: "Pesan saat IDLE.")
        let start = ContinuousClock.now
        #expect(try await client.waitForChange(seconds: 20))
        #expect(ContinuousClock.now - start < .seconds(5))
        let waiting = Task { try await client.waitForChange(seconds: 600) }
        try await eventually { true }
        waiting.cancel()
        let cancelled = ContinuousClock.now
        await #expect(throws: IMAPError.cancelled) { _ = try await waiting.value }
        #expect(ContinuousClock.now - cancelled < .seconds(2))
    }

    @Test("a refused LOGIN is an authentication error that names neither the user nor the password")
    func refusedLogin() async throws {
        let dovecot = try await DovecotServer.start()
        defer { dovecot.stop() }
        let client = try IMAPClient(settings: IMAPSettings(
            host: "127.0.0.1", port: UInt16(dovecot.port), security: .plain, user: DovecotServer.user, password: "salah-sandi-91"
        ))
        do {
            _ = try await client.fetch(uidValidity: nil, after: 0, limit: 50)
            Issue.record("a wrong password was accepted")
        } catch {
            guard case .authentication(let message) = error else { Issue.record("unexpected \(error)"); return }
            #expect(!message.contains(DovecotServer.user) && !message.contains("salah-sandi-91"))
        }
    }
    @Test("a UID range is flagged and moved again without harm: what is already done or gone is passed over")
    func rangesAreIdempotent() async throws {
        let dovecot = try await DovecotServer.start()
        defer { dovecot.stop() }
        let client = try IMAPClient(settings: IMAPSettings(
            host: "127.0.0.1", port: UInt16(dovecot.port), security: .plain, user: DovecotServer.user, password: DovecotServer.password
        ))
        try dovecot.createMailbox("Arsip")
        for number in 1...3 { try dovecot.deliver(messageID: "r\(number)@example.id", subject: "Rentang \(number)", body: "Pesan \(number).") }
        #expect(try await client.fetch(uidValidity: nil, after: 0, limit: 50).messages.map(\.uid) == [1, 2, 3])
        try await client.markSeen(.upTo(2))
        try await client.markSeen(.upTo(2))
        #expect(dovecot.seenCount == 2, "only UIDs 1 and 2")
        try await client.move(.upTo(2), to: "Arsip")
        try await client.move(.upTo(2), to: "Arsip")
        #expect(dovecot.messageCount(in: "Arsip") == 2)
        #expect(dovecot.messageCount() == 1, "UID 3 stays")
        await client.close()
    }

    @Test("one IDLE waits at most 25 minutes, however long the poll interval", arguments: [(0, 1), (1, 1), (60, 60), (1500, 1500), (3600, 1500)])
    func idleIsRenewed(seconds: Int, expected: Int) {
        #expect(IMAPClient.idleMilliseconds(seconds) == Int32(expected * 1000))
    }
    @Test("a connection on descriptors numbered past 1024 works: libetpan's select() never sees them")
    func highDescriptorsAreSafe() async throws {
        let dovecot = try await DovecotServer.start()
        defer { dovecot.stop() }
        try dovecot.deliver(messageID: "tinggi@example.id", subject: "Deskriptor", body: "Pesan lewat deskriptor tinggi.")
        // Fill the descriptor table past FD_SETSIZE (bounded), so the client's socket and pipes number higher.
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        while held.count < 1_200, (held.last ?? 0) < 1_030 {
            let descriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { break }
            held.append(descriptor)
        }
        try #require((held.last ?? 0) >= 1_030, "could not open descriptors past 1030 (ulimit -n is too low)")
        let client = try IMAPClient(settings: IMAPSettings(
            host: "127.0.0.1", port: UInt16(dovecot.port), security: .plain, user: DovecotServer.user, password: DovecotServer.password
        ))
        #expect(try await client.fetch(uidValidity: nil, after: 0, limit: 50).messages.map(\.uid) == [1])
        try await client.markSeen([1])
        #expect(dovecot.seenCount == 1)
        await client.close()
    }
}
