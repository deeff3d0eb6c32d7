import Foundation

/// An HTTP request as a webhook adapter sees it: the raw body and the public URL the provider signed.
public struct WebhookRequest: Sendable {
    public var method: String
    /// The URL the provider called, built from `server.public_url`, the path and the query, because
    /// providers such as Twilio sign the public URL, not whatever a proxy forwarded.
    public var publicURL: String
    /// Query parameters in order, decoded.
    public var query: [(name: String, value: String)]
    public var headers: HeaderFields
    /// The body exactly as received: signatures are computed over these bytes.
    public var body: [UInt8]
    /// The address the request came from (`127.0.0.1`), for families that allow only their provider's
    /// hosts (Kannel's `allowed_ips`); nil when unknown.
    public var peerAddress: String?
    /// The file parts the server spooled while streaming the body (`WebhookAdapter.streamsFileParts`); `body`
    /// then holds a pointer (`StoredPointer`) in place of each one's bytes. Only pointers named here are real.
    public var spooled: [SpooledFile]

    public init(
        method: String, publicURL: String, query: [(name: String, value: String)] = [], headers: HeaderFields, body: [UInt8],
        peerAddress: String? = nil, spooled: [SpooledFile] = []
    ) {
        self.method = method
        self.publicURL = publicURL
        self.query = query
        self.headers = headers
        self.body = body
        self.peerAddress = peerAddress
        self.spooled = spooled
    }
}

/// Header fields with case-insensitive lookup, in the order they arrived.
public struct HeaderFields: Sendable, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) { self.fields = fields }
    public init(dictionaryLiteral elements: (String, String)...) { self.fields = elements.map { ($0.0, $0.1) } }

    /// The first value of `name`, compared without regard to ASCII case (field names are ASCII tokens).
    public subscript(_ name: String) -> String? {
        fields.first { Self.sameName($0.name, name) }?.value
    }

    private static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { $0.asciiLowercased == $1.asciiLowercased }
    }

    public mutating func append(name: String, value: String) { fields.append((name, value)) }
}

/// An HTTP answer an adapter chooses, in its provider's format (JSON, TwiML, a verification challenge).
public struct WebhookResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A JSON answer from an encodable value.
    public static func json(_ value: some Encodable, status: Int = 200) -> WebhookResponse {
        let data = (try? ComplaintCoding.encoder().encode(value)) ?? Data("{}".utf8)
        return WebhookResponse(status: status, contentType: "application/json; charset=utf-8", body: Array(data))
    }
}

/// What a webhook adapter made of a request.
public enum WebhookOutcome: Sendable {
    /// Messages to journal; once durable, `acknowledge` renders the provider's success answer.
    case messages([InboundMessage])
    /// An answer that journals nothing (a subscription challenge, a delivery report to ignore).
    case respond(WebhookResponse)
    /// Reports on replies the gateway sent: recorded on the reply outbox, never complaints; then `response`.
    case deliveryStatuses([DeliveryStatus], response: WebhookResponse)
    /// A batch (Infobip's `results`) of which some items were refused by themselves: the messages are
    /// journaled, each refusal is counted, and the answer (200, `WebhookResponse.batch`) names the refused items.
    case partial([InboundMessage], rejected: [RejectedItem])
    /// A message deliberately not a complaint (an auto-reply, list mail): logged with `reason` (a short word,
    /// no personal data) and counted as ignored, journaled nowhere; then `response`.
    case ignored(reason: String, response: WebhookResponse)
    /// A body that passed the adapter's authentication but cannot be read (`problem` says why, without its
    /// content): kept in the channel family's quarantine as `<…>.<fileExtension>`, counted as a malformed
    /// refusal, then `response` (a 2xx, so the provider stops resending it). Journaled nowhere.
    case unreadable(problem: String, fileExtension: String, response: WebhookResponse)
}

/// One item of a provider's batch refused by itself while the others are kept.
public struct RejectedItem: Sendable, Equatable {
    /// The item's position in the provider's batch, from 0.
    public var index: Int
    /// Why it was refused; counted like a refused request of that kind.
    public var error: AdapterError

