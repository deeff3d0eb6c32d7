import Foundation
import IntakeCore
import IntakeModel
@testable import IntakeStorage
import Testing

/// The amend seam: a citizen's edit of an earlier message changes that message's complaint, is journaled and
/// recorded on it, and never makes a second complaint.
@Suite("Amending a complaint from an edited message")
struct AmendmentTests {
    static func message(_ externalID: String, _ text: String, editedAt: Date? = nil) -> InboundMessage {
        var message = InboundMessage(
            channelID: "tg", channelType: ChannelType("telegram"), externalID: externalID,
            reporter: Reporter(kind: .social, address: "tg:5123456789"), text: text, replyTo: "5123456789"
        )
        message.editedAt = editedAt
        return message
    }

    static func edits(_ id: String, in harness: PipelineHarness) async throws -> Int {
        try await harness.database.read {
            Int(try $0.query("SELECT json_array_length(document, '$.edits') FROM complaints WHERE id = ?", [.text(id)]).first?.int(0) ?? 0)
        }
    }

    @Test("an edit replaces the complaint's text, is journaled and listed in its edits; the same edit again changes nothing")
    func editAmendsOnce() async throws {
        try await PipelineHarness.with { harness in
            let first = try #require(try await harness.gateway.submit([Self.message("5123456789:41", "Jalan berlubang di depan SDN 3.")], raw: []).first)
            let complaintID = try #require(first.complaintID)
            let edit = Self.message("5123456789:41", "Jalan berlubang besar di depan SDN 3 Cibinong.", editedAt: Date())

            let amended = try #require(try await harness.gateway.submit([edit], raw: Array("edit".utf8)).first)
            #expect(amended.complaintID == complaintID)
            #expect(!amended.duplicate)
            #expect(amended.trackingNumber == first.trackingNumber, "the citizen's number stays the same")
            let complaint = try #require(try await harness.database.read { try $0.complaint(idOrTrackingNumber: complaintID) })
            #expect(complaint.originalText == "Jalan berlubang besar di depan SDN 3 Cibinong.")
            #expect(complaint.body == "Jalan berlubang besar di depan SDN 3 Cibinong.")
            #expect(try await harness.database.read { try $0.complaintCount() } == 1)
            let entry = try #require(try await harness.database.read { try $0.journalEntry(amended.journalID) })
            #expect(entry.state == .processed && entry.complaintID == complaintID && entry.raw == Array("edit".utf8))
            #expect(try await Self.edits(complaintID, in: harness) == 1)
            let events = try await harness.database.read {
                try $0.query("SELECT type FROM handoff_events WHERE complaint_id = ? ORDER BY id", [.text(complaintID)]).compactMap { $0.string(0) }
            }
            #expect(events == ["complaint.created", "complaint.updated"], "the routing core hears of the edit")

            let again = try #require(try await harness.gateway.submit([edit], raw: Array("edit".utf8)).first)
            #expect(again.duplicate && again.complaintID == complaintID)
            #expect(try await harness.database.read { try $0.journalEntries(from: 1, limit: 10) }.count == 2, "a repeated edit is not journaled")
            #expect(try await Self.edits(complaintID, in: harness) == 1)

            let second = Self.message("5123456789:41", "Jalan berlubang besar, tiga motor jatuh.", editedAt: Date())
            _ = try await harness.gateway.submit([second], raw: [])
            #expect(try await Self.edits(complaintID, in: harness) == 2)
            #expect(try await harness.database.read { try $0.complaint(idOrTrackingNumber: complaintID) }?.originalText == second.text)
            #expect(try await harness.database.read { try $0.complaintCount() } == 1)
        }
    }

