import Foundation

// The contracts between channel families and the core's seams: media fetched behind the answer, multi-part
// messages, status questions, replies and delivery reports. A family fills these in; the core does the rest.

/// Where an attachment's bytes are when the provider only sent a pointer to them (an MMS media URL, a
/// WhatsApp media id). The media service fetches it after the acknowledgment through the family's
/// `MediaResolver`.
public struct MediaReference: Codable, Sendable, Equatable {
    /// A URL or a provider's media id, as the family's resolver understands it.
    public var location: String
    /// Which credentials the family's resolver uses for it (`none`, `twilio-basic`, `whatsapp-graph`, …).
    public var credentials: String
    /// When the provider stops serving it, if known: the most perishable references are fetched first.
    public var expiresAt: Date?

    public init(location: String, credentials: String, expiresAt: Date? = nil) {
        self.location = location
        self.credentials = credentials
        self.expiresAt = expiresAt
    }
}

/// One part of a message the provider split (a concatenated SMS): part `index` (from 1) of `total`, all
/// parts sharing `reference`. The core joins the parts, in order, into one message.
public struct MessagePart: Codable, Sendable, Equatable, Hashable {
    /// The provider's id shared by every part of the message (Vonage `concat-ref`, the UDH reference).
    public var reference: String
    /// This part's position, from 1.
    public var index: Int
    /// How many parts the message has.
    public var total: Int

    public init(reference: String, index: Int, total: Int) {
        self.reference = reference
        self.index = index
        self.total = total
    }

    /// Whether the numbers make sense: 1 ≤ index ≤ total ≤ 255 (the UDH limit) and a reference.
    public var isValid: Bool { !reference.isEmpty && total >= 1 && total <= 255 && index >= 1 && index <= total }
}

/// A citizen asking for the status of an earlier report (`CEK LPR-7K3M-9QX2`) instead of reporting.
public enum StatusQuestion {
    /// The words that start a status question, compared without regard to case.
    public static let keywords = ["CEK", "CHECK", "STATUS"]
    /// The keywords' first letters, lower case ASCII.
    private static let keywordInitials: Set<UInt8> = Set(keywords.compactMap { $0.lowercased().utf8.first })

    /// The tracking number as typed after the keyword, when `text` is a status question; nil otherwise.
    /// `CEK` alone is a question too (it answers with how to ask), so it yields an empty string.
    /// Whether the number is valid is for the core to say (`TrackingNumber(parsing:)`), so a mistyped
    /// number gets an answer saying so rather than becoming a complaint.
    public static func typedNumber(in text: String) -> String? {
        // Asked of every SMS: the first letter of every keyword rules out nearly all reports at one byte's cost.
        guard let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }),
              keywordInitials.contains(first | 0x20) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = trimmed.split(maxSplits: 1, whereSeparator: { $0.isWhitespace || $0 == ":" || $0 == "#" }).first else {
            return nil
        }
        let word = first.uppercased()
        guard keywords.contains(word) else { return nil }
        let rest = trimmed.dropFirst(first.count).drop { $0.isWhitespace || $0 == ":" || $0 == "#" }
        // A status question is short: a keyword and a number. Anything longer is a report that starts with "cek".
        guard rest.count <= 24, !rest.contains(where: \.isNewline) else { return nil }
        let number = rest.trimmingCharacters(in: .whitespaces)
        // "Cek jalan rusak" and "cek 3 lubang di jalan" are reports: only something shaped like a number asks.
        guard number.isEmpty || looksLikeNumber(number) else { return nil }
        return number
    }

    /// Whether `typed` could be a tracking number, mistyped or not: without `LPR` and separators, 6 to 10
    /// letters and digits, with a digit, the prefix, a dash, or a valid check symbol (a number may be all
    /// letters). A short report after the keyword ("cek jalan", "cek 3 lubang di jalan") is none.
    static func looksLikeNumber(_ typed: String) -> Bool {
        let upper = typed.uppercased()
        let prefixed = upper.hasPrefix("LPR")
        let core = (prefixed ? upper.dropFirst(3) : Substring(upper)).filter { !($0 == "-" || $0 == " " || $0 == "." || $0 == "_") }
        guard (6...10).contains(core.count), core.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return false }
        return prefixed || upper.contains("-") || core.contains(where: \.isNumber) || TrackingNumber(parsing: core) != nil
    }
}

