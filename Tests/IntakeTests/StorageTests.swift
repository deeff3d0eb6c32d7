import Dispatch
import Foundation
@testable import IntakeModel
@testable import IntakeStorage
import Testing

/// Real SQLite in a fresh temp dir per test: migrations, group commit, checkpoints, the journal, cursors.
@Suite("StorageTests", .timeLimit(.minutes(2)))
struct StorageTests {
    // MARK: Migrations

    @Test func reopeningKeepsDataAndAppliesEachMigrationOnce() async throws {
        let directory = try TemporaryDirectory("storage")
        defer { directory.remove() }
        let readMigrations: @Sendable (Connection) throws -> [[SQLValue]] = { connection in
            try connection.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").map(\.values)
        }

        let first = try Database(directory: directory.path)
        let stored = try await first.write { connection in
            try connection.appendJournal(SampleMessage.sms(externalID: "kept-1"), attachments: [], raw: [1, 2, 3], receivedAt: Date())
        }
        let appliedFirst = try await first.read(readMigrations)
        first.close()

        for _ in 0..<2 {
            let again = try Database(directory: directory.path)
            defer { again.close() }
            let entry = try #require(try await again.read { try $0.journalEntry(stored.id) })
            #expect(entry.message.externalID == "kept-1")
            #expect(entry.trackingNumber == stored.trackingNumber)
            #expect(entry.raw == [1, 2, 3])
            // Unchanged rows, applied_at included: nothing ran a second time.
            #expect(try await again.read(readMigrations) == appliedFirst)
        }
        let versions = appliedFirst.compactMap { row -> Int? in
            if case .integer(let version) = row[0] { Int(version) } else { nil }
        }
        #expect(versions == Schema.migrations.map(\.version).sorted())
    }

    // MARK: Group commit

