import Foundation
import IntakeModel
import Synchronization

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
final class Checkpointer: Sendable {
    /// Frames (pages) in the log before a pass starts: about 8 MB.
    static let threshold = 2000
    /// Beyond this the writer checkpoints by itself, as SQLite would: the thread fell behind or failed.
    static let limit = 20_000

    /// Where the pass stands, shared by the writer and the checkpointer's thread.
    private struct Progress {
        var running = false
        var passed = false
        var passes = 0
        var passTime = Duration.zero
    }

    /// The one lock both threads share; a class, so the thread's handler and `self` hold the same one.
    private final class SharedProgress: Sendable {
        let state = Mutex(Progress())
        func withLock<T: Sendable>(_ body: (inout Progress) -> T) -> T { state.withLock { body(&$0) } }
    }

    private let progress: SharedProgress
    private let thread: BatchingThread<Void>

    init(path: String) throws(SQLiteError) {
        let connection = try Connection(path: path)
        // A checkpoint syncs the log before it copies and the database file after.
        try connection.execute("PRAGMA synchronous=NORMAL")
        let progress = SharedProgress()
        // The connection is captured by the thread's handler only: one owner, by construction.
        thread = BatchingThread(name: "intake-checkpt", maxBatch: 1) { _ in
            // A failed pass changes nothing on disk; the next threshold tries again and the log grows meanwhile.
            let start = ContinuousClock.now
            let copied = (try? connection.checkpoint()) != nil
            let took = ContinuousClock.now - start
            progress.withLock { progress in
                progress.running = false
                progress.passed = copied
                progress.passes += 1
                progress.passTime += took
            }
        }
        self.progress = progress
    }

    /// Called by the writer after a batch, outside any transaction: finishes a pass that is done, starts one
    /// when the log has grown past `threshold`.
    func maintain(_ connection: Connection) {
        let frames = connection.walFrames
        let (finish, start): (Bool, Bool) = progress.withLock { progress in
            if progress.passed {
                progress.passed = false
                return (true, false)
            }
            if !progress.running && frames >= Self.threshold {
                progress.running = true
                return (false, true)
            }
            return (false, false)
        }
        if finish || frames >= Self.limit {
            // Busy while a pass runs (only one checkpoint at a time); the next batch tries again.
            _ = try? connection.checkpoint()
        }
        if start && !thread.submit(CollectionOfOne(())) {
            progress.withLock { $0.running = false }
        }
    }

    /// Passes run on the thread so far, and their time in seconds.
    var statistics: (passes: Int, seconds: Double) {
        progress.withLock { ($0.passes, $0.passTime.timeInterval) }
    }

    /// Lets a running pass finish and ends the thread.
    func stop() {
        thread.stop()
    }
}
