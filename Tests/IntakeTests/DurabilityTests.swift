import Foundation
import IntakeCore
import IntakeModel
@testable import IntakeStorage
import Synchronization
import Testing

/// What happens once the disk cannot be trusted: a failed flush stops every later write.
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
}
