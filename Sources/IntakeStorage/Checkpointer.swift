import Foundation

/// Keeps the write-ahead log short without holding up the writer.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold: on the writer, with
/// every waiting request behind it while thousands of pages are copied and the database file is synced
/// (p99 latency under load went from about 6 ms to 17 ms with it). Here a thread with a connection of its
/// own copies them instead, concurrently with the writer.
///
/// Under steady load such a pass never catches up on its own: the writer keeps appending, and SQLite only
/// starts the log over from its beginning once every frame in it is copied. So when a pass is done, the
/// writer copies what arrived meanwhile (far fewer pages) between two batches, and its next transaction
/// restarts the log.
final class Checkpointer: @unchecked Sendable {
    // Safe: `running` and `passed` are only touched with `lock` held; the connection only by the thread.

    /// Frames (pages) in the log before a pass starts: about 8 MB.
    static let threshold = 2000
    /// Beyond this the writer checkpoints by itself, as SQLite would: the thread fell behind or failed.
    static let limit = 20_000

    private let lock = NSLock()
    private var running = false
    private var passed = false
    private var passes = 0
    private var passTime = Duration.zero
    private var thread: BatchingThread<Void>!

    init(path: String) throws(SQLiteError) {
        let connection = try Connection(path: path)
        // A checkpoint syncs the log before it copies and the database file after.
        try connection.execute("PRAGMA synchronous=NORMAL")
        thread = BatchingThread(name: "intake-checkpt", maxBatch: 1) { [unowned self] _ in
            // A failed pass changes nothing on disk; the next threshold tries again and the log grows meanwhile.
            let start = ContinuousClock.now
            let copied = (try? connection.checkpoint()) != nil
            let took = ContinuousClock.now - start
            lock.withLock {
                running = false
                passed = copied
                passes += 1
                passTime += took
            }
        }
    }

    /// Called by the writer after a batch, outside any transaction: finishes a pass that is done, starts one
    /// when the log has grown past `threshold`.
    func maintain(_ connection: Connection) {
        let (finish, start): (Bool, Bool) = lock.withLock {
            if passed {
                passed = false
                return (true, false)
            }
            if !running && connection.walFrames >= Self.threshold {
                running = true
                return (false, true)
            }
            return (false, false)
        }
        if finish || connection.walFrames >= Self.limit {
            // Busy while a pass runs (only one checkpoint at a time); the next batch tries again.
            _ = try? connection.checkpoint()
        }
        if start && !thread.submit(CollectionOfOne(())) {
            lock.withLock { running = false }
        }
    }

    /// Passes run on the thread so far, and their time in seconds.
    var statistics: (passes: Int, seconds: Double) {
        lock.withLock { (passes, Double(passTime.components.seconds) + Double(passTime.components.attoseconds) / 1e18) }
    }

    /// Lets a running pass finish and ends the thread.
    func stop() {
        thread.stop()
    }
}