    @Test("an older or redelivered edit arriving after a newer one never rolls the text back, and is not journaled again")
    func staleEditIsIgnored() async throws {
        try await PipelineHarness.with { harness in
            let first = try #require(try await harness.gateway.submit([Self.message("5123456789:41", "Jalan berlubang.")], raw: []).first)
            let complaintID = try #require(first.complaintID)
            let start = Date(timeIntervalSince1970: 1_764_900_060)
            let edit1 = Self.message("5123456789:41", "Jalan berlubang di depan SDN 3.", editedAt: start)
            let edit2 = Self.message("5123456789:41", "Jalan berlubang besar di depan SDN 3 Cibinong.", editedAt: start.addingTimeInterval(60))
            _ = try await harness.gateway.submit([edit2], raw: [])
            for late in [edit1, edit2, edit1] {
                let receipt = try #require(try await harness.gateway.submit([late], raw: []).first)
                #expect(receipt.duplicate && receipt.complaintID == complaintID)
            }
            #expect(try await harness.database.read { try $0.complaint(idOrTrackingNumber: complaintID) }?.originalText == edit2.text)
            #expect(try await Self.edits(complaintID, in: harness) == 1)
            #expect(try await harness.database.read { try $0.journalEntries(from: 1, limit: 10) }.count == 2)
            let updates = try await harness.database.read {
                try $0.query("SELECT count(*) FROM handoff_events WHERE complaint_id = ? AND type = 'complaint.updated'", [.text(complaintID)]).first?.int(0)
            }
            #expect(updates == 1)
        }
    }

    @Test("an edit of a message whose processing failed processes that message first and amends its complaint: one complaint")
    func editOfFailedMessageAmendsIt() async throws {
        try await PipelineHarness.with { harness in
            let original = Self.message("5123456789:52", "Sampah menumpuk di pasar.")
            let record = try JournalRecord(message: original, attachments: [], raw: [], receivedAt: Date())
            let failedID = try await harness.database.write { try $0.insertJournal(record, state: .failed, complaintID: nil, error: "test").id }
            let edit = Self.message("5123456789:52", "Sampah menumpuk di Pasar Cibinong.", editedAt: Date())
            let receipt = try #require(try await harness.gateway.submit([edit], raw: []).first)
            #expect(try await harness.database.read { try $0.complaintCount() } == 1)
            let complaint = try #require(try await harness.database.read { try $0.complaint(idOrTrackingNumber: receipt.complaintID ?? "") })
            #expect(complaint.journalID == failedID, "the earlier message made the complaint")
            #expect(complaint.originalText == edit.text && !receipt.duplicate)
            #expect(try await harness.database.read { try $0.journalEntry(failedID) }?.state == .processed)
        }
    }

    @Test("an edit of a message merged into another complaint is journaled as a duplicate of it, as the message was")
    func editOfMergedMessageIsADuplicate() async throws {
        try await PipelineHarness.with { harness in
            let first = try #require(try await harness.gateway.submit([Self.message("5123456789:61", "Lampu jalan mati di Gang Melati.")], raw: []).first)
            let merged = try #require(try await harness.gateway.submit([Self.message("5123456789:62", "Lampu jalan mati di Gang Melati.")], raw: []).first)
            try #require(merged.duplicate && merged.complaintID == first.complaintID)
            let edit = Self.message("5123456789:62", "Lampu jalan mati di Gang Melati, sudah seminggu.", editedAt: Date())
            let receipt = try #require(try await harness.gateway.submit([edit], raw: []).first)
            #expect(receipt.duplicate && receipt.complaintID == first.complaintID)
            let entry = try #require(try await harness.database.read { try $0.journalEntry(receipt.journalID) })
            #expect(entry.state == .duplicate && entry.complaintID == first.complaintID, "\(entry.state)")
            #expect(try await harness.database.read { try $0.complaint(idOrTrackingNumber: first.complaintID ?? "") }?.originalText == "Lampu jalan mati di Gang Melati.")
        }
    }

    @Test("an edit of a message the gateway never saw is a new report; its later edits amend it")
    func editOfUnknownMessageIsAReport() async throws {
        try await PipelineHarness.with { harness in
            let edit = Self.message("5123456789:77", "Lampu jalan mati di Gang Melati.", editedAt: Date())
            let receipt = try #require(try await harness.gateway.submit([edit], raw: []).first)
            let complaintID = try #require(receipt.complaintID)
            #expect(try await harness.database.read { try $0.complaintCount() } == 1)
            _ = try await harness.gateway.submit([Self.message("5123456789:77", "Lampu jalan mati di Gang Melati 2.", editedAt: Date())], raw: [])
            #expect(try await harness.database.read { try $0.complaintCount() } == 1)
            #expect(try await Self.edits(complaintID, in: harness) == 1)
        }
    }
}
