import Foundation

/// One message as an adapter understood it, before normalization and deduplication.
///
/// Adapters fill what their channel carries and leave the rest nil; the pipeline turns it into a
/// `Complaint`. It is journaled as JSON, so adding an optional field never breaks a stored entry.
public struct InboundMessage: Codable, Sendable, Equatable {
    /// The channel it arrived on, as configured.
    public var channelID: ChannelID
    public var channelType: ChannelType
    /// The provider's own id for this message (Twilio's MessageSid, an IMAP Message-ID, a tweet id).
    public var externalID: String
    /// When the provider says the citizen sent it, if it says.
    public var sentAt: Date?
    public var reporter: Reporter
    /// The agency must not see who reported.
    public var anonymous: Bool
    /// The report must not be made public.
    public var confidential: Bool
    public var kind: ReportKind
    public var title: String?
    /// The text exactly as received; normalization keeps this untouched as the complaint's original text.
    public var text: String
    public var location: String?
    /// The day the incident happened, as `YYYY-MM-DD`, when the reporter gave one.
    public var incidentDate: String?
    public var category: String?
    /// The agency the reporter addresses (Instansi Tujuan), when they named one; a wish, not a routing decision.
    public var agency: String?
    public var attachments: [InboundAttachment]
    public var tags: [String]
    public var campaign: String?
    /// Where a reply reaches the reporter on this channel when it is not the reporter address
    /// (a Telegram chat id, a WhatsApp phone-number id): what the tracking-number reply needs.
    public var replyTo: String?
    /// Provider details worth keeping that have no field of their own (SMS part counts, the MTA's queue id).
    public var metadata: [String: String]
    /// Set when the message is one part of several the provider split; the core joins them.
    public var part: MessagePart?
    /// Set when the message asks for the status of a report (`CEK LPR-…`): the tracking number as typed.
    /// It is answered through the reply path and makes no complaint (`StatusQuestion.typedNumber(in:)`).
    public var statusQuestion: String?
    /// Set when the message is the citizen's edit of the earlier message with the same `externalID` on this
    /// channel (a Telegram `edited_message`), at the time of the edit: it amends that message's complaint
    /// (its text, with the edit recorded) instead of making another one.
    public var editedAt: Date?
    /// Set when the message asks how to report (a bot's `/start` or `/help`): it is answered with instructions
    /// through the reply path and makes no complaint.
    public var asksHowToReport: Bool?

    public init(
        channelID: ChannelID,
        channelType: ChannelType,
        externalID: String,
        sentAt: Date? = nil,
        reporter: Reporter,
        anonymous: Bool = false,
        confidential: Bool = false,
        kind: ReportKind = .complaint,
        title: String? = nil,
        text: String,
        location: String? = nil,
        incidentDate: String? = nil,
        category: String? = nil,
        agency: String? = nil,
        attachments: [InboundAttachment] = [],
        tags: [String] = [],
        campaign: String? = nil,
        replyTo: String? = nil,
        metadata: [String: String] = [:],
        part: MessagePart? = nil,
        statusQuestion: String? = nil
    ) {
        self.channelID = channelID
        self.channelType = channelType
        self.externalID = externalID
        self.sentAt = sentAt
        self.reporter = reporter
        self.anonymous = anonymous
        self.confidential = confidential
        self.kind = kind
        self.title = title
        self.text = text
        self.location = location
        self.incidentDate = incidentDate
        self.category = category
        self.agency = agency
        self.attachments = attachments
        self.tags = tags
        self.campaign = campaign
        self.replyTo = replyTo
        self.metadata = metadata
        self.part = part
        self.statusQuestion = statusQuestion
    }
}

/// A file that came with a message: either its bytes, which travel with it until storage writes them
/// content-addressed, or a `reference` the media service fetches after the acknowledgment.
public struct InboundAttachment: Codable, Sendable, Equatable {
    public var fileName: String
    /// The type the provider declared; the bytes are checked against it when they are stored.
    public var mediaType: String
    /// Empty when the attachment is a reference.
    public var bytes: Data
    /// Where the bytes are, when the provider sent a pointer instead of them.
    public var reference: MediaReference?
    /// The spool file holding the bytes, when the server streamed them to disk as they arrived; the
    /// attachment store moves it into place.
    public var spooled: SpooledFile?

    public init(fileName: String, mediaType: String, bytes: Data) {
        self.fileName = fileName
        self.mediaType = mediaType
        self.bytes = bytes
        self.reference = nil
    }

    /// An attachment whose bytes the server already spooled to disk (a streamed upload).
    public init(fileName: String, mediaType: String, spooled: SpooledFile) {
        self.fileName = fileName
        self.mediaType = mediaType
        self.bytes = Data()
        self.reference = nil
        self.spooled = spooled
    }

    /// An attachment whose bytes the media service fetches later.
    public init(fileName: String, mediaType: String, reference: MediaReference) {
        self.fileName = fileName
        self.mediaType = mediaType
        self.bytes = Data()
        self.reference = reference
    }
}

/// A stored attachment: its bytes live on disk under their SHA-256, so the same photo sent twice is kept once.
///
/// An attachment that came as a `MediaReference` is `pending` (no bytes yet: `size` 0, `sha256` empty) until
/// the media service stores it or gives up on it (`unavailable`, with `reason`). Entries journaled before
/// media references existed have none of these keys and read back as `stored`.
public struct Attachment: Codable, Sendable, Equatable {
    public var fileName: String
    public var mediaType: String
    public var size: Int
    /// Lower-case hex SHA-256 of the bytes, which is also their address on disk; empty until stored.
    public var sha256: String
    /// Whether the bytes are stored, still being fetched, or could not be had.
    public var state: AttachmentState
    /// Where the bytes were to be fetched from; kept in the journal, never shown in the complaint.
    public var reference: MediaReference?
    /// Why the bytes could not be had (`unavailable`): "too large", "expired (404)", …
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case size, sha256, state, reference, reason
        case fileName = "file_name"
        case mediaType = "media_type"
    }

    public init(fileName: String, mediaType: String, size: Int, sha256: String) {
        self.fileName = fileName
        self.mediaType = mediaType
        self.size = size
        self.sha256 = sha256
        self.state = .stored
    }

    /// An attachment still to be fetched from `reference`.
    public init(pending reference: MediaReference, fileName: String, mediaType: String) {
        self.init(fileName: fileName, mediaType: mediaType, size: 0, sha256: "")
        self.state = .pending
        self.reference = reference
    }

    /// Reads the stored form; the keys added with media references may be absent (older journal entries).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fileName = try container.decode(String.self, forKey: .fileName)
        mediaType = try container.decode(String.self, forKey: .mediaType)
        size = try container.decode(Int.self, forKey: .size)
        sha256 = try container.decode(String.self, forKey: .sha256)
        state = try container.decodeIfPresent(AttachmentState.self, forKey: .state) ?? .stored
        reference = try container.decodeIfPresent(MediaReference.self, forKey: .reference)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
    }
}
