import Synchronization

/// Tells the relay and waiting long polls that new handoff events are durable.
///
/// `OutboxHandoff` announces from `Connection.afterCommit`, so a waiter wakes only for rows that are committed
/// and flushed. A waiter remembers the `generation` it saw before reading, so an announcement that lands
/// between its read and its wait is not missed.
public final class HandoffSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// How many tasks wait now (long polls, an idle relay).
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Changes with every announcement; read it before looking for events, then `wait(after:timeout:)`.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// New events are durable: wakes every waiter.
    public func announce() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation differs from `seen`, after `timeout`, or when the task is cancelled.
    public func wait(after seen: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForChange(after: seen) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForChange(after seen: UInt64) async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    // Checked under the lock the cancellation handler takes: either it finds this waiter, or
                    // this sees the cancellation.
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
