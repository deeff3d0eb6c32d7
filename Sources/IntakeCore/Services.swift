import Foundation
import IntakeModel
import IntakeStorage
import Logging
import ServiceLifecycle

/// Runs one polling adapter: fetch after the committed cursor, then journal the batch and the new cursor
/// in one transaction. A crash between fetch and commit refetches the same batch, which dedup absorbs.
public struct PollerService: Service {
    let channelID: ChannelID
    let adapter: any PollingAdapter
    let gateway: Gateway
    let logger: Logger
    /// Where each poll's time, outcome and counts are recorded for `/api/v1/channels` and the metrics.
    let activity: ChannelActivity?
    /// Where unreadable fetched items are kept before the cursor moves past them.
    let quarantine: Quarantine?
    /// The wait after failed polls, on top of nothing: the longer of it and the adapter's `interval` is waited.
    let backoff: PollBackoff

    public init(
        channelID: ChannelID, adapter: any PollingAdapter, gateway: Gateway, logger: Logger, activity: ChannelActivity? = nil,
        quarantine: Quarantine? = nil, backoff: PollBackoff = PollBackoff()
    ) {
        self.channelID = channelID
        self.adapter = adapter
        self.gateway = gateway
        self.logger = logger
        self.activity = activity
        self.quarantine = quarantine
        self.backoff = backoff
    }

    public func run() async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let fetched: Int
            do {
                fetched = try await pollOnce()
                failures = 0
            } catch {
                // A fetch cancelled by the shutdown or a cancelled task is no failure.
                if Task.isShuttingDownGracefully || Task.isCancelled || error is CancellationError { break }
                failures += 1
                logger.warning("poll failed", metadata: ["channel": "\(channelID)", "error": "\(error)", "failures": "\(failures)"])
                fetched = 0
            }
            if fetched == 0 {
                let wait = max(adapter.interval, backoff.delay(afterFailures: failures))
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            }
        }
    }

    /// One fetch and commit; returns how many messages were journaled. Its time and outcome go to `activity`.
    public func pollOnce() async throws -> Int {
        let channelID = self.channelID
        do {
            let cursor = try await gateway.database.read { try $0.cursor(for: channelID) }
            // A fetch may wait (an IMAP IDLE): a graceful shutdown cancels it, never a commit.
            let adapter = self.adapter
            let batch = try await cancelWhenGracefulShutdown { try await adapter.fetch(after: cursor) }
            guard !batch.messages.isEmpty || (batch.cursor != nil && batch.cursor != cursor) else {
                activity?.polled(fetched: 0, newest: nil)
                // Nothing new: the batch's cursor is the committed one, so it is as durable as it gets.
                report(batch.setAside, kept: try keep(batch.setAside))
                await afterCommit(batch)
                return 0
            }
            // The unreadable bytes are kept before the cursor can move past them; a failed write fails the poll.
            let kept = try keep(batch.setAside)
            let receipts = try await gateway.submit(batch.messages, cursor: batch.cursor.map { CursorUpdate(channelID: channelID, cursor: $0) })
            // Counted only once committed: a failed commit is retried, and must not count these twice.
            report(batch.setAside, kept: kept)
            activity?.stored(receipts)
            activity?.polled(fetched: batch.messages.count, newest: batch.messages.compactMap(\.message.sentAt).max())
            await afterCommit(batch)
            return batch.messages.count
        } catch {
            // A stop (a graceful shutdown, a cancelled task) is no failure of the channel.
            let stopped = Task.isShuttingDownGracefully || Task.isCancelled || error is CancellationError
            if !stopped { activity?.pollFailed(String(describing: error)) }
            throw error
        }
    }
}

extension PollerService {
    /// Keeps the unreadable items' bytes in quarantine, before their batch commits (a retried batch finds its
    /// files already there and writes none twice); returns where each was kept, by reference.
    func keep(_ items: [SetAsideItem]) throws -> [String: String] {
        var kept: [String: String] = [:]
        for item in items {
            guard case .unreadable = item.kind else { continue }
            kept[item.reference] = try quarantine?.keep(item.raw, label: "\(channelID)-\(item.reference)", fileExtension: item.fileExtension)
                ?? "nowhere (no quarantine)"
        }
        return kept
    }

    /// Logs and counts the set-aside items once their batch committed, by reference only, never by sender.
    func report(_ items: [SetAsideItem], kept: [String: String]) {
        for item in items {
            switch item.kind {
            case .ignored(let reason):
                logger.info("fetched message ignored", metadata: ["channel": "\(channelID)", "item": "\(item.reference)", "reason": "\(reason)"])
                activity?.ignored()
            case .unreadable(let problem):
                logger.warning("fetched message unreadable, quarantined", metadata: [
                    "channel": "\(channelID)", "item": "\(item.reference)", "problem": "\(problem)", "kept": "\(kept[item.reference] ?? "?")",
                ])
            }
        }
    }

    /// Tells the adapter its batch is durable (IMAP flags or moves the messages now); a failure there is
    /// logged, not a failed poll: the cursor has moved and nothing will be fetched twice.
    func afterCommit(_ batch: PollBatch) async {
        do {
            try await adapter.committed(batch)
        } catch {
            logger.warning("after-commit step failed", metadata: ["channel": "\(channelID)", "error": "\(error)"])
        }
    }
}

/// Processes deferred messages from the journal: as soon as acknowledgments pause, or when the oldest has
/// waited the backlog's `maxLag` under steady load. Stopping leaves the rest pending in the journal; the
/// replay at the next start processes it.
public struct ProcessingService: Service {
    let gateway: Gateway
    let logger: Logger

    public init(gateway: Gateway, logger: Logger) {
        self.gateway = gateway
        self.logger = logger
    }

    public func run() async throws {
        guard let backlog = gateway.backlog else { return }
        backlog.enable()
        // The next batch is read and prepared while the current one is stored.
        var ahead: Task<PreparedBacklog, any Error>?
        defer { ahead?.cancel() }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let size: Int
            switch backlog.pace() {
            case .idle:
                await cancelWhenGracefulShutdown { await backlog.waitForWork() }
                continue
            case .wait(let seconds):
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
                continue
            case .run(let batch):
                size = batch
            }
            do {
                let batch: PreparedBacklog
                if let prepared = ahead {
                    ahead = nil
                    batch = try await prepared.value
                } else {
                    batch = try await gateway.prepareBacklog(backlog.oldest(size))
                }
                guard let last = batch.last else { continue }
                let next = backlog.oldest(size, after: last)
                if !next.isEmpty {
                    let gateway = self.gateway
                    ahead = Task { try await gateway.prepareBacklog(next) }
                }
                try await gateway.storeBacklog(batch)
                backlog.lookAgain()
            } catch {
                ahead = nil
                // Storage busy or closing: the entries stay pending in the journal, so wait and try again.
                logger.warning("processing of pending journal entries failed", metadata: ["error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
        }
    }
}

/// Retries journal entries whose processing failed, so a transient fault heals without an operator.
public struct JournalReplayService: Service {
    let gateway: Gateway
    let logger: Logger
    let interval: Duration

    public init(gateway: Gateway, logger: Logger, interval: Duration = .seconds(60)) {
        self.gateway = gateway
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        // The server already replayed once before it started listening.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { return }
            do {
                _ = try await gateway.replay()
            } catch {
                logger.warning("journal replay failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Keeps the database open while the other services run and closes it after they stopped.
/// Put it first in the service group: the group stops services in reverse order.
public struct StorageService: Service {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func run() async throws {
        try? await gracefulShutdown()
        database.close()
    }
}
