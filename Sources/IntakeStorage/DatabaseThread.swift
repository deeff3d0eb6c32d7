import Foundation

/// Work handed to a database thread: `run` executes on the thread and returns what to do once the
/// surrounding transaction (if any) has committed or failed.
struct DatabaseJob {
    let run: (Connection) -> (_ commitError: (any Error)?) -> Void
    /// Called instead of `run` when the job cannot run at all (the transaction could not begin).
    let abandon: (any Error) -> Void
}

/// A thread that owns one SQLite connection and runs jobs against it, all queued jobs at once.
///
/// SQLite calls block, so they must not run on Swift's cooperative thread pool; a dedicated thread per
/// connection also makes the connection's single-owner rule structural.
final class DatabaseThread: @unchecked Sendable {
    // Safe: `connection` is only used by `thread` (inside `loop`), and `jobs`/`stopped` are only touched
    // with `condition` locked.
    private let connection: Connection
    private let condition = NSCondition()
    private var jobs: [DatabaseJob] = []
    private var stopped = false
    private var finished = false
    private let maxBatch: Int
    /// How long a small batch may wait for company before it runs (zero: never wait).
    private let gatherWindow: TimeInterval
    private let runBatch: (Connection, ArraySlice<DatabaseJob>) -> Void

    /// Starts the thread; `runBatch` receives every job queued since the previous batch, up to `maxBatch`.
    init(name: String, connection: Connection, maxBatch: Int, gatherWindow: TimeInterval = 0,
         runBatch: @escaping (Connection, ArraySlice<DatabaseJob>) -> Void) {
        self.connection = connection
        self.maxBatch = maxBatch
        self.gatherWindow = gatherWindow
        self.runBatch = runBatch
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    /// Queues a job; it runs after every job queued before it.
    func submit(_ job: DatabaseJob) throws(StorageError) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { throw StorageError.closed }
        jobs.append(job)
        condition.signal()
    }

    /// Runs the queued jobs, then ends the thread and waits for it.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if gatherWindow > 0 && !stopped && jobs.count < maxBatch / 8 {
                // Every commit writes each page it touched, however few rows changed: under load, waiting a
                // fraction of a millisecond for more writers costs less than committing them one by one.
                let deadline = Date(timeIntervalSinceNow: gatherWindow)
                while jobs.count < maxBatch / 8 && !stopped && condition.wait(until: deadline) {}
            }
            if jobs.isEmpty && stopped {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = jobs.prefix(maxBatch)
            jobs.removeFirst(batch.count)
            condition.unlock()
            runBatch(connection, batch)
        }
    }
}

/// Storage failures as callers see them.
public enum StorageError: Error, CustomStringConvertible {
    /// SQLite refused; the message says why.
    case sqlite(SQLiteError)
    /// The database was closed (the server is shutting down).
    case closed
    /// A stored row could not be read back (corrupt JSON, unknown enum value).
    case corrupt(String)
    /// The attachment store could not write a file.
    case io(String)

    public var description: String {
        switch self {
        case .sqlite(let error): error.description
        case .closed: "the database is closed"
        case .corrupt(let message): "stored data is unreadable: \(message)"
        case .io(let message): message
        }
    }
}
