import Foundation
import IntakeCore
import IntakeModel
@testable import IntakeStorage
import Synchronization
import Testing

/// What reaches the disk before an answer, and what happens once the disk cannot be trusted.
@Suite("Durability", .timeLimit(.minutes(2)))
struct DurabilityTests {
    @Test func afterAFailedFlushNothingMoreIsWrittenOrAnnounced() async throws {
        try await withDatabase { database, _ in
            let announced = Mutex(0)
            _ = try await database.write { connection in
                connection.afterCommit { announced.withLock { $0 += 1 } }
                return try connection.appendJournal(SampleMessage.sms(externalID: "before"), attachments: [], raw: [], receivedAt: Date())
            }
            #expect(database.failure == nil)
            #expect(announced.withLock { $0 } == 1)

            database.injectFlushFailure()
            await #expect(throws: StorageError.self, "the write whose flush failed is not acknowledged") {
                try await database.write { connection in
                    connection.afterCommit { announced.withLock { $0 += 1 } }
                    return try connection.appendJournal(SampleMessage.sms(externalID: "flush-failed"), attachments: [], raw: [], receivedAt: Date())
                }
            }
            let stuck = try #require(database.failure, "the failure is sticky")
            #expect("\(stuck)".contains("fdatasync"))
            await #expect(throws: StorageError.self, "nor is anything after it") {
                try await database.write { try $0.appendJournal(SampleMessage.sms(externalID: "after"), attachments: [], raw: [], receivedAt: Date()) }
            }
            #expect(announced.withLock { $0 } == 1, "nothing committed since the last good flush is announced")
            let stored = try await database.read { try $0.journalCounts().values.reduce(0, +) }
            #expect(stored == 2, "the write after the failure never reached storage")
        }
    }

    @Test func gatewayRefusesMessagesOnceStorageFailed() async throws {
        try await PipelineHarness.with { harness in
            _ = try await harness.gateway.submit([SampleMessage.sms(externalID: "ok")], raw: [1])
            harness.database.injectFlushFailure()
            await #expect(throws: (any Error).self) { try await harness.gateway.submit([SampleMessage.sms(externalID: "lost-flush")], raw: [2]) }
            await #expect(throws: (any Error).self) { try await harness.gateway.submit([SampleMessage.sms(externalID: "later")], raw: [3]) }
        }
    }

    @Test func anAttachmentIsFlushedWithEveryDirectoryCreatedForIt() async throws {
        let directory = try TemporaryDirectory("attachments")
        defer { directory.remove() }
        let synced = Mutex<[String]>([])
        let disk = Disk { path in
            try Disk.posix.syncDirectory(path)
            synced.withLock { $0.append(path) }
        }
        let root = directory.appending("data/attachments")
        let store = AttachmentStore(directory: root, disk: disk)
        let photo = InboundAttachment(fileName: "jalan.jpg", mediaType: "image/jpeg", bytes: Data(repeating: 0xFF, count: 4096))

        let stored = try await store.store([photo])

        let file = store.path(forSHA256: stored[0].sha256)
        let folder = (file as NSString).deletingLastPathComponent
        #expect(FileManager.default.contents(atPath: file) == photo.bytes)
        // Each new directory's entry lives in its parent; the file's entry lives in its folder.
        #expect(Set(synced.withLock { $0 }) == [directory.path, directory.appending("data"), root, folder])
        #expect(synced.withLock { $0.last } == folder, "the folder is flushed after the rename")

        synced.withLock { $0.removeAll() }
        _ = try await store.store([photo])
        #expect(synced.withLock { $0 }.isEmpty, "bytes already stored are not written again")
    }

    @Test func anAttachmentThatCannotBeStoredFailsLoudlyAndLeavesNothingBehind() async throws {
        let directory = try TemporaryDirectory("attachments")
        defer { directory.remove() }
        // A file where the attachment folder should be: every step after it must fail, and say so.
        FileManager.default.createFile(atPath: directory.appending("attachments"), contents: Data("not a folder".utf8))
        let store = AttachmentStore(directory: directory.appending("attachments"))
        let photo = InboundAttachment(fileName: "a.jpg", mediaType: "image/jpeg", bytes: Data([1, 2, 3]))

        await #expect(throws: StorageError.self) { try await store.store([photo]) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["attachments"])
    }
}
