import Foundation

/// A stored complaint, as much as deduplication needs to point at it.
public struct ComplaintReference: Sendable, Equatable {
    public var id: String
    public var trackingNumber: TrackingNumber
    public var clusterID: String?

    public init(id: String, trackingNumber: TrackingNumber, clusterID: String? = nil) {
        self.id = id
        self.trackingNumber = trackingNumber
        self.clusterID = clusterID
    }
}

/// The questions a duplicate detector may ask of storage, answered inside the write transaction.
public protocol ComplaintLookup {
    /// The complaint made from the provider message `externalID` on `channelID`, if any.
    func complaint(channelID: ChannelID, externalID: String) throws -> ComplaintReference?
    /// The newest complaint from `reporter` whose text has `matchKey`, received at or after `since`.
    func recentComplaint(from reporter: Reporter, matchKey: String, since: Date) throws -> ComplaintReference?
    /// The complaint made from journal entry `journalID` (how a near-duplicate index names complaints).
    func complaint(journalID: Int64) throws -> ComplaintReference?
    /// Stores a new complaint's features in the same transaction, so a restart reloads rather than rebuilds.
    /// `version` is the reading that computed them (`FeatureExtractor.version`).
    func saveFeatures(_ features: DedupFeatures, journalID: Int64, clusterRoot: Int64, receivedAt: Date, version: Int) throws
    /// Replaces a stored complaint's features (its text was edited), keeping its time and cluster; returns the
    /// features it had, or nil when none are stored.
    func replaceFeatures(_ features: DedupFeatures, journalID: Int64, version: Int) throws -> DedupFeatures?
    /// Marks the first complaint of a cluster as its member once a second one joins.
    func openCluster(root journalID: Int64, clusterID: String) throws
    /// Undoes an in-memory change (an index entry) if the transaction this lookup reads in rolls back.
    func onRollback(_ undo: @escaping () -> Void)
}

extension ComplaintLookup {
    public func complaint(journalID: Int64) throws -> ComplaintReference? { nil }
    public func saveFeatures(_ features: DedupFeatures, journalID: Int64, clusterRoot: Int64, receivedAt: Date, version: Int) throws {}
    public func replaceFeatures(_ features: DedupFeatures, journalID: Int64, version: Int) throws -> DedupFeatures? { nil }
    public func openCluster(root journalID: Int64, clusterID: String) throws {}
    /// Lookups outside a transaction (evaluation over a file) have nothing to roll back.
    public func onRollback(_ undo: @escaping () -> Void) {}
}

/// What a detector decided for one message.
public enum DedupDecision: Sendable, Equatable {
    /// A new complaint, possibly placed in a cluster with others about the same issue.
    case new(DedupOutcome)
    /// No new complaint: the message repeats `into`, whose tracking number the reporter gets back.
    case merge(into: ComplaintReference, score: Double, reason: String)
}

/// What near-duplicate matching compares, computed off the writer thread and stored with the complaint so
/// a restart reloads the index instead of re-reading every text.
public struct DedupFeatures: Sendable, Equatable {
    /// Stable 64-bit keys of the reporter's identities (E.164 phone, email, handle per network); empty for
    /// an anonymous report, which never merges.
    public var identities: [UInt64]
    /// Sorted, distinct hashes of the content words (normalized, stop words dropped).
    public var tokens: [UInt32]
    /// The most specific gazetteer codes of the places named ("14.04", "16.05.L1").
    public var places: [String]

    public init(identities: [UInt64], tokens: [UInt32], places: [String]) {
        self.identities = identities
        self.tokens = tokens
        self.places = places
    }
}

/// The message as the pipeline hands it to deduplication: normalized, not yet stored.
public struct DedupCandidate: Sendable {
    public var message: InboundMessage
    public var body: String
    /// `MatchText.key(body)`: what "the same normalized text" means.
    public var matchKey: String
    public var receivedAt: Date
    /// What near-duplicate matching compares; nil for detectors that need none.
    public var features: DedupFeatures?

    public init(message: InboundMessage, body: String, matchKey: String, receivedAt: Date, features: DedupFeatures? = nil) {
        self.message = message
        self.body = body
        self.matchKey = matchKey
        self.receivedAt = receivedAt
        self.features = features
    }
}

/// The deduplication seam: exact matching now, near-duplicate search and clustering behind the same call later.
public protocol DuplicateDetector: Sendable {
    /// What this detector compares, computed before the write transaction (off the writer thread).
    func analyze(_ message: InboundMessage) -> DedupFeatures?
    /// Decides whether `candidate` repeats a stored complaint. Called inside the write transaction, so
    /// everything the lookup sees is committed or about to be with this very decision.
    func decide(_ candidate: DedupCandidate, lookup: some ComplaintLookup) throws -> DedupDecision
    /// Learns a complaint that was just stored (its `dedup` as decided), in the same transaction.
    func record(_ complaint: Complaint, candidate: DedupCandidate, lookup: some ComplaintLookup) throws
    /// Puts a complaint in a cluster of its own (an operator undid its clustering), in `lookup`'s transaction.
    func detach(journalID: Int64, lookup: some ComplaintLookup)
    /// Learns a stored complaint's new text (`complaint` as amended by a citizen's edit received at `time`),
    /// in `lookup`'s transaction.
    func amend(_ complaint: Complaint, at time: Date, lookup: some ComplaintLookup) throws
}

extension DuplicateDetector {
    public func detach(journalID: Int64, lookup: some ComplaintLookup) {}
    public func amend(_ complaint: Complaint, at time: Date, lookup: some ComplaintLookup) throws {}
    public func analyze(_ message: InboundMessage) -> DedupFeatures? { nil }
    public func record(_ complaint: Complaint, candidate: DedupCandidate, lookup: some ComplaintLookup) throws {}
}

/// Exact deduplication: the same provider message id on the same channel, or the same reporter sending
/// the same normalized text within a window. An anonymous report is never merged by the reporter rule
/// (its contact may be a helper shared by many citizens), and no report is merged into an anonymous one.
public struct ExactDuplicateDetector: DuplicateDetector {
    /// How far back a resend of the same text counts as the same complaint.
    public var window: Duration

    public init(window: Duration = .seconds(72 * 3600)) {
        self.window = window
    }

    public func decide(_ candidate: DedupCandidate, lookup: some ComplaintLookup) throws -> DedupDecision {
        let message = candidate.message
        if let earlier = try lookup.complaint(channelID: message.channelID, externalID: message.externalID) {
            return .merge(into: earlier, score: 1, reason: "same provider message id")
        }
        let since = candidate.receivedAt.addingTimeInterval(-window.timeInterval)
        if !candidate.matchKey.isEmpty, !message.anonymous,
           let earlier = try lookup.recentComplaint(from: message.reporter, matchKey: candidate.matchKey, since: since) {
            return .merge(into: earlier, score: 1, reason: "same reporter, same text within \(Self.describe(window))")
        }
        return .new(.unique)
    }

    /// "72h", "90m" or "45s": the window as an operator reads it in a decision's reason.
    static func describe(_ window: Duration) -> String {
        let seconds = window.components.seconds
        if seconds >= 3600 && seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds >= 60 && seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

extension Duration {
    /// The duration in seconds, fractions included, for `Date` arithmetic.
    public var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
