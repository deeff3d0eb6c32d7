import Foundation
import IntakeModel
import IntakeStorage
import Testing

/// Behaviours found wrong in review, each pinned by the case that showed it.
@Suite("RegressionTests")
struct RegressionTests {
    @Test func textWithANulCharacterSurvivesTheJournal() async throws {
        try await withDatabase { database, _ in
            let text = "Laporan\u{0}terpotong? Tidak: sisa teks harus tetap ada."
            let entry = try await database.write {
                try $0.appendJournal(SampleMessage.sms(text: text), attachments: [], raw: [], receivedAt: Date())
            }
            let read = try await database.read { try $0.journalEntry(entry.id) }
            #expect(read?.message.text == text)
        }
    }

    @Test func payloadThatStartsWithOnePRTypedWithAnLIsStillRead() throws {
        // Payload symbols 1 P R A B C D, whose values in the alphabet are 1 22 24 10 11 12 13.
        let payload = [1, 22, 24, 10, 11, 12, 13].reduce(UInt64(0)) { $0 * 32 + UInt64($1) }
        let number = TrackingNumber(payload: payload)
        #expect(number.symbols.hasPrefix("1PRABCD"))
        #expect(TrackingNumber(parsing: "L" + number.symbols.dropFirst()) == number, "typed with L for 1 and no prefix")
        #expect(TrackingNumber(parsing: "LPR" + number.symbols) == number, "with the prefix and no dashes")
        #expect(TrackingNumber(parsing: number.description.lowercased()) == number)
    }

    @Test(arguments: [(Duration.seconds(72 * 3600), "72h"), (.seconds(90 * 60), "90m"), (.seconds(45), "45s")])
    func dedupReasonNamesTheWindowInReadableUnits(window: Duration, text: String) throws {
        let message = SampleMessage.sms(externalID: "second")
        let earlier = ComplaintReference(id: "c-1", trackingNumber: TrackingNumber(payload: 7))
        let lookup = FixedLookup(recent: earlier)
        let candidate = DedupCandidate(message: message, body: message.text, matchKey: MatchText.key(message.text), receivedAt: Date())
        let decision = try ExactDuplicateDetector(window: window).decide(candidate, lookup: lookup)
        #expect(decision == .merge(into: earlier, score: 1, reason: "same reporter, same text within \(text)"))
    }

    @Test func subSecondWindowStillLooksBack() throws {
        let message = SampleMessage.sms()
        let now = Date()
        let lookup = FixedLookup(recent: ComplaintReference(id: "c-1", trackingNumber: TrackingNumber(payload: 9)))
        let candidate = DedupCandidate(message: message, body: message.text, matchKey: MatchText.key(message.text), receivedAt: now)
        _ = try ExactDuplicateDetector(window: .milliseconds(500)).decide(candidate, lookup: lookup)
        #expect(lookup.askedSince.value.map { now.timeIntervalSince($0) } == 0.5)
    }

    @Test func emojiJoinedByZeroWidthJoinersStayWhole() {
        let family = "Keluarga 👨‍👩‍👧 terlantar di pelabuhan"
        #expect(BodyText.normalize(family) == family)
        #expect(BodyText.normalize("a\u{200B}b") == "ab", "other invisible characters still go")
    }

    @Test(arguments: ["b@x.id", "bu@example.co.id"])
    func shortEmailLocalPartIsNotGivenAway(address: String) throws {
        let reporter = try #require(Reporter(kind: .email, raw: address))
        let local = String(address.prefix { $0 != "@" })
        #expect(!reporter.redactedAddress.hasPrefix(local.prefix(1)))
        #expect(reporter.redactedAddress.hasPrefix("***@"))
    }
}

/// Answers every "recent complaint" question with one reference, remembering the window it was asked for.
final class FixedLookup: ComplaintLookup {
    let recent: ComplaintReference
    let askedSince = Box<Date?>(nil)

    init(recent: ComplaintReference) { self.recent = recent }

    func complaint(channelID: ChannelID, externalID: String) throws -> ComplaintReference? { nil }

    func recentComplaint(from reporter: Reporter, matchKey: String, since: Date) throws -> ComplaintReference? {
        askedSince.value = since
        return recent
    }
}

/// A mutable cell for test doubles.
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Findings of the review of the backbone, each pinned by the case that showed it.
@Suite("ReviewRegressionTests")
struct ReviewRegressionTests {
    @Test func resendOfAMergedMessageAfterTheTextWindowStillGetsTheSameNumber() async throws {
        try await PipelineHarness.with(detector: ExactDuplicateDetector(window: .seconds(3600))) { harness in
            let first = try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-a", text: "Jembatan putus di Imogiri")], raw: [])
            let merged = try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-b", text: "jembatan PUTUS di imogiri!")], raw: [])
            #expect(merged[0].duplicate && merged[0].trackingNumber == first[0].trackingNumber)
            // Two hours pass: the text rule no longer matches, the provider id still must.
            try await harness.database.write { try $0.execute("UPDATE complaints SET received_at = received_at - 7200") }
            let resent = try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-b", text: "jembatan PUTUS di imogiri!")], raw: [])
            #expect(resent[0].duplicate, "the provider sent SM-b before; it must not become a new complaint")
            #expect(resent[0].trackingNumber == first[0].trackingNumber)
            #expect(try await harness.database.read { try $0.complaintCount() } == 1)
        }
    }

    @Test func replayKeepsAMergeWhereItWasDecided() async throws {
        try await PipelineHarness.with(detector: ExactDuplicateDetector(window: .seconds(3600))) { harness in
            let original = try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-1", text: "Lampu jalan mati")], raw: [])
            _ = try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-2", text: "lampu jalan mati")], raw: [])
            try await harness.database.write { try $0.execute("UPDATE complaints SET received_at = received_at - 7200") }
            // The same text after the window: a newer complaint, which a fresh decision for SM-2 would now pick.
            let newer = try await harness.gateway.submit([SampleMessage.sms(externalID: "SM-3", text: "Lampu jalan mati")], raw: [])
            #expect(!newer[0].duplicate)
            let summary = try await harness.gateway.replay(all: true)
            #expect(summary.failed == 0)
            let entries = try await harness.database.read { try $0.journalEntries(from: 1, limit: 10) }
            let merge = try #require(entries.first { $0.message.externalID == "SM-2" })
            #expect(merge.state == .duplicate)
            #expect(merge.complaintID == original[0].complaintID)
            #expect(try await harness.database.read { try $0.complaintCount() } == 2)
        }
    }

    @Test func numberOfAMessageAwaitingReplayAnswers202WithItsState() async throws {
        try await RunningGateway.with { gateway in
            let entry = try await gateway.server.database.write { connection in
                let entry = try connection.appendJournal(SampleMessage.sms(channelID: "generic"), attachments: [], raw: [], receivedAt: Date())
                try connection.markJournal(entry.id, state: .failed, complaintID: nil, error: "detector unavailable")
                return entry
            }
            let response = try await gateway.get("/api/v1/complaints/\(entry.trackingNumber)")
            #expect(response.status == 202)
            #expect(response.json["status"] as? String == "received")
            #expect(response.json["tracking_number"] as? String == entry.trackingNumber.description)
            #expect(response.json["error"] as? String == "detector unavailable")
            let health = try await gateway.get("/healthz", token: nil).json
            #expect(health["journal_failed"] as? Int == 1)
        }
    }
}
