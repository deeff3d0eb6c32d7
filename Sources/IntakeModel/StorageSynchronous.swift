/// How SQLite syncs commits to disk: a trade between durability and write throughput.
public enum StorageSynchronous: String, Sendable, Equatable, CaseIterable {
    /// Every commit reaches the disk before it is acknowledged; a complaint once accepted survives power loss.
    case full
    /// Faster; with WAL a power loss may drop the last commits, but the database stays consistent.
    case normal
}
