import Foundation
import IntakeModel

extension Connection {
    /// The last cursor a poller committed for `channelID`.
    public func cursor(for channelID: ChannelID) throws -> String? {
        try query("SELECT cursor FROM cursors WHERE channel_id = ?", [.text(channelID)]).first?.string(0)
    }

    /// Commits a poller's cursor; call in the same transaction as the messages it covers.
    public func saveCursor(_ cursor: String, for channelID: ChannelID, at time: Date) throws {
        try prepare("""
            INSERT INTO cursors (channel_id, cursor, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (channel_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
            """).run([.text(channelID), .text(cursor), .real(time.timeIntervalSince1970)])
    }
}
