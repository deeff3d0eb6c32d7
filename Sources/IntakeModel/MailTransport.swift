/// Mail submission, so the email family can send acknowledgments without depending on libcurl; the server
/// passes one backed by `IntakeHTTPClient`'s SMTP client (as `HTTPExchange` is for HTTP providers).
public protocol MailTransport: Sendable {
    /// Submits `mail` to its server; throws `MailTransportError` saying whether trying again can help.
    func submit(_ mail: OutgoingMail) async throws(MailTransportError)
}

/// One message for a `MailTransport`: the server, the envelope and the RFC 5322 bytes.
public struct OutgoingMail: Sendable, Equatable {
    /// `smtp://host[:port]` or `smtps://host[:port]`.
    public var serverURL: String
    /// For `smtp://`: upgrade with STARTTLS or fail.
    public var requireStartTLS: Bool
    public var user: String?
    public var password: String?
    /// The envelope sender (`MAIL FROM`).
    public var envelopeFrom: String
    /// The envelope recipient (`RCPT TO`).
    public var recipient: String
    /// The whole message, CRLF line endings.
    public var message: [UInt8]
    public var timeout: Duration

    public init(
        serverURL: String, requireStartTLS: Bool, user: String?, password: String?, envelopeFrom: String, recipient: String,
        message: [UInt8], timeout: Duration = .seconds(60)
    ) {
        self.serverURL = serverURL
        self.requireStartTLS = requireStartTLS
        self.user = user
        self.password = password
        self.envelopeFrom = envelopeFrom
        self.recipient = recipient
        self.message = message
        self.timeout = timeout
    }
}

/// Why a mail submission failed, as the reply service must treat it.
public enum MailTransportError: Error, Equatable, CustomStringConvertible {
    /// Worth another try: the server is unreachable, timed out, answered 4xx, or TLS/AUTH failed (a
    /// configuration an operator fixes, after which the waiting replies go out).
    case temporary(String)
    /// The server refused for good (5xx: no such recipient, message refused) or the mail cannot be sent.
    case permanent(String)

    public var description: String {
        switch self {
        case .temporary(let message), .permanent(let message): message
        }
    }
}

/// What a `ReplySender` can send over: HTTP always, mail when the gateway has a mail transport.
public struct ReplyTransports: Sendable {
    public var http: any HTTPExchange
    public var mail: (any MailTransport)?

    public init(http: any HTTPExchange, mail: (any MailTransport)? = nil) {
        self.http = http
        self.mail = mail
    }
}

extension ReplySender {
    /// Senders that call an HTTP API need only the exchange.
    public func send(_ reply: OutboundReply, over transports: ReplyTransports) async throws(ReplyFailure) -> SentReply {
        try await send(reply, over: transports.http)
    }
}
