import CoreMetrics
import Foundation
import IntakeModel
import Prometheus

/// The gateway's counters and latency, kept in its own Prometheus registry (no global bootstrap, so
/// several servers can live in one test process).
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        ]
        self.factory = factory
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

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
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
