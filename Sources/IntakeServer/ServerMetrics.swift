import CoreMetrics
import Foundation
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
    }

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
            latency: CoreMetrics.Timer(label: "intake_webhook_duration_seconds", dimensions: [("channel", channel)], factory: factory)
        )
    }

    /// The Prometheus text exposition, with the storage series brought up to `statistics` first.
    func exposition(storage statistics: StorageStatistics) -> [UInt8] {
        storage.update(to: statistics)
        return registry.emitToBuffer()
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

    func webhookLatency(since start: ContinuousClock.Instant) {
        latency.recordNanoseconds(Int64((ContinuousClock.now - start) / .nanoseconds(1)))
    }
}
