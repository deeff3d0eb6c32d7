/// The thresholds and windows of near-duplicate decisions: one value, shared by the server and by
/// `intake dedup eval`, so an evaluation measures exactly what runs.
public struct DedupPolicy: Sendable, Equatable {
    /// How long after a complaint the same reporter's rewording of it is merged (seconds).
    public var mergeWindow: Double
    /// How long after a complaint another report of the same issue joins its cluster (seconds).
    public var clusterWindow: Double
    /// Text similarity (Jaccard over content words, or 0.9 × containment) at which one reporter's two
    /// messages within the merge window are one complaint.
    public var mergeSimilarity: Double
    /// Jaccard similarity at which two reports naming the same place describe the same issue.
    public var clusterSimilarity: Double
    /// Jaccard similarity at which two reports naming no place at all describe the same issue.
    public var textOnlyClusterSimilarity: Double
    /// Messages with fewer content words ("tolong dibantu", "cek laporan saya") never cluster, and merge
    /// only when nearly identical: they say too little to be told apart.
    public var minimumWords: Int
    /// Jaccard similarity at which two reports naming the same district or landmark describe the same issue.
    public var exactPlaceClusterSimilarity: Double = 0.11
    /// How soon after a complaint a short or announced addition from the same reporter continues it (seconds).
    public var followUpWindow: Double = 48 * 3600
    /// What a short follow-up must share with the complaint (containment of its words): anything at all.
    /// One with no content words at all ("min ini gimana?") needs nothing.
    public var followUpSimilarity: Double = 0.01
    /// A report with at most this many content words is short: against another naming the same district,
    /// landmark or local name, it is measured by containment as well as Jaccard.
    public var shortReportWords: Int = 8
    /// The weight of a short report's containment in its cluster score.
    public var shortReportContainmentWeight: Double = 0.5
    /// What a message that says it repeats an earlier report must share with it (containment of its words).
    public var repeatSimilarity: Double = 0.15
    /// What a message that says it raises something new must share with the reporter's earlier complaint
    /// to be merged all the same.
    public var newTopicMergeSimilarity: Double = 0.7
    /// At most this many complaints are indexed; the oldest half is dropped when it fills.
    public var capacity: Int

    public init(
        mergeWindow: Double = 72 * 3600, clusterWindow: Double = 14 * 86400, mergeSimilarity: Double = 0.4,
        clusterSimilarity: Double = 0.2, textOnlyClusterSimilarity: Double = 0.6, minimumWords: Int = 3,
        capacity: Int = 2_000_000
    ) {
        self.mergeWindow = mergeWindow
        self.clusterWindow = clusterWindow
        self.mergeSimilarity = mergeSimilarity
        self.clusterSimilarity = clusterSimilarity
        self.textOnlyClusterSimilarity = textOnlyClusterSimilarity
        self.minimumWords = minimumWords
        self.capacity = capacity
    }

    /// The longest window: nothing older can be a match.
    var horizon: Double { max(mergeWindow, clusterWindow) }
}

/// What the index decided for one message.
public enum NearDuplicateVerdict: Sendable, Equatable {
    /// Nothing close enough: a new complaint in a cluster of its own.
    case distinct
    /// The same reporter said this already: no new complaint, `key`'s tracking number goes back.
    case merge(key: Int64, score: Double, reason: String)
    /// Another report of the same issue: a new complaint in `cluster` (the key of the cluster's first complaint).
    case cluster(with: Int64, cluster: Int64, score: Double, reason: String)
}
