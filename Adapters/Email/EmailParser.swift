import Crypto
import Foundation
import IntakeMIME
import IntakeModel

/// What one raw email turned out to be: a complaint, or mail that is recorded but never a complaint.
public enum EmailOutcome: Sendable, Equatable {
    /// A citizen's letter, ready for `Gateway.submit`.
    case complaint(InboundMessage)
    /// An auto-reply, a bounce, our own acknowledgment or mail from an automated sender: answered 200 / exit 0,
    /// never journaled as a complaint and never replied to.
    case ignored(IgnoredEmail)
}

/// Mail that is deliberately not a complaint, with what identifies it for the log and the answer.
public struct IgnoredEmail: Sendable, Equatable {
    /// Why it is not a complaint.
    public var reason: IgnoredEmailReason
    /// Its external id (Message-ID, or the content id when it has none).
    public var messageID: String
    /// For a bounce: the Message-ID of the mail that bounced, when the report carries it.
    public var originalMessageID: String?

    /// An ignored mail.
    public init(reason: IgnoredEmailReason, messageID: String, originalMessageID: String? = nil) {
        self.reason = reason
        self.messageID = messageID
        self.originalMessageID = originalMessageID
    }
}

/// The kinds of mail that are never complaints.
public enum IgnoredEmailReason: String, Sendable, Equatable {
    /// Out-of-office and other auto-replies, list and bulk mail (`Auto-Submitted`, `Precedence`, …).
    case autoReply = "auto-reply"
    /// A delivery status notification (`multipart/report; report-type=delivery-status`).
    case bounce
    /// One of our own acknowledgments come back (`X-Intake-Acknowledgment`).
    case acknowledgment
    /// From an address nobody reads (`mailer-daemon`, `noreply`, …): never answered, so never a complaint.
    case automatedSender = "automated-sender"
}

/// Raw MIME to complaint: the one entry point the pushed-email family and the IMAP poller share.
public enum EmailParser {
    /// Per-file attachment limit when the channel sets no `attachment_max_bytes`.
    public static let defaultAttachmentMaxBytes = 10 << 20
    /// Per-message attachment limit when the channel sets no `attachments_max_bytes`.
    public static let defaultAttachmentsMaxBytes = 25 << 20

    /// Parses `raw` (a complete RFC 5322 message) for `channel`.
    ///
    /// Throws `.malformed` for bytes that are not a message at all (no header fields) or carry no usable
    /// `From`; the caller quarantines them. Pure: no I/O.
    public static func message(raw: [UInt8], channel: ChannelConfig) throws(AdapterError) -> EmailOutcome {
        let mime: MIMEMessage
        do {
            mime = try MIMEMessage(parsing: raw)
        } catch {
            throw .malformed(field: nil, message: error.description)
        }
        guard !mime.headers.isEmpty || !mime.from.isEmpty else {
            throw .malformed(field: nil, message: "not an email message: no header fields")
        }
        let externalID = mime.messageID.flatMap { $0.isEmpty ? nil : $0 } ?? contentID(mime)
        if let reason = EmailClassifier.ignoredReason(mime) {
            let original = reason == .bounce ? EmailClassifier.bouncedMessageID(mime) : nil
            return .ignored(IgnoredEmail(reason: reason, messageID: externalID, originalMessageID: original))
        }
        guard let sender = mime.from.first ?? fallbackSender(mime) else {
            throw .malformed(field: "From", message: "is missing or has no address")
        }
        guard let reporter = Reporter(kind: .email, raw: sender.address, name: sender.displayName) else {
            throw .malformed(field: "From", message: "is not an email address")
        }
        if EmailClassifier.isAutomatedAddress(reporter.address) {
            return .ignored(IgnoredEmail(reason: .automatedSender, messageID: externalID))
        }
        let title = mime.subject?.trimmed
        let files = EmailAttachments.collect(mime, limits: EmailAttachments.Limits(channel))
        var text = EmailBody.text(of: mime)
        if text.isBlank { text = title.flatMap { $0.isEmpty ? nil : $0 } ?? (files.kept.isEmpty ? "" : "(lampiran)") }
        guard !text.isBlank else { throw .malformed(field: "body", message: "the email has no text, subject or attachment") }
        var metadata: [String: String] = [:]
        if mime.messageID == nil { metadata["message_id"] = "none: id from content" }
        if !files.dropped.isEmpty { metadata["attachments_dropped"] = files.dropped.joined(separator: ", ") }
        if let number = threadNumber(mime) { metadata[MessageThread.metadataKey] = number.description }
        if let references = threadReferences(mime) { metadata[MessageThread.referencesKey] = references }
        return .complaint(InboundMessage(
            channelID: channel.id, channelType: channel.type, externalID: externalID, sentAt: mime.date,
            reporter: reporter, title: title?.isEmpty == false ? title : nil, text: text,
            attachments: files.kept, replyTo: nil, metadata: metadata
        ))
    }

