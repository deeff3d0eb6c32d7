import Foundation
import IntakeModel
import IntakeStorage
import Logging
import ServiceLifecycle

/// How hard the relay pushes and how it backs off.
public struct HandoffPolicy: Sendable {
    /// Deliveries in flight at once, each on its own HTTP thread.
    public var concurrency: Int
    /// Events read per pass.
    public var batchSize: Int
    /// The first retry waits about this long; each further attempt doubles it.
    public var baseDelay: Double
    /// No retry waits longer: a routing core back after hours is tried again within this.
    public var maxDelay: Double
    /// How often the relay looks for work it was not told about (`intake handoff retry`, another process).
    public var rescanInterval: Double

    /// The defaults: 8 at once, 64 per pass, 1 s doubling up to 10 min, a rescan every 5 s.
    public init(concurrency: Int = 8, batchSize: Int = 64, baseDelay: Double = 1, maxDelay: Double = 600, rescanInterval: Double = 5) {
        self.concurrency = max(1, concurrency)
        self.batchSize = max(1, batchSize)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.rescanInterval = rescanInterval
    }

    /// Exponential backoff with "equal jitter": half the capped delay for sure, the other half at random, so
    /// retries of many events spread out instead of arriving together.
    public func delay(afterAttempts attempts: Int) -> Double {
        let capped = min(maxDelay, baseDelay * pow(2, Double(min(max(attempts, 0), 30))))
        return capped / 2 + Double.random(in: 0...(capped / 2))
    }

    /// When to try again after `outcome`: the core's `Retry-After` if it gave one (capped), else the backoff.
    func retryDelay(_ retryAfter: Double?, attempts: Int) -> Double {
        if let retryAfter { return min(maxDelay, max(0, retryAfter)) }
        return delay(afterAttempts: attempts)
    }
}

/// Hands events to the routing core, at least once and in order per complaint, without ever slowing intake.
///
/// Only durable events leave: due events are read in a job on the writer thread, whose answer arrives only
/// after that transaction's flush, so nothing a failed `fdatasync` may have lost is ever sent; once storage
/// has failed (`Database.failure`) the relay stops. Each pass reads up to `batchSize` due events (at most one
/// per complaint, the oldest pending), delivers them `concurrency` at a time and records the outcomes in one
/// transaction.
/// A pass in which nothing was delivered and something is worth retrying pauses the whole relay with the same
/// backoff (or the core's `Retry-After`), so an outage of hours costs a few requests per pause, not one per
/// event; the backlog just grows in the table, and intake never waits for it.
public struct HandoffRelay: Service {
    let database: Database
    let routingCore: any RoutingCore
    let signal: HandoffSignal
    let policy: HandoffPolicy
    let observer: (any HandoffObserver)?
    let logger: Logger

    /// A relay reading `database`, woken by `signal`, delivering to `routingCore`.
    public init(
        database: Database, routingCore: any RoutingCore, signal: HandoffSignal, policy: HandoffPolicy = HandoffPolicy(),
        observer: (any HandoffObserver)? = nil, logger: Logger
    ) {
        self.database = database
        self.routingCore = routingCore
        self.signal = signal
        self.policy = policy
        self.observer = observer
        self.logger = logger
    }

