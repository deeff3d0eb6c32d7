import Foundation
import IntakeModel
import IntakeStorage

/// Why an undo was refused.
public enum DedupUndoError: Error, CustomStringConvertible {
    case noSuchMessage(Int64)
    case noSuchComplaint(String)
    /// The message was not merged into anything.
    case notMerged(Int64)
    /// The message repeats the provider message id of its complaint: a true resend, not a wrong merge.
    case sameProviderMessage(Int64)
    case notClustered(String)

    public var description: String {
        switch self {
        case .noSuchMessage(let id): "message \(id) does not exist"
        case .noSuchComplaint(let id): "complaint '\(id)' does not exist"
        case .notMerged(let id): "message \(id) was not merged into a complaint"
        case .sameProviderMessage(let id): "message \(id) is the provider's resend of the same message id; it cannot be split off"
        case .notClustered(let id): "complaint '\(id)' is not in a cluster"
        }
    }
}

/// A detector that makes every message a new complaint while still recording it: what an unmerge runs.
struct SplitDetector: DuplicateDetector {
    let inner: any DuplicateDetector

    func analyze(_ message: InboundMessage) -> DedupFeatures? { inner.analyze(message) }
    func decide(_ candidate: DedupCandidate, lookup: some ComplaintLookup) throws -> DedupDecision { .new(.unique) }
    func record(_ complaint: Complaint, candidate: DedupCandidate, lookup: some ComplaintLookup) throws {
        try inner.record(complaint, candidate: candidate, lookup: lookup)
    }
}

extension Gateway {
    /// Splits a wrongly merged message off its complaint: it becomes a complaint of its own under the
    /// tracking number reserved for it, queued for routing like any other. Recorded in `dedup_undos`.
    public func unmerge(messageID: Int64, note: String?) async throws -> Complaint {
        var splitting = Pipeline(normalizer: pipeline.normalizer, detector: SplitDetector(inner: pipeline.detector), handoff: pipeline.handoff)
        // An operator's split stands: the message must not join its reporter's burst again.
        splitting.joinsBursts = false
        let split = splitting
        return try await database.write { [self] connection in
            guard var entry = try connection.journalEntry(messageID) else { throw DedupUndoError.noSuchMessage(messageID) }
            guard entry.state == .duplicate, let merged = entry.complaintID else { throw DedupUndoError.notMerged(messageID) }
            if try connection.complaint(idOrTrackingNumber: merged).map({
                $0.channelID == entry.message.channelID && $0.externalID == entry.message.externalID
            }) == true {
                throw DedupUndoError.sameProviderMessage(messageID)
            }
            try connection.clearMerge(journalID: messageID, channelID: entry.message.channelID, externalID: entry.message.externalID)
            entry.state = .pending
            entry.complaintID = nil
            let receipt = try split.process(entry, in: connection)
            guard let id = receipt.complaintID, let complaint = try connection.complaint(idOrTrackingNumber: id) else {
                throw DedupUndoError.noSuchMessage(messageID)
            }
            try connection.recordUndo(.unmerge, complaintID: merged, journalID: messageID, newComplaintID: id, previousClusterID: nil, note: note)
            // The complaint it was merged into lost a message: the routing core hears of both changes.
            try split.handoff.record(.updated, complaintID: merged, in: connection)
            backlog?.stored(ProcessingBacklog.Keys(entry.message), at: entry.receivedAt.timeIntervalSince1970, in: connection)
            return complaint
        }
    }

    /// Takes a complaint out of its cluster (it stays a complaint, in a cluster of its own). Recorded.
    public func uncluster(complaint key: String, note: String?) async throws -> Complaint {
        let detector = pipeline.detector
        let handoff = pipeline.handoff
        return try await database.write { connection in
            guard let complaint = try connection.complaint(idOrTrackingNumber: key) else { throw DedupUndoError.noSuchComplaint(key) }
            guard let cluster = complaint.dedup.clusterID else { throw DedupUndoError.notClustered(key) }
            try connection.leaveCluster(complaintID: complaint.id, journalID: complaint.journalID)
            try connection.recordUndo(.uncluster, complaintID: complaint.id, journalID: nil, newComplaintID: nil, previousClusterID: cluster, note: note)
            try handoff.record(.clustered, complaintID: complaint.id, in: connection)
            detector.detach(journalID: complaint.journalID, lookup: StoredComplaintLookup(connection: connection))
            var changed = complaint
            changed.dedup.clusterID = nil
            return changed
        }
    }
}
