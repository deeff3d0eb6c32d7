import CoreMetrics
import IntakeCore

extension ServerMetrics {
    /// The relay's series: `intake_handoff_events_total{outcome="delivered|retry|dead"}` and the
    /// `intake_handoff_pending` gauge (events neither delivered nor dead).
    func handoff() -> HandoffMetrics {
        HandoffMetrics(
            delivered: CoreMetrics.Counter(label: "intake_handoff_events_total", dimensions: [("outcome", "delivered")], factory: factory),
            retry: CoreMetrics.Counter(label: "intake_handoff_events_total", dimensions: [("outcome", "retry")], factory: factory),
            dead: CoreMetrics.Counter(label: "intake_handoff_events_total", dimensions: [("outcome", "dead")], factory: factory),
            pendingGauge: CoreMetrics.Gauge(label: "intake_handoff_pending", factory: factory)
        )
    }
}

/// The handoff series of `ServerMetrics`, made once.
struct HandoffMetrics: HandoffObserver {
    let delivered: CoreMetrics.Counter
    let retry: CoreMetrics.Counter
    let dead: CoreMetrics.Counter
    let pendingGauge: CoreMetrics.Gauge

    func attempted(_ outcome: DeliveryOutcome) {
        switch outcome {
        case .delivered: delivered.increment()
        case .retry: retry.increment()
        case .rejected: dead.increment()
        }
    }

    func pending(_ count: Int) {
        pendingGauge.record(count)
    }
}
