import Foundation
import IntakeModel
import IntakeStorage
import Synchronization

/// Journaled, acknowledged messages whose processing has not run yet, and what the gateway needs to know
/// about them to answer the next message correctly.
///
/// A message can only repeat an earlier one through its provider id or its reporter (exact text and
/// near-duplicate merges and bursts all need the same reporter; clusters never change the answer). So a
/// message whose provider id is new and whose reporter sent nothing within the longest merge or burst window
/// (`window`) needs no decision
/// before its answer: it is journaled as `pending`, answered with its own tracking number, and processed
/// later from the journal. Every other message first has the pending entries it could repeat processed,
/// then is decided and stored at once, as before.
///
/// Processing waits while messages arrive faster than `busyRate` (a campaign burst is answered at the speed
/// of the journal) and runs whenever they slow down, or when the oldest pending entry has waited `maxLag`.
/// Keys are 64-bit hashes: a collision only sends a message down the decide-now path, never the other way.
public final class ProcessingBacklog: Sendable {
    /// What a message could repeat an earlier one through.
    public struct Keys: Sendable, Equatable {
        var provider: UInt64
        var reporter: UInt64

        /// One reporter key for every dedup comparison: kind and address, case folded. It is coarser than
        /// each of them (exact text compares kind and address; identities add the network for handles).
        public init(_ message: InboundMessage) {
            var provider = Hasher()
            provider.combine(message.channelID)
            provider.combine(message.externalID)
            self.provider = UInt64(bitPattern: Int64(provider.finalize()))
            reporter = Self.reporterKey(kind: message.reporter.kind, address: message.reporter.address)
        }

        static func reporterKey(kind: ReporterKind, address: String) -> UInt64 {
            var hasher = Hasher()
            hasher.combine(kind)
            // Only web-form ids are stored as given; the other kinds are already in one case.
            hasher.combine(kind == .web ? address.lowercased() : address)
            return UInt64(bitPattern: Int64(hasher.finalize()))
        }
    }

    /// What the gateway must do with a message before answering it.
    public enum Admission: Sendable, Equatable {
        /// Nothing it could repeat is known: journal it as pending.
        case deferrable
        /// Decide it now, after processing these pending entries (oldest first) it could repeat.
        case decideNow(after: [Int64])
    }

    /// The longest merge window of any channel or campaign, or burst window of any channel (seconds): how
    /// long a reporter stays "known", so no rule that could join their next message is decided without it.
    public let window: Double
    /// How long processing may wait while acknowledgments keep arriving (seconds).
    public let maxLag: Double
    /// Messages per second above which the gateway counts as busy and processing waits.
    public let busyRate: Double
    /// How often the processing loop looks at the arrival rate (seconds).
    public let interval: Double

    private let state = Mutex(State())

    /// Everything the backlog knows, behind one lock.
    struct State {
        var enabled = false
        /// Newest complaint (stored or pending) per reporter key, as seconds since 1970.
        var recent: [UInt64: Double] = [:]
        var pruneAt = 1 << 16
        /// Pending entries by provider and reporter key, committed or not: what the next admission must see.
        var pendingByKey: [UInt64: Int64] = [:]
        var pending: [Int64: (keys: Keys, time: Double)] = [:]
        /// Committed pending ids in journal order, what processing may take; finished ones are skipped
        /// lazily from `head`. An entry joins only once its transaction committed and was flushed.
        var order: [Int64] = []
        var head = 0
        /// Messages admitted so far, and the count and time the processing loop last looked at.
        var admitted = 0
        var lookedAt: (count: Int, time: Double) = (0, 0)
        /// Messages handed to the writer and not yet answered.
        var inFlight = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    public init(window: Double, maxLag: Double = 30, busyRate: Double = 2000, interval: Double = 0.005) {
        self.window = window
        self.maxLag = maxLag
        self.busyRate = busyRate
        self.interval = interval
    }

    /// Lets messages be deferred; only a process that also runs `ProcessingService` may call it.
    public func enable() { state.withLock { $0.enabled = true } }

