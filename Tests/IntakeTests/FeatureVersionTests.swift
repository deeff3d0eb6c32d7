import Foundation
import IntakeCore
import IntakeDedup
import IntakeModel
import IntakeStorage
import Testing

/// Stored near-duplicate features follow the text they were read from: those of an older reading are read
/// again at start, and a citizen's edit replaces them.
@Suite("Near-duplicate features after an upgrade and after an edit")
struct FeatureVersionTests {
    static func detector() -> NearDuplicateDetector {
        NearDuplicateDetector(policy: DedupPolicy(mergeWindow: 72 * 3600, clusterWindow: 336 * 3600)) { _, _ in 72 * 3600 }
    }

    /// The stored features row of journal entry `journalID`.
    static func row(_ journalID: Int64, in database: Database) async throws -> StoredFeatures? {
        try await database.read { try $0.dedupFeatures(since: .distantPast, limit: 1000) }.first { $0.journalID == journalID }
    }

    static func telegram(_ externalID: String, _ text: String, editedAt: Date? = nil) -> InboundMessage {
        var message = InboundMessage(
            channelID: "tg", channelType: ChannelType("telegram"), externalID: externalID,
            reporter: Reporter(kind: .social, address: "tg:5123456789"), text: text, replyTo: "5123456789"
        )
        message.editedAt = editedAt
        return message
    }

    @Test("features of an older reading are read again at start: a reworded resend merges, the row is current, a second start refreshes nothing")
    func outdatedFeaturesAreRefreshedAtLoad() async throws {
        try await PipelineHarness.with(detector: Self.detector()) { harness in
            var original = SampleMessage.sms(externalID: "FV-1", from: "+6281311111111", text: "jln rusak parah di jl kaliurang km 7 kab sleman udh 3 bln")
            original.title = "  Jalan   rusak  "
            let first = try #require(try await harness.gateway.submit([original], raw: [1]).first)
            let expected = try #require(Self.detector().analyze(original))
            #expect(try await Self.row(first.journalID, in: harness.database)?.version == FeatureExtractor.version)

            // As an older version left it: version 1, and words that are not the text's. Beside it, an old row
            // whose complaint is gone.
            let wrong: [UInt8] = [1, 0, 0, 0, 2, 0, 0, 0]
            try await harness.database.write { connection in
                try connection.query(
                    "UPDATE dedup_features SET version = 1, tokens = ?, places = '' WHERE journal_id = ?", [.blob(wrong), .integer(first.journalID)]
                )
                try connection.query("""
                    INSERT INTO dedup_features (journal_id, received_at, cluster_root, identities, tokens, places)
                    VALUES (999999, ?, 999999, X'', ?, '')
                    """, [.real(Date().timeIntervalSince1970), .blob(wrong)])
            }
            #expect(try await Self.row(first.journalID, in: harness.database)?.version == 1)

            let restarted = Self.detector()
            let load = try await restarted.load(from: harness.database)
            #expect(load == DedupIndexLoad(complaints: 2, refreshed: 1, outdated: 1))
            let refreshed = try #require(try await Self.row(first.journalID, in: harness.database))
            #expect(refreshed.version == FeatureExtractor.version)
            #expect(refreshed.features == expected, "the row holds what the message reads as now")
            let orphan = try #require(try await Self.row(999_999, in: harness.database))
            #expect(orphan.version == 1 && orphan.features.tokens == [1, 2], "a row without its complaint keeps its features")

            // Long enough not to pass as a chat note sent right after (which continues a complaint whatever
            // it says): only its words can merge it.
            let resend = SampleMessage.sms(
                externalID: "FV-2", from: "+6281311111111",
                text: "Jalan Kaliurang KM 7 Sleman rusak parah dan berlubang besar, sudah 3 bulan belum diperbaiki, banyak pengendara motor terjatuh"
            )
            let again = try #require(try await harness.gateway(detector: restarted).submit([resend], raw: [2]).first)
            #expect(again.duplicate)
            #expect(again.trackingNumber == first.trackingNumber)

            let second = try await Self.detector().load(from: harness.database)
            #expect(second == DedupIndexLoad(complaints: 2, refreshed: 0, outdated: 1))
        }
    }

