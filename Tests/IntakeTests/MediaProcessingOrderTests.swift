import Foundation
import GenericAdapter
import IntakeCore
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import IntakeStorage
import Logging
import Testing

/// A message may be processed before its media is fetched or after (a deferred `pending` entry): either
/// way its complaint ends with the media and exactly one created event, recorded once nothing is pending.
@Suite("Media and deferred processing", .timeLimit(.minutes(2)))
struct MediaProcessingOrderTests {
    static func service(_ harness: PipelineHarness) -> MediaService {
        MediaService(
            database: harness.database, attachments: harness.gateway.attachments,
            resolvers: ["sms-1708": GenericMediaResolver()], http: HTTPClient(), handoff: OutboxHandoff(),
            policy: MediaGateway.policy, logger: harness.logger
        )
    }

    static func message(_ host: MediaServerStandIn) -> InboundMessage {
        SampleMessage.sms(externalID: "MMS-\(UUID().uuidString)", attachments: [
            InboundAttachment(fileName: "jalan.jpg", mediaType: "image/jpeg",
                              reference: MediaReference(location: host.url("/m/photo.jpg"), credentials: "none")),
        ])
    }

    static func photoHost() throws -> MediaServerStandIn {
        let host = try MediaServerStandIn { _, _ in MediaServerStandIn.fixture("photo.jpg", as: "image/jpeg") }
        host.listen()
        return host
    }

    @Test("Media fetched before a deferred message is processed is on its complaint, and the created event is recorded then")
    func mediaBeforeProcessing() async throws {
        let host = try Self.photoHost()
        defer { host.stop() }
        let backlog = ProcessingBacklog(window: 3600)
        backlog.enable()
        try await PipelineHarness.with(backlog: backlog) { harness in
            let receipt = try #require(try await harness.gateway.submit([Self.message(host)], raw: Array("raw".utf8)).first)
            #expect(receipt.complaintID == nil, "deferred: journaled as pending")
            #expect(try await Self.service(harness).runPass() == 1)
            #expect(try await harness.database.read { try $0.pendingMediaCount() } == 0)
            #expect(try await harness.outboxRows().isEmpty, "no complaint yet, so no event")

            try await harness.gateway.processBacklog()
            let complaint = try #require(try await harness.database.read { try $0.complaint(journalID: receipt.journalID) })
            #expect(complaint.attachments.map(\.state) == [.stored])
            #expect(complaint.attachments.first?.size == (try Fixtures.data("media/photo.jpg")).count)
            #expect(try await harness.outboxRows().map(\.complaintID) == [complaint.id])
        }
    }

    @Test("A message processed before its media holds its created event until the media service settles it")
    func processingBeforeMedia() async throws {
        let host = try Self.photoHost()
        defer { host.stop() }
        try await PipelineHarness.with { harness in
            let receipt = try #require(try await harness.gateway.submit([Self.message(host)], raw: Array("raw".utf8)).first)
            let complaintID = try #require(receipt.complaintID, "processed at once")
            let before = try #require(try await harness.database.read { try $0.complaint(journalID: receipt.journalID) })
            #expect(before.attachments.map(\.state) == [.pending])
            #expect(try await harness.outboxRows().isEmpty, "the created event waits for the media")

            #expect(try await Self.service(harness).runPass() == 1)
            let after = try #require(try await harness.database.read { try $0.complaint(journalID: receipt.journalID) })
            #expect(after.attachments.map(\.state) == [.stored])
            #expect(try await harness.outboxRows().map(\.complaintID) == [complaintID])
            // A second pass finds nothing and records nothing more.
            #expect(try await Self.service(harness).runPass() == 0)
            #expect(try await harness.outboxRows().count == 1)
        }
    }
}
