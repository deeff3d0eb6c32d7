/// What the citizen is asking for; SP4N-LAPOR! routes and counts the three kinds separately.
public enum ReportKind: String, Codable, Sendable, CaseIterable {
    /// Pengaduan: something went wrong and must be fixed.
    case complaint
    /// Aspirasi: a suggestion or wish for a public service.
    case aspiration
    /// Permintaan informasi: a question to an agency.
    case informationRequest = "information_request"
}

/// Where a complaint stands on its way to the responsible agency.
public enum RoutingState: String, Codable, Sendable, CaseIterable {
    /// Journaled, not yet processed (processing failed and awaits a replay). A message merged into an
    /// earlier complaint has no state of its own: it makes no complaint.
    case received
    /// Stored and waiting in the outbox for the routing core.
    case queued
    /// The routing core acknowledged it.
    case handedOff = "handed_off"
}
