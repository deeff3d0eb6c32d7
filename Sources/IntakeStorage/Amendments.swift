import Foundation
import IntakeModel

extension Connection {
    /// The journal entry of provider message `externalID` on `channelID` that still awaits processing or whose
    /// processing failed, if any (found through the index of unfinished entries, so the lookup costs the
    /// backlog's size at most).
    public func unfinishedJournalID(channelID: ChannelID, externalID: String) throws -> Int64? {
        try query(
            // The IN term is the index's own condition, so SQLite uses the partial index of unfinished entries.
            "SELECT id FROM journal WHERE state IN ('pending', 'failed') AND channel_id = ? AND external_id = ? ORDER BY id LIMIT 1",
            [.text(channelID), .text(externalID)]
        ).first?.int(0)
    }

    /// The latest `edited_at` among complaint `id`'s applied edits, as `Timestamp.format` wrote it (fixed
    /// width, so text order is time order); nil before the first edit.
    public func lastEditedAt(complaintID id: String) throws -> String? {
        try query(
            "SELECT MAX(json_extract(edit.value, '$.edited_at')) FROM complaints, json_each(complaints.document, '$.edits') AS edit WHERE complaints.id = ?",
            [.text(id)]
        ).first?.string(0)
    }

    /// Replaces complaint `id`'s text with an edit's (`body` normalized, `originalText` as sent) and appends
    /// `{"journal_id", "edited_at"}` to the document's `edits` list, which says the text is not the first one.
    public func amendComplaint(_ id: String, body: String, originalText: String, journalID: Int64, editedAt: Date) throws {
        try prepare("""
            UPDATE complaints SET document = json_set(
                json_insert(json_insert(document, '$.edits', json('[]')), '$.edits[#]', json_object('journal_id', ?3, 'edited_at', ?4)),
                '$.body', ?1, '$.original_text', ?2)
            WHERE id = ?5
            """).run([.text(body), .text(originalText), .integer(journalID), .text(Timestamp.format(editedAt)), .text(id)])
    }
}
