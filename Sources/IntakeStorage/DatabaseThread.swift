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
    // Safe: `items`, `stopped`, `finished` and `waiting` are only touched with `condition` locked (a Mutex
    // cannot wait for a signal, so this stays an NSCondition); `handle` (and whatever it captures, such as a
    // connection) only ever runs on the thread itself.
    private let condition = NSCondition()
    private var items: [Item] = []
    private var stopped = false
    private var finished = false
    /// What the thread waits for, if it waits: submit wakes it only when that has arrived.
    private var waiting = Waiting.no
    private enum Waiting { case no, forWork, forCompany }
    private let maxBatch: Int
    /// The batch size that ends a gather window early.
    private var gatherTarget: Int { maxBatch / 8 }
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
        // A wake-up costs the thread a context switch: while it gathers a batch, waking it for each arrival
        // only sends it back to sleep. Wake it when it sleeps for lack of work or the batch is big enough.
        switch waiting {
        case .no: break
        case .forWork: condition.signal()
        case .forCompany: if items.count >= gatherTarget { condition.signal() }
        }
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
            waiting = .forWork
            while items.isEmpty && !stopped { condition.wait() }
            if gatherWindow > 0 && !stopped && items.count < gatherTarget {
                // Every commit writes each page it touched, however few rows changed: under load, waiting a
                // fraction of a millisecond for more writers costs less than committing them one by one.
                waiting = .forCompany
                let deadline = Date(timeIntervalSinceNow: gatherWindow)
                while items.count < gatherTarget && !stopped && condition.wait(until: deadline) {}
            }
            waiting = .no
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
