import Foundation
import IntakeCore
import IntakeModel
import IntakeStorage
import Logging
import Testing

/// The gateway over real SQLite: journal → normalize → dedup → store → outbox, replay, the poller seam and the relay.
@Suite("PipelineTests", .timeLimit(.minutes(2)))
struct PipelineTests {
    // MARK: New messages and duplicates

    @Test func newMessageBecomesAQueuedComplaintUnderTheJournalsTrackingNumber() async throws {
        try await PipelineHarness.with { harness in
            let text = "  Jalan   RUSAK di Kec.\u{A0}Depok\r\n\r\n\r\nmohon  dibantu\u{200B} Andre\u{301}  "
            let raw = Array("From=%2B6281234567890&Body=Jalan+RUSAK".utf8)
            let receipts = try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-0001", text: text)], raw: raw)

            let receipt = try #require(receipts.first)
            #expect(receipts.count == 1)
            #expect(!receipt.duplicate)
            let complaintID = try #require(receipt.complaintID)
            let complaint = try #require(try await harness.database.read { try $0.complaint(idOrTrackingNumber: complaintID) })
            let entry = try #require(try await harness.database.read { try $0.journalEntry(receipt.journalID) })

            #expect(complaint.body.unicodeScalars.elementsEqual("Jalan RUSAK di Kec. Depok\n\nmohon dibantu Andr\u{E9}".unicodeScalars))
            #expect(complaint.originalText.unicodeScalars.elementsEqual(text.unicodeScalars))
            #expect(complaint.trackingNumber == receipt.trackingNumber)
            #expect(entry.trackingNumber == receipt.trackingNumber)
            #expect(complaint.journalID == entry.id)
            #expect(complaint.status == .queued)
            #expect(complaint.externalID == "SM-0001")
            #expect(entry.state == .processed)
            #expect(entry.complaintID == complaintID)
            #expect(entry.raw == raw)
            #expect(try await harness.outboxRows().map(\.complaintID) == [complaintID])
        }
    }

    @Test func resentProviderMessageGetsTheFirstTrackingNumberAndNoSecondComplaint() async throws {
        try await PipelineHarness.with { harness in
            let message = SampleMessage.sms(externalID: "SM-0042")
            let first = try #require(try await harness.gateway.submit([message], raw: [1]).first)
            var resent = message
            resent.text = "a different body does not matter: the provider id is the same"
            let again = try #require(try await harness.gateway.submit([resent], raw: [2]).first)

            #expect(!first.duplicate)
            #expect(again.duplicate)
            #expect(again.trackingNumber == first.trackingNumber)
            #expect(again.complaintID == first.complaintID)
            #expect(again.journalID != first.journalID)
            #expect(try await harness.database.read { try $0.complaintCount() } == 1)
            #expect(try await harness.outboxRows().count == 1)

            let journal = try await harness.database.read { try $0.journalEntries(from: 1, limit: 10) }
            #expect(journal.map(\.state) == [.processed, .duplicate])
            #expect(journal.map(\.complaintID) == [first.complaintID, first.complaintID])
            #expect(journal.last?.raw == [2], "the resend is journaled with its own bytes")
        }
    }

    struct ResendCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let hoursAgo: Double
        let phone: String
        let text: String
        let isDuplicate: Bool

        static let original = "Jalan rusak parah di Jl. Kaliurang km 7, Kab. Sleman. Mohon segera diperbaiki."
        static let reworded = "JALAN rusak   parah di jl kaliurang KM 7 kab sleman!!! mohon segera diperbaiki"
        static let phone = "+6281234567890"

