import Foundation
import IntakeModel
import Testing

/// Citizen text as stored and matched, exact deduplication over it, and the complaint's JSON contract.
@Suite struct TextTests {
    // MARK: Body text

    /// Swift's `==` on strings ignores the difference between composed and decomposed accents, so
    /// normalization is checked on the scalars themselves.
    struct Normalization: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let input: String
        let expected: String
    }

    static let normalizations: [Normalization] = [
        Normalization(testDescription: "CRLF line ends", input: "jln rusak\r\ndi Sleman\r\n", expected: "jln rusak\ndi Sleman"),
        Normalization(testDescription: "lone CR line ends", input: "jln rusak\rdi Sleman", expected: "jln rusak\ndi Sleman"),
        Normalization(testDescription: "control characters dropped",
                      input: "pungli\u{0007} di\u{001B} kec.\u{007F} Depok\u{0000}", expected: "pungli di kec. Depok"),
        Normalization(testDescription: "zero-width and BOM dropped", input: "\u{FEFF}calo\u{200B}tiket", expected: "calotiket"),
        Normalization(testDescription: "decomposed é composed", input: "Cafe\u{0301} Melati", expected: "Caf\u{00E9} Melati"),
        Normalization(testDescription: "runs of spaces and tabs folded",
                      input: "  tlg   dicek\t\tpetugas \u{00A0} gk ada  ", expected: "tlg dicek petugas gk ada"),
        Normalization(testDescription: "single newlines kept",
                      input: "Yth. Bapak/Ibu,\nJalan rusak.\nTerima kasih", expected: "Yth. Bapak/Ibu,\nJalan rusak.\nTerima kasih"),
        Normalization(testDescription: "blank lines collapsed to one",
                      input: "Yth. Bapak/Ibu,\n\n\n\nJalan rusak.\n \t \n\nSalam", expected: "Yth. Bapak/Ibu,\n\nJalan rusak.\n\nSalam"),
        Normalization(testDescription: "leading and trailing blank lines dropped", input: "\n\n  \nHalo\n\n\n", expected: "Halo"),
        Normalization(testDescription: "emoji and Indonesian text untouched",
                      input: "Banjir 50 cm 🌧️ mhn bantuan 🙏", expected: "Banjir 50 cm 🌧️ mhn bantuan 🙏"),
        Normalization(testDescription: "only whitespace", input: " \r\n\t \n", expected: ""),
    ]

    @Test(arguments: normalizations)
    func bodyTextIsCleanedWithoutChangingWhatItSays(_ row: Normalization) {
        let normalized = BodyText.normalize(row.input)
        #expect(Array(normalized.unicodeScalars) == Array(row.expected.unicodeScalars), "\(normalized.debugDescription)")
        #expect(BodyText.normalize(normalized).unicodeScalars.elementsEqual(normalized.unicodeScalars), "not idempotent")
    }

    // MARK: Match keys

    static let sameKey: [(String, String)] = [
        ("Jalan RUSAK!!  di Sleman.", "jalan rusak di sleman"),
        ("JALAN RUSAK DI SLEMAN", "jalan rusak di sleman"),
        ("Sampah di depan Café Melati", "sampah di depan cafe melati"),
        ("Sampah di depan Cafe\u{0301} Melati", "sampah di depan café melati"),
        ("calo tiket -- Terminal Kampung Rambutan!!!", "calo tiket terminal kampung rambutan"),
        ("jln. Kaliurang km 12, kab. Sleman", "jln kaliurang km 12 kab sleman"),
        ("  pungli\n\ndi   pelabuhan Merak  ", "pungli di pelabuhan merak"),
        ("ＬＡＰＯＲ １７０８", "lapor 1708"),
    ]

    @Test(arguments: sameKey)
    func textsDifferingOnlyInCaseAccentsOrPunctuationShareAKey(_ first: String, _ second: String) {
        #expect(MatchText.key(first) == MatchText.key(second))
        #expect(!MatchText.key(first).isEmpty)
    }

    static let differentKey: [(String, String)] = [
        ("jalan rusak di Sleman", "jalan rusak di Bantul"),
        ("jalan rusak km 32", "jalan rusak km 23"),
        ("tdk ada air", "ada air"),
        ("jalan rusak", "jalanrusak"),
        ("calo tiket bus", "calo tiket kereta"),
    ]

    @Test(arguments: differentKey)
    func textsWithDifferentWordsHaveDifferentKeys(_ first: String, _ second: String) {
        #expect(MatchText.key(first) != MatchText.key(second))
    }

    @Test func punctuationOnlyTextHasAnEmptyKey() {
        #expect(MatchText.key("!!! ... ???") == "")
        #expect(MatchText.key("") == "")
        #expect(MatchText.key("Jalan RUSAK!!  di Sleman.") == "jalan rusak di sleman")
    }

    // MARK: Exact deduplication

    /// Storage's side of the dedup seam, over an array: what was stored, from whom, with which key, when.
    struct StoredComplaints: ComplaintLookup {
        struct Entry {
            var reference: ComplaintReference
            var channelID: ChannelID
            var externalID: String
            var reporter: Reporter
            var matchKey: String
            var receivedAt: Date
        }

        var entries: [Entry]

        func complaint(channelID: ChannelID, externalID: String) throws -> ComplaintReference? {
            entries.first { $0.channelID == channelID && $0.externalID == externalID }?.reference
        }

        func recentComplaint(from reporter: Reporter, matchKey: String, since: Date) throws -> ComplaintReference? {
            entries
                .filter { $0.reporter == reporter && $0.matchKey == matchKey && $0.receivedAt >= since }
                .max { $0.receivedAt < $1.receivedAt }?
                .reference
        }
    }

    static let budi = Reporter(kind: .phone, address: "+6281234567890")
    static let siti = Reporter(kind: .phone, address: "+6285712345678")
    static let firstSeen = Date(timeIntervalSince1970: 1_775_520_000) // 2026-04-07T00:00:00Z
    static let hour: TimeInterval = 3600
    static let text = "Byk calo tiket di Terminal Kampung Rambutan, hrg jd 2x lipat!!"

    static let earlier = ComplaintReference(id: ComplaintID.make(at: firstSeen), trackingNumber: TrackingNumber.random())

    static func stored(text: String = text, from reporter: Reporter = budi) -> StoredComplaints {
        StoredComplaints(entries: [
            .init(reference: earlier, channelID: "sms-telkomsel", externalID: "SM001", reporter: reporter,
                  matchKey: MatchText.key(BodyText.normalize(text)), receivedAt: firstSeen),
        ])
    }

    static func candidate(
        channelID: ChannelID = "sms-telkomsel", externalID: String = "SM002", from reporter: Reporter = budi,
        text: String = text, hoursLater: Double
    ) -> DedupCandidate {
        let message = InboundMessage(channelID: channelID, channelType: .sms, externalID: externalID, reporter: reporter, text: text)
        let body = BodyText.normalize(text)
        return DedupCandidate(message: message, body: body, matchKey: MatchText.key(body), receivedAt: firstSeen + hoursLater * hour)
    }

    @Test func sameProviderMessageIDMergesIntoTheEarlierComplaint() throws {
        let candidate = Self.candidate(externalID: "SM001", from: Self.siti, text: "apa saja", hoursLater: 500)
        let decision = try ExactDuplicateDetector().decide(candidate, lookup: Self.stored())
        #expect(decision == .merge(into: Self.earlier, score: 1, reason: "same provider message id"))
    }

    @Test func sameMessageIDOnAnotherChannelIsNew() throws {
        let candidate = Self.candidate(channelID: "sms-indosat", externalID: "SM001", text: "jalan rusak di Sleman", hoursLater: 1)
        #expect(try ExactDuplicateDetector().decide(candidate, lookup: Self.stored()) == .new(.unique))
    }

    @Test(arguments: [0, 1, 71.9, 72] as [Double])
    func resendOfTheSameTextWithinTheWindowMerges(hoursLater: Double) throws {
        // Same words, different case and punctuation: the citizen retyped the SMS.
        let resend = "byk calo tiket di terminal kampung rambutan hrg jd 2x lipat"
        let candidate = Self.candidate(text: resend, hoursLater: hoursLater)
        let decision = try ExactDuplicateDetector().decide(candidate, lookup: Self.stored())
        #expect(decision == .merge(into: Self.earlier, score: 1, reason: "same reporter, same text within 72h"))
    }

    @Test(arguments: [72.01, 73, 720] as [Double])
    func resendAfterTheWindowIsANewComplaint(hoursLater: Double) throws {
        let candidate = Self.candidate(hoursLater: hoursLater)
        #expect(try ExactDuplicateDetector().decide(candidate, lookup: Self.stored()) == .new(.unique))
    }

    @Test func sameTextFromAnotherReporterIsANewComplaint() throws {
        let candidate = Self.candidate(from: Self.siti, hoursLater: 1)
        #expect(try ExactDuplicateDetector().decide(candidate, lookup: Self.stored()) == .new(.unique))
    }

    @Test func differentTextFromTheSameReporterIsANewComplaint() throws {
        let candidate = Self.candidate(text: "Jalan rusak parah di jln Kaliurang km 12, kab. Sleman", hoursLater: 1)
        #expect(try ExactDuplicateDetector().decide(candidate, lookup: Self.stored()) == .new(.unique))
    }

    @Test func textWithAnEmptyKeyNeverMerges() throws {
        // Two SMS of nothing but punctuation or emoji from one person are not "the same complaint".
        let lookup = Self.stored(text: "???")
        let candidate = Self.candidate(text: "!!!", hoursLater: 1)
        #expect(candidate.matchKey.isEmpty)
        #expect(try lookup.recentComplaint(from: Self.budi, matchKey: "", since: Self.firstSeen) != nil)
        #expect(try ExactDuplicateDetector().decide(candidate, lookup: lookup) == .new(.unique))
    }

    @Test func configuredWindowDecidesAndIsNamedInTheReason() throws {
        let detector = ExactDuplicateDetector(window: .seconds(6 * 3600))
        #expect(try detector.decide(Self.candidate(hoursLater: 5), lookup: Self.stored())
            == .merge(into: Self.earlier, score: 1, reason: "same reporter, same text within 6h"))
        #expect(try detector.decide(Self.candidate(hoursLater: 7), lookup: Self.stored()) == .new(.unique))
    }
}

