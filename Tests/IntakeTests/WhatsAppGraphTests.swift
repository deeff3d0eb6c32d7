import Foundation
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import Testing
import WhatsAppAdapter

/// The Graph API calls behind WhatsApp media ids and replies, against a local server that answers as Graph
/// does from `fixtures/whatsapp/cloud/graph/`.
@Suite struct WhatsAppGraphTests {
    static let accessToken = "EAAGm0PX4ZCpsBAtest-access-token"
    static let mediaBytes = Array("\u{FF}\u{D8}jpeg bytes of a pothole".utf8)

    static func channel(base: String, accessToken: String? = accessToken) -> ChannelConfig {
        var settings = [
            "verify_token": "v", "app_secret": "s", "phone_number_id": "106540352242922", "api_base": base + "/",
        ]
        settings["access_token"] = accessToken
        return ChannelConfig(id: "wa-1708", type: .whatsapp, settings: settings)
    }

    /// A Graph answer's text; `{{base}}` in it stands for the stand-in's own URL.
    static func fixture(_ name: String) throws -> String {
        String(decoding: try Fixtures.data("whatsapp/cloud/graph/\(name)"), as: UTF8.self)
    }

    static let reference = MediaReference(location: "1479537139650973", credentials: "whatsapp-graph")

    // MARK: Media

    @Test func mediaIdResolvesToABearerDownloadOfTheShortLivedURL() async throws {
        let graphMedia = try Self.fixture("graph-media.json")
        let server = try GraphAPIStandIn { request in
            guard request.headers["authorization"] == "Bearer \(Self.accessToken)" else { return .init(status: 401) }
            if request.target == "/v21.0/1479537139650973" {
                return .init(status: 200, json: graphMedia.replacingOccurrences(of: "{{base}}", with: "http://\(request.headers["host"] ?? "")"))
            }
            if request.target.hasPrefix("/whatsapp_business/attachments/?mid=1479537139650973") {
                return .init(status: 200, headers: [("Content-Type", "image/jpeg")], body: Self.mediaBytes)
            }
            return .init(status: 404)
        }
        defer { server.stop() }
        let resolver = try #require(WhatsAppAdapter.family.makeMediaResolver?(Self.channel(base: server.base)))
        let download = try await resolver.download(Self.reference, over: HTTPClient())

        #expect(download.method == "GET")
        #expect(download.url.hasPrefix(server.base + "/whatsapp_business/attachments/?mid=1479537139650973&ext="))
        #expect(download.headers.contains { $0.name == "Authorization" && $0.value == "Bearer \(Self.accessToken)" })
        let lookup = try #require(server.received.first)
        #expect(lookup.method == "GET")
        #expect(lookup.target == "/v21.0/1479537139650973")

        let bytes = try await HTTPClient().perform(download)
        #expect(bytes.status == 200)
        #expect(bytes.body == Self.mediaBytes)
    }

    struct MediaFailure: Sendable, CustomTestStringConvertible {
        var description: String
        var status: Int
        var fixture: String
        var expected: @Sendable (GraphAPIError) -> Bool
        var testDescription: String { description }
    }

    static let mediaFailures: [MediaFailure] = [
        MediaFailure(description: "expired media id (404)", status: 404, fixture: "graph-media-expired.json") {
            if case .mediaGone(let id, let message) = $0 { id == "1479537139650973" && message.contains("does not exist") } else { false }
        },
        MediaFailure(description: "unknown media id (400, Graph error 100)", status: 400, fixture: "graph-media-expired.json") {
            if case .mediaGone = $0 { true } else { false }
        },
        MediaFailure(description: "expired access token (401)", status: 401, fixture: "graph-unauthorized.json") {
            if case .unauthorized(let message) = $0 { message.contains("Session has expired") } else { false }
        },
        MediaFailure(description: "Graph outage (503)", status: 503, fixture: "send-server-error.json") {
            if case .refused(503, let message) = $0 { message.contains("unknown error") } else { false }
        },
    ]

    @Test(arguments: mediaFailures)
    func graphRefusalsOfAMediaLookupThrowClearly(_ row: MediaFailure) async throws {
        let body = try Self.fixture(row.fixture)
        let server = try GraphAPIStandIn { _ in .init(status: row.status, json: body) }
        defer { server.stop() }
        let resolver = try #require(WhatsAppAdapter.family.makeMediaResolver?(Self.channel(base: server.base)))
        do {
            _ = try await resolver.download(Self.reference, over: HTTPClient())
            Issue.record("a refused lookup must throw")
        } catch let error as GraphAPIError {
            #expect(row.expected(error), "got \(error)")
            #expect(!error.description.contains(Self.accessToken))
        }
    }

    @Test func mediaLookupWithoutAnAccessTokenAsksNobody() async throws {
        let server = try GraphAPIStandIn { _ in .init(status: 200) }
        defer { server.stop() }
        let resolver = try #require(WhatsAppAdapter.family.makeMediaResolver?(Self.channel(base: server.base, accessToken: nil)))
        await #expect(throws: GraphAPIError.missingAccessToken) { try await resolver.download(Self.reference, over: HTTPClient()) }
        let foreign = MediaReference(location: "https://api.twilio.com/x", credentials: "twilio-basic")
        await #expect(throws: GraphAPIError.self) { try await resolver.download(foreign, over: HTTPClient()) }
        #expect(server.received.isEmpty)
    }

