import Foundation
import IntakeModel
import IntakeStorage
import Testing

/// What the IMAP poller passes over without a complaint: bytes that are not a message (quarantined),
/// auto-replies and bounces (counted); and the email family's attachment limits, which IMAP shares.
@Suite("IMAP mail that is not a complaint", .serialized)
struct IMAPSetAsideTests {
    /// A message without From, Sender or Reply-To: no reporter to record it against.
    static let withoutSender = """
        To: pengaduan@example.go.id\r
        Subject: Tanpa pengirim\r
        Message-ID: <tanpa-pengirim@example.id>\r
        Date: Fri, 4 Dec 2026 09:00:00 +0700\r
        \r
        Surat tanpa alamat pengirim.\r

        """

    /// The files in the gateway's IMAP quarantine.
    static func quarantined(_ directory: TemporaryDirectory) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.appending("data/quarantine/imap"))) ?? []).sorted()
    }

    @Test("bytes that are not a message and mail without a sender are quarantined, and the cursor moves past them")
    func unreadableIsQuarantined() async throws {
        try await IMAPPollingTests.withDovecot { dovecot, directory in
            try dovecot.deliver(messageID: "baik-1@example.id", subject: "Jembatan retak", body: "Jembatan di desa retak.")
            try dovecot.deliver(bytes: try Fixtures.data("email/garbage.bin"))
            try dovecot.deliver(Self.withoutSender)
            try dovecot.deliver(messageID: "baik-2@example.id", from: "Siti <siti@example.id>", subject: "Got mampet", body: "Got mampet sejak minggu lalu.")
            try await IMAPPollingTests.running(IMAPPollingTests.channel(dovecot), directory: directory) { gateway in
                let database = gateway.server.gateway.database
                try await eventually(timeout: .seconds(10)) { try await database.cursor()?.hasSuffix(":4") == true }
                try await eventually { try await database.complaintTotal() == 2 }
                #expect(try await database.externalIDs() == ["baik-1@example.id", "baik-2@example.id"])
                let kept = Self.quarantined(directory)
                #expect(kept.count == 2 && kept.allSatisfy { $0.contains("surel-uid-") && $0.hasSuffix(".eml") }, "quarantined: \(kept)")
                #expect(kept.allSatisfy { (try? Data(contentsOf: URL(fileURLWithPath: directory.appending("data/quarantine/imap/\($0)"))))?.isEmpty == false })
                // Later polls go on after the cursor: a new letter comes, the passed-over ones never again.
                try dovecot.deliver(messageID: "baik-3@example.id", from: "Agus <agus@example.id>", subject: "Sampah", body: "Sampah belum diangkut.")
                try await eventually(timeout: .seconds(10)) { try await database.complaintTotal() == 3 }
                #expect(try await database.journalTotal() == 3, "nothing fetched twice, nothing journaled for the bad ones")
                #expect(try await database.cursor()?.hasSuffix(":5") == true)
                #expect(Self.quarantined(directory).count == 2)
                // The passed-over messages are flagged like the others: the mailbox shows they were taken.
                try await eventually(timeout: .seconds(10)) { dovecot.seenCount == 5 }
            }
        }
    }

    @Test("an out-of-office reply and a delivery-status bounce make no complaint and are counted as ignored")
    func autoRepliesAreIgnored() async throws {
        try await IMAPPollingTests.withDovecot { dovecot, directory in
            try dovecot.deliver(bytes: try Fixtures.data("email/out-of-office.eml"))
            try dovecot.deliver(bytes: try Fixtures.data("email/dsn-bounce.eml"))
            try dovecot.deliver(messageID: "asli@example.id", subject: "Lampu lalu lintas mati", body: "Lampu lalu lintas mati di perempatan.")
            try await IMAPPollingTests.running(IMAPPollingTests.channel(dovecot), directory: directory) { gateway in
                let database = gateway.server.gateway.database
                try await eventually(timeout: .seconds(10)) { try await database.cursor()?.hasSuffix(":3") == true }
                try await eventually { try await database.complaintTotal() == 1 }
                #expect(try await database.externalIDs() == ["asli@example.id"])
                #expect(try await database.journalTotal() == 1)
                let metrics = try await gateway.get("/metrics", token: nil).text
                #expect(metrics.contains(#"intake_messages_ignored_total{channel="surel"} 2"#),
                        "counted: \(metrics.split(separator: "\n").filter { $0.contains("ignored") })")
                #expect(Self.quarantined(directory).isEmpty, "ignored mail is no unreadable mail")
                try await eventually(timeout: .seconds(10)) { dovecot.seenCount == 3 }
            }
        }
    }

    @Test("an IMAP channel's attachment_max_bytes drops a larger attachment, as the email family does")
    func attachmentLimitsApply() async throws {
        try await IMAPPollingTests.withDovecot { dovecot, directory in
            try dovecot.deliver(bytes: try Fixtures.data("email/attachment.eml"))
            let channel = IMAPPollingTests.channel(dovecot, extra: ["attachment_max_bytes": "16", "attachments_max_bytes": "1000000"])
            try await IMAPPollingTests.running(channel, directory: directory) { gateway in
                let database = gateway.server.gateway.database
                try await eventually(timeout: .seconds(10)) { try await database.complaintTotal() == 1 }
                let message = try await database.read { try $0.query("SELECT message FROM journal").first?.string(0) } ?? ""
                #expect(message.contains("attachments_dropped") && message.contains("banjir"), "journaled: \(message.prefix(400))")
            }
        }
    }
}
