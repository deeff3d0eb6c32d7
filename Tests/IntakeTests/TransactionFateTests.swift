import Foundation
@testable import IntakeCore
import IntakeDedup
import IntakeModel
@testable import IntakeStorage
import Synchronization
import Testing

/// In-memory state follows the transaction that justifies it: nothing is visible to processing before its
/// commit, and nothing is left behind by a rollback. Each race is forced by holding the writer thread.
@Suite("Transaction fate", .timeLimit(.minutes(2)))
struct TransactionFateTests {
    struct Rollback: Error {}

    @Test func aDeferralIsInvisibleToProcessingUntilItsTransactionCommits() async throws {
        let backlog = DeferredProcessingTests.enabledBacklog()
        try await PipelineHarness.with(backlog: backlog) { harness in
            let database = harness.database
            // Hold the writer, queue the message and then a second gate behind it: both run in one
            // transaction, and the second stops there, after the deferral and before COMMIT.
            let outer = try await WriterGate.hold(database)
            let message = SampleMessage.sms(externalID: "SM-RACE", from: "+6281300000001")
            let answer = Task { try await harness.gateway.submit([message], raw: [1]) }
            try await waitUntil { database.queuedWrites == 1 }
            let inner = Task { try await WriterGate.hold(database) }
            try await waitUntil { database.queuedWrites == 2 }
            try await outer.open()
            let probe = try await inner.value

            #expect(backlog.oldest(10).isEmpty, "an uncommitted deferral is not offered to processing")
            #expect(backlog.newest == nil, "nor counted by read-your-writes")
            #expect(backlog.admission(ProcessingBacklog.Keys(SampleMessage.sms(externalID: "SM-NEXT", from: "+6281300000001")), at: Date().timeIntervalSince1970)
                    != .deferrable, "the same reporter's next message is decided after it, committed or not")

            try await probe.open()
            let receipt = try #require(try await answer.value.first)
            #expect(receipt.complaintID == nil, "answered from the journal")
            #expect(backlog.oldest(10) == [receipt.journalID], "committed: now processing may take it")
            #expect(try await harness.gateway.processBacklog() == 1)
            let complaint = try await database.read { try $0.complaint(idOrTrackingNumber: receipt.trackingNumber.description) }
            #expect(complaint?.journalID == receipt.journalID, "processed under the number it was answered with")
            #expect(backlog.count == 0)
        }
    }

    @Test func aRolledBackDeferralLeavesNoPendingEntryAndNoKnownReporter() async throws {
        let backlog = DeferredProcessingTests.enabledBacklog()
        try await PipelineHarness.with(backlog: backlog) { harness in
            let keys = ProcessingBacklog.Keys(SampleMessage.sms(externalID: "SM-GONE", from: "+6281300000002"))
            let now = Date().timeIntervalSince1970
            await #expect(throws: Rollback.self) {
                try await harness.database.write { connection in
                    backlog.deferred(99, keys: keys, at: now, in: connection)
                    backlog.stored(ProcessingBacklog.Keys(SampleMessage.sms(externalID: "SM-OTHER", from: "+6281300000003")), at: now, in: connection)
                    #expect(backlog.admission(keys, at: now) == .decideNow(after: [99]), "visible inside its own transaction")
                    throw Rollback()
                }
            }
            #expect(backlog.count == 0)
            #expect(backlog.oldest(10).isEmpty)
            #expect(backlog.admission(keys, at: now) == .deferrable, "the rolled-back message's reporter is not known")
            #expect(backlog.admission(ProcessingBacklog.Keys(SampleMessage.sms(externalID: "SM-X", from: "+6281300000003")), at: now) == .deferrable)
        }
    }

    @Test func aRolledBackComplaintNeverAttractsALaterMessageIntoSomeoneElsesComplaint() async throws {
        let detector = NearDuplicateDetector(policy: DedupPolicy(mergeWindow: 72 * 3600, clusterWindow: 336 * 3600)) { _, _ in 72 * 3600 }
        try await PipelineHarness.with(detector: detector) { harness in
            let text = "Jembatan gantung di Desa Sukamaju Kec. Cibeber putus sejak banjir kemarin, warga tidak bisa ke pasar"
            let first = SampleMessage.sms(externalID: "R1-A", from: "+6281311111111", text: text)
            let record = try JournalRecord(message: first, attachments: [], raw: [1], receivedAt: Date())
            let prepared = harness.gateway.pipeline.prepare(record)
            // The batch stores the first reporter's complaint (its features enter the index), then rolls back.
            let seen = Mutex<Int64>(0)
            await #expect(throws: Rollback.self) {
                try await harness.database.write { connection in
                    let receipt = try harness.gateway.pipeline.record(prepared, in: connection)
                    seen.withLock { $0 = receipt.journalID }
                    throw Rollback()
                }
            }
            let rolledBackID = seen.withLock { $0 }
            #expect(rolledBackID > 0)

            let other = try #require(try await harness.gateway.submit(
                [SampleMessage.sms(externalID: "R2-A", from: "+6281322222222", text: "Lampu lalu lintas di simpang Jl. Ahmad Yani Kota Bekasi mati total")], raw: [2]
            ).first)
            #expect(other.journalID > rolledBackID, "a rolled-back journal id is never handed out again")

            let again = try #require(try await harness.gateway.submit([SampleMessage.sms(externalID: "R1-B", from: "+6281311111111", text: text)], raw: [3]).first)
            #expect(!again.duplicate, "nothing of the first reporter was stored, so nothing can be repeated")
            #expect(again.trackingNumber != other.trackingNumber, "never merged into another reporter's complaint")
            #expect(try await harness.database.read { try $0.complaintCount() } == 2)
        }
    }

    @Test func periodicReplayLeavesPacedEntriesToProcessingButTakesFailedAndStuckOnes() async throws {
        let backlog = DeferredProcessingTests.enabledBacklog()
        try await PipelineHarness.with(detector: ExplodingDetector(), backlog: backlog) { harness in
            for index in 0..<3 {
                _ = try await harness.gateway.submit([SampleMessage.sms(externalID: "P-\(index)", from: "+628140000000\(index)",
                                                                        text: "Antrean solar di SPBU nomor \(index) mengular")], raw: [1])
            }
            // A known reporter's message is decided at once; this one fails and is kept for the replay.
            let known = "+6281400000009"
            _ = try await harness.gateway.submit([SampleMessage.sms(externalID: "K-1", from: known, text: "Jalan berlubang di depan pasar")], raw: [1])
            try await harness.gateway.settle()
            _ = try await harness.gateway.submit([SampleMessage.sms(externalID: "K-2", from: known, text: "BOOM sekali lagi")], raw: [1])
            for index in 3..<5 {
                _ = try await harness.gateway.submit([SampleMessage.sms(externalID: "P-\(index)", from: "+628140000000\(index)",
                                                                        text: "Antrean solar di SPBU nomor \(index) mengular")], raw: [1])
            }
            #expect(try await harness.database.read { try $0.journalCounts() } == [.processed: 4, .failed: 1, .pending: 2])

            let summary = try await harness.gateway.replay()

            #expect(summary.examined == 1, "only the failed entry")
            #expect(try await harness.database.read { try $0.journalCounts() } == [.processed: 4, .failed: 1, .pending: 2])
            #expect(backlog.count == 2, "the paced entries still wait for ProcessingService")

            // A restarted process knows none of them: they are stuck, and the replay at start takes them.
            let restarted = Gateway(database: harness.database, attachments: harness.gateway.attachments,
                                    pipeline: harness.gateway.pipeline, backlog: DeferredProcessingTests.enabledBacklog(), logger: harness.logger)
            let atStart = try await restarted.replay()
            #expect(atStart.examined == 3)
            #expect(atStart.recovered == 2)
            #expect(try await harness.database.read { try $0.journalCounts() } == [.processed: 6, .failed: 1])
        }
    }
}