    public init(index: Int, error: AdapterError) {
        self.index = index
        self.error = error
    }
}

extension WebhookResponse {
    /// The answer to a batch: `{"accepted":[{"index","tracking_number","duplicate"}],"rejected":[{"index","field","error"}]}`.
    /// `receipts` belong, in order, to the items not in `rejected`.
    public static func batch(_ receipts: [Receipt], rejected: [RejectedItem]) -> WebhookResponse {
        let refused = Set(rejected.map(\.index))
        let keptIndices = (0..<(receipts.count + rejected.count)).filter { !refused.contains($0) }
        let accepted = zip(keptIndices, receipts).map { BatchAnswer.Kept(index: $0, trackingNumber: $1.trackingNumber.description, duplicate: $1.duplicate) }
        let refusals = rejected.map { item -> BatchAnswer.Refused in
            if case .malformed(let field, let message) = item.error {
                return BatchAnswer.Refused(index: item.index, field: field, error: message)
            }
            return BatchAnswer.Refused(index: item.index, field: nil, error: item.error.description)
        }
        return .json(BatchAnswer(accepted: accepted, rejected: refusals))
    }
}

/// The body `WebhookResponse.batch` writes.
private struct BatchAnswer: Encodable {
    struct Kept: Encodable {
        var index: Int
        var trackingNumber: String
        var duplicate: Bool

        enum CodingKeys: String, CodingKey {
            case index, duplicate
            case trackingNumber = "tracking_number"
        }
    }

    struct Refused: Encodable {
        var index: Int
        var field: String?
        var error: String
    }

    var accepted: [Kept]
    var rejected: [Refused]
}

/// The gateway's answer for one journaled message.
public struct Receipt: Sendable, Equatable, Codable {
    public var trackingNumber: TrackingNumber
    /// True when the message repeated an earlier one and made no new complaint.
    public var duplicate: Bool
    /// The complaint the reporter's tracking number belongs to; nil while processing awaits a replay.
    public var complaintID: String?
    /// The journal entry holding the raw message.
    public var journalID: Int64
    /// What to tell the citizen now, for families that answer inside their webhook response (`repliesInline`,
    /// Twilio's TwiML); nil when there is nothing to say or the reply service sends it.
    public var reply: String?

    public init(trackingNumber: TrackingNumber, duplicate: Bool, complaintID: String?, journalID: Int64, reply: String? = nil) {
        self.trackingNumber = trackingNumber
        self.duplicate = duplicate
        self.complaintID = complaintID
        self.journalID = journalID
        self.reply = reply
    }
}

/// Turns a provider's webhook call into messages and renders its answer: SMS aggregators, WhatsApp, web forms.
///
/// `receive` runs on the request path and must be pure (no I/O): it checks the signature over the
/// raw body and the public URL and parses. The gateway journals what it returns before `acknowledge` is asked.
public protocol WebhookAdapter: Sendable {
    /// The largest body this channel accepts; larger requests are refused before they are read whole.
    var maxBodyBytes: Int { get }
    func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome
    func acknowledge(_ receipts: [Receipt]) -> WebhookResponse
    /// Whether `receive` reads `WebhookRequest.peerAddress` (Kannel's `allowed_ips`); otherwise it stays nil.
    var wantsPeerAddress: Bool { get }
    /// Whether the server streams a `multipart/form-data` body: file parts go to spool files as they arrive
    /// (`WebhookRequest.spooled`, pointers in `body`), text fields stay in memory within a small limit, and
    /// `maxBodyBytes` is enforced as bytes arrive. Other bodies are read whole, as for every family by default.
    var streamsFileParts: Bool { get }
}

extension WebhookAdapter {
    public var wantsPeerAddress: Bool { false }
    public var streamsFileParts: Bool { false }
}

