import IntakeStorage
import Synchronization

/// Asks the single writer for an empty transaction and waits a bounded time for it, for `/readyz`.
///
/// At most one probe write is queued at a time, however many readiness checks arrive: they all wait for the
/// same one, so a slow or wedged writer is never handed a pile of probes, and each probe holds the writer
/// for one empty commit only.
final class WriterProbe: Sendable {
    /// What the probe found.
    enum Outcome: Sendable, Equatable {
        /// The write committed and was flushed.
        case committed
        /// The writer refused or failed it.
        case failed
        /// No answer within the timeout.
        case timedOut
    }

    private struct State {
        var writing = false
        var waiters: [Int: CheckedContinuation<Outcome, Never>] = [:]
        /// Waiters whose check gave up before they were registered.
        var abandoned: Set<Int> = []
        var nextID = 0
    }

    private let database: Database
    /// How long a check waits for the writer.
    let timeout: Duration
    private let state = Mutex(State())

    init(database: Database, timeout: Duration = .seconds(2)) {
        self.database = database
        self.timeout = timeout
    }

    /// Whether the writer commits an empty transaction within `timeout`.
    func check() async -> Outcome {
        await withTaskGroup(of: Outcome.self) { group in
            group.addTask { await self.awaitWrite() }
            group.addTask {
                try? await Task.sleep(for: self.timeout)
                return .timedOut
            }
            let first = await group.next() ?? .timedOut
            group.cancelAll()
            return first
        }
    }

    /// Waits for the probe write in flight, starting one when none is; returns `.timedOut` when cancelled.
    private func awaitWrite() async -> Outcome {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let start: Bool? = state.withLock { state in
                    if state.abandoned.remove(id) != nil { return nil }
                    state.waiters[id] = continuation
                    defer { state.writing = true }
                    return !state.writing
                }
                switch start {
                case nil: continuation.resume(returning: .timedOut)
                case true?: startWrite()
                case false?: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                let waiter = state.waiters.removeValue(forKey: id)
                if waiter == nil { state.abandoned.insert(id) }
                return waiter
            }
            waiter?.resume(returning: .timedOut)
        }
        // A cancel that came after the write answered left a mark nobody will read.
        state.withLock { _ = $0.abandoned.remove(id) }
        return outcome
    }

    private func startWrite() {
        // Unstructured on purpose, the one exception here: a readiness answer must not wait for a writer that
        // hangs, so the write may outlive the check that started it. It does not outlive storage: the writer
        // runs or abandons every queued job before `Database.close` returns, and a closed database refuses at once.
        Task {
            let outcome: Outcome = (try? await database.write(isolated: false) { _ in }) == nil ? .failed : .committed
            let waiters = state.withLock { state in
                defer {
                    state.waiters = [:]
                    state.writing = false
                }
                return state.waiters
            }
            for waiter in waiters.values { waiter.resume(returning: outcome) }
        }
    }
}
