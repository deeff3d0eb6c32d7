import Foundation
import IntakeModel
import Testing

/// The hand-written JSON of stored documents must read back through the ordinary Codable decoders and
/// say exactly what Foundation's encoder says.
@Suite("JSONWriterTests")
struct JSONWriterTests {
    /// Texts that stress escaping: every control character, quotes, backslashes, non-ASCII, emoji.
    static let awkwardTexts: [String] = [
        "",
        "Jln rusak \"parah\" di Kab. Sleman\\Bantul",
        String((0..<32).map { Character(UnicodeScalar(UInt8($0))) }),
        "Pungli di kantor kelurahan 😡👨‍👩‍👧 — tolong ditindak\u{7f}",
        "Antrean di Pelabuhan Merak\r\n\tmengular 5 km / 3 jam",
        "Calo tiket di Terminal Kampung Rambutan: é, ñ, 中文, \u{2028}",
    ]

    static func complaints() -> [Complaint] {
        var generator = SplitMix64(seed: 1708)
        return awkwardTexts.enumerated().map { index, text in
            let received = Date(timeIntervalSince1970: 1_775_000_000 + Double(generator.next() % 1_000_000) / 1000)
            return Complaint(
                id: ComplaintID.make(at: received), trackingNumber: TrackingNumber(payload: generator.next() % TrackingNumber.payloadSpace),
                channelID: "sms-\(index)", channelType: .sms, externalID: "SM\(index)\(text.prefix(3))", receivedAt: received,
                sentAt: index.isMultiple(of: 2) ? nil : received.addingTimeInterval(-60),
                reporter: Reporter(kind: .phone, address: "+62812345\(index)", name: index == 1 ? nil : text),
                anonymous: index == 2, confidential: index == 3, kind: ReportKind.allCases[index % 3],
                title: index == 0 ? nil : text, body: text, originalText: text + " ",
                location: index == 4 ? nil : "Kec. Depok, \(text)", incidentDate: index == 5 ? "2026-04-07" : nil,
                category: index == 2 ? "pungli" : nil, agency: index == 3 ? "Dinas \(text)" : nil,
                attachments: index < 2 ? [] : [Attachment(fileName: "foto \(text).jpg", mediaType: "image/jpeg", size: 1234 * index, sha256: String(repeating: "ab", count: 32))],
                tags: index == 0 ? [] : ["mudik", text], campaign: index == 3 ? nil : "mudik-2026",
                dedup: index == 4 ? DedupOutcome(mergedInto: "x", clusterID: "c-1", score: 0.91, reason: text) : .unique,
                status: RoutingState.allCases[index % RoutingState.allCases.count], journalID: Int64(index * 1000)
            )
        }
    }

    @Test func complaintDocumentReadsBackToTheSameComplaint() throws {
        let decoder = ComplaintCoding.decoder()
        for complaint in Self.complaints() {
            let direct = try decoder.decode(Complaint.self, from: Data(complaint.document.utf8))
            // Times are kept to the millisecond.
            #expect(abs(direct.receivedAt.timeIntervalSince(complaint.receivedAt)) < 0.001)
            var sameApartFromTimes = direct
            sameApartFromTimes.receivedAt = complaint.receivedAt
            sameApartFromTimes.sentAt = complaint.sentAt
            #expect(sameApartFromTimes == complaint)
        }
    }

    @Test func complaintDocumentBytesAreItsText() {
        for complaint in Self.complaints() {
            #expect(complaint.documentBytes == Array(complaint.document.utf8))
        }
    }

    @Test func journaledMessageReadsBackAndMatchesFoundation() throws {
        for (index, text) in Self.awkwardTexts.enumerated() {
            let message = InboundMessage(
                channelID: "wa-\(index)", channelType: .whatsapp, externalID: "wamid.\(index)",
                sentAt: index.isMultiple(of: 2) ? Date(timeIntervalSinceReferenceDate: 796_000_000.123456789) : nil,
                reporter: Reporter(kind: .social, address: "u\(index)", name: index == 1 ? nil : text),
                anonymous: index == 3, confidential: index == 4, kind: .aspiration, title: index == 0 ? nil : text, text: text,
                location: index == 2 ? text : nil, incidentDate: nil, category: index == 5 ? text : nil, agency: index == 4 ? text : nil,
                tags: index == 0 ? [] : [text, "x"], campaign: index == 1 ? "mudik" : nil, replyTo: index == 2 ? "chat-9" : nil,
                metadata: index == 3 ? ["parts": "3", "note": text] : [:]
            )
            var json = JSONWriter()
            message.write(into: &json)
            let decoded = try JSONDecoder().decode(InboundMessage.self, from: Data(json.bytes))
            #expect(decoded == message)
            let direct = try JSONSerialization.jsonObject(with: Data(json.bytes)) as? NSDictionary
            let foundation = try JSONSerialization.jsonObject(with: JSONEncoder().encode(message)) as? NSDictionary
            #expect(direct == foundation)
        }
    }

    @Test func doublesThatJSONCannotSpellBecomeNull() {
        var json = JSONWriter()
        json.beginArray()
        json.double(.nan)
        json.double(.infinity)
        json.double(0.1)
        json.endArray()
        #expect(json.text == "[null,null,0.1]")
    }
}
