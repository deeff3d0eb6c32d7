import Foundation
import IntakeModel
@testable import IntakeStorage
import Testing
import WebFormAdapter

/// The agency a citizen addresses (Instansi Tujuan) is a field of the complaint: from the web form, the API
/// and the generic webhook into the complaint the API shows and the routing core receives; rows stored
/// before the field existed still load.
@Suite("Complaint agency", .serialized)
struct ComplaintAgencyTests {
    static let agency = "Dinas Pekerjaan Umum Kota Bandung"

    /// The complaint `number` as `GET /api/v1/complaints/{id}` shows it.
    static func complaint(_ gateway: RunningGateway, _ number: String) async throws -> [String: Any] {
        let answer = try await gateway.get("/api/v1/complaints/\(number)")
        #expect(answer.status == 200, "\(answer.text)")
        return answer.json
    }

    @Test("a web-form report's agency is in the complaint API and in the handoff, an anonymous one's too")
    func webFormAgencyReachesTheRoutingCore() async throws {
        let core = try RoutingCoreStandIn(secret: HandoffRelayTests.secret)
        defer { core.stop() }
        core.listen()
        try await RunningGateway.with(
            channels: WebFormTests.channels, routing: HandoffRelayTests.routing(core), handoffPolicy: HandoffRelayTests.policy
        ) { gateway in
            let named = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token(), ["agency": "  \(Self.agency) "]))
            #expect(named.status == 200, "\(named.text)")
            let namedNumber = try #require(named.json["tracking_number"] as? String)
            let anonymous = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token(), [
                "agency": "Dinas Kesehatan", "anonymous": "on", "contact_email": "ani@example.id",
                "body": "Puskesmas di Kecamatan Coblong tutup sejak pagi tanpa pemberitahuan apa pun.",
            ]))
            #expect(anonymous.status == 200, "\(anonymous.text)")
            let anonymousNumber = try #require(anonymous.json["tracking_number"] as? String)
            let without = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token(), [
                "body": "Lampu penerangan jalan di Jalan Dago mati sudah seminggu, gelap di malam hari.",
            ]))
            let withoutNumber = try #require(without.json["tracking_number"] as? String)

            #expect(try await Self.complaint(gateway, namedNumber)["agency"] as? String == Self.agency)
            #expect(try await Self.complaint(gateway, anonymousNumber)["agency"] as? String == "Dinas Kesehatan")
            let plain = try await Self.complaint(gateway, withoutNumber)
            #expect(plain.keys.contains("agency") && plain["agency"] is NSNull, "absent is null, the key is listed")

            #expect(try await core.waitUntil { received in
                Set(received.filter { $0.answered == 200 }.compactMap { $0.complaint["tracking_number"] as? String }).count == 3
            })
            let delivered = core.received.filter { $0.answered == 200 }
            let byNumber = Dictionary(delivered.map { ($0.complaint["tracking_number"] as? String ?? "", $0.complaint) }) { first, _ in first }
            #expect(byNumber[namedNumber]?["agency"] as? String == Self.agency)
            let anonymousHandoff = try #require(byNumber[anonymousNumber])
            #expect(anonymousHandoff["anonymous"] as? Bool == true)
            #expect(anonymousHandoff["agency"] as? String == "Dinas Kesehatan", "the agency names no one: it stays")
            #expect((anonymousHandoff["reporter"] as? [String: Any])?["address"] as? String == "anonymous")
        }
    }

    @Test("a generic webhook message's agency becomes the complaint's; a wrong type is a named 400")
    func genericWebhookAgency() async throws {
        try await RunningGateway.with { gateway in
            let answer = try await gateway.postMessage([
                "id": "agency-1", "from": "+6281234567890", "text": "Jembatan di Desa Sukamaju retak, membahayakan warga.",
                "agency": "Dinas Bina Marga Provinsi Jawa Barat", "category": "Infrastruktur",
            ])
            #expect(answer.status == 200, "\(answer.text)")
            let number = try #require(answer.json["tracking_number"] as? String)
            let complaint = try await Self.complaint(gateway, number)
            #expect(complaint["agency"] as? String == "Dinas Bina Marga Provinsi Jawa Barat")
            #expect(complaint["category"] as? String == "Infrastruktur")

            let wrong = try await gateway.postMessage(["id": "agency-2", "from": "+6281234567890", "text": "Jalan rusak parah.", "agency": 7])
            #expect(wrong.status == 400)
            #expect(wrong.text.contains("agency"), "\(wrong.text)")
        }
    }

    @Test("a complaint document and a journal row stored before the agency existed still load")
    func rowsWithoutTheKeyStillLoad() async throws {
        try await RunningGateway.with { gateway in
            let answer = try await gateway.postMessage([
                "id": "old-1", "from": "+6281234567890", "text": "Sampah menumpuk di pasar sejak seminggu.", "agency": "Dinas Kebersihan",
            ])
            let number = try #require(answer.json["tracking_number"] as? String)
            let before = try await Self.complaint(gateway, number)
            let id = try #require(before["id"] as? String)
            let journalID = try #require(before["journal_id"] as? Int)
            // Rewrite both rows as a version without the field stored them.
            try await gateway.server.database.write { connection in
                try connection.execute("UPDATE complaints SET document = json_remove(document, '$.agency')")
                try connection.execute("UPDATE journal SET message = json_remove(message, '$.message.agency')")
            }
            let stored = try await gateway.server.database.read { connection in
                (try connection.complaint(idOrTrackingNumber: id), try connection.journalEntry(Int64(journalID)))
            }
            let complaint = try #require(stored.0)
            #expect(complaint.agency == nil && complaint.trackingNumber.description == number)
            let entry = try #require(stored.1)
            #expect(entry.message.agency == nil && entry.message.externalID == "old-1")
            let document = try await gateway.get("/api/v1/complaints/\(number)")
            #expect(document.status == 200, "\(document.text)")
            #expect(!document.text.contains("Dinas Kebersihan"))
            let messages = try await gateway.get("/api/v1/complaints/\(number)/messages")
            #expect(messages.status == 200, "\(messages.text)")
        }
    }

    @Test("a complaint without an agency key decodes; with one it reads back")
    func documentDecodes() throws {
        let complaint = try #require(JSONWriterTests.complaints().first)
        var named = complaint
        named.agency = "Dinas Perhubungan"
        let decoder = ComplaintCoding.decoder()
        #expect(try decoder.decode(Complaint.self, from: Data(named.document.utf8)).agency == "Dinas Perhubungan")
        let old = complaint.document.replacingOccurrences(of: #""agency":null,"#, with: "")
        #expect(!old.contains("agency"))
        #expect(try decoder.decode(Complaint.self, from: Data(old.utf8)).agency == nil)
    }
}
