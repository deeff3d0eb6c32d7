import Foundation
import IntakeModel

/// Journaled, acknowledged messages whose processing has not run yet, and what the gateway needs to know
/// about them to answer the next message correctly.
///
/// A message can only repeat an earlier one through its provider id or its reporter (exact text and
/// near-duplicate merges both need the same reporter; clusters never change the answer). So a message whose
/// provider id is new and whose reporter sent nothing within the longest merge window needs no decision
/// before its answer: it is journaled as `pending`, answered with its own tracking number, and processed
/// later from the journal. Every other message first has the pending entries it could repeat processed,
/// then is decided and stored at once, as before.
///
/// Processing waits while messages arrive faster than `busyRate` (a campaign burst is answered at the speed
/// of the journal) and runs whenever they slow down, or when the oldest pending entry has waited `maxLag`.
/// Keys are 64-bit hashes: a collision only sends a message down the decide-now path, never the other way.
public final class ProcessingBacklog: @unchecked Sendable {
    // Safe: every mutable property is only touched with `lock` held.

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

    /// The longest merge window of any channel or campaign (seconds): how long a reporter stays "known".
    public let window: Double
    /// How long processing may wait while acknowledgments keep arriving (seconds).
    public let maxLag: Double
    /// Messages per second above which the gateway counts as busy and processing waits.
    public let busyRate: Double
    /// How often the processing loop looks at the arrival rate (seconds).
    public let interval: Double

    private let lock = NSLock()
    private var enabled = false
    /// Newest complaint (stored or pending) per reporter key, as seconds since 1970.
    private var recent: [UInt64: Double] = [:]
    private var pruneAt = 1 << 16
    private var pendingByKey: [UInt64: Int64] = [:]
    private var pending: [Int64: (keys: Keys, time: Double)] = [:]
    /// Pending ids in journal order; finished ones are skipped lazily from `head`.
    private var order: [Int64] = []
    private var head = 0
    /// Messages admitted so far, and the count and time the processing loop last looked at.
    private var admitted = 0
    private var lookedAt: (count: Int, time: Double) = (0, 0)
    private var waiter: CheckedContinuation<Void, Never>?

    public init(window: Double, maxLag: Double = 30, busyRate: Double = 2000, interval: Double = 0.005) {
        self.window = window
        self.maxLag = maxLag
        self.busyRate = busyRate
        self.interval = interval
    }

    /// Lets messages be deferred; only a process that also runs `ProcessingService` may call it.
    public func enable() { lock.withLock { enabled = true } }

    /// Learns the reporters of stored complaints (at start, from storage).
    public func remember(reporters: [(kind: ReporterKind, address: String, receivedAt: Double)]) {
        lock.withLock {
            for reporter in reporters {
                rememberLocked(Keys.reporterKey(kind: reporter.kind, address: reporter.address), at: reporter.receivedAt)
            }
        }
    }

    /// False when `keys` certainly need a decision now; true only hints that deferring is likely.
    public func mayDefer(_ keys: Keys, at time: Double) -> Bool {
        lock.withLock { enabled && admissionLocked(keys, at: time) == .deferrable }
    }

    /// What to do with a message; asked on the writer thread, inside the transaction that stores it.
    public func admission(_ keys: Keys, at time: Double) -> Admission {
        lock.withLock {
            admitted += 1
            return enabled ? admissionLocked(keys, at: time) : .decideNow(after: [])
        }
    }

    private func admissionLocked(_ keys: Keys, at time: Double) -> Admission {
        var after: [Int64] = []
        if let id = pendingByKey[keys.provider] { after.append(id) }
        if let id = pendingByKey[keys.reporter], !after.contains(id) { after.append(id) }
        if !after.isEmpty { return .decideNow(after: after.sorted()) }
        if let last = recent[keys.reporter], last >= time - window { return .decideNow(after: []) }
        return .deferrable
    }

    /// Records a message journaled as pending under `id`.
    public func deferred(_ id: Int64, keys: Keys, at time: Double) {
        let waiting: CheckedContinuation<Void, Never>? = lock.withLock {
            pending[id] = (keys, time)
            pendingByKey[keys.provider] = id
            pendingByKey[keys.reporter] = id
            order.append(id)
            rememberLocked(keys.reporter, at: time)
            defer { waiter = nil }
            return waiter
        }
        waiting?.resume()
    }

    /// Records a complaint stored at once, so the reporter's next message is decided too.
    public func stored(_ keys: Keys, at time: Double) {
        lock.withLock { rememberLocked(keys.reporter, at: time) }
    }

    private func rememberLocked(_ key: UInt64, at time: Double) {
        // One hash lookup in the usual case (a newer time); an older one puts the newer back.
        if let newer = recent.updateValue(time, forKey: key), newer > time { recent[key] = newer }
        if recent.count >= pruneAt {
            let horizon = time - window
            recent = recent.filter { $0.value >= horizon }
            pruneAt = max(1 << 16, recent.count * 2)
        }
    }

    /// Forgets entries whose processing committed (or that turned out not to be pending at all).
    public func finished(_ ids: some Sequence<Int64>) {
        lock.withLock {
            for id in ids {
                guard let entry = pending.removeValue(forKey: id) else { continue }
                for key in [entry.keys.provider, entry.keys.reporter] where pendingByKey[key] == id {
                    pendingByKey[key] = nil
                }
            }
            while head < order.count, pending[order[head]] == nil { head += 1 }
            if head > 4096 && head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }

    /// How many entries wait.
    public var count: Int { lock.withLock { pending.count } }

    /// The newest pending id, or nil when nothing waits.
    public var newest: Int64? { lock.withLock { pending.isEmpty ? nil : order.last } }

    /// Up to `limit` pending ids, oldest first, above `after` and none above `through`.
    public func oldest(_ limit: Int, after first: Int64 = 0, through last: Int64 = .max) -> [Int64] {
        lock.withLock {
            var ids: [Int64] = []
            var index = head
            while index < order.count && ids.count < limit && order[index] <= last {
                if order[index] > first && pending[order[index]] != nil { ids.append(order[index]) }
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

    /// Starts a new look at the arrival rate from now. Called after a batch was stored: acknowledgments
    /// that queued behind it must not read as a lull, or processing would keep itself running.
    public func lookAgain(now: Double = Date().timeIntervalSince1970) {
        lock.withLock { lookedAt = (admitted, now) }
    }

    /// Processing may run when fewer than `busyRate` messages per second arrived since the last look, at
    /// least `interval` ago, or when the oldest entry has waited `maxLag`.
    public func pace(now: Double = Date().timeIntervalSince1970) -> Pace {
        lock.withLock {
            guard head < order.count, let oldest = pending[order[head]] else { return .idle }
            let late = now - oldest.time >= maxLag
            let elapsed = now - lookedAt.time
            if elapsed < interval { return late ? .run(batch: Self.lateBatch) : .wait(interval - elapsed) }
            let rate = Double(admitted - lookedAt.count) / elapsed
            lookedAt = (admitted, now)
            if rate < busyRate { return .run(batch: Self.quietBatch) }
            return late ? .run(batch: Self.lateBatch) : .wait(interval)
        }
    }

    /// Returns once something is pending (at once if it already is) or the task is cancelled.
    public func waitForWork() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    if !pending.isEmpty || Task.isCancelled { return true }
                    waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiting: CheckedContinuation<Void, Never>? = lock.withLock {
                defer { waiter = nil }
                return waiter
            }
            waiting?.resume()
        }
    }
}