    // MARK: Replies

    static let reply = OutboundReply(
        idempotencyKey: "reply-42", channelID: "wa-1708", recipient: "+6281234567890",
        text: "Laporan Anda diterima. Nomor tiket: LPR-7K3M-9QX2", inReplyTo: "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEU1RjE1QjY0NTJBMDZFQTgA"
    )

    @Test func replyIsPostedToTheMessagesAPIAndYieldsTheWamid() async throws {
        let sendOK = try Self.fixture("send-ok.json")
        let server = try GraphAPIStandIn { _ in .init(status: 200, json: sendOK) }
        defer { server.stop() }
        let sender = try #require(WhatsAppAdapter.family.makeReplySender?(Self.channel(base: server.base)))
        let sent = try await sender.send(Self.reply, over: HTTPClient())

        #expect(sent.providerMessageID == "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQyQUJDREVGMDEyMzQ1Njc4OQA=")
        let request = try #require(server.received.first)
        #expect(request.method == "POST")
        #expect(request.target == "/v21.0/106540352242922/messages")
        #expect(request.headers["authorization"] == "Bearer \(Self.accessToken)")
        #expect(request.headers["content-type"] == "application/json")
        let json = request.json
        #expect(json["messaging_product"] as? String == "whatsapp")
        #expect(json["recipient_type"] as? String == "individual")
        #expect(json["to"] as? String == "6281234567890")
        #expect(json["type"] as? String == "text")
        #expect((json["text"] as? [String: Any])?["body"] as? String == Self.reply.text)
        #expect((json["context"] as? [String: Any])?["message_id"] as? String == Self.reply.inReplyTo)
    }

    struct SendFailure: Sendable, CustomTestStringConvertible {
        var description: String
        var status: Int
        var retryAfter: String?
        var fixture: String
        var expected: ReplyFailure
        var mentions: String
        var testDescription: String { description }
    }

    static let sendFailures: [SendFailure] = [
        SendFailure(description: "429 with Retry-After", status: 429, retryAfter: "7", fixture: "send-rate-limited.json",
                    expected: .temporary("", retryAfter: .seconds(7)), mentions: "130429"),
        SendFailure(description: "throughput code with a 400", status: 400, fixture: "send-rate-limited.json",
                    expected: .temporary("", retryAfter: nil), mentions: "Cloud API message throughput"),
        SendFailure(description: "500", status: 500, fixture: "send-server-error.json",
                    expected: .temporary("", retryAfter: nil), mentions: "unknown error"),
        SendFailure(description: "24-hour window closed", status: 400, fixture: "send-outside-window.json",
                    expected: .permanent(""), mentions: "more than 24 hours"),
        SendFailure(description: "expired access token", status: 401, fixture: "graph-unauthorized.json",
                    expected: .permanent(""), mentions: "Session has expired"),
    ]

    @Test(arguments: sendFailures)
    func graphRefusalsAreTemporaryOrPermanentWithGraphsMessage(_ row: SendFailure) async throws {
        let body = try Self.fixture(row.fixture)
        let server = try GraphAPIStandIn { _ in .init(status: row.status, headers: row.retryAfter.map { [("Retry-After", $0)] } ?? [], json: body) }
        defer { server.stop() }
        let sender = try #require(WhatsAppAdapter.family.makeReplySender?(Self.channel(base: server.base)))
        do {
            _ = try await sender.send(Self.reply, over: HTTPClient())
            Issue.record("a refused send must throw")
        } catch {
            switch (row.expected, error) {
            case (.temporary(_, let expectedDelay), .temporary(let message, let delay)):
                #expect(delay == expectedDelay)
                #expect(message.contains(row.mentions), "\(message)")
            case (.permanent, .permanent(let message)):
                #expect(message.contains(row.mentions), "\(message)")
            default:
                Issue.record("expected \(row.expected), got \(error)")
            }
        }
    }

    @Test func unreachableGraphIsATemporaryFailure() async throws {
        let closed = try LoopbackSocket()
        close(closed.descriptor)
        let sender = try #require(WhatsAppAdapter.family.makeReplySender?(Self.channel(base: "http://127.0.0.1:\(closed.port)")))
        await #expect {
            _ = try await sender.send(Self.reply, over: HTTPClient())
        } throws: { error in
            if case .temporary = error as? ReplyFailure { true } else { false }
        }
        let tokenless = try #require(WhatsAppAdapter.family.makeReplySender?(Self.channel(base: "http://127.0.0.1:\(closed.port)", accessToken: nil)))
        await #expect {
            _ = try await tokenless.send(Self.reply, over: HTTPClient())
        } throws: { error in
            if case .permanent = error as? ReplyFailure { true } else { false }
        }
    }
}
