import Foundation

/// An email as the email adapter needs it: the envelope fields decoded to UTF-8 and the leaf parts
/// with their transfer encoding undone.
///
/// Parsing is done by libetpan; this value holds only Swift copies, so it can be kept, compared
/// and sent between tasks freely once built.
public struct MIMEMessage: Sendable {
    /// Every top-level header in order, names as written, values unfolded (line breaks removed)
    /// but otherwise raw: encoded words are left as they arrived.
    public var headers: [(name: String, value: String)]
    /// The `Subject` with RFC 2047 encoded words decoded to UTF-8; nil when there is none.
    public var subject: String?
    /// The `Message-ID` without its angle brackets, the key for deduplicating redelivered mail.
    public var messageID: String?
    /// The mailboxes of the `From` header, usually one.
    public var from: [MailAddress]
    /// The `Date` header as an instant; nil when missing or unreadable, since senders' clocks and
    /// formats are not to be trusted anyway.
    public var date: Date?
    /// The leaf parts in document order: multipart containers are flattened away; an attached
    /// `message/rfc822` stays one part whose body is the whole attached message.
    public var parts: [MIMEPart]

    /// Parses a complete RFC 5322 message, CRLF or bare LF line endings alike.
    public init(parsing raw: [UInt8]) throws(MIMEError) {
        self = try EtpanParser.message(from: raw)
    }

    /// A message built from parts already decoded; for tests and for the parser.
    public init(
        headers: [(name: String, value: String)],
        subject: String?,
        messageID: String?,
        from: [MailAddress],
        date: Date?,
        parts: [MIMEPart]
    ) {
        self.headers = headers
        self.subject = subject
        self.messageID = messageID
        self.from = from
        self.date = date
        self.parts = parts
    }

    /// The first value of the header `name`, compared without regard to case.
    public func header(_ name: String) -> String? {
        headers.first { Self.sameFieldName($0.name, name) }?.value
    }

    /// Whether two header field names are equal ignoring ASCII case, which is all RFC 5322 allows in them. Byte-wise:
    /// Foundation's case-insensitive comparison took most of the time the adapter spends classifying a message.
    static func sameFieldName(_ first: String, _ second: String) -> Bool {
        guard first.utf8.count == second.utf8.count else { return false }
        func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
        return zip(first.utf8, second.utf8).allSatisfy { lower($0) == lower($1) }
    }

    /// The body a citizen typed: the first `text/plain` part that is not an attachment, in UTF-8
    /// with `\n` line endings; nil when the message has none (an HTML-only mail, for instance).
    public func text() -> String? {
        parts.first { $0.mediaType == "text/plain" && !$0.isAttachment }?.text()
    }
}

/// One mailbox from an address header.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The display name, RFC 2047 decoded; nil when the header gives only the address.
    public var displayName: String?
    /// The address itself, `local@domain`, as written.
    public var address: String

    /// A mailbox.
    public init(displayName: String? = nil, address: String) {
        self.displayName = displayName
        self.address = address
    }

    /// `Name <address>`, or the bare address, for logs.
    public var description: String {
        displayName.map { "\($0) <\(address)>" } ?? address
    }
}

/// Why a message could not be parsed.
public enum MIMEError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The input was empty.
    case emptyMessage
    /// libetpan rejected the message; `code` is its MAILIMF error number.
    case unparsable(code: Int)
    /// The parser ran out of memory.
    case outOfMemory
    /// The message declares more multipart or message parts than `limit`: nesting that deep is an attack on the
    /// parser's stack, never a citizen's mail.
    case tooManyContainers(limit: Int)

    /// A message for logs and operators.
    public var description: String {
        switch self {
        case .emptyMessage: "the email message is empty"
        case .unparsable(let code): "the email message could not be parsed as MIME (libetpan error \(code))"
        case .outOfMemory: "out of memory while parsing the email message"
        case .tooManyContainers(let limit): "the email message declares more than \(limit) multipart or message parts"
        }
    }
}
