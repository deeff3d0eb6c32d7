import Foundation
import IntakeModel
import IntakeStorage
import Logging
import ServiceLifecycle

/// How the reply service retries and how long it keeps trying.
public struct ReplyPolicy: Sendable {
    /// The first retry waits about this long (seconds); each further failure in a row doubles it.
    public var baseDelay: Double
    /// No retry waits longer (seconds), unless the provider's `Retry-After` asks for more (capped at an hour).
    public var maxDelay: Double
    /// How often an idle worker looks for replies it was not told about (seconds).
    public var rescanInterval: Double
    /// Replies read per pass of one channel.
    public var batchSize: Int
    /// After this many attempts a reply that keeps failing is parked as `failed`.
    public var maxAttempts: Int

    /// The defaults: 1 s doubling up to 10 min, a rescan every 5 s, 32 per pass, 30 attempts (about four hours).
    public init(baseDelay: Double = 1, maxDelay: Double = 600, rescanInterval: Double = 5, batchSize: Int = 32, maxAttempts: Int = 30) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.rescanInterval = rescanInterval
        self.batchSize = max(1, batchSize)
        self.maxAttempts = max(1, maxAttempts)
    }

    /// Exponential backoff with equal jitter: half the capped delay for sure, the other half at random.
    public func delay(afterFailures failures: Int) -> Double {
        let capped = min(maxDelay, baseDelay * pow(2, Double(min(max(failures, 0), 30))))
        return capped / 2 + Double.random(in: 0...(capped / 2))
    }

    /// The provider's `Retry-After` when it gave one (at most an hour), else the backoff.
    func retryDelay(_ retryAfter: Duration?, failures: Int) -> Double {
        guard let retryAfter else { return delay(afterFailures: failures) }
        return min(3600, max(0, Double(retryAfter.components.seconds) + Double(retryAfter.components.attoseconds) / 1e18))
    }
}

/// How one attempt to send a reply ended, for metrics.
public enum ReplyAttemptOutcome: String, Sendable, CaseIterable {
    /// The provider took it.
    case sent
    /// A temporary failure: tried again later.
    case retry
    /// Refused for good, or out of attempts: parked as `failed`.
    case failed
    /// The sender refused to send it at all (an address nobody reads): kept as `suppressed`.
    case suppressed
}

/// Counts the reply service's attempts (the server's metrics).
public protocol ReplyObserver: Sendable {
    /// One attempt on `channelID` ended with `outcome`.
    func attempted(channelID: ChannelID, outcome: ReplyAttemptOutcome)
}

/// Sends pending replies through each channel family's `ReplySender`, at least once, never slowing intake.
///
/// One worker per replying channel, so one provider's outage or rate limit holds back no other channel.
/// A worker reads its channel's due replies in a job on the writer thread (answered after that
/// transaction's flush, so nothing a failed flush could take back is sent), sends them one at a time no
/// faster than `replies_per_second`, and records each outcome. A temporary failure (an outage, a 5xx, a
/// 429) reschedules the reply and pauses the whole channel with exponential backoff and jitter, or for the
/// provider's `Retry-After`; an outage of hours costs one request per pause and loses nothing. A permanent
/// failure parks the reply as `failed` with the provider's answer (`GET /api/v1/replies?status=failed`).
public struct ReplyService: Service {
    let workers: [ReplyChannelWorker]

    /// A service sending `outbox`'s replies with `senders` (one per channel replying through the service)
    /// over `http`, and over `mail` for senders that submit email.
    public init(
        database: Database, outbox: ReplyOutbox, senders: [ChannelID: any ReplySender], http: any HTTPExchange,
        mail: (any MailTransport)? = nil, policy: ReplyPolicy = ReplyPolicy(), observer: (any ReplyObserver)? = nil, logger: Logger
    ) {
        let transports = ReplyTransports(http: http, mail: mail)
        workers = senders.sorted { $0.key < $1.key }.compactMap { channelID, sender in
            guard let signal = outbox.signal(for: channelID) else { return nil }
            return ReplyChannelWorker(
                channelID: channelID, database: database, sender: sender, transports: transports, signal: signal,
                perSecond: outbox.channels[channelID]?.perSecond, policy: policy, observer: observer, logger: logger
            )
        }
    }

    /// Sends until graceful shutdown; what is pending then stays pending for the next start.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for worker in workers {
                group.addTask { await worker.run() }
            }
        }
    }
}

/// Sends one channel's replies (see `ReplyService`).
struct ReplyChannelWorker: Sendable {
    let channelID: ChannelID
    let database: Database
    let sender: any ReplySender
    let transports: ReplyTransports
    let signal: HandoffSignal
    let perSecond: Double?
    let policy: ReplyPolicy
    let observer: (any ReplyObserver)?
    let logger: Logger

