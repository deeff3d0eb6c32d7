import Foundation

/// The common complaint every adapter's messages become and the routing core consumes.
///
/// Its JSON form (`document`, snake_case) is the public contract of the API and the handoff; it is written
/// in one place (`Complaint.documentParts`) and read back through `Decodable`.
public struct Complaint: Decodable, Sendable, Equatable {
    /// Stable, time-ordered id (UUIDv7), also the idempotency key of the routing handoff.
    public var id: String
    public var trackingNumber: TrackingNumber
    public var channelID: ChannelID
    public var channelType: ChannelType
    public var externalID: String
    /// When the gateway journaled the message.
    public var receivedAt: Date
    public var sentAt: Date?
    public var reporter: Reporter
    public var anonymous: Bool
    public var confidential: Bool
    public var kind: ReportKind
    public var title: String?
    /// Normalized text: Unicode NFC, no control characters, whitespace collapsed.
    public var body: String
    /// The text exactly as the citizen sent it.
    public var originalText: String
    public var location: String?
    public var incidentDate: String?
    public var category: String?
    /// The agency the reporter addressed (Instansi Tujuan), when they named one. An anonymous report keeps
    /// it: it says where the report should go, not who sent it. Documents stored before it existed lack the key.
    public var agency: String?
    public var attachments: [Attachment]
    public var tags: [String]
    public var campaign: String?
    public var dedup: DedupOutcome
    public var status: RoutingState
    /// The journal entry holding the raw inbound bytes this complaint came from.
    public var journalID: Int64

    public init(
        id: String, trackingNumber: TrackingNumber, channelID: ChannelID, channelType: ChannelType,
        externalID: String, receivedAt: Date, sentAt: Date?, reporter: Reporter, anonymous: Bool,
        confidential: Bool, kind: ReportKind, title: String?, body: String, originalText: String,
        location: String?, incidentDate: String?, category: String?, agency: String? = nil, attachments: [Attachment],
        tags: [String], campaign: String?, dedup: DedupOutcome, status: RoutingState, journalID: Int64
    ) {
        self.id = id
        self.trackingNumber = trackingNumber
        self.channelID = channelID
        self.channelType = channelType
        self.externalID = externalID
        self.receivedAt = receivedAt
        self.sentAt = sentAt
        self.reporter = reporter
        self.anonymous = anonymous
        self.confidential = confidential
        self.kind = kind
        self.title = title
        self.body = body
        self.originalText = originalText
        self.location = location
        self.incidentDate = incidentDate
        self.category = category
        self.agency = agency
        self.attachments = attachments
        self.tags = tags
        self.campaign = campaign
        self.dedup = dedup
        self.status = status
        self.journalID = journalID
    }

    enum CodingKeys: String, CodingKey {
        case id, reporter, anonymous, confidential, kind, title, body, location, category, agency, attachments, tags, campaign, dedup, status
        case trackingNumber = "tracking_number"
        case channelID = "channel_id"
        case channelType = "channel_type"
        case externalID = "external_id"
        case receivedAt = "received_at"
        case sentAt = "sent_at"
        case originalText = "original_text"
        case incidentDate = "incident_date"
        case journalID = "journal_id"
    }

    /// The complaint as an agency may see it: an anonymous reporter's identity is removed entirely.
    public var forAgency: Complaint {
        guard anonymous else { return self }
        var copy = self
        copy.reporter = Reporter(kind: reporter.kind, address: "anonymous", name: nil)
        // Some providers' message ids carry the sender (WhatsApp's wamid encodes the phone number).
        copy.externalID = ""
        // A file's name may name the citizen (`KTP_Budi_Santoso.jpg`): lampiran-1.jpg, lampiran-2.pdf, …
        for index in copy.attachments.indices {
            let ext = MediaSniffer.fileExtension(for: copy.attachments[index].mediaType).map { "." + $0 } ?? ""
            copy.attachments[index].fileName = "lampiran-\(index + 1)" + ext
        }
        return copy
    }
}

/// What deduplication decided about a complaint, readable by an operator.
public struct DedupOutcome: Decodable, Sendable, Equatable {
    /// The complaint this one repeats, when it was merged.
    public var mergedInto: String?
    /// The cluster of complaints about the same concrete issue, when clustered.
    public var clusterID: String?
    /// Similarity in 0...1 behind the decision; nil for a new complaint.
    public var score: Double?
    /// Why, in words: "same provider message id", "same reporter, same text within 72h".
    public var reason: String?
    /// The journal id of the cluster's first complaint, while deciding; not part of the contract.
    public var clusterRoot: Int64? = nil

    enum CodingKeys: String, CodingKey {
        case score, reason
        case mergedInto = "merged_into"
        case clusterID = "cluster_id"
    }

    public init(mergedInto: String? = nil, clusterID: String? = nil, score: Double? = nil, reason: String? = nil) {
        self.mergedInto = mergedInto
        self.clusterID = clusterID
        self.score = score
        self.reason = reason
    }

    /// A complaint nothing else was found to repeat.
    public static let unique = DedupOutcome()
}

/// The JSON coders for the public contract: ISO-8601 dates with fractional seconds (keys are snake_case by `CodingKeys`).
public enum ComplaintCoding {
    /// An encoder for API answers other than complaints, which are written once, as their `document`.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The matching decoder.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO-8601 time: \(text)")
            }
            return date
        }
        return decoder
    }
}