    /// Whether a reply to `address` must never be sent (`mailer-daemon@…`, `postmaster@…`, `noreply@…`): for
    /// the email reply sender; mail from such an address is already never a complaint.
    public static func isUnanswerable(_ address: String) -> Bool {
        EmailClassifier.isAutomatedAddress(address.lowercased())
    }

    /// The tracking number this mail answers: in `In-Reply-To` or `References` (our acknowledgments' Message-IDs
    /// carry it, `<LPR-XXXX-XXXX.…@…>`), else in the subject.
    static func threadNumber(_ mime: MIMEMessage) -> TrackingNumber? {
        for name in ["In-Reply-To", "References", "Subject"] {
            if let value = name == "Subject" ? mime.subject : mime.header(name), let number = MessageThread.trackingNumber(in: value) {
                return number
            }
        }
        return nil
    }

    /// The ids this mail replies to, space-separated without brackets: its `References`, else its `In-Reply-To`
    /// (RFC 5322 3.6.4); at most the first and the last nine, which is what threading needs.
    static func threadReferences(_ mime: MIMEMessage) -> String? {
        for name in ["References", "In-Reply-To"] {
            guard let value = mime.header(name) else { continue }
            var ids = value.split(separator: "<").compactMap { piece -> String? in
                guard let close = piece.firstIndex(of: ">") else { return nil }
                let id = piece[..<close].trimmingCharacters(in: .whitespaces)
                return id.contains("@") && !id.contains(where: \.isWhitespace) ? id : nil
            }
            if ids.count > 10 { ids = [ids[0]] + ids.suffix(9) }
            if !ids.isEmpty { return ids.joined(separator: " ") }
        }
        return nil
    }

    /// A stable id for a message without Message-ID: the SHA-256 of what its sender wrote (From, To, Cc,
    /// Date, Subject and every part's decoded body), not of the raw bytes, so the same mail delivered along
    /// another path (another `Received:` trace, IMAP instead of a pipe) gets the same id and dedups.
    static func contentID(_ mime: MIMEMessage) -> String {
        var hasher = SHA256()
        for name in ["From", "To", "Cc", "Date", "Subject"] {
            hasher.update(data: Array("\(name):\(mime.header(name) ?? "")\n".utf8))
        }
        for part in mime.parts {
            hasher.update(data: Array("\(part.mediaType):\(part.body.count)\n".utf8))
            hasher.update(data: part.body)
        }
        return "sha256:" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// `Sender` or `Reply-To` when `From` did not parse (libetpan drops a From that breaks the grammar).
    private static func fallbackSender(_ mime: MIMEMessage) -> MailAddress? {
        for name in ["From", "Sender", "Reply-To"] {
            guard let value = mime.header(name), let address = EmailClassifier.angleAddress(in: value) else { continue }
            return MailAddress(address: address)
        }
        return nil
    }
}
