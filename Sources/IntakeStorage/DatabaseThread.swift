import Foundation

/// Work handed to a database thread: `run` executes on the thread and returns what to do once the
/// surrounding transaction (if any) has committed or failed.
struct DatabaseJob {
    let run: (Connection) -> (_ commitError: (any Error)?) -> Void
    /// Called instead of `run` when the job cannot run at all (the transaction could not begin).
    let abandon: (any Error) -> Void
}

/// A thread that drains a queue in batches: each turn it takes everything queued since the last one (up to
/// `maxBatch`) and hands it to `handle`. Stopping runs what is queued first.
///
/// The writer, the reader and the checkpointer are each one of these: their work blocks (SQLite calls,
/// fdatasync), so it must not run on Swift's cooperative thread pool, and batching is what makes group
/// commit and shared flushes work.
final class BatchingThread<Item>: @unchecked Sendable {
    // Safe: `items`, `stopped` and `finished` are only touched with `condition` locked; `handle` (and
    // whatever it captures, such as a connection) only ever runs on the thread itself.
    private let condition = NSCondition()
    private var items: [Item] = []
    private var stopped = false
    private var finished = false
    private let maxBatch: Int
    /// How long a small batch may wait for company before it runs (zero: never wait).
    private let gatherWindow: TimeInterval
    private let handle: (ArraySlice<Item>) -> Void

    /// Starts the thread.
    init(name: String, maxBatch: Int, gatherWindow: TimeInterval = 0, handle: @escaping (ArraySlice<Item>) -> Void) {
        self.maxBatch = maxBatch
        self.gatherWindow = gatherWindow
        self.handle = handle
        let thread = Thread { [self] in
            // Set from the thread itself, the name also reaches the kernel (top -H, perf); before start it does not.
            Thread.current.name = name
            loop()
        }
        thread.start()
    }

    /// Queues items behind everything queued before; false once the thread is stopping.
    @discardableResult
    func submit(_ newItems: some Sequence<Item>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        items.append(contentsOf: newItems)
        condition.signal()
        return true
    }

    /// Items waiting for the thread (not counting the batch it is running).
    var queued: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }

    /// Handles what is queued, then ends the thread and waits for it.
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
            while items.isEmpty && !stopped { condition.wait() }
            if gatherWindow > 0 && !stopped && items.count < maxBatch / 8 {
                // Every commit writes each page it touched, however few rows changed: under load, waiting a
                // fraction of a millisecond for more writers costs less than committing them one by one.
                let deadline = Date(timeIntervalSinceNow: gatherWindow)
                while items.count < maxBatch / 8 && !stopped && condition.wait(until: deadline) {}
            }
            if items.isEmpty && stopped {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = items.prefix(maxBatch)
            items.removeFirst(batch.count)
            condition.unlock()
            handle(batch)
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
