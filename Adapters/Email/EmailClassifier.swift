import Foundation
import IntakeMIME
import IntakeModel

/// Tells mail that is never a complaint (auto-replies, bounces, our own acknowledgments) from a citizen's letter.
enum EmailClassifier {
    /// The header our acknowledgments carry (set by the email reply sender), holding the tracking number.
    static let acknowledgmentHeader = "X-Intake-Acknowledgment"

    /// Subjects of vacation and out-of-office replies, lower case, matched anywhere in the subject.
    static let vacationSubjects = [
        "out of office", "out of the office", "automatic reply", "auto reply", "auto-reply", "autoreply",
        "auto response", "vacation", "di luar kantor", "balasan otomatis", "sedang cuti", "abwesenheit",
    ]

    /// Local parts of addresses nobody reads; mail from them is never answered.
    static let automatedLocalParts: Set<String> = [
        "mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
    ]

    /// Why `mime` is not a complaint, or nil when it is one.
    static func ignoredReason(_ mime: MIMEMessage) -> IgnoredEmailReason? {
        if mime.header(acknowledgmentHeader) != nil { return .acknowledgment }
        if isDeliveryReport(mime) { return .bounce }
        if isAutoReply(mime) { return .autoReply }
        return nil
    }

    /// `multipart/report; report-type=delivery-status` at the top of the message.
    static func isDeliveryReport(_ mime: MIMEMessage) -> Bool {
        guard let type = mime.header("Content-Type")?.lowercased(), contains(type, "multipart/report") else { return false }
        let compact = type.filter { $0 != " " && $0 != "\t" && $0 != "\"" }
        return contains(compact, "report-type=delivery-status")
    }

    /// The RFC 3834 and de-facto markers of automatic mail, and the common vacation subjects.
    static func isAutoReply(_ mime: MIMEMessage) -> Bool {
        if let submitted = mime.header("Auto-Submitted"), submitted.trimmed.lowercased() != "no" {
            return true
        }
        for name in ["X-Autoreply", "X-Autorespond", "List-Unsubscribe", "X-Loop"] where mime.header(name) != nil { return true }
        if let precedence = mime.header("Precedence")?.trimmed.lowercased(),
           ["bulk", "junk", "list"].contains(precedence) {
            return true
        }
        let subject = (mime.subject ?? "").lowercased()
        return vacationSubjects.contains { contains(subject, $0) }
    }

    /// The Message-ID of the mail a delivery report is about: from its `message/rfc822` or
    /// `text/rfc822-headers` part (or, failing that, any part that quotes a `Message-ID:` line).
    static func bouncedMessageID(_ mime: MIMEMessage) -> String? {
        let ordered = mime.parts.sorted { rank($0.mediaType) < rank($1.mediaType) }
        for part in ordered where part.mediaType != "text/plain" || part.isAttachment {
            if let id = messageIDLine(in: part.body) { return id }
        }
        return nil
    }

    private static func rank(_ mediaType: String) -> Int {
        switch mediaType {
        case "text/rfc822-headers", "message/rfc822-headers": 0
        case "message/rfc822": 1
        default: 2
        }
    }

    /// The value of the first `Message-ID:` header line in `body`, without angle brackets.
    static func messageIDLine(in body: [UInt8]) -> String? {
        let text = String(decoding: body.prefix(64 << 10), as: UTF8.self)
        for line in text.split(whereSeparator: \.isNewline) where line.lowercased().hasPrefix("message-id:") {
            let value = line.dropFirst("message-id:".count).trimmed
            let id = value.trimmingCharacters(in: CharacterSet(charactersIn: "<> \t"))
            if !id.isEmpty { return id }
        }
        return nil
    }

    /// Whether replies to `address` would go nowhere (`mailer-daemon@…`, `noreply@…`).
    static func isAutomatedAddress(_ address: String) -> Bool {
        guard let at = address.lastIndex(of: "@") else { return false }
        return automatedLocalParts.contains(address[..<at].lowercased())
    }

    /// The address inside `<…>` in a header value, or the value itself when it looks like one bare address.
    static func angleAddress(in value: String) -> String? {
        if let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            let inner = value[value.index(after: open)..<close].trimmed
            return inner.contains("@") ? inner : nil
        }
        let bare = value.trimmed
        return bare.contains("@") && !bare.contains(" ") ? bare : nil
    }

    /// Whether `text` holds `word`, compared byte for byte on UTF-8. Foundation's `contains` bridged every subject
    /// through CFString and the standard library's `firstRange(of:)` runs unspecialized: together a third of the
    /// time spent on a message.
    static func contains(_ text: String, _ word: String) -> Bool {
        var text = text, word = word
        return text.withUTF8 { haystack in
            word.withUTF8 { needle in
                guard !needle.isEmpty else { return true }
                guard haystack.count >= needle.count else { return false }
                for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
                    if memcmp(haystack.baseAddress! + start, needle.baseAddress!, needle.count) == 0 { return true }
                }
                return false
            }
        }
    }
}
