import Foundation
import IntakeModel
import Synchronization

/// The SQLite database: one writer thread that group-commits, one reader thread for queries.
///
/// Writes from concurrent requests are queued and run together in one transaction, each inside its own
/// savepoint, so one fsync acknowledges a whole batch and a failing write never takes its neighbours down.
/// Copying the write-ahead log into the database file (checkpoints) runs on a third thread (`Checkpointer`).
public final class Database: Sendable {
    private let writer: BatchingThread<DatabaseJob>
    private let reader: BatchingThread<DatabaseJob>
    private let checkpointer: Checkpointer
    private let writerState: WriterState
    /// The database file.
    public let path: String

    /// Opens or creates `directory/intake.sqlite`, applies pending migrations and starts the threads.
    public init(directory: String, synchronous: StorageSynchronous = .full, maxBatch: Int = 512) throws(StorageError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StorageError.io("cannot create storage directory \(directory): \(error.localizedDescription)")
        }
        path = (directory as NSString).appendingPathComponent("intake.sqlite")
        do {
            let writeConnection = try Connection(path: path)
            try writeConnection.execute("PRAGMA journal_mode=WAL")
            // Commits themselves never wait for the disk; with `.full` the writer flushes the log before anyone is told.
            try writeConnection.execute("PRAGMA synchronous=NORMAL")
            try writeConnection.execute("PRAGMA foreign_keys=ON")
            try Migrations.apply(Schema.migrations, to: writeConnection)
            // Checkpoints are the checkpointer's: SQLite's automatic one would run on the writer.
            writeConnection.trackWAL()
            // 64 MiB of page cache: the dedup indexes are read at random, and a miss is a disk read.
            try writeConnection.execute("PRAGMA cache_size=-65536")
            // Each job runs in its own savepoint, whose undo log (the statement journal) holds the first image
            // of every page the job touches: several pages per message. On disk it is a temp file written
            // and unlinked over and over (35 KB of write syscalls per message); in memory it is a copy.
            try writeConnection.execute("PRAGMA temp_store=MEMORY")
            let codec = try Self.trackingNumberCodec(writeConnection)
            writeConnection.trackingNumbers = codec
            let readConnection = try Connection(path: path)
            readConnection.trackingNumbers = codec
            try readConnection.execute("PRAGMA query_only=ON")
            // The database file and its directory (new on first start) must be durable before any answer.
            Directory.sync(directory)
            Directory.sync((directory as NSString).deletingLastPathComponent)
            let flush = synchronous == .full ? WALFlush(walPath: path + "-wal") : nil
            let checkpointer = try Checkpointer(path: path)
            self.checkpointer = checkpointer
            let state = WriterState()
            writerState = state
            // Each connection is captured by its own thread's handler only: one owner, by construction.
            writer = BatchingThread(name: "intake-writer", maxBatch: maxBatch, gatherWindow: Self.gatherWindow) { jobs in
                Database.runTransaction(writeConnection, jobs, flush: flush, state: state)
                checkpointer.maintain(writeConnection)
            }
            reader = BatchingThread(name: "intake-reader", maxBatch: 64) { jobs in
                Database.runEach(readConnection, jobs)
            }
        } catch {
            throw StorageError.sqlite(error)
        }
    }

    /// How long the writer lets a small batch wait for more writes. 200 µs halved the writer's commits
    /// under load (batches of 15 instead of 4) while adding at most that much to a request's latency.
    static let gatherWindow: TimeInterval = 0.0002

    /// The installation's tracking-number key, drawn at random on first open and never changed after.
    private static func trackingNumberCodec(_ connection: Connection) throws(SQLiteError) -> TrackingNumberCodec {
        if let stored = try connection.query("SELECT value FROM settings WHERE name = 'tracking_number_key'").first?.string(0),
           let key = UInt64(stored) {
            return TrackingNumberCodec(key: key)
        }
        var generator = SystemRandomNumberGenerator()
        // Another process may draw one at the same moment; whichever is stored first is the key.
        try connection.query("INSERT OR IGNORE INTO settings (name, value) VALUES ('tracking_number_key', ?)", [.text(String(generator.next() as UInt64))])
        guard let stored = try connection.query("SELECT value FROM settings WHERE name = 'tracking_number_key'").first?.string(0),
              let key = UInt64(stored)
        else { throw SQLiteError(code: 1, message: "the tracking number key could not be stored", sql: nil) }
        return TrackingNumberCodec(key: key)
    }

    /// Runs `work` in a transaction shared with other concurrent writes; returns once it is durable.
    ///
    /// Every job is resumed exactly once, by its completion or by `abandon` (write and read both rely on it
    /// to use unchecked continuations, which cost less on every request).
    ///
    /// If `work` throws, its changes are rolled back and the error returned; nothing it wrote remains.
    /// That takes a savepoint around `work`; pass `isolated: false` only when `work` already leaves nothing
    /// behind when it throws (one statement, or its own savepoint), which saves one per job.
    public func write<T: Sendable>(
        isolated: Bool = true, _ work: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            let job = DatabaseJob { connection in
                let result = Result { isolated ? try connection.withSavepoint("job") { try work(connection) } : try work(connection) }
                return { commitError in
                    // A job that failed was rolled back on its own; one that succeeded shares the commit's fate.
                    if case .success = result, let commitError {
                        continuation.resume(throwing: commitError)
                    } else {
                        continuation.resume(with: result)
                    }
                }
            } abandon: { error in
                continuation.resume(throwing: error)
            }
            if !writer.submit(CollectionOfOne(job)) {
                continuation.resume(throwing: StorageError.closed)
            }
        }
    }

    /// Runs `body` on the reader connection, which sees the last committed state.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            let job = DatabaseJob { connection in
                let result = Result { try body(connection) }
                return { _ in continuation.resume(with: result) }
            } abandon: { error in
                continuation.resume(throwing: error)
            }
            if !reader.submit(CollectionOfOne(job)) {
                continuation.resume(throwing: StorageError.closed)
            }
        }
    }

    /// The failure that stopped all writing (a failed flush of the write-ahead log), or nil while storage
    /// is writable. Once set it stays until the process restarts: what follows a failed `fdatasync` cannot be
    /// trusted to reach the disk.
    public var failure: (any Error)? { writerState.failure }

    /// What the writer and the checkpointer have done since the database opened: for metrics and the bench.
    public var statistics: StorageStatistics {
        var statistics = writerState.statistics
        (statistics.checkpoints, statistics.checkpointSeconds) = checkpointer.statistics
        return statistics
    }

    /// Write jobs queued behind the one the writer runs: lets a test line up what the next transaction holds.
    var queuedWrites: Int { writer.queued }

    /// Makes the next flush fail as a failing disk would, for tests of what follows.
    public func injectFlushFailure() { writerState.injectFlushFailure() }

    /// Finishes queued work and stops the writer, checkpointer and reader threads; later calls fail with
    /// `StorageError.closed`.
    public func close() {
        writer.stop()
        checkpointer.stop()
        reader.stop()
    }

    private static func runTransaction(_ connection: Connection, _ jobs: ArraySlice<DatabaseJob>, flush: WALFlush?, state: WriterState) {
        // After a failed flush nothing more is written, so nothing more can be acknowledged or handed off.
        if let failure = state.failure {
            for job in jobs { job.abandon(failure) }
            return
        }
        do {
            try connection.execute("BEGIN IMMEDIATE")
        } catch {
            for job in jobs { job.abandon(StorageError.sqlite(error)) }
            return
        }
        var completions: [((any Error)?) -> Void] = []
        completions.reserveCapacity(jobs.count)
        for (index, job) in zip(jobs.indices, jobs) {
            completions.append(job.run(connection))
            // A disk-full or I/O error can make SQLite roll the whole transaction back by itself; the next
            // job would then run in autocommit mode, its changes committed without our flush. Stop here.
            if !connection.isInTransaction {
                connection.effects.rolledBack()
                let error = StorageError.io("the transaction was rolled back by SQLite after an error")
                for complete in completions { complete(error) }
                for later in jobs[(index + 1)...] { later.abandon(error) }
                return
            }
        }
        do {
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            connection.effects.rolledBack()
            for complete in completions { complete(StorageError.sqlite(error)) }
            return
        }
        // Nobody is told before the flush that covers their commit returned.
        let flushStart = ContinuousClock.now
        let flushError = state.injectedFailure() ?? flush?.flush()
        state.recordBatch(jobs: jobs.count, flush: flush == nil ? nil : ContinuousClock.now - flushStart)
        if let error = flushError {
            state.fail(error)
            connection.effects.abandoned()
            for complete in completions { complete(error) }
            return
        }
        for announce in connection.effects.committed() { announce() }
        for complete in completions { complete(nil) }
    }

    private static func runEach(_ connection: Connection, _ jobs: ArraySlice<DatabaseJob>) {
        for job in jobs { job.run(connection)(nil) }
    }
}

