import Foundation

/// How the connection to the IMAP server is protected.
public enum IMAPSecurity: String, Sendable, CaseIterable {
    /// TLS from the first byte (port 993).
    case tls
    /// A plain connection upgraded with STARTTLS before LOGIN (port 143).
    case starttls
    /// No encryption: allowed only to a loopback address, where the password never leaves the machine.
    case plain
}

/// Where an IMAP client connects, as whom, and which mailbox it reads.
public struct IMAPSettings: Sendable, Equatable {
    public var host: String
    public var port: UInt16
    public var security: IMAPSecurity
    public var user: String
    /// Never logged.
    public var password: String
    public var mailbox: String
    /// Network timeout of each command, in seconds.
    public var timeoutSeconds: Int
    /// A PEM file of the CA certificates the server's certificate must chain to (`tls`, `starttls`); nil trusts
    /// the system's CAs.
    public var caFile: String?

    public init(
        host: String, port: UInt16, security: IMAPSecurity, user: String, password: String, mailbox: String = "INBOX",
        timeoutSeconds: Int = 30, caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.user = user
        self.password = password
        self.mailbox = mailbox
        self.timeoutSeconds = timeoutSeconds
        self.caFile = caFile
    }

    /// Whether `host` names this machine (`localhost`, `127.0.0.0/8`, `::1`): the only hosts `plain` may reach.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

/// Why an IMAP operation failed. Messages name the host, never the user (often an email address) or the password.
public enum IMAPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The settings cannot work (plain to a remote host, a bad port).
    case configuration(String)
    /// The server could not be reached or the connection broke; the client reconnects at the next call.
    case connection(String)
    /// The server's TLS certificate is not trusted or does not name the host: nothing was sent to it, no LOGIN.
    case certificate(String)
    /// The server refused LOGIN.
    case authentication(String)
    /// The server refused a command (SELECT of a missing mailbox, STORE, MOVE).
    case command(String)
    /// The wait was cancelled (shutdown).
    case cancelled

    public var description: String {
        switch self {
        case .configuration(let message): "IMAP configuration: \(message)"
        case .connection(let message): "IMAP connection: \(message)"
        case .certificate(let message): "IMAP certificate: \(message)"
        case .authentication(let message): "IMAP authentication failed: \(message)"
        case .command(let message): "IMAP command: \(message)"
        case .cancelled: "IMAP wait cancelled"
        }
    }
}

/// Which messages of the mailbox a flag or a move applies to, by UID.
public enum IMAPUIDs: Sendable, Equatable, ExpressibleByArrayLiteral {
    /// Exactly these UIDs (a batch just committed).
    case list([UInt32])
    /// Every UID from 1 through this one (`1:<last>`): all a committed cursor covers.
    case upTo(UInt32)

    public init(arrayLiteral uids: UInt32...) { self = .list(uids) }

    /// Whether no message is meant (an empty list, or up to UID 0).
    public var isEmpty: Bool {
        switch self {
        case .list(let uids): uids.isEmpty
        case .upTo(let last): last == 0
        }
    }
}

/// One message fetched by UID: its bytes exactly as the server holds them.
public struct IMAPMessage: Sendable, Equatable {
    public var uid: UInt32
    public var raw: [UInt8]

    public init(uid: UInt32, raw: [UInt8]) {
        self.uid = uid
        self.raw = raw
    }
}

/// What one fetch found: the mailbox's UIDVALIDITY and the messages after the asked UID, oldest first.
public struct IMAPFetchResult: Sendable, Equatable {
    public var uidValidity: UInt32
    public var messages: [IMAPMessage]
}
