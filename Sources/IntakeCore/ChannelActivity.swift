import Foundation
import IntakeModel
import Synchronization

/// What one channel received, refused and (for a poller) fetched since the server started: the figures
/// `GET /api/v1/channels` shows and the channel metrics export.
///
/// Kept in memory only: totals count since `since` (the server's start), not since the database was made,
/// because refusals are never stored and counts mixing stored and remembered figures would mislead.
/// Webhook and ingest routes and `PollerService` update it; it lives here so the pollers, which know
/// nothing of HTTP, can reach it.
public final class ChannelActivity: Sendable {
    /// How a message or a request ended, as the counters count it.
    public enum Outcome: Sendable, Equatable {
        /// Journaled as a message of its own (a new complaint, or one awaiting processing).
        case accepted
        /// Journaled as a repeat of an earlier message.
        case duplicate
        /// Refused; `reason` is the short word the rejected-requests metric uses (`signature`, `malformed`…).
        case rejected(reason: String)
        /// Deliberately not a complaint (an auto-reply, a bounce); never journaled.
        case ignored
    }

    /// Told of every counted outcome, with how many; the server forwards them to its Prometheus counters.
    public typealias Observer = @Sendable (Outcome, Int) -> Void

    /// The configured channel id.
    public let channelID: ChannelID
    /// The channel's adapter family.
    public let type: ChannelType
    /// Whether a poller fetches this channel: only then do the last poll and the lag mean something.
    public let polls: Bool
    /// When counting started; totals are since then.
    public let since: Date
    private let observer: Observer?
    private let state: Mutex<State>

    /// An empty record for one channel, counting from `since`.
    public init(channelID: ChannelID, type: ChannelType, polls: Bool, since: Date = Date(), observer: Observer? = nil) {
        self.channelID = channelID
        self.type = type
        self.polls = polls
        self.since = since
        self.observer = observer
        state = Mutex(State(caughtUpTo: since))
    }

    /// Messages were journaled (accepted or duplicate, as each receipt says) at `time`.
    public func stored(_ receipts: [Receipt], at time: Date = Date()) {
        guard !receipts.isEmpty else { return }
        let duplicates = receipts.count { $0.duplicate }
        let accepted = receipts.count - duplicates
        state.withLock { state in
            state.lastReceived = max(state.lastReceived ?? time, time)
            state.add(accepted: accepted, duplicate: duplicates, at: time)
        }
        if accepted > 0 { observer?(.accepted, accepted) }
        if duplicates > 0 { observer?(.duplicate, duplicates) }
    }

    /// A request for this channel was refused: counted, and remembered as the channel's last error.
    public func rejected(reason: String, message: String, at time: Date = Date()) {
        state.withLock { state in
            state.lastError = ChannelError(at: time, message: message)
            state.add(rejected: 1, at: time)
        }
        observer?(.rejected(reason: reason), 1)
    }

    /// Messages deliberately not complaints (auto-replies, bounces) arrived: counted, never journaled.
    public func ignored(_ count: Int = 1) {
        guard count > 0 else { return }
        observer?(.ignored, count)
    }

    /// A poll ran and committed what it fetched; `newest` is when the newest fetched message was sent
    /// (nil when it fetched nothing, or its messages carry no time).
    public func polled(fetched: Int, newest: Date?, at time: Date = Date()) {
        state.withLock { state in
            state.lastPoll = time
            state.lastSuccess = time
            // Nothing new: caught up as of now. Something new: caught up to the newest message, and the
            // poller asks again at once, so the next empty poll brings the lag back to about zero.
            state.caughtUpTo = fetched == 0 ? time : min(newest ?? time, time)
        }
    }

    /// A poll ran and failed: the lag keeps growing from the last successful poll.
    public func pollFailed(_ message: String, at time: Date = Date()) {
        state.withLock { state in
            state.lastPoll = time
            state.lastError = ChannelError(at: time, message: message)
        }
    }

    /// The figures as of `now`.
    public func snapshot(now: Date = Date()) -> ChannelActivitySnapshot {
        state.withLock { state in
            ChannelActivitySnapshot(
                channelID: channelID,
                type: type,
                polls: polls,
                lastReceivedAt: state.lastReceived,
                lastError: state.lastError,
                lastHour: state.lastHour(now: now),
                total: state.total,
                lastPollAt: polls ? state.lastPoll : nil,
                lastSuccessAt: polls ? state.lastSuccess : nil,
                lagSeconds: polls ? max(0, now.timeIntervalSince(state.caughtUpTo)) : nil
            )
        }
    }