/// Counters of the storage threads' work since the database opened.
public struct StorageStatistics: Sendable, Equatable {
    /// Write transactions committed or attempted (one per batch of jobs).
    public var transactions = 0
    /// Jobs (one per request or processing batch) those transactions ran.
    public var jobs = 0
    /// Flushes of the write-ahead log, and the time they took in all.
    public var flushes = 0
    public var flushSeconds = 0.0
    /// The longest single flush.
    public var longestFlushSeconds = 0.0
    /// Checkpoint passes on the checkpointer's thread, and the time they took in all.
    public var checkpoints = 0
    public var checkpointSeconds = 0.0

    public init() {}
}

/// The writer's sticky failure and counters, readable from any thread.
final class WriterState: Sendable {
    private let state = Mutex<(failure: (any Error)?, inject: Bool)>((nil, false))
    private let counters = Mutex(StorageStatistics())

    var failure: (any Error)? { state.withLock { $0.failure } }

    var statistics: StorageStatistics { counters.withLock { $0 } }

    func recordBatch(jobs: Int, flush: Duration?) {
        counters.withLock { counters in
            counters.transactions += 1
            counters.jobs += jobs
            guard let flush else { return }
            let seconds = flush.timeInterval
            counters.flushes += 1
            counters.flushSeconds += seconds
            counters.longestFlushSeconds = max(counters.longestFlushSeconds, seconds)
        }
    }

    func fail(_ error: any Error) { state.withLock { if $0.failure == nil { $0.failure = error } } }

    func injectFlushFailure() { state.withLock { $0.inject = true } }

    /// The injected failure, once.
    func injectedFailure() -> (any Error)? {
        state.withLock { value in
            guard value.inject else { return nil }
            value.inject = false
            return StorageError.io("fdatasync of the write-ahead log failed: injected for a test")
        }
    }
}