extension TextTests {
    /// The complaint's JSON: the public contract of the API and the outbox.
    @Suite struct ComplaintJSON {
        static let budi = Reporter(kind: .phone, address: "+6281234567890", name: "Budi Santoso")

        static func complaint(anonymous: Bool = false, reporter: Reporter = budi, full: Bool) -> Complaint {
            let text = "Lapor, di jln Kaliurang km 12 kab. Sleman ada pungli parkir Rp 20rb, tdk ada karcis."
            return Complaint(
                id: ComplaintID.make(at: Date(timeIntervalSince1970: 1_775_532_600.25)),
                trackingNumber: TrackingNumber.random(), channelID: "sms-telkomsel", channelType: .sms, externalID: "SM7f3a9c",
                receivedAt: Date(timeIntervalSince1970: 1_775_532_600.25),
                sentAt: full ? Date(timeIntervalSince1970: 1_775_532_590) : nil,
                reporter: reporter, anonymous: anonymous, confidential: full, kind: full ? .informationRequest : .complaint,
                title: full ? "Pungli parkir di Jl. Kaliurang" : nil, body: text, originalText: text,
                location: full ? "Jl. Kaliurang km 12, Sleman, DI Yogyakarta" : nil, incidentDate: full ? "2026-04-06" : nil,
                category: full ? "Perhubungan" : nil,
                attachments: full ? [Attachment(fileName: "karcis.jpg", mediaType: "image/jpeg", size: 48_213,
                                                sha256: String(repeating: "ab", count: 32))] : [],
                tags: full ? ["pungli", "parkir"] : [], campaign: full ? "mudik-2026" : nil,
                dedup: full ? DedupOutcome(mergedInto: ComplaintID.make(), clusterID: "c-17", score: 0.93, reason: "near duplicate") : .unique,
                status: full ? .handedOff : .queued, journalID: 17
            )
        }