    func run() async {
        var failures = 0
        var lastSend: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let failure = database.failure {
                logger.error("replies stopped: storage failed", metadata: ["channel": "\(channelID)", "error": "\(failure)"])
                try? await gracefulShutdown()
                return
            }
            let seen = signal.generation
            let due: [StoredReply]
            do {
                let (channelID, limit) = (self.channelID, policy.batchSize)
                due = try await database.write(isolated: false) { try $0.dueReplies(channelID: channelID, now: Date(), limit: limit) }
            } catch {
                logger.warning("replies could not be read", metadata: ["channel": "\(channelID)", "error": "\(error)"])
                await pause(1)
                continue
            }
            if due.isEmpty {
                await idle(after: seen)
                continue
            }
            for reply in due {
                guard !Task.isShuttingDownGracefully, !Task.isCancelled, database.failure == nil else { break }
                await keepRate(after: lastSend)
                let result = await send(reply)
                lastSend = .now
                if let delay = await record(reply, result, failures: &failures) {
                    await pause(delay)
                    break
                }
            }
        }
    }

    private func send(_ reply: StoredReply) async -> Result<SentReply, ReplyFailure> {
        do {
            return .success(try await sender.send(reply.outbound, over: transports))
        } catch {
            return .failure(error)
        }
    }

    /// Records one attempt; returns how long the channel should pause (a temporary failure), else nil.
    private func record(_ reply: StoredReply, _ result: Result<SentReply, ReplyFailure>, failures: inout Int) async -> Double? {
        let now = Date()
        let id = reply.id
        var pause: Double?
        let outcome: ReplyAttemptOutcome
        let change: @Sendable (Connection) throws -> Void
        let result = result.mapError { $0.scrubbing(reply.record) }
        switch result {
        case .success(let sent):
            failures = 0
            outcome = .sent
            change = { try $0.markReplySent(id, providerMessageID: sent.providerMessageID, at: now) }
        case .failure(.temporary(let message, retryAfter: let retryAfter)) where reply.attempts + 1 < policy.maxAttempts:
            let delay = policy.retryDelay(retryAfter, failures: max(failures, reply.attempts))
            failures += 1
            pause = delay
            outcome = .retry
            change = { try $0.markReplyRetry(id, error: message, retryAt: now.addingTimeInterval(delay)) }
        case .failure(.suppressed(let reason)):
            outcome = .suppressed
            change = { try $0.markReplySuppressed(id, reason: "suppressed: \(reason)") }
        case .failure(let failure):
            if case .temporary = failure { pause = policy.delay(afterFailures: failures) }
            var message = failure.description
            if case .temporary = failure { message = "gave up after \(reply.attempts + 1) attempts: \(message)" }
            let reason = message
            outcome = .failed
            change = { try $0.markReplyFailed(id, error: reason) }
        }
        observer?.attempted(channelID: channelID, outcome: outcome)
        log(reply, outcome: outcome, result: result)
        do {
            try await database.write(isolated: false, change)
        } catch {
            // Still pending in the table: sent again later, at least once.
            logger.warning("reply outcome not recorded", metadata: ["channel": "\(channelID)", "reply": "\(id)", "error": "\(error)"])
            return max(pause ?? 0, 1)
        }
        return pause
    }

    private func log(_ reply: StoredReply, outcome: ReplyAttemptOutcome, result: Result<SentReply, ReplyFailure>) {
        guard outcome != .sent else { return }
        let recipient = Reporter(kind: reply.record.recipientKind, address: reply.record.recipient).redactedAddress
        var error = ""
        if case .failure(let failure) = result { error = failure.description }
        let line: Logger.Message = switch outcome {
        case .failed: "reply failed"
        case .suppressed: "reply suppressed"
        case .sent, .retry: "reply will be retried"
        }
        logger.log(level: outcome == .failed ? .error : .notice, line, metadata: [
            "channel": "\(channelID)", "reply": "\(reply.id)", "recipient": "\(recipient)", "attempt": "\(reply.attempts + 1)",
            "error": "\(error)",
        ])
    }

    /// Waits until the next send keeps the channel within `replies_per_second`.
    private func keepRate(after lastSend: ContinuousClock.Instant?) async {
        guard let perSecond, perSecond > 0, let lastSend else { return }
        let next = lastSend + .seconds(1 / perSecond)
        guard next > .now else { return }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(until: next, clock: .continuous) }
    }

    /// Waits for a commit with new replies, for the next retry to fall due, or for the rescan interval.
    private func idle(after seen: UInt64) async {
        var timeout = policy.rescanInterval
        let channelID = self.channelID
        if let next = try? await database.read({ try $0.nextReplyAttempt(channelID: channelID) }) {
            timeout = min(timeout, max(0.01, next.timeIntervalSinceNow))
        }
        let (signal, wait) = (self.signal, Duration.seconds(timeout))
        await cancelWhenGracefulShutdown { await signal.wait(after: seen, timeout: wait) }
    }

    /// Sleeps `seconds` unless the server shuts down first; new replies do not end it.
    private func pause(_ seconds: Double) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
    }
}

extension ReplyFailure {
    /// The failure with the recipient's address replaced by its redacted form: providers often echo the
    /// number they refused, and the message is logged and listed.
    func scrubbing(_ reply: ReplyRecord) -> ReplyFailure {
        let redacted = Reporter(kind: reply.recipientKind, address: reply.recipient).redactedAddress
        func scrub(_ text: String) -> String {
            var text = text.replacingOccurrences(of: reply.recipient, with: redacted)
            if reply.recipient.hasPrefix("+") {
                text = text.replacingOccurrences(of: String(reply.recipient.dropFirst()), with: String(redacted.dropFirst()))
            }
            return text
        }
        switch self {
        case .temporary(let message, let retryAfter): return .temporary(scrub(message), retryAfter: retryAfter)
        case .permanent(let message): return .permanent(scrub(message))
        case .suppressed(let message): return .suppressed(scrub(message))
        }
    }
}