    /// The mutable part, guarded by the mutex.
    private struct State {
        var lastReceived: Date?
        var lastError: ChannelError?
        var lastPoll: Date?
        var lastSuccess: Date?
        /// The time up to which the poller has seen everything; starts at `since`.
        var caughtUpTo: Date
        var total = ChannelCounts()
        /// One bucket per minute of the last hour, indexed by the minute's number modulo 60.
        var minutes = [Minute](repeating: Minute(), count: 60)

        init(caughtUpTo: Date) { self.caughtUpTo = caughtUpTo }

        mutating func add(accepted: Int = 0, duplicate: Int = 0, rejected: Int = 0, at time: Date) {
            let minute = Self.minute(of: time)
            let slot = Int((minute % 60 + 60) % 60)
            if minutes[slot].number != minute { minutes[slot] = Minute(number: minute) }
            minutes[slot].counts.add(accepted: accepted, duplicate: duplicate, rejected: rejected)
            total.add(accepted: accepted, duplicate: duplicate, rejected: rejected)
        }

        /// The sum of the 60 minutes ending with the current one (whose buckets were not overwritten since).
        func lastHour(now: Date) -> ChannelCounts {
            let current = Self.minute(of: now)
            var sum = ChannelCounts()
            for bucket in minutes where bucket.number <= current && bucket.number > current - 60 {
                sum.add(accepted: bucket.counts.accepted, duplicate: bucket.counts.duplicate, rejected: bucket.counts.rejected)
            }
            return sum
        }

        static func minute(of time: Date) -> Int64 {
            Int64((time.timeIntervalSince1970 / 60).rounded(.down))
        }
    }

    private struct Minute {
        var number: Int64 = .min
        var counts = ChannelCounts()
    }
}

/// Counts of one channel's outcomes over some span.
public struct ChannelCounts: Sendable, Equatable {
    /// Messages journaled as messages of their own.
    public var accepted = 0
    /// Messages journaled as repeats.
    public var duplicate = 0
    /// Requests refused.
    public var rejected = 0

    /// Counts as given; zero by default.
    public init(accepted: Int = 0, duplicate: Int = 0, rejected: Int = 0) {
        self.accepted = accepted
        self.duplicate = duplicate
        self.rejected = rejected
    }

    mutating func add(accepted: Int, duplicate: Int, rejected: Int) {
        self.accepted += accepted
        self.duplicate += duplicate
        self.rejected += rejected
    }
}

/// The last thing that went wrong on a channel: a refused request or a failed poll.
public struct ChannelError: Sendable, Equatable {
    /// When it happened.
    public var at: Date
    /// Safe to show an operator: the refusal's public message, never a secret.
    public var message: String

    /// An error remembered at `at`.
    public init(at: Date, message: String) {
        self.at = at
        self.message = message
    }
}

/// One channel's figures at one moment, as `ChannelActivity.snapshot` reads them.
public struct ChannelActivitySnapshot: Sendable, Equatable {
    /// The configured channel id.
    public var channelID: ChannelID
    /// The channel's adapter family.
    public var type: ChannelType
    /// Whether a poller fetches this channel.
    public var polls: Bool
    /// When a message of this channel was last journaled.
    public var lastReceivedAt: Date?
    /// The last refused request or failed poll, if any since start.
    public var lastError: ChannelError?
    /// The 60 minutes ending now.
    public var lastHour: ChannelCounts
    /// Since the server started.
    public var total: ChannelCounts
    /// Pollers only: when the last poll ran, successful or not.
    public var lastPollAt: Date?
    /// Pollers only: when a poll last succeeded; a `lastError` older than it is resolved. The error is kept,
    /// not cleared, so what it says (a gap an X poller recorded, a 409) stays readable.
    public var lastSuccessAt: Date? = nil
    /// Pollers only: how far behind the channel may be: the age of the newest message the last poll
    /// fetched, or the time since the last poll that found nothing new (since start before any).
    public var lagSeconds: Double?
}