/// Fetches messages from a provider that must be asked (X, Telegram, IMAP): the gateway commits the
/// returned cursor in the same transaction as the messages, so a crash neither skips nor repeats a batch.
public protocol PollingAdapter: Sendable {
    /// How long to wait between polls when the last one found nothing.
    var interval: Duration { get }
    /// Messages after `cursor` (nil on the very first poll) and the cursor to resume from. `PollerService`
    /// cancels a fetch that is still waiting when the server shuts down gracefully.
    func fetch(after cursor: String?) async throws -> PollBatch
    /// Called by `PollerService` once `batch`, as `fetch` returned it, is committed with its cursor: the
    /// place to mark what the provider holds as taken (IMAP flags `\Seen` or moves the messages). A crash
    /// before it runs leaves them unmarked, never refetched. Also called after a poll with nothing new (its
    /// cursor is the committed one). Errors are logged; by default nothing happens.
    func committed(_ batch: PollBatch) async throws
}

extension PollingAdapter {
    public func committed(_ batch: PollBatch) async throws {}
}

/// One poll's worth of messages, each with the bytes it came from, and where the next poll starts.
public struct PollBatch: Sendable {
    public var messages: [PolledMessage]
    public var cursor: String?
    /// Fetched items the cursor moves past without a complaint: `PollerService` quarantines the unreadable
    /// ones before committing the cursor, and counts the ignored ones.
    public var setAside: [SetAsideItem]

    public init(messages: [PolledMessage], cursor: String?, setAside: [SetAsideItem] = []) {
        self.messages = messages
        self.cursor = cursor
        self.setAside = setAside
    }
}

/// A fetched item that does not become a complaint, with the bytes it came from.
public struct SetAsideItem: Sendable {
    /// Why it was set aside.
    public enum Kind: Sendable, Equatable {
        /// Deliberately not a complaint (an auto-reply, a bounce); `reason` is a short word such as `auto-reply`.
        case ignored(reason: String)
        /// Not readable as a message at all; `problem` says why. Its bytes are kept in quarantine.
        case unreadable(problem: String)
    }

    public var kind: Kind
    /// Where the provider holds it (`uid 42`), for the log and the quarantine file's name; no personal data.
    public var reference: String
    public var raw: [UInt8]
    /// The extension its quarantine file gets, after what the bytes are: `eml` for mail, `json` for an API's item.
    public var fileExtension: String

    public init(kind: Kind, reference: String, raw: [UInt8], fileExtension: String = "eml") {
        self.kind = kind
        self.reference = reference
        self.raw = raw
        self.fileExtension = fileExtension
    }
}

/// A fetched message and its raw form (the API's JSON for it, the raw MIME), which the journal keeps.
public struct PolledMessage: Sendable {
    public var message: InboundMessage
    public var raw: [UInt8]

    public init(message: InboundMessage, raw: [UInt8]) {
        self.message = message
        self.raw = raw
    }
}

/// Parses a message pushed to the gateway by a local program (an MTA piping raw MIME, `intake ingest`).
public protocol PushAdapter: Sendable {
    func receive(raw: [UInt8]) throws(AdapterError) -> [InboundMessage]
}

/// Why an adapter refused input. The server maps each case to one HTTP status; `intake ingest` to one exit code.
public enum AdapterError: Error, Equatable, CustomStringConvertible {
    /// The signature is missing or does not match.
    case unauthorized(String)
    /// The payload cannot be read; `field` names the offending field when there is one.
    case malformed(field: String?, message: String)
    /// The payload is well formed but of a kind this adapter does not take.
    case unsupported(String)
    /// The request used an HTTP method this adapter does not answer.
    case wrongMethod(String)
    /// Refused with an answer the adapter wrote itself (a web form's errors per field, in the citizen's
    /// language); counted as rejected under `reason` (a short word such as `validation`, `honeypot`).
    case refused(reason: String, response: WebhookResponse)

    public var description: String {
        switch self {
        case .unauthorized(let message): message
        case .malformed(let field?, let message): "\(field): \(message)"
        case .malformed(nil, let message): message
        case .unsupported(let message), .wrongMethod(let message): message
        case .refused(let reason, _): "refused (\(reason))"
        }
    }
}