    /// Learns the reporters of stored complaints (at start, from storage).
    public func remember(reporters: [(kind: ReporterKind, address: String, receivedAt: Double)]) {
        state.withLock { state in
            for reporter in reporters {
                _ = state.remember(Keys.reporterKey(kind: reporter.kind, address: reporter.address), at: reporter.receivedAt, window: window)
            }
        }
    }

    /// False when `keys` certainly need a decision now; true only hints that deferring is likely.
    public func mayDefer(_ keys: Keys, at time: Double) -> Bool {
        state.withLock { $0.enabled && $0.admission(keys, at: time, window: window) == .deferrable }
    }

    /// What to do with a message; asked on the writer thread, inside the transaction that stores it.
    public func admission(_ keys: Keys, at time: Double) -> Admission {
        state.withLock { state in
            state.admitted += 1
            return state.enabled ? state.admission(keys, at: time, window: window) : .decideNow(after: [])
        }
    }

    /// Records a message journaled as pending under `id` in `connection`'s open transaction.
    ///
    /// Later messages of the same transaction see it at once (a reporter's second message is decided after
    /// it); processing sees it only once the transaction is committed and flushed, and a rollback removes
    /// every trace of it. So processing can never look for a row that is not there yet.
    public func deferred(_ id: Int64, keys: Keys, at time: Double, in connection: Connection) {
        let previous = reserve(id, keys: keys, at: time)
        connection.onRollback { self.withdraw(id, keys: keys, restoring: previous) }
        connection.afterCommit { self.publish(id) }
    }

    /// Records a complaint stored at once in `connection`'s open transaction, so the reporter's next message
    /// is decided too; undone if the transaction rolls back.
    public func stored(_ keys: Keys, at time: Double, in connection: Connection) {
        let previous = state.withLock { $0.remember(keys.reporter, at: time, window: window) }
        connection.onRollback { self.state.withLock { $0.restore(keys.reporter, to: previous) } }
    }

    /// Forgets entries once the transaction that processed them commits (or that turned out not to be
    /// pending at all).
    public func finished(_ ids: [Int64], in connection: Connection) {
        connection.afterCommit { self.finished(ids) }
    }

    /// The pending entry becomes known to admissions (not yet to processing); returns the reporter's
    /// previous time, for `withdraw`.
    func reserve(_ id: Int64, keys: Keys, at time: Double) -> Double? {
        state.withLock { state in
            state.pending[id] = (keys, time)
            state.pendingByKey[keys.provider] = id
            state.pendingByKey[keys.reporter] = id
            return state.remember(keys.reporter, at: time, window: window)
        }
    }

    /// The entry's transaction committed: processing may take it.
    func publish(_ id: Int64) {
        let waiting: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.pending[id] != nil else { return nil }
            state.order.append(id)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiting?.resume()
    }

    /// The entry's transaction rolled back: it never existed.
    func withdraw(_ id: Int64, keys: Keys, restoring previous: Double?) {
        state.withLock { state in
            state.forget(id)
            state.restore(keys.reporter, to: previous)
        }
    }

    /// Forgets entries whose processing committed (or that turned out not to be pending at all).
    func finished(_ ids: some Sequence<Int64>) {
        state.withLock { state in
            for id in ids { state.forget(id) }
            state.skipFinished()
        }
    }

    /// Whether `id` is a pending entry the backlog knows (journaled as pending, not yet processed): one that
    /// `ProcessingService` will take.
    public func isPending(_ id: Int64) -> Bool { state.withLock { $0.pending[id] != nil } }

    /// How many entries wait.
    public var count: Int { state.withLock { $0.pending.count } }

    /// The newest pending id processing may take, or nil when nothing waits.
    public var newest: Int64? {
        state.withLock { state in state.head < state.order.count ? state.order.last : nil }
    }

    /// Up to `limit` committed pending ids, oldest first, above `after` and none above `through`.
    public func oldest(_ limit: Int, after first: Int64 = 0, through last: Int64 = .max) -> [Int64] {
        state.withLock { state in
            var ids: [Int64] = []
            var index = state.head
            while index < state.order.count && ids.count < limit && state.order[index] <= last {
                let id = state.order[index]
                if id > first && state.pending[id] != nil { ids.append(id) }
                index += 1
            }
            return ids
        }
    }

