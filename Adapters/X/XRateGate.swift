import Foundation
import Synchronization

/// When the X poller may call again: after `x-rate-limit-remaining: 0` or a 429 not before
/// `x-rate-limit-reset` (epoch seconds), after a 5xx, a network error or an unreadable answer not before an
/// exponential backoff (1, 2, 4 … up to 300 seconds, with jitter). The wait runs inside `fetch`, which a
/// graceful shutdown cancels, so even a wait of fifteen minutes for a new window ends at once.
final class XRateGate: Sendable {
    struct State {
        var notBefore: Date?
        var failures = 0
        /// A burst's pages are still to be read: poll again without the pause between polls.
        var paging = false
    }

    /// No wait for a window is longer than X's 15-minute window and a minute of slack, whatever a header says.
    static let longestWait: TimeInterval = 16 * 60
    static let longestBackoff: Double = 300

    private let state = Mutex(State())

    var paging: Bool { state.withLock { $0.paging } }

    /// How long the next call must still wait, in seconds (0: none).
    func pendingWait(now: Date = Date()) -> TimeInterval {
        state.withLock { $0.notBefore.map { max(0, $0.timeIntervalSince(now)) } ?? 0 }
    }

    /// Waits until the gate opens; throws `CancellationError` when the task is cancelled meanwhile.
    func wait() async throws {
        let seconds = pendingWait()
        guard seconds > 0 else { return }
        try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }

    /// Whether the committed cursor has pages pending: only a committed page lets the poller ask at once, so a
    /// commit that fails (storage trouble) waits `poll_seconds` rather than spinning.
    func committed(paging: Bool) {
        state.withLock { $0.paging = paging }
    }

    /// A page was read: failures are forgotten; a spent window closes the gate until its reset.
    func succeeded(remaining: Int?, resetAt: Date?, now: Date = Date()) {
        state.withLock {
            $0.failures = 0
            $0.paging = false
            $0.notBefore = remaining == 0 ? Self.capped(resetAt, now: now) ?? now.addingTimeInterval(60) : nil
        }
    }

    /// A call failed: a 429 waits for `resetAt`, anything else (or a 429 without it) backs off.
    func failed(resetAt: Date? = nil, now: Date = Date()) {
        state.withLock {
            $0.failures += 1
            $0.paging = false
            $0.notBefore = Self.capped(resetAt, now: now) ?? now.addingTimeInterval(Self.backoff(afterFailures: $0.failures))
        }
    }

    /// Equal jitter: half of min(2^(n-1), 300) seconds for sure, the other half at random.
    static func backoff(afterFailures failures: Int) -> Double {
        let capped = min(longestBackoff, pow(2, Double(min(max(failures - 1, 0), 20))))
        return capped / 2 + Double.random(in: 0...(capped / 2))
    }

    private static func capped(_ reset: Date?, now: Date) -> Date? {
        reset.map { min(max($0, now), now.addingTimeInterval(longestWait)) }
    }

    /// `x-rate-limit-reset` (epoch seconds) as a date; nil when absent or unreadable.
    static func reset(_ header: String?) -> Date? {
        header.flatMap { TimeInterval($0.trimmingCharacters(in: .whitespaces)) }.map(Date.init(timeIntervalSince1970:))
    }
}
