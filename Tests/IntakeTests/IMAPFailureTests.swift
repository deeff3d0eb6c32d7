import Foundation
import IntakeCore
import IntakeModel
import IntakeStorage
import Testing

/// The IMAP poller when things go wrong: a connection cut in the middle of a FETCH, a refused LOGIN, and
/// how `GET /api/v1/channels` shows either.
@Suite("IMAP failures", .serialized)
struct IMAPFailureTests {
    /// A letter long enough that its FETCH response spans more than the proxy lets through before a cut.
    static func deliverLong(_ dovecot: DovecotServer, _ number: Int) throws {
        let body = String(repeating: "Saluran air tersumbat di RT \(number), mohon segera ditangani. ", count: 30)
        try dovecot.deliver(messageID: "panjang-\(number)@example.id", from: "Warga \(number) <warga\(number)@example.id>",
                            subject: "Saluran tersumbat \(number)", body: body)
    }

    @Test("a connection cut in the middle of a FETCH response is retried: every letter is one complaint, none lost or doubled")
    func cutMidFetch() async throws {
        try await IMAPPollingTests.withDovecot { dovecot, directory in
            let proxy = try TCPProxy(targetPort: dovecot.port)
            defer { proxy.stop() }
            for number in 1...2 { try Self.deliverLong(dovecot, number) }
            let channel = IMAPPollingTests.channel(dovecot, port: proxy.port)
            try await IMAPPollingTests.running(channel, directory: directory) { gateway in
                let database = gateway.server.gateway.database
                try await eventually(timeout: .seconds(10)) { try await database.complaintTotal() == 2 }
                // The poller now waits in IDLE; the next FETCH response is cut after 300 bytes.
                proxy.cutNextFetch(after: 300)
                for number in 3...5 { try Self.deliverLong(dovecot, number) }
                try await eventually(timeout: .seconds(15)) { try await database.complaintTotal() == 5 }
                #expect(proxy.cuts == 1, "the fetch was cut")
                #expect(proxy.connections >= 2, "the poller connected again after the cut")
                let status = try await ChannelsAPITests.channel("surel", in: gateway)
                let lastError = (status["last_error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(lastError.contains("IMAP connection") && lastError.contains("broke"), "the cut shows as a connection error: \(lastError)")
                #expect(try await database.journalTotal() == 5, "nothing fetched twice")
                #expect(try await database.externalIDs() == (1...5).map { "panjang-\($0)@example.id" })
                try await eventually(timeout: .seconds(10)) { dovecot.seenCount == 5 }
            }
        }
    }

    @Test("a refused LOGIN shows as the channel's last error, without user or password; a good channel shows a recent poll and small lag")
    func channelStatus() async throws {
        try await IMAPPollingTests.withDovecot { dovecot, directory in
            try dovecot.deliver(messageID: "status@example.id", subject: "Trotoar rusak", body: "Trotoar rusak parah.")
            let wrongPassword = "sandi-keliru-4417"
            let channels = [
                IMAPPollingTests.channel(dovecot),
                IMAPPollingTests.channel(dovecot, id: "surel-salah", extra: ["password": wrongPassword]),
            ]
            try await IMAPPollingTests.running(channels, directory: directory) { gateway in
                try await eventually(timeout: .seconds(10)) { try await gateway.server.gateway.database.complaintTotal() == 1 }
                var refused: [String: Any] = [:]
                try await eventually(timeout: .seconds(10)) {
                    refused = try await ChannelsAPITests.channel("surel-salah", in: gateway)
                    return refused["last_error"] is [String: Any]
                }
                let message = try #require((refused["last_error"] as? [String: Any])?["message"] as? String)
                #expect(message.contains("authentication"), "names the cause: \(message)")
                #expect(!message.contains(wrongPassword) && !message.contains(DovecotServer.user), "names no secret: \(message)")
                #expect((refused["last_poll_at"] as? String).flatMap(Timestamp.parse) != nil)
                #expect(refused["lag_seconds"] is Double)
                #expect(!"\(refused)".contains(wrongPassword))

                // The good channel's first poll caught up to the letter's Date; the next (empty) one to now.
                var good: [String: Any] = [:]
                try await eventually(timeout: .seconds(10)) {
                    good = try await ChannelsAPITests.channel("surel", in: gateway)
                    return (good["lag_seconds"] as? Double ?? .infinity) < 5
                }
                #expect(good["last_error"] is NSNull, "the good channel has no error: \(good)")
                let lastPoll = try #require((good["last_poll_at"] as? String).flatMap(Timestamp.parse))
                #expect(abs(lastPoll.timeIntervalSinceNow) < 10, "polled recently: \(good)")
            }
        }
    }
    @Test("a channel with security plain to a host that is not loopback never connects and says why")
    func plainToRemoteHostIsRefused() async throws {
        let channel = ChannelConfig(id: "surel-jauh", type: .imap, settings: [
            "host": "mail.example.go.id", "port": "143", "security": "plain", "user": DovecotServer.user,
            "password": DovecotServer.password, "poll_seconds": "1",
        ], burstSeconds: 0)
        let directory = try TemporaryDirectory("intake-imap-plain")
        defer { directory.remove() }
        try await IMAPPollingTests.running([channel], directory: directory) { gateway in
            var message = ""
            try await eventually(timeout: .seconds(10)) {
                let status = try await ChannelsAPITests.channel("surel-jauh", in: gateway)
                message = (status["last_error"] as? [String: Any])?["message"] as? String ?? ""
                return !message.isEmpty
            }
            #expect(message.contains("plain is allowed only to a loopback host"), "says why: \(message)")
            #expect(!message.contains(DovecotServer.password))
        }
    }
}
