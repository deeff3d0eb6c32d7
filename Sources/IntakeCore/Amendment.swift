import Foundation
import IntakeModel
import IntakeStorage

/// Applies a citizen's edit of an earlier message (`InboundMessage.editedAt`, a Telegram `edited_message`):
/// the complaint that message made takes the edited text, and the edit is journaled (raw bytes and all) as
/// processed, linked to that complaint, and listed in the complaint's `edits`; the routing core gets a
/// `complaint.updated` event. Never a second complaint.
///
/// Idempotent: an edit whose text the complaint already holds (a provider's retry, a repeated fetch), or
/// one whose `editedAt` is no later than the last edit applied (a redelivery, edits arriving out of order),
/// changes nothing and is answered as a duplicate. An edit of a message the gateway never saw is a new complaint.
enum Amendment {
    /// Amends the complaint of `record`'s earlier message in `connection`'s transaction; nil when no earlier
    /// message is known, so the caller makes a complaint of the edit. A still-pending earlier message, or one
    /// whose processing failed, is processed first (its id goes to `processed`, for the backlog): the edit
    /// never makes a second complaint beside it.
    static func apply(
        _ record: JournalRecord, pipeline: Pipeline, processed: inout [Int64], in connection: Connection
    ) throws -> Receipt? {
        let message = record.message
        guard let editedAt = message.editedAt else { return nil }
        let lookup = StoredComplaintLookup(connection: connection)
        var target = try lookup.complaint(channelID: message.channelID, externalID: message.externalID)
        if target == nil, let earlier = try connection.unfinishedJournalID(channelID: message.channelID, externalID: message.externalID) {
            if let entry = try connection.journalEntry(earlier), entry.state == .pending || entry.state == .failed {
                // A failure again stays recorded on the earlier entry; the edit then stands alone.
                _ = try pipeline.processKeepingFailures(entry, in: connection)
            }
            processed.append(earlier)
            target = try lookup.complaint(channelID: message.channelID, externalID: message.externalID)
        }
        guard let target, let complaint = try connection.complaint(idOrTrackingNumber: target.id) else { return nil }
        // The earlier message was merged into someone else's complaint: its text is not that complaint's to replace.
        let own = complaint.channelID == message.channelID && complaint.externalID == message.externalID
        // A redelivered or late edit (no older than the last one applied) never rolls the text back.
        let stale = try own && connection.lastEditedAt(complaintID: target.id).map { Timestamp.format(editedAt) <= $0 } == true
        if stale || complaint.originalText == message.text {
            return Receipt(trackingNumber: target.trackingNumber, duplicate: true, complaintID: target.id, journalID: complaint.journalID)
        }
        // An edit of a merged message is journaled as that message was: a repeat of the complaint it joined.
        let (id, _) = try connection.insertJournal(record, state: own ? .processed : .duplicate, complaintID: target.id, error: nil)
        if own {
            try connection.amendComplaint(
                target.id, body: BodyText.normalize(message.text), originalText: message.text, journalID: id, editedAt: editedAt
            )
            // Near-duplicate matching compares the new text from now on (and after a restart).
            var amended = complaint
            amended.originalText = message.text
            try pipeline.detector.amend(amended, at: record.receivedAt, lookup: lookup)
            // The routing core learns of the new text as of any other change to a complaint it holds.
            try pipeline.handoff.record(.updated, complaintID: target.id, in: connection)
        }
        return Receipt(trackingNumber: target.trackingNumber, duplicate: !own, complaintID: target.id, journalID: id)
    }
}

extension StatusAnswer {
    /// Answers a request for instructions (`/start`, `/help`): journaled as processed without a complaint,
    /// with the instructions written to the reply outbox in the same transaction.
    static func instruct(record: JournalRecord, replies: ReplyOutbox?, in connection: Connection) throws -> Receipt {
        let (id, number) = try connection.insertJournal(record, state: .processed, complaintID: nil, error: nil)
        var receipt = Receipt(trackingNumber: number, duplicate: false, complaintID: nil, journalID: id)
        receipt.reply = try replies?.write(
            .instructions, values: [:], to: record.message, journalID: id, complaintID: nil, at: record.receivedAt, in: connection
        )
        return receipt
    }
}
