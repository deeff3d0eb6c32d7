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

    /// A webhook request reached a configured channel.
    func received(channel: ChannelID) {
        Counter(label: "intake_messages_received_total", dimensions: [("channel", channel)], factory: factory).increment()
    }

    /// A message was journaled and made a new complaint (or awaits replay).
    func accepted(channel: ChannelID, count: Int = 1) {
        Counter(label: "intake_messages_accepted_total", dimensions: [("channel", channel)], factory: factory).increment(by: count)
    }

    /// A message repeated an earlier one.
    func duplicate(channel: ChannelID, count: Int = 1) {
        Counter(label: "intake_messages_duplicate_total", dimensions: [("channel", channel)], factory: factory).increment(by: count)
    }

    /// A request was refused; `reason` is a short fixed word (`signature`, `malformed`, `too_large`…).
    func rejected(channel: ChannelID, reason: String) {
        Counter(label: "intake_requests_rejected_total", dimensions: [("channel", channel), ("reason", reason)], factory: factory)
            .increment()
    }

    /// Time from request start to the durable acknowledgment.
    func webhookLatency(channel: ChannelID, since start: ContinuousClock.Instant) {
        Timer(label: "intake_webhook_duration_seconds", dimensions: [("channel", channel)], factory: factory)
            .recordNanoseconds(Int64((ContinuousClock.now - start) / .nanoseconds(1)))
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
