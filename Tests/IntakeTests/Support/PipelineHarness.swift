import Foundation
import IntakeCore
import IntakeModel
import IntakeStorage
import Logging
import Testing

/// A gateway over real SQLite in a fresh temp dir, with two channels: plain SMS and a Mudik WhatsApp line.
struct PipelineHarness {
    /// Bursts off: these tests are about the dedup rules (BurstTests covers bursts).
    static let channels = [
        ChannelConfig(id: "sms-1708", type: .sms, burstSeconds: 0),
        ChannelConfig(id: "wa-mudik", type: .whatsapp, campaign: "mudik-2026", tags: ["Mudik", "transportasi"], burstSeconds: 0),
        ChannelConfig(id: "x-lapor1708", type: .x, burstSeconds: 0),
    ]

    let directory: TemporaryDirectory
    let database: Database
    let gateway: Gateway
    let logger: Logger

    var databaseDirectory: String { directory.appending("data") }

    /// Runs `body` against a fresh gateway, then closes the database and removes its files, whatever `body` did.
    static func with(
        detector: any DuplicateDetector = ExactDuplicateDetector(), backlog: ProcessingBacklog? = nil,
        _ body: (PipelineHarness) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory("pipeline")
        defer { directory.remove() }
        let database = try Database(directory: directory.appending("data"), synchronous: .normal)
        defer { database.close() }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let harness = PipelineHarness(
            directory: directory, database: database,
            gateway: makeGateway(database: database, directory: directory, detector: detector, backlog: backlog, logger: logger),
            logger: logger
        )
        try await body(harness)
    }

    /// Another gateway over the same database, as a restarted process with a fixed pipeline would be.
    func gateway(detector: any DuplicateDetector) -> Gateway {
        Self.makeGateway(database: database, directory: directory, detector: detector, logger: logger)
    }

    private static func makeGateway(
        database: Database, directory: TemporaryDirectory, detector: any DuplicateDetector, backlog: ProcessingBacklog? = nil, logger: Logger
    ) -> Gateway {
        Gateway(
            database: database,
            attachments: AttachmentStore(directory: directory.appending("attachments")),
            pipeline: Pipeline(normalizer: Normalizer(channels: channels), detector: detector),
            backlog: backlog,
            logger: logger
        )
    }

    struct OutboxRow: Sendable {
        var eventID: Int64?
        var complaintID: String?
        var attempts: Int64?
        var nextAttemptAt: Double
        var deliveredAt: Double?
        var lastError: String?
    }

    /// The complaints' created events (the outbox) as stored, in order.
    func outboxRows() async throws -> [OutboxRow] {
        try await database.read { connection in
            try connection.query("""
                SELECT e.complaint_id, e.attempts, e.next_attempt_at, e.delivered_at, e.last_error, e.id
                FROM handoff_events e WHERE e.type = 'complaint.created' ORDER BY e.id
                """).map {
                OutboxRow(
                    eventID: $0.int(5), complaintID: $0.string(0), attempts: $0.int(1), nextAttemptAt: $0.double(2) ?? .nan,
                    deliveredAt: $0.double(3), lastError: $0.string(4)
                )
            }
        }
    }
}

/// A detector that fails on texts containing "BOOM" and otherwise deduplicates exactly.
struct ExplodingDetector: DuplicateDetector {
    func decide(_ candidate: DedupCandidate, lookup: some ComplaintLookup) throws -> DedupDecision {
        if candidate.body.contains("BOOM") { throw DetectorExploded() }
        return try ExactDuplicateDetector().decide(candidate, lookup: lookup)
    }

    func record(_ complaint: Complaint, matchKey: String) throws {}
}

struct DetectorExploded: Error, CustomStringConvertible {
    var description: String { "detector exploded on purpose" }
}

/// A poller's provider with fixed pages keyed by the cursor they follow ("" for the first poll).
struct PagedAdapter: PollingAdapter {
    let pages: [String: PollBatch]

    var interval: Duration { .seconds(1) }

    func fetch(after cursor: String?) async throws -> PollBatch {
        pages[cursor ?? ""] ?? PollBatch(messages: [], cursor: cursor)
    }

    static let twoPages = PagedAdapter(pages: [
        "": PollBatch(messages: [mention(1, from: "warga_sleman"), mention(2, from: "pemudik_merak")], cursor: "page-1"),
        "page-1": PollBatch(messages: [mention(3, from: "warga_sleman_2")], cursor: "page-2"),
    ])

    private static func mention(_ number: Int, from handle: String) -> PolledMessage {
        var message = SampleMessage.sms(externalID: "tweet-\(number)", channelID: "x-lapor1708", text: "@lapor1708 laporan nomor \(number) #MudikLAPOR")
        message.channelType = .x
        message.reporter = Reporter(kind: .social, address: handle)
        return PolledMessage(message: message, raw: Array("{\"id\":\"tweet-\(number)\"}".utf8))
    }
}

struct RoutingCoreDown: Error, CustomStringConvertible {
    var description: String { "routing core down" }
}

/// A routing core that refuses its first `failing` calls (as a 503) and records every call and every delivery,
/// keyed by the event id.
actor RecordingRoutingCore: RoutingCore {
    private var failuresLeft: Int
    private(set) var attempts = 0
    private(set) var attemptKeys: [String] = []
    private(set) var delivered: [(complaint: Complaint, key: String)] = []

    init(failing: Int) {
        failuresLeft = failing
    }

    func deliver(_ payload: HandoffPayload, body: [UInt8]) async -> DeliveryOutcome {
        attempts += 1
        attemptKeys.append(String(payload.id))
        if failuresLeft > 0 {
            failuresLeft -= 1
            return .retry(status: 503, reason: RoutingCoreDown().description, retryAfter: nil)
        }
        delivered.append((payload.complaint, String(payload.id)))
        return .delivered(status: 200)
    }
}
