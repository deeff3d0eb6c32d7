import Foundation
@testable import IntakeCore
import IntakeModel
import IntakeStorage
import Testing

/// Journal first, process behind: which messages are answered before processing, and that every one of
/// them ends up exactly as if it had been processed at once.
@Suite("DeferredProcessingTests", .timeLimit(.minutes(2)))
struct DeferredProcessingTests {
    /// A backlog that defers (as the server's does once `ProcessingService` runs), with no service: the
    /// tests decide when pending entries are processed.
    static func enabledBacklog(window: Double = 72 * 3600) -> ProcessingBacklog {
        let backlog = ProcessingBacklog(window: window)
        backlog.enable()
        return backlog
    }

    @Test func burstIsAnsweredFromTheJournalAndProcessedLaterUnderTheSameNumbers() async throws {
        let backlog = Self.enabledBacklog()
        try await PipelineHarness.with(backlog: backlog) { harness in
            var receipts: [Receipt] = []
            for index in 0..<20 {
                let message = SampleMessage.sms(externalID: "SM-\(index)", from: "+628120000\(1000 + index)",
                                                text: "Antrean bus di terminal nomor \(index) tidak bergerak")
                receipts += try await harness.gateway.submit([message], raw: Array("raw-\(index)".utf8))
            }
            #expect(receipts.allSatisfy { !$0.duplicate && $0.complaintID == nil }, "answered before processing")
            #expect(Set(receipts.map(\.trackingNumber)).count == 20)
            #expect(try await harness.database.read { try $0.journalCounts() } == [.pending: 20])
            #expect(try await harness.database.read { try $0.complaintCount() } == 0)
            #expect(backlog.count == 20)

            try await harness.gateway.settle()

            #expect(backlog.count == 0)
            #expect(try await harness.database.read { try $0.journalCounts() } == [.processed: 20])
            for receipt in receipts {
                let complaint = try #require(try await harness.database.read { try $0.complaint(idOrTrackingNumber: receipt.trackingNumber.description) })
                #expect(complaint.journalID == receipt.journalID, "the number given at the answer leads to its complaint")
            }
            #expect(try await harness.outboxRows().count == 20)
        }
    }

    /// What a message shares with a pending one that makes it a repeat.
    enum Repeat: String, CaseIterable, Sendable {
        case providerRetry = "the provider's retry with the same id"
        case sameText = "the same reporter's identical text under a new id"
    }

    @Test(arguments: Repeat.allCases)
    func repeatOfAPendingMessageIsDecidedBeforeItsAnswer(_ kind: Repeat) async throws {
        let backlog = Self.enabledBacklog()
        try await PipelineHarness.with(backlog: backlog) { harness in
            let first = SampleMessage.sms(externalID: "SM-1")
            var again = first
            switch kind {
            case .providerRetry: again.text = "the provider id alone decides"
            case .sameText: again.externalID = "SM-2"
            }
            let pending = try #require(try await harness.gateway.submit([first], raw: [1]).first)
            #expect(pending.complaintID == nil)

            let repeated = try #require(try await harness.gateway.submit([again], raw: [2]).first)

            #expect(repeated.duplicate)
            #expect(repeated.trackingNumber == pending.trackingNumber)
            #expect(try await harness.database.read { try $0.journalCounts() } == [.processed: 1, .duplicate: 1])
            #expect(backlog.count == 0, "the pending message was processed first, not left for later")
        }
    }

    @Test func anotherReporterIsStillAnsweredFromTheJournalWhileOneIsDecided() async throws {
        let backlog = Self.enabledBacklog()
        try await PipelineHarness.with(backlog: backlog) { harness in
            _ = try await harness.gateway.submit([SampleMessage.sms(externalID: "A-1", from: "+6281111111111")], raw: [1])
            _ = try await harness.gateway.submit([SampleMessage.sms(externalID: "B-1", from: "+6282222222222")], raw: [2])
            // A repeat of A's message: A is processed, B stays pending.
            _ = try await harness.gateway.submit([SampleMessage.sms(externalID: "A-1", from: "+6281111111111")], raw: [3])

            #expect(try await harness.database.read { try $0.journalCounts() } == [.processed: 1, .pending: 1, .duplicate: 1])
            #expect(backlog.count == 1)
        }
    }

    @Test func reporterKnownFromAStoredComplaintIsDecidedBeforeTheAnswer() async throws {
        let backlog = Self.enabledBacklog()
        try await PipelineHarness.with(backlog: backlog) { harness in
            let first = try #require(try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-1")], raw: [1]).first)
            try await harness.gateway.settle()

            let resend = try #require(try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-2")], raw: [2]).first)
            let news = try #require(try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-3", text: "Lampu jalan mati di depan SDN 3 Depok sejak seminggu")], raw: [3]).first)

            #expect(resend.duplicate && resend.trackingNumber == first.trackingNumber)
            #expect(!news.duplicate && news.complaintID != nil, "a known reporter's new complaint is stored before the answer")
            #expect(backlog.count == 0)
        }
    }

    @Test func reporterLearnedFromStorageAtStartIsDecidedBeforeTheAnswer() async throws {
        try await PipelineHarness.with { harness in
            let first = try #require(try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-1")], raw: [1]).first)
            // A restarted server: a fresh backlog that learns reporters from the complaints table.
            let backlog = Self.enabledBacklog()
            let since = Date().addingTimeInterval(-backlog.window)
            backlog.remember(reporters: try await harness.database.read { try $0.recentReporters(since: since) })
            let restarted = Gateway(database: harness.database, attachments: harness.gateway.attachments,
                                    pipeline: harness.gateway.pipeline, backlog: backlog, logger: harness.logger)

            let resend = try #require(try await restarted.submit([SampleMessage.sms(externalID: "SM-2")], raw: [2]).first)

            #expect(resend.duplicate)
            #expect(resend.trackingNumber == first.trackingNumber)
        }
    }

