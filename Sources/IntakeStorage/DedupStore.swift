import Foundation
import IntakeModel

extension StoredComplaintLookup {
    public func complaint(journalID: Int64) throws -> ComplaintReference? {
        try connection.complaintReference(journalID: journalID)
    }

    public func saveFeatures(_ features: DedupFeatures, journalID: Int64, clusterRoot: Int64, receivedAt: Date) throws {
        try connection.prepare("""
            INSERT OR REPLACE INTO dedup_features (journal_id, received_at, cluster_root, identities, tokens, places)
            VALUES (?, ?, ?, ?, ?, ?)
            """).run([
                .integer(journalID), .real(receivedAt.timeIntervalSince1970), .integer(clusterRoot),
                .blob(DedupFeatureCoding.bytes(features.identities)), .blob(DedupFeatureCoding.bytes(features.tokens)),
                .text(features.places.joined(separator: ",")),
            ])
    }

    public func openCluster(root journalID: Int64, clusterID: String) throws {
        try connection.prepare("UPDATE complaints SET cluster_id = ? WHERE journal_id = ? AND cluster_id IS NULL")
            .run([.text(clusterID), .integer(journalID)])
    }
}

/// A stored complaint's near-duplicate features, as the index reloads them.
public struct StoredFeatures: Sendable {
    public var journalID: Int64
    public var receivedAt: Double
    public var clusterRoot: Int64
    public var features: DedupFeatures
}

extension Connection {
    /// Features of complaints received at or after `since`, oldest first, at most the newest `limit`.
    public func dedupFeatures(since: Date, limit: Int) throws -> [StoredFeatures] {
        let rows = try query("""
            SELECT journal_id, received_at, cluster_root, identities, tokens, places FROM (
                SELECT * FROM dedup_features WHERE received_at >= ? ORDER BY journal_id DESC LIMIT ?
            ) ORDER BY journal_id
            """, [.real(since.timeIntervalSince1970), .integer(Int64(limit))])
        return rows.compactMap { row in
            guard let id = row.int(0), let time = row.double(1), let root = row.int(2) else { return nil }
            let places = row.string(5).map { $0.split(separator: ",").map(String.init) } ?? []
            return StoredFeatures(
                journalID: id, receivedAt: time, clusterRoot: root,
                features: DedupFeatures(
                    identities: DedupFeatureCoding.values(row.bytes(3) ?? []),
                    tokens: DedupFeatureCoding.values(row.bytes(4) ?? []),
                    places: places
                )
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