    @Test("without the refresh the resend would not merge: the downgraded row alone does not match it")
    func staleFeaturesDoNotMatch() async throws {
        try await PipelineHarness.with(detector: Self.detector()) { harness in
            let original = SampleMessage.sms(externalID: "FV-1", from: "+6281311111111", text: "jln rusak parah di jl kaliurang km 7 kab sleman udh 3 bln")
            let first = try #require(try await harness.gateway.submit([original], raw: [1]).first)
            try await harness.database.write { connection in
                try connection.query(
                    "UPDATE dedup_features SET tokens = X'0100000002000000', places = '' WHERE journal_id = ?", [.integer(first.journalID)]
                )
            }
            // Current version, so nothing is refreshed: the index holds the wrong words.
            let restarted = Self.detector()
            #expect(try await restarted.load(from: harness.database).refreshed == 0)
            // Long enough not to pass as a chat note sent right after (which continues a complaint whatever
            // it says): only its words can merge it.
            let resend = SampleMessage.sms(
                externalID: "FV-2", from: "+6281311111111",
                text: "Jalan Kaliurang KM 7 Sleman rusak parah dan berlubang besar, sudah 3 bulan belum diperbaiki, banyak pengendara motor terjatuh"
            )
            let again = try #require(try await harness.gateway(detector: restarted).submit([resend], raw: [2]).first)
            #expect(!again.duplicate)
        }
    }

    @Test("an edited complaint is found by a resend of its new wording, and its stored features are the new text's")
    func anEditRefreshesFeatures() async throws {
        try await PipelineHarness.with(detector: Self.detector()) { harness in
            let first = try #require(try await harness.gateway.submit(
                [Self.telegram("5123456789:41", "Jembatan gantung di Desa Sukamaju Kec. Cibeber putus sejak banjir kemarin")], raw: [1]
            ).first)
            let edit = Self.telegram("5123456789:41", "jln rusak parah di jl kaliurang km 7 kab sleman udh 3 bln", editedAt: Date())
            let amended = try #require(try await harness.gateway.submit([edit], raw: [2]).first)
            #expect(amended.complaintID == first.complaintID && !amended.duplicate)

            let row = try #require(try await Self.row(first.journalID, in: harness.database))
            #expect(row.features == Self.detector().analyze(edit), "the stored features are the edited text's")
            #expect(row.version == FeatureExtractor.version)

            let resend = Self.telegram("5123456789:42", "Jalan Kaliurang KM 7 Sleman rusak parah, sudah 3 bulan")
            let again = try #require(try await harness.gateway.submit([resend], raw: [3]).first)
            #expect(again.duplicate, "the index compares the new wording")
            #expect(again.complaintID == first.complaintID && again.trackingNumber == first.trackingNumber)

            // After a restart too: the index is loaded from the stored row.
            let restarted = Self.detector()
            #expect(try await restarted.load(from: harness.database).refreshed == 0)
            let later = Self.telegram("5123456789:43", "jalan kaliurang km 7 sleman rusak parah sdh 3 bulan")
            let afterRestart = try #require(try await harness.gateway(detector: restarted).submit([later], raw: [4]).first)
            #expect(afterRestart.duplicate && afterRestart.complaintID == first.complaintID)
        }
    }

    @Test("an edit whose transaction rolls back leaves the index and the row with the old text's features")
    func aRolledBackEditKeepsTheOldFeatures() async throws {
        let detector = Self.detector()
        try await PipelineHarness.with(detector: detector) { harness in
            let old = "jln rusak parah di jl kaliurang km 7 kab sleman udh 3 bln"
            let first = try #require(try await harness.gateway.submit([Self.telegram("5123456789:41", old)], raw: [1]).first)
            let complaintID = try #require(first.complaintID)
            let before = try #require(try await Self.row(first.journalID, in: harness.database))
            await #expect(throws: RolledBack.self) {
                try await harness.database.write { connection in
                    var complaint = try #require(try connection.complaint(idOrTrackingNumber: complaintID))
                    complaint.originalText = "Jembatan gantung di Desa Sukamaju Kec. Cibeber putus sejak banjir kemarin"
                    try detector.amend(complaint, at: Date(), lookup: StoredComplaintLookup(connection: connection))
                    throw RolledBack()
                }
            }
            #expect(try await Self.row(first.journalID, in: harness.database)?.features == before.features)
            let resend = Self.telegram("5123456789:42", "Jalan Kaliurang KM 7 Sleman rusak parah, sudah 3 bulan")
            let again = try #require(try await harness.gateway.submit([resend], raw: [2]).first)
            #expect(again.duplicate && again.complaintID == complaintID, "the index holds the old text's features again")
        }
    }

    struct RolledBack: Error {}
}