        static let contractKeys: Set<String> = [
            "id", "tracking_number", "channel_id", "channel_type", "external_id", "received_at", "sent_at", "reporter",
            "anonymous", "confidential", "kind", "title", "body", "original_text", "location", "incident_date", "category",
            "attachments", "tags", "campaign", "dedup", "status",
        ]

        static func object(_ complaint: Complaint) throws -> [String: Any] {
            let data = Data(complaint.document.utf8)
            return try #require(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any])
        }

        @Test(arguments: [false, true])
        func everyContractKeyIsPresentEvenWhenNull(full: Bool) throws {
            let object = try Self.object(Self.complaint(full: full))
            #expect(Self.contractKeys.subtracting(object.keys).isEmpty, "missing \(Self.contractKeys.subtracting(object.keys))")
            let reporter = try #require(object["reporter"] as? [String: Any])
            #expect(Set(reporter.keys) == ["kind", "address", "name"])
            let dedup = try #require(object["dedup"] as? [String: Any])
            #expect(Set(dedup.keys) == ["merged_into", "cluster_id", "score", "reason"])
            if full {
                let attachment = try #require((object["attachments"] as? [[String: Any]])?.first)
                #expect(Set(attachment.keys) == ["file_name", "media_type", "size", "sha256", "state", "reason"])
                #expect(object["kind"] as? String == "information_request")
                #expect(object["incident_date"] as? String == "2026-04-06")
            } else {
                for key in ["sent_at", "title", "location", "incident_date", "category", "campaign"] {
                    #expect(object[key] is NSNull, "\(key) is not null")
                }
                for key in ["merged_into", "cluster_id", "score", "reason"] {
                    #expect(dedup[key] is NSNull, "dedup.\(key) is not null")
                }
                #expect((object["attachments"] as? [Any])?.isEmpty == true)
            }
            #expect(object["received_at"] as? String == "2026-04-07T03:30:00.250Z")
        }

