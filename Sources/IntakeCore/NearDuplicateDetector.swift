import Foundation
import IntakeDedup
import IntakeModel
import IntakeStorage
import Synchronization

/// The server's duplicate detector: exact checks first (the same provider message id, the same reporter's
/// identical text), then the near-duplicate index for rewordings (merge) and other reporters of the same
/// issue (cluster). Decisions run on the writer thread, inside the transaction that stores their result.
public final class NearDuplicateDetector: DuplicateDetector, Sendable {
    private let index: Mutex<NearDuplicateIndex>
    private let policy: DedupPolicy
    private let extractor: FeatureExtractor
    /// The merge window of a message, by its channel and campaign (seconds).
    private let mergeWindow: @Sendable (ChannelID, String?) -> Double

    public init(
        policy: DedupPolicy, extractor: FeatureExtractor = FeatureExtractor(),
        mergeWindow: @escaping @Sendable (ChannelID, String?) -> Double
    ) {
        index = Mutex(NearDuplicateIndex(policy: policy, gazetteer: extractor.gazetteer))
        self.policy = policy
        self.extractor = extractor
        self.mergeWindow = mergeWindow
    }

    /// Reloads the index from stored features (newest complaints within the policy's windows). Features an
    /// older reading computed (`FeatureExtractor.version`) are first computed again from their complaints'
    /// text and saved (`refreshOutdated`), so a resend of a complaint stored before an upgrade still finds it.
    public func load(from database: Database, now: Date = Date()) async throws -> DedupIndexLoad {
        let since = now.addingTimeInterval(-max(policy.mergeWindow, policy.clusterWindow))
        let capacity = policy.capacity
        var stored = try await database.read { try $0.dedupFeatures(since: since, limit: capacity) }
        let refresh = try await refreshOutdated(&stored, in: database)
        index.withLock { index in
            for row in stored {
                index.insert(row.features, key: row.journalID, cluster: row.clusterRoot, at: row.receivedAt)
            }
        }
        return DedupIndexLoad(complaints: stored.count, refreshed: refresh.refreshed, outdated: refresh.kept)
    }

    public func analyze(_ message: InboundMessage) -> DedupFeatures? {
        features(title: message.title, text: message.text, reporter: message.reporter, channelType: message.channelType, anonymous: message.anonymous)
    }

    /// The features of a message with this title, text and sender: what `analyze` computes.
    func features(title: String?, text: String, reporter: Reporter, channelType: ChannelType, anonymous: Bool) -> DedupFeatures {
        let identities = FeatureExtractor.identities(of: reporter, channelType: channelType, anonymous: anonymous)
        return extractor.features(title: title, body: text, identities: identities)
    }

    public func decide(_ candidate: DedupCandidate, lookup: some ComplaintLookup) throws -> DedupDecision {
        let message = candidate.message
        let window = mergeWindow(message.channelID, message.campaign)
        // The exact checks (provider id, identical text) run under the message's own window too.
        let exact = try ExactDuplicateDetector(window: .milliseconds(Int64(window * 1000))).decide(candidate, lookup: lookup)
        if case .merge = exact { return exact }
        guard let features = candidate.features else { return .new(.unique) }
        let time = candidate.receivedAt.timeIntervalSince1970
        // A match whose complaint is not stored (its transaction rolled back) is forgotten, and asked again.
        for _ in 0..<3 {
            switch index.withLock({ $0.decide(features, at: time, mergeWindow: window) }) {
            case .distinct:
                return .new(.unique)
            case .merge(let key, let score, let reason):
                guard let earlier = try lookup.complaint(journalID: key) else {
                    index.withLock { $0.remove(key) }
                    continue
                }
                return .merge(into: earlier, score: score, reason: reason)
            case .cluster(let key, let root, let score, let reason):
                guard let first = try lookup.complaint(journalID: root) else {
                    index.withLock { index in
                        index.remove(key)
                        index.remove(root)
                    }
                    continue
                }
                var outcome = DedupOutcome(clusterID: first.clusterID ?? first.id, score: score, reason: reason)
                outcome.clusterRoot = root
                return .new(outcome)
            }
        }
        return .new(.unique)
    }

    public func record(_ complaint: Complaint, candidate: DedupCandidate, lookup: some ComplaintLookup) throws {
        guard let features = candidate.features else { return }
        let root = complaint.dedup.clusterRoot ?? complaint.journalID
        if let clusterID = complaint.dedup.clusterID, root != complaint.journalID {
            try lookup.openCluster(root: root, clusterID: clusterID)
        }
        try lookup.saveFeatures(
            features, journalID: complaint.journalID, clusterRoot: root, receivedAt: candidate.receivedAt, version: FeatureExtractor.version
        )
        let key = complaint.journalID
        index.withLock { $0.insert(features, key: key, cluster: root, at: candidate.receivedAt.timeIntervalSince1970) }
        // A complaint whose row rolls back must not be proposed again: its journal id may name nothing, or
        // (in a store that reused ids) someone else's complaint.
        lookup.onRollback { self.index.withLock { $0.remove(key) } }
    }

    /// Puts a complaint into a cluster of its own (an operator's undo); undone if `lookup`'s transaction rolls back.
    public func detach(journalID: Int64, lookup: some ComplaintLookup) {
        guard let previous = index.withLock({ index in
            defer { index.setCluster(of: journalID, to: journalID) }
            return index.cluster(of: journalID)
        }) else { return }
        lookup.onRollback { self.index.withLock { $0.setCluster(of: journalID, to: previous) } }
    }

    /// Replaces an edited complaint's features with its new text's, in storage and in the index (undone if
    /// `lookup`'s transaction rolls back). The index entry takes the edit's `time`: its chains run newest
    /// first and a search stops at the first entry older than its window, so an entry added now with the
    /// complaint's older time could hide those indexed since.
    public func amend(_ complaint: Complaint, at time: Date, lookup: some ComplaintLookup) throws {
        let features = features(
            title: complaint.title, text: complaint.originalText, reporter: complaint.reporter, channelType: complaint.channelType,
            anonymous: complaint.anonymous
        )
        let key = complaint.journalID
        guard let previous = try lookup.replaceFeatures(features, journalID: key, version: FeatureExtractor.version) else { return }
        let at = time.timeIntervalSince1970
        guard let cluster = index.withLock({ index -> Int64? in
            guard let cluster = index.cluster(of: key) else { return nil }
            index.remove(key)
            index.insert(features, key: key, cluster: cluster, at: at)
            return cluster
        }) else { return }
        lookup.onRollback {
            self.index.withLock { index in
                index.remove(key)
                index.insert(previous, key: key, cluster: cluster, at: at)
            }
        }
    }
}