    @Test func twoHundredConcurrentWritesAllReturnAndAllRowsAreStored() async throws {
        try await withDatabase { database, _ in
            let count = 200
            let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<count {
                    group.addTask {
                        try await database.write { connection in
                            try connection.appendJournal(
                                SampleMessage.sms(externalID: "concurrent-\(index)"), attachments: [], raw: [], receivedAt: Date()
                            ).id
                        }
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(Set(ids).count == count)
            let stored = try await database.read { connection in
                try connection.query("SELECT external_id FROM journal").compactMap { $0.string(0) }
            }
            #expect(Set(stored) == Set((0..<count).map { "concurrent-\($0)" }))
            #expect(stored.count == count)
        }
    }

    @Test func eachAwaitedWriteIsItsOwnCommit() async throws {
        // Checks the commit counter the batching test relies on.
        try await withDatabase { database, _ in
            let before = try WriteAheadLog.commitCount(database: database)
            for index in 0..<3 {
                _ = try await database.write { try $0.appendJournal(SampleMessage.sms(externalID: "seq-\(index)"), attachments: [], raw: [], receivedAt: Date()) }
            }
            #expect(try WriteAheadLog.commitCount(database: database) - before == 3)
        }
    }

    @Test func writesQueuedBehindABusyWriterShareOneCommit() async throws {
        try await withDatabase { database, _ in
            let jobs = 50
            let gate = try await WriterGate.hold(database)
            let before = try WriteAheadLog.commitCount(database: database)
            let ids = try await gate.queueWhileHeld(count: jobs) { index in
                try await database.write { connection in
                    try connection.appendJournal(SampleMessage.sms(externalID: "batched-\(index)"), attachments: [], raw: [], receivedAt: Date()).id
                }
            }
            // The gate's own write changes nothing, so its commit adds no frame to the WAL.
            let commits = try WriteAheadLog.commitCount(database: database) - before
            #expect(Set(ids).count == jobs)
            #expect(commits >= 1)
            #expect(commits <= 2, "\(jobs) queued writes took \(commits) commits")
            #expect(try await database.read { try $0.query("SELECT count(*) FROM journal").first?.int(0) } == Int64(jobs))
        }
    }

    // MARK: Checkpoints

    @Test func writeAheadLogStartsOverUnderSteadyWritesAndKeepsEveryRow() async throws {
        let directory = try TemporaryDirectory("storage")
        defer { directory.remove() }
        let database = try Database(directory: directory.path)
        // 33.6 MB in 80 commits of 14 rows: four times the log's checkpoint threshold (2,000 pages of 4 KB).
        // Few, large rows keep the test's CPU low: it runs beside timing-sensitive tests.
        let commits = 80, rows = 14
        let raw = [UInt8](repeating: 0x41, count: 30_000)
        var largestLog = 0
        for commit in 0..<commits {
            try await database.write { connection in
                for row in 0..<rows {
                    _ = try connection.appendJournal(
                        SampleMessage.sms(externalID: "steady-\(commit)-\(row)"), attachments: [], raw: raw, receivedAt: Date()
                    )
                }
            }
            let size = try FileManager.default.attributesOfItem(atPath: database.path + "-wal")[.size] as? Int ?? 0
            largestLog = max(largestLog, size)
        }
        let written = commits * rows * raw.count
        // Without checkpoints the log would hold all of it; it is reused from its start once copied.
        #expect(largestLog < written / 2, "the log reached \(largestLog) bytes for \(written) written")
        database.close()

        let reopened = try Database(directory: directory.path)
        defer { reopened.close() }
        let stored = try await reopened.read { try $0.query("SELECT count(*), count(DISTINCT external_id) FROM journal").first }
        #expect(stored?.int(0) == Int64(commits * rows))
        #expect(stored?.int(1) == Int64(commits * rows))
    }

    enum JobFailure: String, CaseIterable, Sendable {
        case thrownError
        case failingStatement
    }

    struct RefusedByTest: Error, Equatable {}

    @Test(arguments: JobFailure.allCases)
    func failingWriteLeavesItsBatchNeighboursCommitted(_ failure: JobFailure) async throws {
        try await withDatabase { database, _ in
            let gate = try await WriterGate.hold(database)
            let before = try WriteAheadLog.commitCount(database: database)
            let outcomes = try await gate.queueWhileHeld(count: 3) { index -> Result<Int64, any Error> in
                await capturingResult {
                    try await database.write { connection in
                        let entry = try connection.appendJournal(
                            SampleMessage.sms(externalID: "job-\(index + 1)"), attachments: [], raw: [], receivedAt: Date()
                        )
                        if index == 1 {
                            switch failure {
                            case .thrownError: throw RefusedByTest()
                            case .failingStatement: try connection.execute("INSERT INTO journal (channel_id) VALUES ('no other column')")
                            }
                        }
                        return entry.id
                    }
                }
            }
            #expect(try WriteAheadLog.commitCount(database: database) - before == 1, "the three jobs were one batch")

            for (index, outcome) in outcomes.enumerated() where index != 1 {
                #expect(throws: Never.self) { try outcome.get() }
            }
            switch (failure, outcomes[1]) {
            case (.thrownError, .failure(let error)):
                #expect(error as? RefusedByTest == RefusedByTest())
            case (.failingStatement, .failure(let error)):
                #expect((error as? SQLiteError)?.isConstraintViolation == true, "got \(error)")
            case (_, .success):
                Issue.record("the failing job reported success")
            }
            let stored = try await database.read { connection in
                try connection.query("SELECT external_id FROM journal ORDER BY external_id").compactMap { $0.string(0) }
            }
            #expect(stored == ["job-1", "job-3"])
        }
    }

    @Test func closedDatabaseRefusesWritesAndReadsInsteadOfHanging() async throws {
        let directory = try TemporaryDirectory("storage")
        defer { directory.remove() }
        let database = try Database(directory: directory.path)
        _ = try await database.write { try $0.appendJournal(SampleMessage.sms(), attachments: [], raw: [], receivedAt: Date()) }
        database.close()

        let writeError = await #expect(throws: StorageError.self) {
            try await database.write { try $0.appendJournal(SampleMessage.sms(), attachments: [], raw: [], receivedAt: Date()) }
        }
        let readError = await #expect(throws: StorageError.self) {
            try await database.read { try $0.complaintCount() }
        }
        #expect(writeError?.isClosed == true)
        #expect(readError?.isClosed == true)
        database.close()  // Closing twice is harmless.
    }

