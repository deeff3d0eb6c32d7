import Foundation
import IntakeModel
import IntakeStorage

/// A report's status as a web page shows it (the receipt and `GET /lapor/status`): the number, when it was
/// received and the status words, never anything the citizen wrote or who they are, since anyone can type
/// a number into the address bar.
public enum StatusLookup: Sendable, Equatable {
    /// A report with this number exists: `status` is `ReplyTemplates.statusWords` in the language asked for.
    case found(trackingNumber: String, status: String, receivedAt: Date?)
    /// A well-formed number that names no report.
    case notFound(number: String)
    /// Not a tracking number (its check symbol fails, or it is not shaped like one).
    case mistyped(typed: String)
    /// Nothing was typed.
    case empty
}

extension Gateway {
    /// Looks `typed` up through the status-question seam (`StatusAnswer.find`) on a reader connection.
    /// Read-only: a web lookup is not a message, so nothing is journaled and no reply is written.
    public func lookUpStatus(_ typed: String, language: ReplyLanguage) async throws -> StatusLookup {
        let typed = String(typed.trimmingCharacters(in: .whitespacesAndNewlines).prefix(40))
        return try await database.read { connection in
            let finding = try StatusAnswer.find(typed, language: language, in: connection)
            switch finding.kind {
            case .status:
                // The entry of the number the citizen holds (a resend's own number), not of the complaint it joined.
                let receivedAt = try TrackingNumber(parsing: typed).flatMap {
                    try connection.journalEntry(connection.trackingNumbers.journalID(for: $0), raw: false)?.receivedAt
                }
                return .found(
                    trackingNumber: TrackingNumber(parsing: typed)?.description ?? finding.values["tracking_number"] ?? typed.uppercased(),
                    status: finding.values["status"] ?? "", receivedAt: receivedAt
                )
            case .notFound: return .notFound(number: finding.values["number"] ?? typed.uppercased())
            case .howToAsk: return .empty
            default: return .mistyped(typed: typed)
            }
        }
    }
}
