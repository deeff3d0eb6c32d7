import CoreMetrics
import Foundation
import IntakeCore
import IntakeModel
import IntakeStorage
import Prometheus
import Synchronization

/// The gateway's counters and latency, kept in its own Prometheus registry (no global bootstrap, so
/// several servers can live in one test process).
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let storage: StorageMetrics

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        ]
        self.factory = factory
        storage = StorageMetrics(registry: registry)
        watched = WatchedActivities()
    }

    /// The channels whose activity becomes gauges at every scrape.
    private let watched: WatchedActivities

    /// A request was refused; `reason` is a short fixed word (`signature`, `malformed`, `too_large`…).
    func rejected(channel: ChannelID, reason: String) {
        Counter(label: "intake_requests_rejected_total", dimensions: [("channel", channel), ("reason", reason)], factory: factory)
            .increment()
    }

    /// The counters of one channel, made once: making a metric looks it up in the registry under a lock.
    func channel(_ channel: ChannelID) -> ChannelMetrics {
        ChannelMetrics(
            received: CoreMetrics.Counter(label: "intake_messages_received_total", dimensions: [("channel", channel)], factory: factory),
            accepted: CoreMetrics.Counter(label: "intake_messages_accepted_total", dimensions: [("channel", channel)], factory: factory),
            duplicate: CoreMetrics.Counter(label: "intake_messages_duplicate_total", dimensions: [("channel", channel)], factory: factory),
            latency: CoreMetrics.Timer(label: "intake_webhook_duration_seconds", dimensions: [("channel", channel)], factory: factory),
            ignored: CoreMetrics.Counter(label: "intake_messages_ignored_total", dimensions: [("channel", channel)], factory: factory)
        )
    }

    /// The activity record of one channel, wired to this registry: its accepted and duplicate counts are the
    /// `intake_messages_*_total` counters, its refusals `intake_requests_rejected_total`, and its times the
    /// channel gauges, so the API and the metrics show the same figures.
    func activity(for channel: ChannelConfig, polls: Bool) -> ChannelActivity {
        let counters = self.channel(channel.id)
        let activity = ChannelActivity(channelID: channel.id, type: channel.type, polls: polls) { [self] outcome, count in
            switch outcome {
            case .accepted: counters.accepted.increment(by: count)
            case .duplicate: counters.duplicate.increment(by: count)
            case .rejected(let reason): for _ in 0..<count { rejected(channel: channel.id, reason: reason) }
            case .ignored: counters.ignored.increment(by: count)
            }
        }
        watched.append(activity)
        return activity
    }

    /// The Prometheus text exposition, with the storage series brought up to `statistics` and the channel
    /// gauges read fresh first.
    func exposition(storage statistics: StorageStatistics) -> [UInt8] {
        storage.update(to: statistics)
        refreshChannelGauges()
        return registry.emitToBuffer()
    }

    /// Sets the channel gauges from each channel's activity as of now.
    private func refreshChannelGauges() {
        let now = Date()
        for snapshot in watched.all.map({ $0.snapshot(now: now) }) {
            let channel = [("channel", snapshot.channelID)]
            func gauge(_ label: String, _ value: Double?) {
                guard let value else { return }
                Gauge(label: label, dimensions: channel, factory: factory).record(value)
            }
            gauge("intake_channel_last_received_timestamp_seconds", snapshot.lastReceivedAt?.timeIntervalSince1970)
            gauge("intake_channel_last_error_timestamp_seconds", snapshot.lastError?.at.timeIntervalSince1970)
            gauge("intake_channel_last_poll_timestamp_seconds", snapshot.lastPollAt?.timeIntervalSince1970)
            gauge("intake_channel_lag_seconds", snapshot.lagSeconds)
        }
    }
}

/// The storage threads' counters (`Database.statistics`) as Prometheus series. They are brought up to date
/// when `/metrics` is scraped, so a request pays nothing for them.
final class StorageMetrics: Sendable {
    private let transactions: Prometheus.Counter
    private let jobs: Prometheus.Counter
    private let flushes: Prometheus.Counter
    private let flushSeconds: Prometheus.Counter
    private let longestFlushSeconds: Prometheus.Gauge
    private let checkpoints: Prometheus.Counter
    private let checkpointSeconds: Prometheus.Counter
    /// What the counters show now; a scrape adds what happened since, so counters only ever grow.
    private let exported = Mutex(StorageStatistics())

    init(registry: PrometheusCollectorRegistry) {
        func counter(_ name: String, _ unit: String, _ help: String) -> Prometheus.Counter {
            registry.makeCounter(descriptor: .init(namespace: "intake", subsystem: "storage", metricName: name, unitName: unit, helpText: help))
        }
        transactions = counter("transactions", "total", "Write transactions (batches of jobs)")
        jobs = counter("jobs", "total", "Jobs the write transactions ran")
        flushes = counter("flushes", "total", "Flushes (fdatasync) of the write-ahead log")
        flushSeconds = counter("flush_seconds", "total", "Time spent in flushes")
        longestFlushSeconds = registry.makeGauge(descriptor: .init(
            namespace: "intake", subsystem: "storage", metricName: "flush_seconds", unitName: "max", helpText: "The longest single flush"
        ))
        checkpoints = counter("checkpoints", "total", "Checkpoint passes")
        checkpointSeconds = counter("checkpoint_seconds", "total", "Time spent in checkpoint passes")
    }

    func update(to now: StorageStatistics) {
        exported.withLock { last in
            transactions.increment(by: Int64(max(0, now.transactions - last.transactions)))
            jobs.increment(by: Int64(max(0, now.jobs - last.jobs)))
            flushes.increment(by: Int64(max(0, now.flushes - last.flushes)))
            flushSeconds.increment(by: max(0, now.flushSeconds - last.flushSeconds))
            longestFlushSeconds.set(now.longestFlushSeconds)
            checkpoints.increment(by: Int64(max(0, now.checkpoints - last.checkpoints)))
            checkpointSeconds.increment(by: max(0, now.checkpointSeconds - last.checkpointSeconds))
            last = now
        }
    }
}

/// The channel activity records a `ServerMetrics` exports; filled while the server is built.
final class WatchedActivities: Sendable {
    private let activities = Mutex<[ChannelActivity]>([])

    func append(_ activity: ChannelActivity) { activities.withLock { $0.append(activity) } }

    var all: [ChannelActivity] { activities.withLock { $0 } }
}

/// One channel's webhook metrics (the same series `ServerMetrics` names), ready to update.
struct ChannelMetrics: Sendable {
    /// Webhook requests that reached the channel.
    let received: CoreMetrics.Counter
    /// Messages journaled that made a new complaint (or await processing).
    let accepted: CoreMetrics.Counter
    /// Messages that repeated an earlier one.
    let duplicate: CoreMetrics.Counter
    /// Time from request start to the durable acknowledgment.
    let latency: CoreMetrics.Timer
    /// Pushed messages the adapter deliberately made no complaint of (auto-replies, bounces).
    let ignored: CoreMetrics.Counter

    func webhookLatency(since start: ContinuousClock.Instant) {
        latency.recordNanoseconds(Int64((ContinuousClock.now - start) / .nanoseconds(1)))
    }
}
