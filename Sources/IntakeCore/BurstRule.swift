import Foundation
import IntakeModel
import IntakeStorage

/// A citizen's burst is one complaint: a message that follows the same reporter's last message on the same
/// channel within the channel's `burst_seconds` joins that message's complaint (a merge with reason
/// `burst`), on top of the dedup rules. Each message restarts the window, so a chain of quick messages stays
/// one complaint. Anonymous reports never join each other. The last message per reporter and channel is kept
/// in SQLite (`reporter_bursts`), written in the transaction that decides the message.
extension Pipeline {
    /// The key a reporter's bursts are kept under; nil for anonymous reports and reporters without address.
    static func burstReporter(_ message: InboundMessage) -> String? {
        guard !message.anonymous, !message.reporter.address.isEmpty else { return nil }
        return "\(message.reporter.kind.rawValue):\(message.reporter.address)"
    }

    /// The channel's burst window in seconds; 0 turns bursts off.
    func burstSeconds(_ channel: ChannelID) -> Int {
        // A channel without configuration (a test's pipeline) has no burst window.
        normalizer.channels[channel]?.burstSeconds ?? 0
    }

    /// A merge into the complaint `candidate`'s burst continues, or nil when it starts a new one.
    func burst(of candidate: DedupCandidate, in connection: Connection) throws -> DedupDecision? {
        let message = candidate.message
        let seconds = burstSeconds(message.channelID)
        guard joinsBursts, seconds > 0, let reporter = Self.burstReporter(message),
              let last = try connection.lastBurst(channelID: message.channelID, reporter: reporter),
              abs(candidate.receivedAt.timeIntervalSince(last.at)) <= Double(seconds),
              let earlier = try connection.complaintReference(id: last.complaintID)
        else { return nil }
        return .merge(into: earlier, score: 1, reason: "burst: same reporter within \(seconds)s")
    }

    /// Records that the reporter's message went to `complaintID`, so the next one within the window joins it.
    func recordBurst(_ candidate: DedupCandidate, complaintID: String, in connection: Connection) throws {
        let message = candidate.message
        guard burstSeconds(message.channelID) > 0, let reporter = Self.burstReporter(message) else { return }
        try connection.recordBurst(channelID: message.channelID, reporter: reporter, complaintID: complaintID, at: candidate.receivedAt)
    }
}
