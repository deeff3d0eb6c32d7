import Foundation
import IntakeModel
import IntakeStorage

/// Answers a status question (`CEK LPR-7K3M-9QX2`): the message is journaled, raw bytes and all, as
/// processed without a complaint (it needs no processing later, and a replay leaves it alone), and the
/// answer goes through the reply outbox in the same transaction.
enum StatusAnswer {
    /// What to tell the citizen who typed `typed` after the keyword.
    struct Finding: Equatable {
        var kind: ReplyKind
        var values: [String: String]
        /// The complaint asked about, when there is one.
        var complaintID: String?
    }

    /// Journals the question and writes its answer; the receipt carries the question's own journal entry.
    static func answer(_ typed: String, record: JournalRecord, replies: ReplyOutbox?, in connection: Connection) throws -> Receipt {
        let (id, number) = try connection.insertJournal(record, state: .processed, complaintID: nil, error: nil)
        var receipt = Receipt(trackingNumber: number, duplicate: false, complaintID: nil, journalID: id)
        guard let replies, let channel = replies.channels[record.message.channelID] else { return receipt }
        let finding = try find(typed, language: channel.language, in: connection)
        receipt.reply = try replies.write(
            finding.kind, values: finding.values, to: record.message, journalID: id, complaintID: finding.complaintID,
            at: record.receivedAt, in: connection
        )
        return receipt
    }

    /// Looks the typed number up: the complaint it made or was merged into, a message still being
    /// processed, nothing, or a number whose check symbol fails.
    static func find(_ typed: String, language: ReplyLanguage, in connection: Connection) throws -> Finding {
        let shown = typed.uppercased()
        guard !typed.isEmpty else { return Finding(kind: .howToAsk, values: [:]) }
        guard let number = TrackingNumber(parsing: typed) else {
            return Finding(kind: .mistyped, values: ["number": shown])
        }
        if let complaint = try connection.complaint(idOrTrackingNumber: number.description) {
            return Finding(kind: .status, values: [
                "tracking_number": complaint.trackingNumber.description, "number": number.description,
                "status": ReplyTemplates.statusWords(complaint.status, language),
            ], complaintID: complaint.id)
        }
        // Acknowledged but not processed yet (deferred, or failed and awaiting a replay): it is real.
        let state = try connection.journalState(connection.trackingNumbers.journalID(for: number))
        if state == .pending || state == .failed {
            return Finding(kind: .status, values: [
                "tracking_number": number.description, "number": number.description,
                "status": ReplyTemplates.statusWords(.received, language),
            ])
        }
        return Finding(kind: .notFound, values: ["number": number.description])
    }
}