    @Test func providerRetryAfterTheReporterWindowIsStillADuplicate() async throws {
        // A window so short the reporter is forgotten: only the provider-id check can catch the retry.
        let backlog = Self.enabledBacklog(window: 0.05)
        try await PipelineHarness.with(backlog: backlog) { harness in
            let first = try #require(try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-9")], raw: [1]).first)
            try await harness.gateway.settle()
            try await Task.sleep(for: .milliseconds(100))

            let retry = try #require(try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-9", text: "other")], raw: [2]).first)

            #expect(retry.duplicate)
            #expect(retry.trackingNumber == first.trackingNumber)
        }
    }

    @Test func replayAfterACrashProcessesPendingEntriesAndMakesTheirReportersKnown() async throws {
        let backlog = Self.enabledBacklog()
        try await PipelineHarness.with(backlog: backlog) { harness in
            let first = try #require(try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-1")], raw: [1]).first)
            // A restart: the pending row is in the journal, the new process's backlog knows nothing.
            let fresh = Self.enabledBacklog()
            let restarted = Gateway(database: harness.database, attachments: harness.gateway.attachments,
                                    pipeline: harness.gateway.pipeline, backlog: fresh, logger: harness.logger)

            let summary = try await restarted.replay()
            let resend = try #require(try await restarted.submit([SampleMessage.sms(externalID: "SM-2")], raw: [2]).first)

            #expect(summary.recovered == 1)
            #expect(resend.duplicate, "the replayed complaint's reporter is known, so the resend is decided before its answer")
            #expect(resend.trackingNumber == first.trackingNumber)
        }
    }

    // MARK: When processing runs

    @Test func processingWaitsWhileMessagesArriveFastAndRunsWhenTheySlow() throws {
        let backlog = ProcessingBacklog(window: 3600, maxLag: 30, busyRate: 1000, interval: 0.005)
        backlog.enable()
        let start = 1_000_000.0
        let keys = ProcessingBacklog.Keys(SampleMessage.sms(externalID: "SM-1"))
        #expect(backlog.pace(now: start) == .idle, "nothing pending, nothing to do")
        _ = backlog.reserve(1, keys: keys, at: start)
        backlog.publish(1)

        #expect(backlog.pace(now: start) == .run(batch: ProcessingBacklog.quietBatch), "quiet: process a large batch now")
        for index in 0..<100 {
            _ = backlog.admission(ProcessingBacklog.Keys(SampleMessage.sms(externalID: "X-\(index)", from: "+628500000\(1000 + index)")), at: start)
        }
        #expect(backlog.pace(now: start + 0.010) == .wait(0.005), "100 messages in 10 ms is busy: wait")
        guard case .wait(let rest) = backlog.pace(now: start + 0.011) else {
            Issue.record("a look within the interval should wait")
            return
        }
        #expect(abs(rest - 0.004) < 1e-9, "looks again only after the interval")
        #expect(backlog.pace(now: start + 0.020) == .run(batch: ProcessingBacklog.quietBatch), "nothing arrived since: process")
        #expect(backlog.pace(now: start + 29.99) == .run(batch: ProcessingBacklog.quietBatch))
        for index in 0..<100 {
            _ = backlog.admission(ProcessingBacklog.Keys(SampleMessage.sms(externalID: "Y-\(index)", from: "+628600000\(1000 + index)")), at: start)
        }
        #expect(backlog.pace(now: start + 30) == .run(batch: ProcessingBacklog.lateBatch),
                "busy, but the oldest has waited the longest lag allowed: small batches")
    }

    @Test("processing waits while messages wait for a stalled writer, though none was admitted meanwhile")
    func processingWaitsWhileMessagesWaitForTheWriter() throws {
        let backlog = ProcessingBacklog(window: 3600, maxLag: 30, busyRate: 1000, interval: 0.005)
        backlog.enable()
        let start = 1_000_000.0
        _ = backlog.reserve(1, keys: ProcessingBacklog.Keys(SampleMessage.sms(externalID: "SM-1")), at: start)
        backlog.publish(1)
        backlog.lookAgain(now: start)
        backlog.inFlight(3)
        #expect(backlog.pace(now: start + 0.010) == .wait(0.005), "three messages wait for the writer: busy")
        backlog.landed(2)
        #expect(backlog.pace(now: start + 0.020) == .wait(0.005), "one still waits")
        backlog.landed(1)
        #expect(backlog.pace(now: start + 0.030) == .run(batch: ProcessingBacklog.quietBatch), "all answered and none admitted: quiet")
        backlog.inFlight(1)
        #expect(backlog.pace(now: start + 30) == .run(batch: ProcessingBacklog.lateBatch), "the oldest waited too long: small batches")
    }

    @Test func keysFoldWebIDsCaseLikeTheDedupIdentities() {
        var upper = SampleMessage.sms(externalID: "W-1")
        upper.reporter = Reporter(kind: .web, address: "Sesi-ABC")
        var lower = upper
        lower.reporter.address = "sesi-abc"
        lower.externalID = "W-2"
        var phone = upper
        phone.externalID = "W-3"
        phone.reporter = Reporter(kind: .phone, address: "+6281234567890")

        let backlog = Self.enabledBacklog()
        _ = backlog.reserve(7, keys: ProcessingBacklog.Keys(upper), at: 100)

        #expect(backlog.admission(ProcessingBacklog.Keys(lower), at: 101) == .decideNow(after: [7]))
        #expect(backlog.admission(ProcessingBacklog.Keys(phone), at: 101) == .deferrable)
    }
}