    @Test func closingTwiceLeavesAnotherOpenDatabaseWorking() async throws {
        let directory = try TemporaryDirectory("storage")
        defer { directory.remove() }
        let first = try Database(directory: directory.appending("first"), synchronous: .full)
        _ = try await first.write { try $0.appendJournal(SampleMessage.sms(), attachments: [], raw: [], receivedAt: Date()) }
        first.close()
        // Opened now, the second database may be handed the file descriptors the first one gave back.
        let second = try Database(directory: directory.appending("second"), synchronous: .full)
        defer { second.close() }
        _ = try await second.write { try $0.appendJournal(SampleMessage.sms(), attachments: [], raw: [], receivedAt: Date()) }
        let secondsFiles = try openFileDescriptors(under: directory.appending("second"))
        #expect(!secondsFiles.isEmpty)
        first.close()

        #expect(try openFileDescriptors(under: directory.appending("second")) == secondsFiles)
        for index in 0..<20 {
            _ = try await second.write { try $0.appendJournal(SampleMessage.sms(externalID: "after-\(index)"), attachments: [], raw: [], receivedAt: Date()) }
        }
        #expect(try await second.read { try $0.journalEntries(from: 1, limit: 100).count } == 21)
    }

    // MARK: Journal

    @Test func trackingNumbersAreUniqueAcrossFiveThousandAppends() async throws {
        try await withDatabase { database, _ in
            let count = 5_000
            let entries = try await database.write { connection in
                try (0..<count).map { index in
                    let entry = try connection.appendJournal(SampleMessage.sms(externalID: "n-\(index)"), attachments: [], raw: [], receivedAt: Date())
                    return (entry.id, entry.trackingNumber, connection.trackingNumbers.journalID(for: entry.trackingNumber))
                }
            }
            let numbers = entries.map(\.1)
            #expect(Set(numbers).count == count)
            #expect(numbers.allSatisfy { TrackingNumber(parsing: $0.description) == $0 })
            #expect(entries.allSatisfy { $0.0 == $0.2 }, "each number leads back to its own journal entry")
            // Consecutive entries must not get numbers that reveal their neighbours: no two share a 4-symbol prefix run.
            let prefixes = Set(numbers.prefix(100).map { $0.symbols.prefix(4) })
            #expect(prefixes.count >= 95)
        }
    }

    @Test func unfinishedListingHoldsPendingAndFailedEntriesInOrder() async throws {
        try await withDatabase { database, _ in
            let ids = try await database.write { connection in
                try (0..<5).map { index in
                    try connection.appendJournal(SampleMessage.sms(externalID: "u-\(index)"), attachments: [], raw: [], receivedAt: Date()).id
                }
            }
            try await database.write { connection in
                try connection.markJournal(ids[0], state: .processed, complaintID: nil, error: nil)
                try connection.markJournal(ids[1], state: .failed, complaintID: nil, error: "detector exploded")
                try connection.markJournal(ids[3], state: .duplicate, complaintID: nil, error: nil)
            }
            let unfinished = try await database.read { try $0.unfinishedJournalEntries() }
            #expect(unfinished.map(\.id) == [ids[1], ids[2], ids[4]])
            #expect(unfinished.map(\.state) == [.failed, .pending, .pending])
            #expect(unfinished.first?.error == "detector exploded")
            #expect(unfinished.first?.attempts == 1)

            let afterSecond = try await database.read { try $0.unfinishedJournalEntries(after: ids[1], limit: 1) }
            #expect(afterSecond.map(\.id) == [ids[2]])
            let all = try await database.read { try $0.journalEntries(from: ids[1], limit: 100) }
            #expect(all.map(\.id) == Array(ids[1...]))
        }
    }

