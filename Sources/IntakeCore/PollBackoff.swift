/// How long `PollerService.run` waits after consecutive failed polls (a fetch or a commit that threw):
/// `first`, then twice as long each time, at most `limit`; nothing once a poll succeeds. Its own, whatever
/// the adapter's `interval` says, so a channel with `poll_seconds: 0` and a failing commit cannot spin.
public struct PollBackoff: Sendable {
    /// The wait after one failure.
    public var first: Duration
    /// The longest wait.
    public var limit: Duration

    /// 1 s, 2 s, 4 s … at most 60 s.
    public init(first: Duration = .seconds(1), limit: Duration = .seconds(60)) {
        self.first = first
        self.limit = limit
    }

    /// The wait after `failures` failed polls in a row (zero for none).
    public func delay(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        var delay = first
        for _ in 1..<min(failures, 32) where delay < limit { delay *= 2 }
        return min(delay, limit)
    }
}
