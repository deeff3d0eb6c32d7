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
