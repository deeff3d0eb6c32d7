import Crypto
import Foundation
import IntakeModel

/// An acknowledgment as an RFC 5322 message: threaded to the citizen's mail, marked as automatic so
/// well-behaved responders do not answer it, and recognisable when it comes back (`X-Intake-Acknowledgment`,
/// a Message-ID holding the tracking number), so it is never taken for a complaint.
public struct AcknowledgmentMail: Sendable, Equatable {
    /// The header lines, in order, values already encoded for the wire.
    public var headers: [(name: String, value: String)]
    /// The body text as rendered (before transfer encoding).
    public var text: String
    /// The Message-ID without angle brackets: the reply's provider id, which a bounce names.
    public var messageID: String

    public static func == (lhs: AcknowledgmentMail, rhs: AcknowledgmentMail) -> Bool {
        lhs.messageID == rhs.messageID && lhs.text == rhs.text && lhs.headers.elementsEqual(rhs.headers) { $0 == $1 }
    }

    /// The acknowledgment of `reply` from `sender` in `language`, dated `date`. Its Message-ID comes from the
    /// reply's idempotency key, so a retry after a crash sends the same message, not a second one.
    public init(reply: OutboundReply, sender: MailSender, language: String, date: Date) {
        let english = language.lowercased() == "en"
        messageID = Self.messageID(reply: reply, domain: sender.domain)
        text = reply.text + "\n\n" + (english ? Self.englishFooter : Self.indonesianFooter) + "\n"
        var headers: [(String, String)] = [
            ("From", sender.headerValue),
            ("To", "<\(reply.recipient)>"),
            ("Subject", HeaderEncoding.encodedWords(Self.subject(reply: reply, english: english), offset: "Subject: ".count)),
            ("Date", Self.dateValue(date)),
            ("Message-ID", "<\(messageID)>"),
        ]
        if let parent = reply.inReplyTo.flatMap(Self.messageIDToken) {
            headers.append(("In-Reply-To", "<\(parent)>"))
            // RFC 5322 3.6.4: the parent's References followed by the parent's id; the oldest and the newest
            // ids are the ones threading needs, so a long chain keeps its first one and its last nine.
            var chain = reply.references.compactMap(Self.messageIDToken) + [parent]
            if chain.count > 10 { chain = [chain[0]] + chain.suffix(9) }
            headers.append(("References", chain.map { "<\($0)>" }.joined(separator: "\r\n ")))
        }
        headers += [
            ("Auto-Submitted", "auto-replied"),
            ("X-Auto-Response-Suppress", "All"),
            (EmailClassifier.acknowledgmentHeader, reply.trackingNumber ?? "yes"),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=UTF-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ]
        self.headers = headers
    }

    /// The whole message: CRLF line endings, the body quoted-printable (libcurl dot-stuffs it).
    public var bytes: [UInt8] {
        var wire = headers.map { "\($0.name): \($0.value)\r\n" }.joined()
        wire += "\r\n"
        wire += HeaderEncoding.quotedPrintable(text)
        return Array(wire.utf8)
    }

    static let indonesianFooter = """
        Email ini dikirim otomatis oleh LAPOR!. Untuk menambahkan keterangan pada laporan Anda, balas email ini \
        tanpa mengubah subjeknya.
        """
    static let englishFooter = """
        This email was sent automatically by LAPOR!. To add to your report, reply to this email without changing \
        its subject.
        """

    /// `Re: <their subject> [LPR-…]`, or a subject of our own when theirs was empty.
    static func subject(reply: OutboundReply, english: Bool) -> String {
        let theirs = (reply.subject ?? "").split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces).prefix(150)
        var subject = theirs.isEmpty ? (english ? "Your report to LAPOR!" : "Laporan Anda ke LAPOR!") : String(theirs)
        if !theirs.isEmpty, !subject.lowercased().hasPrefix("re:") { subject = "Re: " + subject }
        if let number = reply.trackingNumber, !subject.uppercased().contains(number.uppercased()) { subject += " [\(number)]" }
        return subject
    }

    /// `LPR-XXXX-XXXX.ack.<hash of the idempotency key>@domain`: the number lets a reply to it find its
    /// complaint (`MessageThread`), the hash makes it unique per reply and the same on every retry.
    static func messageID(reply: OutboundReply, domain: String) -> String {
        let digest = SHA256.hash(data: Array(reply.idempotencyKey.utf8)).prefix(10).map { String(format: "%02x", $0) }.joined()
        let number = reply.trackingNumber.map { $0 + "." } ?? ""
        return "\(number)ack.\(digest)@\(domain)"
    }

    /// `id` when it can stand between angle brackets as a msg-id (`local@domain`, no spaces or brackets);
    /// nil for the content ids given to mail without a Message-ID.
    static func messageIDToken(_ id: String) -> String? {
        let trimmed = id.trimmingCharacters(in: CharacterSet(charactersIn: "<> \t"))
        guard trimmed.contains("@"), !trimmed.hasPrefix("sha256:"),
              trimmed.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" }) else { return nil }
        return trimmed
    }

    /// RFC 5322 date-time in UTC: `Fri, 04 Dec 2026 23:10:00 +0000`.
    static func dateValue(_ date: Date) -> String {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return format.string(from: date)
    }
}

/// The gateway's own address for acknowledgments (the channel's `from`), as the header and the envelope use it.
public struct MailSender: Sendable, Equatable {
    /// The bare address, the envelope sender.
    public var address: String
    /// The display name, if `from` gave one (`LAPOR! <lapor@example.go.id>`).
    public var name: String?

    /// `from` as configured, `name <address>` or a bare address; nil when it holds no usable address.
    public init?(_ from: String) {
        let value = from.trimmingCharacters(in: .whitespaces)
        guard let address = EmailClassifier.angleAddress(in: value), address.split(separator: "@").count == 2,
              !address.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) else { return nil }
        self.address = address
        let name = value.firstIndex(of: "<").map { value[..<$0].trimmingCharacters(in: CharacterSet(charactersIn: " \t\"")) }
        self.name = name.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The part after `@`, which our Message-IDs use.
    public var domain: String { String(address[address.index(after: address.lastIndex(of: "@")!)...]) }

    /// The `From` value: the name as a quoted string or encoded words, then the address.
    var headerValue: String {
        guard let name else { return "<\(address)>" }
        return "\(HeaderEncoding.phrase(name)) <\(address)>"
    }
}
