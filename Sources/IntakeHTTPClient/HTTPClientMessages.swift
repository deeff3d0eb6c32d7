/// One outgoing HTTP request: a provider send call, a polling request, or a test calling the gateway.
public struct HTTPClientRequest: Sendable {
    /// The method token, such as `GET`, `POST` or `DELETE`, sent exactly as given.
    public var method: String
    /// An absolute `http://` or `https://` URL; other schemes are refused so a configured URL can
    /// never make the gateway read `file://` paths.
    public var url: String
    /// Header fields in the order they are sent; a name may repeat.
    public var headers: [(name: String, value: String)]
    /// The request body, sent byte for byte; empty means none.
    public var body: [UInt8]
    /// The limit for the whole exchange, connecting included, so a stuck provider cannot hold a
    /// poller forever.
    public var timeout: Duration

    /// A request; everything but the URL has the defaults a plain `GET` needs.
    public init(
        method: String = "GET",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        timeout: Duration = .seconds(30)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// The answer to an ``HTTPClientRequest``: any status, including 4xx and 5xx, is a response, not an
/// error, because provider APIs explain their refusals in the body.
public struct HTTPClientResponse: Sendable {
    /// The HTTP status code, such as 200 or 404.
    public var status: Int
    /// Header fields in the order they arrived, values trimmed and unfolded.
    public var headers: [(name: String, value: String)]
    /// The body exactly as received (no content decoding is requested).
    public var body: [UInt8]

    /// A response; the client builds these, tests and fakes may too.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name`, compared without regard to case as HTTP requires.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body read as UTF-8, with invalid bytes replaced, for JSON and plain-text APIs.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why an HTTP exchange produced no response.
public enum HTTPClientError: Error, CustomStringConvertible, Sendable {
    /// The request cannot be sent as given (bad method, header or URL); nothing went on the wire.
    case invalidRequest(String)
    /// The connection failed, timed out or was closed before a complete response: `code` is
    /// libcurl's error number and `message` its explanation.
    case transport(code: Int, message: String)
    /// The calling task was cancelled and the transfer was abandoned.
    case cancelled

    /// libcurl's number for "Timeout was reached", so callers can retry timeouts differently.
    static let timeoutCode = 28

    /// Whether the exchange ran out of its ``HTTPClientRequest/timeout``.
    public var isTimeout: Bool {
        if case .transport(let code, _) = self { return code == Self.timeoutCode }
        return false
    }

    /// A message for logs and operators.
    public var description: String {
        switch self {
        case .invalidRequest(let reason): "invalid HTTP request: \(reason)"
        case .transport(let code, let message): "HTTP transport error \(code): \(message)"
        case .cancelled: "HTTP request cancelled"
        }
    }
}
