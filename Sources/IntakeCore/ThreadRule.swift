import Foundation
import IntakeModel
import IntakeStorage

/// A reply in a thread joins its complaint: a message whose adapter found the tracking number it answers
/// (`MessageThread.metadataKey`: an email's In-Reply-To/References pointing at our acknowledgment, or the
/// number in its subject) is merged into that complaint, reason `thread`, when the complaint is the same
/// reporter's. Anyone else quoting a number opens their own complaint.
extension Pipeline {
    /// The merge into the complaint the message replies to, or nil when it replies to none of the reporter's.
    func thread(of candidate: DedupCandidate, in connection: Connection) throws -> DedupDecision? {
        let message = candidate.message
        guard let typed = message.metadata[MessageThread.metadataKey], TrackingNumber(parsing: typed) != nil,
              let complaint = try connection.complaint(idOrTrackingNumber: typed),
              !complaint.anonymous, !message.anonymous,
              complaint.reporter.kind == message.reporter.kind, complaint.reporter.address == message.reporter.address,
              let earlier = try connection.complaintReference(id: complaint.id)
        else { return nil }
        return .merge(into: earlier, score: 1, reason: "thread: reply to \(complaint.trackingNumber)")
    }
}