/// A reply the core wants sent to a citizen, handed to the channel family's `ReplySender`.
public struct OutboundReply: Sendable, Equatable {
    /// Unique per reply and stable across retries: providers that dedupe on a client reference get it.
    public var idempotencyKey: String
    public var channelID: ChannelID
    /// Who receives it: the reporter's address on this channel (E.164 number, chat id) or the message's
    /// `replyTo` when the channel gave one.
    public var recipient: String
    public var text: String
    /// The provider's id of the message being answered, for providers that thread replies.
    public var inReplyTo: String?
    /// The ids of the earlier messages the answered one itself replied to (an email's `References`), oldest
    /// first, so an email reply names the whole thread.
    public var references: [String]
    /// The tracking number the reply names, when it names one (an email puts it in the subject).
    public var trackingNumber: String?
    /// The answered message's title (an email's subject), for senders that echo it.
    public var subject: String?
    /// The text's language (`id`, `en`) when it differs from the sending channel's: a reply carried for another
    /// channel, in the citizen's language. Senders that add words of their own (an email's subject and footer) use it.
    public var language: String?

    public init(
        idempotencyKey: String, channelID: ChannelID, recipient: String, text: String, inReplyTo: String? = nil,
        references: [String] = [], trackingNumber: String? = nil, subject: String? = nil, language: String? = nil
    ) {
        self.idempotencyKey = idempotencyKey
        self.channelID = channelID
        self.recipient = recipient
        self.text = text
        self.inReplyTo = inReplyTo
        self.references = references
        self.trackingNumber = trackingNumber
        self.subject = subject
        self.language = language
    }
}

/// Why a reply could not be sent, as the reply service must treat it.
public enum ReplyFailure: Error, Equatable, CustomStringConvertible {
    /// Try again later (an outage, a 5xx, a 429); `retryAfter` when the provider said how long.
    case temporary(String, retryAfter: Duration? = nil)
    /// Sending again will not help (a 4xx, a number the provider refuses): kept as failed.
    case permanent(String)
    /// Deliberately not sent (an address nobody reads, such as `mailer-daemon@…`): kept as suppressed.
    case suppressed(String)

    public var description: String {
        switch self {
        case .temporary(let message, _), .permanent(let message), .suppressed(let message): message
        }
    }
}

/// What a provider's API answered to a sent reply.
public struct SentReply: Sendable, Equatable {
    /// The provider's id for the outbound message, which its delivery reports name.
    public var providerMessageID: String?

    public init(providerMessageID: String?) {
        self.providerMessageID = providerMessageID
    }
}

/// A plain HTTP exchange, so channel families can call their providers without depending on libcurl; the
/// core passes one backed by `IntakeHTTPClient`.
public protocol HTTPExchange: Sendable {
    func perform(_ request: HTTPExchangeRequest) async throws -> HTTPExchangeResponse
}

/// A request for `HTTPExchange`.
public struct HTTPExchangeRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var timeout: Duration

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [], timeout: Duration = .seconds(30)) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// A response from `HTTPExchange`.
public struct HTTPExchangeResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name`, any case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Sends replies through a provider's API (Vonage's SMS API, WhatsApp's messages API, Kannel's sendsms).
public protocol ReplySender: Sendable {
    /// Sends one reply; throws `ReplyFailure` to say whether trying again can help.
    func send(_ reply: OutboundReply, over http: any HTTPExchange) async throws(ReplyFailure) -> SentReply
    /// Sends one reply over whichever transport the family needs (mail for email); the reply service calls
    /// this one. The default sends over HTTP.
    func send(_ reply: OutboundReply, over transports: ReplyTransports) async throws(ReplyFailure) -> SentReply
}

/// Turns a media reference into the download of its bytes, asking the provider first when it must
/// (WhatsApp's media id → a short-lived URL).
public protocol MediaResolver: Sendable {
    /// The request that downloads `reference`'s bytes.
    func download(_ reference: MediaReference, over http: any HTTPExchange) async throws -> HTTPExchangeRequest
}

/// A provider's report on a reply the gateway sent (delivered, read, failed): recorded, never a complaint.
public struct DeliveryStatus: Sendable, Equatable {
    /// The provider's id of the outbound message (`SentReply.providerMessageID`).
    public var providerMessageID: String
    /// The provider's word for it (`delivered`, `read`, `failed`, …).
    public var status: String
    public var at: Date?
    /// The provider's error text, for a failure.
    public var error: String?

    public init(providerMessageID: String, status: String, at: Date? = nil, error: String? = nil) {
        self.providerMessageID = providerMessageID
        self.status = status
        self.at = at
        self.error = error
    }
}

extension InboundMessage {
    /// Metadata key: the language the citizen wrote in (`id` or `en`) when the channel knows it (a web form's
    /// language switch); the acknowledgment is written in it instead of the channel's `language`.
    public static let replyLanguageKey = "reply_language"
    /// Metadata key: a second contact email beside a phone reporter (a web form's `contact_email`), kept for
    /// replies only: the complaint and its handoff never carry it.
    public static let contactEmailKey = "contact_email"
}