    /// Delivers until graceful shutdown; a storage failure stops the deliveries, not the service group.
    public func run() async throws {
        var failedPasses = 0
        var counted = ContinuousClock.now - .seconds(60)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let failure = database.failure {
                // Returning would stop the whole service group; the server keeps answering what it can.
                logger.error("handoff stopped: storage failed, nothing more is handed off until a restart", metadata: ["error": "\(failure)"])
                try? await gracefulShutdown()
                return
            }
            if ContinuousClock.now - counted > .seconds(2) {
                counted = ContinuousClock.now
                if let observer, let pending = try? await database.read({ try $0.pendingOutboxCount() }) { observer.pending(pending) }
            }
            let seen = signal.generation
            let outcomes: [DeliveryOutcome]
            do {
                outcomes = try await cancelWhenGracefulShutdown { try await deliverDue() }
            } catch {
                logger.warning("handoff relay could not read due events", metadata: ["error": "\(error)"])
                await pause(1)
                continue
            }
            if outcomes.isEmpty {
                await idle(after: seen)
                continue
            }
            failedPasses = await pauseAfter(outcomes, failedPasses: failedPasses)
        }
    }

    /// One pass: delivers the events due now and returns the outcomes of those attempted.
    public func deliverDue() async throws -> [DeliveryOutcome] {
        let (now, limit) = (Date(), policy.batchSize)
        let events = try await database.write(isolated: false) { try $0.dueHandoffEvents(now: now, limit: limit) }
        let attempts = await deliver(events)
        do {
            try await record(attempts)
        } catch {
            // The events stay pending and are sent again: at least once.
            logger.warning("handoff outcomes not recorded", metadata: ["events": "\(attempts.count)", "error": "\(error)"])
        }
        return attempts.map(\.outcome)
    }

    /// Pauses the relay when a pass delivered nothing and something is worth retrying; returns the new count
    /// of such passes in a row.
    private func pauseAfter(_ outcomes: [DeliveryOutcome], failedPasses: Int) async -> Int {
        var retryAfter: Double?
        var retries = 0
        for outcome in outcomes {
            switch outcome {
            case .delivered: return 0
            case .retry(_, _, let after):
                retries += 1
                if let after { retryAfter = max(retryAfter ?? 0, after) }
            case .rejected: break
            }
        }
        guard retries > 0 else { return failedPasses }
        await pause(policy.retryDelay(retryAfter, attempts: failedPasses))
        return failedPasses + 1
    }

    /// Delivers one pass's events, `concurrency` at a time; returns those attempted with their outcomes.
    func deliver(_ events: [HandoffEvent]) async -> [(event: HandoffEvent, outcome: DeliveryOutcome)] {
        await withTaskGroup(of: (event: HandoffEvent, outcome: DeliveryOutcome)?.self) { group in
            var attempts: [(event: HandoffEvent, outcome: DeliveryOutcome)] = []
            var running = 0
            for event in events {
                if running >= policy.concurrency, let finished = await group.next() {
                    running -= 1
                    if let finished { attempts.append(finished) }
                }
                group.addTask { await deliverOne(event).map { (event, $0) } }
                running += 1
            }
            for await finished in group {
                if let finished { attempts.append(finished) }
            }
            return attempts
        }
    }

    /// Sends one event; nil when it was not attempted (storage failed, shutting down).
    private func deliverOne(_ event: HandoffEvent) async -> DeliveryOutcome? {
        guard database.failure == nil, !Task.isCancelled else { return nil }
        let payload = HandoffPayload(event)
        let outcome = await routingCore.deliver(payload, body: payload.body())
        // A transfer abandoned by shutdown is no attempt: the event is simply sent after the restart.
        if Task.isCancelled, case .retry = outcome { return nil }
        observer?.attempted(outcome)
        switch outcome {
        case .delivered: break
        case .retry(_, let reason, _):
            logger.notice("handoff will be retried", metadata: [
                "event": "\(event.id)", "complaint": "\(event.complaint.id)", "attempt": "\(event.attempts + 1)", "reason": "\(reason)",
            ])
        case .rejected(let status, _):
            logger.error("routing core refused an event; parked as dead", metadata: [
                "event": "\(event.id)", "complaint": "\(event.complaint.id)", "status": "\(status)",
            ])
        }
        return outcome
    }

    /// Records a pass's outcomes in one transaction: one flush for the whole pass, not one per event.
    private func record(_ attempts: [(event: HandoffEvent, outcome: DeliveryOutcome)]) async throws {
        guard !attempts.isEmpty else { return }
        let now = Date()
        let changes = attempts.map { attempt -> (Int64, DeliveryOutcome, Date) in
            var retryAt = now
            if case .retry(_, _, let retryAfter) = attempt.outcome {
                retryAt = now.addingTimeInterval(policy.retryDelay(retryAfter, attempts: attempt.event.attempts))
            }
            return (attempt.event.id, attempt.outcome, retryAt)
        }
        try await database.write { connection in
            for (id, outcome, retryAt) in changes {
                switch outcome {
                case .delivered(let status): try connection.markHandoffDelivered(id, status: status, at: now)
                case .retry(let status, let reason, _): try connection.markHandoffRetry(id, status: status, error: reason, retryAt: retryAt)
                case .rejected(let status, let answer): try connection.markHandoffDead(id, status: status, error: answer, at: now)
                }
            }
        }
    }

    /// Waits for new events, for the next retry to fall due, or for the rescan interval, whichever is first.
    private func idle(after seen: UInt64) async {
        var timeout = policy.rescanInterval
        if let next = try? await database.read({ try $0.nextHandoffAttempt() }) {
            timeout = min(timeout, max(0.05, next.timeIntervalSinceNow))
        }
        let (signal, wait) = (self.signal, Duration.seconds(timeout))
        await cancelWhenGracefulShutdown { await signal.wait(after: seen, timeout: wait) }
    }

    /// Sleeps `seconds` unless the server shuts down first; new events do not end it.
    private func pause(_ seconds: Double) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
    }
}
