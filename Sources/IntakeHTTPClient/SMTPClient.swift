import Foundation

/// Submits mail to an SMTP server over libcurl (`smtp://`, `smtps://`, STARTTLS), for email replies.
///
/// Like ``HTTPClient``, every submission gets its own libcurl handle on its own thread, so a slow or
/// unreachable mail server never blocks Swift's cooperative pool; the client is a plain value.
public struct SMTPClient: Sendable {
    /// A client; libcurl's process-wide set-up runs once, on first use.
    public init() {
        CurlTransfer.prepareLibrary()
    }

    /// Sends `submission` (MAIL FROM, RCPT TO, DATA) and waits for the server's final answer.
    ///
    /// libcurl dot-stuffs the message. Cancelling the calling task aborts the transfer within about a
    /// second and throws ``SMTPClientError/cancelled``.
    public func send(_ submission: SMTPSubmission) async throws(SMTPClientError) {
        try await onTransferThread(named: "intake-smtp-client") { SMTPTransfer.perform(submission, cancellation: $0) }.get()
    }
}

/// One message for ``SMTPClient``: where to submit it, the envelope and the bytes.
public struct SMTPSubmission: Sendable {
    /// `smtp://host[:port]` or `smtps://host[:port]` (implicit TLS).
    public var url: String
    /// For `smtp://`: upgrade with STARTTLS and refuse to go on without it.
    public var requireStartTLS: Bool
    /// Credentials for SMTP AUTH; nil sends none.
    public var user: String?
    public var password: String?
    /// The envelope sender (`MAIL FROM`), a bare address.
    public var from: String
    /// The envelope recipients (`RCPT TO`), bare addresses.
    public var recipients: [String]
    /// The whole RFC 5322 message, CRLF line endings.
    public var message: [UInt8]
    /// The limit for the whole exchange, connecting included.
    public var timeout: Duration
    /// The limit for connecting alone, so an unreachable server fails fast.
    public var connectTimeout: Duration

    /// A submission; without credentials, STARTTLS or timeouts unless given.
    public init(
        url: String, requireStartTLS: Bool = false, user: String? = nil, password: String? = nil, from: String, recipients: [String],
        message: [UInt8], timeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(10)
    ) {
        self.url = url
        self.requireStartTLS = requireStartTLS
        self.user = user
        self.password = password
        self.from = from
        self.recipients = recipients
        self.message = message
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

/// Why a submission did not go through.
public enum SMTPClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The submission cannot be sent as given (bad URL or address); nothing went on the wire.
    case invalidRequest(String)
    /// The server could not be reached or the connection broke: `code` is libcurl's error number.
    case unreachable(code: Int, message: String)
    /// The exchange ran out of its timeout.
    case timeout(String)
    /// The server answered a command with a failure: `code` is its reply code (421, 451, 550, 554, …).
    case rejected(code: Int, message: String)
    /// TLS or authentication failed (a certificate, STARTTLS refused, AUTH refused).
    case security(code: Int, message: String)
    /// The calling task was cancelled and the transfer was abandoned.
    case cancelled

    /// Whether sending again can never help: a 5xx answer or a submission that cannot be sent.
    public var isPermanent: Bool {
        switch self {
        case .invalidRequest: true
        case .rejected(let code, _): (500..<600).contains(code)
        case .unreachable, .timeout, .security, .cancelled: false
        }
    }

    /// A message for logs and operators.
    public var description: String {
        switch self {
        case .invalidRequest(let reason): "invalid SMTP submission: \(reason)"
        case .unreachable(let code, let message): "SMTP server unreachable (curl \(code)): \(message)"
        case .timeout(let message): "SMTP timeout: \(message)"
        case .rejected(let code, let message): "SMTP server refused with \(code): \(message)"
        case .security(let code, let message): "SMTP TLS or authentication failed (curl \(code)): \(message)"
        case .cancelled: "SMTP submission cancelled"
        }
    }
}
