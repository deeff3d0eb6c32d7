import Foundation
import IntakeModel

extension StoredComplaintLookup {
    public func complaint(journalID: Int64) throws -> ComplaintReference? {
        try connection.complaintReference(journalID: journalID)
    }

    public func saveFeatures(_ features: DedupFeatures, journalID: Int64, clusterRoot: Int64, receivedAt: Date, version: Int) throws {
        try connection.prepare("""
            INSERT OR REPLACE INTO dedup_features (journal_id, received_at, cluster_root, identities, tokens, places, version)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).run([
                .integer(journalID), .real(receivedAt.timeIntervalSince1970), .integer(clusterRoot),
                .blob(DedupFeatureCoding.bytes(features.identities)), .blob(DedupFeatureCoding.bytes(features.tokens)),
                .text(features.places.joined(separator: ",")), .integer(Int64(version)),
            ])
    }

    /// Also records the root's `complaint.clustered` event when its cluster opens now (the joining complaint's
    /// own created event carries its cluster).
    public func openCluster(root journalID: Int64, clusterID: String) throws {
        let opened = try connection.query(
            "UPDATE complaints SET cluster_id = ? WHERE journal_id = ? AND cluster_id IS NULL RETURNING id",
            [.text(clusterID), .integer(journalID)]
        )
        if let root = opened.first?.string(0) {
            try connection.recordHandoffEvent(.clustered, complaintID: root, at: Date())
        }
    }
}

/// A stored complaint's near-duplicate features, as the index reloads them.
public struct StoredFeatures: Sendable {
    public var journalID: Int64
    public var receivedAt: Double
    public var clusterRoot: Int64
    public var features: DedupFeatures
    /// The reading that computed `features` (`FeatureExtractor.version`; 1 for rows stored before versions).
    public var version: Int = 1
}

extension Connection {
    /// Features of complaints received at or after `since`, oldest first, at most the newest `limit`.
    public func dedupFeatures(since: Date, limit: Int) throws -> [StoredFeatures] {
        let rows = try query("""
            SELECT journal_id, received_at, cluster_root, identities, tokens, places, version FROM (
                SELECT * FROM dedup_features WHERE received_at >= ? ORDER BY journal_id DESC LIMIT ?
            ) ORDER BY journal_id
            """, [.real(since.timeIntervalSince1970), .integer(Int64(limit))])
        return rows.compactMap { row in
            guard let id = row.int(0), let time = row.double(1), let root = row.int(2) else { return nil }
            return StoredFeatures(
                journalID: id, receivedAt: time, clusterRoot: root, features: DedupFeatureCoding.features(row, from: 3),
                version: row.int(6).map { Int($0) } ?? 1
            )
        }
    }

    /// Keeps why a message was merged, for the operator who reads (or undoes) it.
    public func recordMerge(journalID: Int64, score: Double, reason: String) throws {
        try prepare("UPDATE journal SET dedup_score = ?, dedup_reason = ? WHERE id = ?")
            .run([.real(score), .text(reason), .integer(journalID)])
    }
}

/// Little-endian packing of the integer arrays stored as blobs.
enum DedupFeatureCoding {
    static func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * MemoryLayout<T>.size)
        for value in values {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    static func values<T: FixedWidthInteger>(_ bytes: [UInt8]) -> [T] {
        let size = MemoryLayout<T>.size
        return stride(from: 0, to: bytes.count - bytes.count % size, by: size).map { start in
            var value: T = 0
            for offset in (0..<size).reversed() { value = value << 8 | T(bytes[start + offset]) }
            return value
        }
    }
}

/// A message of a complaint as operators review merges: the one it was made from, or one merged into it.
public struct ComplaintMessage: Sendable, Encodable {
    public var messageID: Int64
    public var channelID: String
    public var externalID: String
    public var receivedAt: String
    public var merged: Bool
    public var score: Double?
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case merged, score, reason
        case messageID = "message_id"
        case channelID = "channel_id"
        case externalID = "external_id"
        case receivedAt = "received_at"
    }
}

/// What an operator undid.
public enum DedupUndoAction: String, Sendable {
    case unmerge, uncluster
}

extension Connection {
    /// The journal entries a complaint came from: its own (`journalID`) first, then the messages merged into it.
    /// Two lookups, each by an index: the entry by its id, the merges by the partial `journal_complaint` index.
    public func complaintMessages(complaintID: String, journalID: Int64) throws -> [ComplaintMessage] {
        try query("""
            SELECT id, channel_id, external_id, received_at, state, dedup_score, dedup_reason FROM journal WHERE id = ?
            UNION ALL
            SELECT id, channel_id, external_id, received_at, state, dedup_score, dedup_reason FROM journal
            WHERE complaint_id = ? AND state = 'duplicate'
            ORDER BY id
            """, [.integer(journalID), .text(complaintID)]).compactMap { row in
            guard let id = row.int(0), let channel = row.string(1), let external = row.string(2), let time = row.double(3) else { return nil }
            return ComplaintMessage(
                messageID: id, channelID: channel, externalID: external,
                receivedAt: Timestamp.format(Date(timeIntervalSince1970: time)), merged: row.string(4) == "duplicate",
                score: row.double(5), reason: row.string(6)
            )
        }
    }

    /// Drops what made entry `journalID` a merge, so it can be processed again as a complaint of its own.
    public func clearMerge(journalID: Int64, channelID: String, externalID: String) throws {
        try prepare("DELETE FROM merged_external_ids WHERE channel_id = ? AND external_id = ?").run([.text(channelID), .text(externalID)])
        try prepare("UPDATE journal SET state = 'pending', complaint_id = NULL, dedup_score = NULL, dedup_reason = NULL WHERE id = ?")
            .run([.integer(journalID)])
    }

    /// Takes a complaint out of its cluster.
    public func leaveCluster(complaintID: String, journalID: Int64) throws {
        try prepare("UPDATE complaints SET cluster_id = NULL WHERE id = ?").run([.text(complaintID)])
        try prepare("UPDATE dedup_features SET cluster_root = journal_id WHERE journal_id = ?").run([.integer(journalID)])
    }

    /// Records an operator's undo.
    public func recordUndo(
        _ action: DedupUndoAction, complaintID: String, journalID: Int64?, newComplaintID: String?, previousClusterID: String?, note: String?
    ) throws {
        try prepare("""
            INSERT INTO dedup_undos (action, complaint_id, journal_id, new_complaint_id, previous_cluster_id, note, undone_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).run([
                .text(action.rawValue), .text(complaintID), journalID.map(SQLValue.integer) ?? .null,
                newComplaintID.map(SQLValue.text) ?? .null, previousClusterID.map(SQLValue.text) ?? .null,
                note.map(SQLValue.text) ?? .null, .real(Date().timeIntervalSince1970),
            ])
    }
}