    @Test func journaledMessageRoundTripsExactly() async throws {
        try await withDatabase { database, _ in
            var message = SampleMessage.sms(
                externalID: "<CAF+12=x@mail.example.go.id>",
                channelID: "email-pengaduan",
                text: "Antrean 🚗 di Merak–Bakauheni 5 jam!\r\nCalo minta Rp50.000 \"uang rokok\"\u{0}…\tCafe\u{301} 東京 \u{200B}"
            )
            message.channelType = .email
            message.reporter = Reporter(kind: .email, address: "siti.rahayu@example.co.id", name: "Siti Rahayu — Dinas PU")
            message.sentAt = Date(timeIntervalSince1970: 1_775_000_000.123_456)
            message.anonymous = true
            message.confidential = true
            message.kind = .aspiration
            message.title = "Pungli di Pelabuhan Merak"
            message.location = "Kec. Pulomerak, Kota Cilegon"
            message.incidentDate = "2026-03-28"
            message.category = "Perhubungan"
            message.tags = ["#MudikLAPOR", "calo", "Calo"]
            message.campaign = "mudik-2026"
            message.replyTo = "chat-991"
            message.metadata = ["parts": "3", "queue-id": "4F2A"]
            message.attachments = [InboundAttachment(fileName: "foto.jpg", mediaType: "image/jpeg", bytes: Data([0xff, 0xd8, 0xff]))]
            let attachments = [Attachment(fileName: "foto.jpg", mediaType: "image/jpeg", size: 3, sha256: String(repeating: "ab", count: 32))]
            let raw: [UInt8] = [0x00, 0xff, 0xfe, 0x0a] + Array("Subject: =?utf-8?q?Pungli?=".utf8)
            let receivedAt = Date(timeIntervalSince1970: 1_775_000_100.5)

            let journaled = message
            let appended = try await database.write {
                try $0.appendJournal(journaled, attachments: attachments, raw: raw, receivedAt: receivedAt)
            }
            let read = try #require(try await database.read { try $0.journalEntry(appended.id) })

            var expected = message
            expected.attachments = []  // The bytes live in the attachment store; the journal keeps references.
            #expect(read.message == expected)
            #expect(read.message.text.unicodeScalars.elementsEqual(message.text.unicodeScalars), "text stored byte for byte")
            #expect(read.message.reporter.name == "Siti Rahayu — Dinas PU")
            #expect(read.message.tags == ["#MudikLAPOR", "calo", "Calo"])
            #expect(read.message.sentAt == message.sentAt)
            #expect(read.attachments == attachments)
            #expect(read.raw == raw)
            #expect(read.trackingNumber == appended.trackingNumber)
            #expect(read.state == .pending)
            #expect(abs(read.receivedAt.timeIntervalSince(receivedAt)) < 0.001)
        }
    }

    // MARK: Cursors

    @Test func cursorsAreSavedOverwrittenAndKeptPerChannel() async throws {
        try await withDatabase { database, _ in
            #expect(try await database.read { try $0.cursor(for: "x-lapor1708") } == nil)
            try await database.write { try $0.saveCursor("1780000000000000001", for: "x-lapor1708", at: Date()) }
            try await database.write { try $0.saveCursor("update-41", for: "telegram-bot", at: Date()) }
            #expect(try await database.read { try $0.cursor(for: "x-lapor1708") } == "1780000000000000001")

            try await database.write { try $0.saveCursor("1780000000000000999", for: "x-lapor1708", at: Date()) }
            #expect(try await database.read { try $0.cursor(for: "x-lapor1708") } == "1780000000000000999")
            #expect(try await database.read { try $0.cursor(for: "telegram-bot") } == "update-41")
            #expect(try await database.read { try $0.query("SELECT count(*) FROM cursors").first?.int(0) } == 2)
        }
    }
}

// MARK: - Helpers