        static let all = [
            ResendCase(testDescription: "same reporter, reworded, an hour later", hoursAgo: 1, phone: phone, text: reworded, isDuplicate: true),
            ResendCase(testDescription: "same reporter, same text, 71 h later", hoursAgo: 71, phone: phone, text: original, isDuplicate: true),
            ResendCase(testDescription: "another reporter, same text", hoursAgo: 1, phone: "+6285711112222", text: original, isDuplicate: false),
            ResendCase(testDescription: "same reporter, after the 72 h window", hoursAgo: 73, phone: phone, text: reworded, isDuplicate: false),
            ResendCase(
                testDescription: "same reporter, other text", hoursAgo: 1, phone: phone,
                text: "Lampu jalan mati di Jl. Kaliurang km 7", isDuplicate: false
            ),
        ]
    }

    @Test(arguments: ResendCase.all)
    func sameReporterSameTextWithinTheWindowIsADuplicate(_ resend: ResendCase) async throws {
        try await PipelineHarness.with { harness in
            let pipeline = harness.gateway.pipeline
            let earlierAt = Date().addingTimeInterval(-resend.hoursAgo * 3600)
            let earlier = try await harness.database.write { connection in
                let entry = try connection.appendJournal(
                    SampleMessage.sms(externalID: "SM-1", from: ResendCase.phone, text: ResendCase.original),
                    attachments: [], raw: [], receivedAt: earlierAt
                )
                return try pipeline.process(entry, in: connection)
            }
            let receipt = try #require(
                try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-2", from: resend.phone, text: resend.text)], raw: []).first
            )

            #expect(receipt.duplicate == resend.isDuplicate)
            #expect((receipt.trackingNumber == earlier.trackingNumber) == resend.isDuplicate)
            #expect((receipt.complaintID == earlier.complaintID) == resend.isDuplicate)
            #expect(try await harness.database.read { try $0.complaintCount() } == (resend.isDuplicate ? 1 : 2))
        }
    }

    // MARK: Channel settings

    struct CampaignCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let messageCampaign: String?
        let expectedCampaign: String
    }

    @Test(arguments: [
        CampaignCase(testDescription: "the channel's campaign", messageCampaign: nil, expectedCampaign: "mudik-2026"),
        CampaignCase(testDescription: "the message's own campaign wins", messageCampaign: "kampus-2026", expectedCampaign: "kampus-2026"),
    ])
    func channelCampaignAndTagsAreApplied(_ campaignCase: CampaignCase) async throws {
        try await PipelineHarness.with { harness in
            let receipts = try await harness.gateway.submit([
                SampleMessage.sms(externalID: "WA-1", channelID: "wa-mudik", tags: ["#MudikLAPOR", "Mudik", ""], campaign: campaignCase.messageCampaign),
                SampleMessage.sms(externalID: "SMS-1", channelID: "sms-1708", from: "+6285711112222"),
            ], raw: [])
            let complaints = try await harness.database.read { connection in
                try receipts.map { try connection.complaint(idOrTrackingNumber: $0.trackingNumber.description) }
            }

            #expect(complaints[0]?.campaign == campaignCase.expectedCampaign)
            #expect(complaints[0]?.tags == ["#mudiklapor", "mudik", "transportasi"])
            #expect(complaints[1]?.campaign == nil)
            #expect(complaints[1]?.tags == [])
            let listed = try await harness.database.read {
                try $0.complaints(ComplaintFilter(campaign: campaignCase.expectedCampaign), after: nil, limit: 10)
            }
            #expect(listed.items.map(\.id) == [receipts[0].complaintID])
        }
    }

    // MARK: Failures and replay

    @Test func failedProcessingKeepsTheMessageAndReplayRecoversItUnderTheSameTrackingNumber() async throws {
        try await PipelineHarness.with(detector: ExplodingDetector()) { harness in
            let good = SampleMessage.sms(externalID: "SM-GOOD")
            let boom = SampleMessage.sms(externalID: "SM-BOOM", from: "+6285711112222", text: "Jembatan putus, BOOM, tolong")
            let receipts = try await harness.gateway.submit([good, boom], raw: Array("batch".utf8))
            let failed = receipts[1]

            #expect(receipts[0].complaintID != nil, "the failure does not take its neighbour down")
            #expect(failed.complaintID == nil)
            #expect(!failed.duplicate)
            let entry = try #require(try await harness.database.read { try $0.journalEntry(failed.journalID) })
            #expect(entry.trackingNumber == failed.trackingNumber)
            #expect(entry.state == .failed)
            #expect(entry.error?.contains(DetectorExploded().description) == true)
            #expect(entry.message.text == boom.text)
            #expect(entry.raw == Array("batch".utf8))
            #expect(try await harness.database.read { try $0.complaintCount() } == 1)
            #expect(try await harness.outboxRows().map(\.complaintID) == [receipts[0].complaintID])

            let stillExploding = try await harness.gateway.replay()
            #expect(stillExploding.examined == 1 && stillExploding.failed == 1 && stillExploding.recovered == 0)
            #expect(try await harness.database.read { try $0.journalEntry(failed.journalID) }?.attempts == 2)

            let repaired = harness.gateway(detector: ExactDuplicateDetector())
            let replayed = try await repaired.replay()
            #expect(replayed.examined == 1)
            #expect(replayed.recovered == 1)
            #expect(replayed.failed == 0)
            let recovered = try #require(try await harness.database.read { try $0.complaint(idOrTrackingNumber: failed.trackingNumber.description) })
            #expect(recovered.trackingNumber == failed.trackingNumber)
            #expect(recovered.journalID == failed.journalID)
            #expect(recovered.originalText == boom.text)
            #expect(try await harness.database.read { try $0.journalEntry(failed.journalID) }?.state == .processed)
            #expect(try await harness.outboxRows().count == 2)

            #expect(try await repaired.replay() == ReplaySummary())
            let everything = try await repaired.replay(all: true)
            #expect(everything.examined == 2)
            #expect(everything.recovered == 0)
            #expect(everything.failed == 0)
            #expect(try await harness.database.read { try $0.complaintCount() } == 2)
            #expect(try await harness.outboxRows().count == 2)
        }
    }

    @Test func trackingNumberFromAFailedReceiptLeadsToTheComplaintReplayMergedItInto() async throws {
        try await PipelineHarness.with(detector: ExplodingDetector()) { harness in
            let text = "Jembatan putus di Desa Sukamaju, BOOM, tolong segera"
            let failed = try #require(try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-1", text: text)], raw: []).first)
            // The citizen resends the same text while the first message awaits its replay.
            let repaired = harness.gateway(detector: ExactDuplicateDetector())
            let resent = try #require(try await repaired.submit([SampleMessage.sms(externalID: "SM-2", text: text)], raw: []).first)
            #expect(failed.complaintID == nil)
            #expect(!resent.duplicate)

            let summary = try await repaired.replay()
            #expect(summary.recovered == 1)
            #expect(try await harness.database.read { try $0.complaintCount() } == 1)
            #expect(try await harness.database.read { try $0.journalEntry(failed.journalID) }?.state == .duplicate)
            let found = try await harness.database.read { try $0.complaint(idOrTrackingNumber: failed.trackingNumber.description) }
            #expect(found?.id == resent.complaintID, "the number the citizen was given must not lead nowhere")
        }
    }

    @Test func replayingEverythingOverProcessedAndDuplicateEntriesCreatesNothing() async throws {
        try await PipelineHarness.with { harness in
            let message = SampleMessage.sms(externalID: "SM-7")
            let first = try await harness.gateway.submit([message, SampleMessage.sms(externalID: "SM-8", from: "+6285711112222")], raw: [])
            let again = try await harness.gateway.submit([message], raw: [])
            let before = try await harness.database.read { try $0.complaints(ComplaintFilter(), after: nil, limit: 10).items }
            let journalBefore = try await harness.database.read { try $0.journalEntries(from: 1, limit: 10) }

            let summary = try await harness.gateway.replay(all: true)

            #expect(summary.examined == 3)
            #expect(summary.recovered == 0)
            #expect(summary.failed == 0)
            #expect(try await harness.database.read { try $0.complaints(ComplaintFilter(), after: nil, limit: 10).items } == before)
            #expect(try await harness.outboxRows().count == 2)
            let journalAfter = try await harness.database.read { try $0.journalEntries(from: 1, limit: 10) }
            #expect(journalAfter.map(\.state) == journalBefore.map(\.state))
            #expect(journalAfter.map(\.complaintID) == journalBefore.map(\.complaintID))
            let duplicate = try await harness.database.read { try $0.journalEntry(again[0].journalID) }
            #expect(duplicate?.state == .duplicate)
            #expect(duplicate?.complaintID == first[0].complaintID)
        }
    }

    // MARK: Pollers

    @Test func polledMessagesAndTheirCursorAreCommittedTogether() async throws {
        try await PipelineHarness.with { harness in
            let poller = PollerService(channelID: "x-lapor1708", adapter: PagedAdapter.twoPages, gateway: harness.gateway, logger: harness.logger)
            #expect(try await poller.pollOnce() == 2)
            #expect(try await harness.database.read { try $0.cursor(for: "x-lapor1708") } == "page-1")
            #expect(try await harness.database.read { try $0.complaintCount() } == 2)

            try await harness.database.write { connection in
                try connection.execute("""
                    CREATE TRIGGER refuse_page_2_insert BEFORE INSERT ON cursors WHEN NEW.cursor = 'page-2'
                    BEGIN SELECT RAISE(ABORT, 'cursor store refused by test'); END;
                    CREATE TRIGGER refuse_page_2_update BEFORE UPDATE ON cursors WHEN NEW.cursor = 'page-2'
                    BEGIN SELECT RAISE(ABORT, 'cursor store refused by test'); END;
                    """)
            }
            await #expect(throws: (any Error).self) { try await poller.pollOnce() }
            #expect(try await harness.database.read { try $0.cursor(for: "x-lapor1708") } == "page-1")
            #expect(try await harness.database.read { try $0.journalEntries(from: 1, limit: 10) }.map(\.message.externalID) == ["tweet-1", "tweet-2"])
            #expect(try await harness.database.read { try $0.complaintCount() } == 2)

            try await harness.database.write { try $0.execute("DROP TRIGGER refuse_page_2_insert; DROP TRIGGER refuse_page_2_update") }
            #expect(try await poller.pollOnce() == 1)
            #expect(try await harness.database.read { try $0.cursor(for: "x-lapor1708") } == "page-2")
            #expect(try await harness.database.read { try $0.journalEntries(from: 1, limit: 10) }.map(\.message.externalID) == ["tweet-1", "tweet-2", "tweet-3"])
            #expect(try await poller.pollOnce() == 0)
        }
    }

    @Test func pollAgainstAClosedDatabaseLeavesTheCursorWhereItWas() async throws {
        try await PipelineHarness.with { harness in
            let poller = PollerService(channelID: "x-lapor1708", adapter: PagedAdapter.twoPages, gateway: harness.gateway, logger: harness.logger)
            #expect(try await poller.pollOnce() == 2)
            harness.database.close()
            await #expect(throws: StorageError.self) { try await poller.pollOnce() }

            let reopened = try Database(directory: harness.databaseDirectory)
            defer { reopened.close() }
            #expect(try await reopened.read { try $0.cursor(for: "x-lapor1708") } == "page-1")
            #expect(try await reopened.read { try $0.complaintCount() } == 2)
        }
    }

    // MARK: Outbox relay

    @Test func failedHandoffIsRetriedAndDeliveredOnceUnderTheComplaintID() async throws {
        try await PipelineHarness.with { harness in
            let core = RecordingRoutingCore(failing: 1)
            // A first retry a minute away: "not due yet" must not depend on how fast a loaded machine runs the test.
            let relay = HandoffRelay(
                database: harness.database, routingCore: core, signal: HandoffSignal(), policy: HandoffPolicy(baseDelay: 60), logger: harness.logger
            )
            let receipt = try #require(try await harness.gateway.submit([SampleMessage.sms()], raw: []).first)
            let complaintID = try #require(receipt.complaintID)
            let eventKey = try #require(try await harness.outboxRows().first?.eventID).description

            #expect(try await relay.deliverDue().count == 1)
            let afterFailure = try #require(try await harness.outboxRows().first)
            #expect(afterFailure.attempts == 1)
            #expect(afterFailure.deliveredAt == nil)
            #expect(afterFailure.lastError?.contains("routing core down") == true)
            #expect(afterFailure.nextAttemptAt > Date().timeIntervalSince1970)
            #expect(try await relay.deliverDue().isEmpty, "not due again before the backoff ends")
            #expect(try await harness.database.read { try $0.complaint(idOrTrackingNumber: complaintID) }?.status == .queued)

            try await harness.database.write { try $0.execute("UPDATE handoff_events SET next_attempt_at = 0") }
            #expect(try await relay.deliverDue().count == 1)
            #expect(try await relay.deliverDue().isEmpty)

            // The idempotency key is the event id: the same on the redelivery.
            #expect(await core.delivered.map(\.key) == [eventKey])
            #expect(await core.attempts == 2)
            #expect(await core.attemptKeys == [eventKey, eventKey])
            let delivered = try #require(try await harness.outboxRows().first)
            #expect(delivered.deliveredAt != nil)
            #expect(delivered.attempts == 2)
            #expect(delivered.lastError == nil)
            #expect(try await harness.database.read { try $0.pendingOutboxCount() } == 0)
            #expect(try await harness.database.read { try $0.complaint(idOrTrackingNumber: complaintID) }?.status == .handedOff)
        }
    }

    @Test(arguments: [true, false])
    func anonymousComplaintReachesTheRoutingCoreWithoutTheReporter(anonymous: Bool) async throws {
        try await PipelineHarness.with { harness in
            let core = RecordingRoutingCore(failing: 0)
            let relay = HandoffRelay(database: harness.database, routingCore: core, signal: HandoffSignal(), logger: harness.logger)
            let message = SampleMessage.sms(from: "+6281299887766", name: "Budi Santoso", anonymous: anonymous)
            let receipt = try #require(try await harness.gateway.submit([message], raw: []).first)

            #expect(try await relay.deliverDue().count == 1)
            let routed = try #require(await core.delivered.first?.complaint)
            let stored = try #require(try await harness.database.read { try $0.complaint(idOrTrackingNumber: receipt.trackingNumber.description) })
            let routedJSON = routed.document

            #expect(routed.id == stored.id)
            #expect(stored.reporter == message.reporter, "the gateway keeps the reporter to answer them")
            if anonymous {
                #expect(routed.reporter.name == nil)
                #expect(!routedJSON.contains("6281299887766"))
                #expect(!routedJSON.contains("Budi"))
            } else {
                #expect(routed.reporter == message.reporter)
            }
        }
    }
}