        @Test(arguments: [false, true])
        func encodedComplaintDecodesToItself(full: Bool) throws {
            let complaint = Self.complaint(anonymous: full, full: full)
            let data = Data(complaint.document.utf8)
            #expect(try ComplaintCoding.decoder().decode(Complaint.self, from: data) == complaint)
        }

        static let reporters = [
            Reporter(kind: .phone, address: "+6281234567890", name: "Budi Santoso"),
            Reporter(kind: .email, address: "dewi.lestari88@gmail.com", name: "Ibu Dewi Lestari"),
            Reporter(kind: .social, address: "wargasleman", name: "Warga Sleman Peduli"),
        ]

        @Test(arguments: reporters)
        func anonymousComplaintShowsTheAgencyNeitherAddressNorName(_ reporter: Reporter) throws {
            let complaint = Self.complaint(anonymous: true, reporter: reporter, full: true)
            let json = complaint.forAgency.document
            #expect(!json.contains(reporter.address))
            #expect(!json.contains(reporter.address.dropFirst()), "E.164 digits without the plus")
            #expect(!json.contains(try #require(reporter.name)))
            #expect(complaint.forAgency.externalID.isEmpty, "provider ids can carry the sender (WhatsApp's wamid)")
            // Files keep their bytes and type under neutral names (an original name may name the citizen).
            #expect(complaint.forAgency.attachments.map(\.fileName) == complaint.attachments.indices.map { "lampiran-\($0 + 1).jpg" })
            // Nothing else was removed: the agency still gets the whole report.
            var stripped = complaint.forAgency
            stripped.reporter = complaint.reporter
            stripped.externalID = complaint.externalID
            for index in stripped.attachments.indices { stripped.attachments[index].fileName = complaint.attachments[index].fileName }
            #expect(stripped == complaint)
        }

        @Test(arguments: reporters)
        func namedComplaintReachesTheAgencyWithItsReporter(_ reporter: Reporter) {
            let complaint = Self.complaint(anonymous: false, reporter: reporter, full: true)
            #expect(complaint.forAgency == complaint)
        }

        // MARK: Complaint ids

        @Test func complaintIDIsAVersion7UUIDCarryingItsTime() throws {
            let pattern = try Regex("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
            let time = Date(timeIntervalSince1970: 1_775_532_600.125)
            for _ in 0..<200 {
                let id = ComplaintID.make(at: time)
                #expect(id.wholeMatch(of: pattern) != nil, "\(id)")
                #expect(UUID(uuidString: id) != nil)
                let hex = id.replacingOccurrences(of: "-", with: "")
                #expect(hex[hex.index(hex.startIndex, offsetBy: 12)] == "7")
                #expect(UInt64(hex.prefix(12), radix: 16) == 1_775_532_600_125)
            }
            #expect(ComplaintID.make(at: time) != ComplaintID.make(at: time))
        }

        @Test func complaintIDsSortByCreationTime() {
            let start = Date(timeIntervalSince1970: 1_700_000_000)
            // A few milliseconds apart (1/256 s, exact in binary so no two fall in one millisecond), then seconds, days and years.
            let offsets: [TimeInterval] = [0, 1.0 / 256, 2.0 / 256, 0.5, 1, 59, 3600, 86_400, 86_400 * 400, 86_400 * 4000]
            let ids = offsets.map { ComplaintID.make(at: start + $0) }
            #expect(ids.shuffled().sorted() == ids)
        }
    }
}
