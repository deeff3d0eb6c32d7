import Foundation
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import Testing
import VonageAdapter

/// Replies through Vonage's SMS API, against a local server answering with `fixtures/sms/vonage/sms-api/`.
@Suite struct VonageReplySenderTests {
    enum Expected: Sendable, Equatable {
        case sent(String?)
        case temporary(retryAfter: Duration?)
        case permanent
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let status: Int
        var headers: [(String, String)] = []
        let fixture: String?
        let expected: Expected
        var testDescription: String { "HTTP \(status) \(fixture ?? "")" }
    }

    static let cases: [Case] = [
        Case(status: 200, fixture: "send-ok.json", expected: .sent("0A0000000123ABCD1")),
        Case(status: 200, fixture: "send-throttled.json", expected: .temporary(retryAfter: nil)),
        Case(status: 200, fixture: "send-invalid-number.json", expected: .permanent),
        Case(status: 500, fixture: "send-server-error.json", expected: .temporary(retryAfter: nil)),
        Case(status: 429, headers: [("Retry-After", "30")], fixture: nil, expected: .temporary(retryAfter: .seconds(30))),
        Case(status: 401, fixture: nil, expected: .permanent),
    ]

    static func sender(apiBase: String) -> any ReplySender {
        VonageAdapter.family.makeReplySender!(ChannelConfig(id: "sms-vonage", type: .vonage, settings: [
            "api_key": "a1b2c3d4", "api_secret": "s3cr3tAPI", "from": "LAPOR1708", "api_base": apiBase + "/",
        ]))!
    }

    static let reply = OutboundReply(
        idempotencyKey: "reply-42", channelID: "sms-vonage", recipient: "+6281234567890",
        text: "Laporan Anda diterima. Nomor lacak: LPR-7K3M-9QX2. Cek status: kirim CEK LPR-7K3M-9QX2 ke 1708"
    )

    static func outcome(_ sender: any ReplySender, _ reply: OutboundReply) async -> Expected? {
        do {
            return .sent(try await sender.send(reply, over: HTTPClient()).providerMessageID)
        } catch {
            switch error {
            case .temporary(_, let retryAfter): return .temporary(retryAfter: retryAfter)
            case .permanent, .suppressed: return .permanent
            }
        }
    }

    @Test("Vonage's answer decides whether the reply was sent, is retried or has failed", arguments: cases)
    func answerDecidesOutcome(_ row: Case) async throws {
        let body = try row.fixture.map { String(decoding: try Fixtures.data("sms/vonage/sms-api/\($0)"), as: UTF8.self) } ?? ""
        let server = try RoutingCoreStandIn(secret: "unused") { _, _ in
            .status(row.status, headers: [("Content-Type", "application/json")] + row.headers, body: body)
        }
        server.listen()
        defer { server.stop() }
        #expect(await Self.outcome(Self.sender(apiBase: "http://127.0.0.1:\(server.port)"), Self.reply) == row.expected)

        let form = Dictionary(uniqueKeysWithValues: try #require(server.received.first).bodyText.split(separator: "&").map {
            let pair = $0.split(separator: "=", maxSplits: 1)
            return (String(pair[0]), FormFields.unescape(Array((pair.count > 1 ? pair[1] : "").utf8)))
        })
        #expect(form == [
            "api_key": "a1b2c3d4", "api_secret": "s3cr3tAPI", "from": "LAPOR1708", "to": "6281234567890",
            "text": Self.reply.text, "client-ref": "reply-42",
        ])
    }

    @Test("text GSM-7 cannot carry is sent as type=unicode")
    func unicodeText() async throws {
        let body = String(decoding: try Fixtures.data("sms/vonage/sms-api/send-ok.json"), as: UTF8.self)
        let server = try RoutingCoreStandIn(secret: "unused") { _, _ in .status(200, body: body) }
        server.listen()
        defer { server.stop() }
        var reply = Self.reply
        reply.text = "Laporan diterima 🙏 “LPR-7K3M-9QX2”"
        #expect(await Self.outcome(Self.sender(apiBase: "http://127.0.0.1:\(server.port)"), reply) == .sent("0A0000000123ABCD1"))
        #expect(server.received.first?.bodyText.hasSuffix("&type=unicode") == true)
    }

    @Test("a Vonage API that refuses connections is a temporary failure")
    func refusedConnection() async throws {
        let down = try LoopbackSocket()
        defer { close(down.descriptor) }
        #expect(await Self.outcome(Self.sender(apiBase: "http://127.0.0.1:\(down.port)"), Self.reply) == .temporary(retryAfter: nil))
    }
}