    /// What the processing loop should do now.
    public enum Pace: Sendable, Equatable {
        /// Nothing is pending.
        case idle
        /// Messages arrive fast: look again after this many seconds.
        case wait(Double)
        /// Process a batch of at most this many entries: large when arrivals are slow, small when the
        /// oldest entry has waited `maxLag` under load, so acknowledgments queue behind little work.
        case run(batch: Int)
    }

    /// Batch sizes for `Pace.run`.
    public static let quietBatch = 256
    public static let lateBatch = 32

    /// Messages are on their way to the writer (`Gateway.submit`, around its write); `landed` must follow.
    ///
    /// Admissions are counted on the writer, so a writer held up by a slow flush admits nothing for a few
    /// milliseconds under full load; while messages wait for it the gateway is busy, not quiet.
    public func inFlight(_ count: Int) { state.withLock { $0.inFlight += count } }

    /// Messages counted by `inFlight` were answered (or failed).
    public func landed(_ count: Int) { state.withLock { $0.inFlight -= count } }

    /// Starts a new look at the arrival rate from now. Called after a batch was stored: acknowledgments
    /// that queued behind it must not read as a lull, or processing would keep itself running.
    public func lookAgain(now: Double = Date().timeIntervalSince1970) {
        state.withLock { $0.lookedAt = ($0.admitted, now) }
    }

    /// Processing may run when fewer than `busyRate` messages per second arrived since the last look, at
    /// least `interval` ago, and none waits for the writer; or when the oldest entry has waited `maxLag`.
    public func pace(now: Double = Date().timeIntervalSince1970) -> Pace {
        state.withLock { state in
            guard state.head < state.order.count, let oldest = state.pending[state.order[state.head]] else { return .idle }
            let late = now - oldest.time >= maxLag
            let elapsed = now - state.lookedAt.time
            if elapsed < interval { return late ? .run(batch: Self.lateBatch) : .wait(interval - elapsed) }
            let rate = Double(state.admitted - state.lookedAt.count) / elapsed
            state.lookedAt = (state.admitted, now)
            if rate < busyRate && state.inFlight == 0 { return .run(batch: Self.quietBatch) }
            return late ? .run(batch: Self.lateBatch) : .wait(interval)
        }
    }

    /// Returns once something is pending (at once if it already is) or the task is cancelled.
    public func waitForWork() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLock { state in
                    if state.head < state.order.count || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiting: CheckedContinuation<Void, Never>? = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiting?.resume()
        }
    }
}

extension ProcessingBacklog.State {
    func admission(_ keys: ProcessingBacklog.Keys, at time: Double, window: Double) -> ProcessingBacklog.Admission {
        var after: [Int64] = []
        if let id = pendingByKey[keys.provider] { after.append(id) }
        if let id = pendingByKey[keys.reporter], !after.contains(id) { after.append(id) }
        if !after.isEmpty { return .decideNow(after: after.sorted()) }
        if let last = recent[keys.reporter], last >= time - window { return .decideNow(after: []) }
        return .deferrable
    }

    /// Records the reporter's newest complaint time; returns what was there before, for `restore`.
    mutating func remember(_ key: UInt64, at time: Double, window: Double) -> Double? {
        // One hash lookup in the usual case (a newer time); an older one puts the newer back.
        let previous = recent.updateValue(time, forKey: key)
        if let previous, previous > time { recent[key] = previous }
        if recent.count >= pruneAt {
            let horizon = time - window
            recent = recent.filter { $0.value >= horizon }
            pruneAt = max(1 << 16, recent.count * 2)
        }
        return previous
    }

    /// Puts back what `remember` replaced.
    mutating func restore(_ key: UInt64, to previous: Double?) {
        recent[key] = previous
    }

    mutating func forget(_ id: Int64) {
        guard let entry = pending.removeValue(forKey: id) else { return }
        for key in [entry.keys.provider, entry.keys.reporter] where pendingByKey[key] == id {
            pendingByKey[key] = nil
        }
    }

    mutating func skipFinished() {
        while head < order.count, pending[order[head]] == nil { head += 1 }
        if head > 4096 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
