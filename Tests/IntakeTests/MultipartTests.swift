import Foundation
import GenericAdapter
import IntakeHTTPClient
import IntakeModel
import IntakeServer
@testable import IntakeStorage
import Testing

/// Seam 2: a message split into parts is journaled and answered part by part, and becomes one complaint.
@Suite("Multi-part messages", .timeLimit(.minutes(2)))
struct MultipartTests {
    static let texts = ["Jalan berlubang besar di depan Pasar ", "Kranggan, sudah dua motor jatuh minggu ", "ini. Mohon segera ditambal."]
    static let channels = [ChannelConfig(id: "sms-1708", type: .sms, burstSeconds: 0, partsTimeoutSeconds: 300)]

    @Test("three parts in any order become one complaint with the text joined in order",
          arguments: [[1, 2, 3], [3, 1, 2], [2, 3, 1]])
    func partsInAnyOrderMakeOneComplaint(_ order: [Int]) async throws {
        let seams = try SeamServer(channels: Self.channels)
        defer { seams.remove() }
        try await seams.withOpen { server in
            let start = Date()
            var receipts: [Receipt] = []
            for (step, index) in order.enumerated() {
                let message = partMessage(index, of: 3, text: Self.texts[index - 1])
                receipts += try await server.gateway.submit([message], raw: Array("part \(index)".utf8), receivedAt: start + Double(step))
                if step < 2 { #expect(try await server.database.complaintTotal() == 0, "nothing is processed before the last part") }
            }
            #expect(Set(receipts.map(\.trackingNumber)).count == 1, "every part is answered with the group's number")
            #expect(receipts.last?.complaintID != nil)
            #expect(try await server.database.complaintTotal() == 1)
            let complaint = try #require(try await server.database.storedComplaint(receipts[0].trackingNumber.description))
            #expect(complaint.originalText == Self.texts.joined())
            #expect(complaint.trackingNumber == receipts[0].trackingNumber)
            #expect(!complaint.tags.contains("parts-incomplete"))
            // Every part's own row still holds its raw bytes.
            #expect(try await server.database.journalTotal() == 3)
        }
    }

    @Test("a part delivered twice, by the same provider id or the same index, is answered as before and stored once")
    func partDeliveredTwice() async throws {
        let seams = try SeamServer(channels: Self.channels)
        defer { seams.remove() }
        try await seams.withOpen { server in
            let gateway = server.gateway
            let first = try await gateway.submit([partMessage(1, of: 3, text: Self.texts[0])], raw: [])[0]
            let sameID = try await gateway.submit([partMessage(1, of: 3, text: Self.texts[0])], raw: [])[0]
            let sameIndex = try await gateway.submit([partMessage(1, of: 3, text: Self.texts[0], id: "resent-under-a-new-id")], raw: [])[0]
            for again in [sameID, sameIndex] {
                #expect(again.duplicate && again.trackingNumber == first.trackingNumber && again.journalID == first.journalID)
            }
            #expect(try await server.database.journalTotal() == 1, "a repeated part stores nothing")
            _ = try await gateway.submit([partMessage(2, of: 3, text: Self.texts[1])], raw: [])
            let last = try await gateway.submit([partMessage(3, of: 3, text: Self.texts[2])], raw: [])[0]
            // A redelivery after the join finds the joined complaint.
            let late = try await gateway.submit([partMessage(3, of: 3, text: Self.texts[2])], raw: [])[0]
            #expect(late.duplicate && late.complaintID == last.complaintID && late.trackingNumber == first.trackingNumber)
            #expect(try await server.database.complaintTotal() == 1)
            let complaint = try #require(try await server.database.storedComplaint(first.trackingNumber.description))
            #expect(complaint.originalText == Self.texts.joined(), "the repeated part appears once")
        }
    }

    @Test("a part that never arrives: what came is joined after the timeout and marked incomplete")
    func missingPartIsJoinedAfterTheTimeout() async throws {
        let seams = try SeamServer(channels: Self.channels)
        defer { seams.remove() }
        try await seams.withOpen { server in
            let start = Date()
            let one = try await server.gateway.submit([partMessage(1, of: 3, text: Self.texts[0])], raw: [], receivedAt: start)[0]
            _ = try await server.gateway.submit([partMessage(3, of: 3, text: Self.texts[2])], raw: [], receivedAt: start + 5)
            #expect(try await server.gateway.joinExpiredParts(now: start + 299) == 0, "the channel waits 300 s")
            #expect(try await server.database.complaintTotal() == 0)
            #expect(try await server.gateway.joinExpiredParts(now: start + 301) == 1)
            let complaint = try #require(try await server.database.storedComplaint(one.trackingNumber.description))
            #expect(complaint.originalText == Self.texts[0] + Self.texts[2])
            #expect(complaint.tags.contains("parts-incomplete"))
            let entry = try #require(try await server.database.read { try $0.journalEntry(one.journalID) })
            #expect(entry.message.metadata["parts"] == "2/3" && entry.message.metadata["parts_missing"] == "2")
            #expect(try await server.gateway.joinExpiredParts(now: start + 400) == 0, "a group is joined once")
        }
    }

    @Test("the running service joins an expired group by itself (a one-second timeout)")
    func serviceJoinsExpiredGroups() async throws {
        let seams = try SeamServer(channels: [ChannelConfig(id: "sms-1708", type: .sms, burstSeconds: 0, partsTimeoutSeconds: 1)])
        defer { seams.remove() }
        try await seams.serve { server, _ in
            let receipt = try await server.gateway.submit([partMessage(1, of: 2, text: Self.texts[0])], raw: [])[0]
            try await eventually { try await server.database.storedComplaint(receipt.trackingNumber.description) != nil }
            let complaint = try #require(try await server.database.storedComplaint(receipt.trackingNumber.description))
            #expect(complaint.tags.contains("parts-incomplete") && complaint.originalText == Self.texts[0])
        }
    }

    @Test("replaying the whole journal neither makes a complaint of a waiting part nor repeats a joined one")
    func replayLeavesPartsAlone() async throws {
        let seams = try SeamServer(channels: Self.channels)
        defer { seams.remove() }
        try await seams.withOpen { server in
            let gateway = server.gateway
            let joined = try await gateway.submit((1...3).map { partMessage($0, of: 3, text: Self.texts[$0 - 1]) }, raw: [])
            let waiting = try await gateway.submit([partMessage(1, of: 2, text: "Lampu jalan mati ", reference: "r2", from: "+6281277776666")], raw: [])[0]
            let summary = try await gateway.replay(all: true)
            #expect(summary.examined == 4 && summary.failed == 1, "only the waiting part has no complaint yet")
            #expect(try await server.database.complaintTotal() == 1, "the waiting part stays a part")
            let last = try await gateway.submit([partMessage(2, of: 2, text: "sejak seminggu", reference: "r2", from: "+6281277776666")], raw: [])[0]
            #expect(last.trackingNumber == waiting.trackingNumber && last.complaintID != nil)
            let complaint = try #require(try await server.database.storedComplaint(joined[0].trackingNumber.description))
            #expect(complaint.originalText == Self.texts.joined())
            #expect(try await server.database.complaintTotal() == 2)
        }
    }

    @Test("parts whose numbers make no sense are treated as whole messages",
          arguments: [MessagePart(reference: "r", index: 0, total: 2), MessagePart(reference: "r", index: 3, total: 2),
                      MessagePart(reference: "", index: 1, total: 2), MessagePart(reference: "r", index: 1, total: 300)])
    func invalidPartIsAWholeMessage(_ part: MessagePart) async throws {
        let seams = try SeamServer(channels: Self.channels)
        defer { seams.remove() }
        try await seams.withOpen { server in
            var message = SampleMessage.sms(text: Self.texts[0])
            message.part = part
            let receipt = try await server.gateway.submit([message], raw: [])[0]
            #expect(receipt.complaintID != nil)
            #expect(try await server.database.complaintTotal() == 1)
        }
    }

    @Test("a restart between the parts loses nothing: reopened storage joins the rest, or the expired group")
    func restartBetweenPartsInProcess() async throws {
        let seams = try SeamServer(channels: Self.channels)
        defer { seams.remove() }
        let start = Date()
        let first = try await {
            let server = try seams.open()
            defer { server.database.close() }
            let receipts = try await server.gateway.submit(
                [partMessage(2, of: 3, text: Self.texts[1]), partMessage(1, of: 3, text: Self.texts[0]),
                 partMessage(1, of: 2, text: "Lampu jalan mati ", reference: "other", from: "+6281277776666")], raw: [], receivedAt: start)
            return receipts
        }()
        try await seams.withOpen { server in
            #expect(try await server.database.complaintTotal() == 0)
            let last = try await server.gateway.submit([partMessage(3, of: 3, text: Self.texts[2])], raw: [], receivedAt: start + 10)[0]
            #expect(last.trackingNumber == first[0].trackingNumber)
            let complaint = try #require(try await server.database.storedComplaint(last.trackingNumber.description))
            #expect(complaint.originalText == Self.texts.joined())
            // The other group's second part never comes; after the timeout the new process joins what came.
            #expect(try await server.gateway.joinExpiredParts(now: start + 301) == 1)
            let lone = try #require(try await server.database.storedComplaint(first[2].trackingNumber.description))
            #expect(lone.originalText == "Lampu jalan mati " && lone.tags.contains("parts-incomplete"))
        }
    }

    @Test("the generic webhook takes a part object; a part without its numbers is refused")
    func genericAdapterReadsParts() throws {
        let adapter = GenericAdapter(channel: ChannelConfig(id: "generic", type: .generic, settings: ["secret": "s"]))
        let body = #"{"id":"m1","from":"+6281234567890","text":"a","part":{"reference":"abc","index":2,"total":3,"extra":true}}"#
        let message = try adapter.receive(raw: Array(body.utf8))[0]
        #expect(message.part == MessagePart(reference: "abc", index: 2, total: 3))
        let broken = #"{"id":"m1","from":"+6281234567890","text":"a","part":{"reference":"abc","index":"2"}}"#
        #expect(throws: AdapterError.self) { try adapter.receive(raw: Array(broken.utf8)) }
        let none = #"{"id":"m1","from":"+6281234567890","text":"a","part":null}"#
        #expect(try adapter.receive(raw: Array(none.utf8))[0].part == nil)
    }
}

/// The restart as an operator sees it: `intake serve` killed with SIGKILL between the parts of a message.
@Suite("Multi-part messages across a crash", .serialized, .timeLimit(.minutes(3)))
struct MultipartCrashTests {
    static let quickChannel = """
          - id: quick
            type: generic
            secret: \(RunningGateway.secret)
            parts_timeout_seconds: 1
        """

    static func post(_ fields: [String: Any], channel: String, port: Int) async throws -> HTTPClientResponse {
        let body = Array(try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
        let headers = [("Content-Type", "application/json"), (GenericAdapter.signatureHeader, GenericAdapter.signature(secret: RunningGateway.secret, body: body))]
        return try await HTTPClient().send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/webhooks/\(channel)", headers: headers, body: body))
    }

    static func part(_ index: Int, of total: Int, _ text: String, reference: String = "udh-42", from: String = "081234567890") -> [String: Any] {
        ["id": "\(reference)-\(index)", "from": from, "text": text, "part": ["reference": reference, "index": index, "total": total]]
    }

    static func complaint(_ number: String, port: Int) async throws -> [String: Any]? {
        let response = try await HTTPClient().send(HTTPClientRequest(
            url: "http://127.0.0.1:\(port)/api/v1/complaints/\(number)", headers: [("Authorization", "Bearer \(RunningGateway.adminToken)")]))
        return response.status == 200 ? response.json : nil
    }

    @Test("parts sent before a SIGKILL are joined with the parts sent after it, or after the timeout")
    func killBetweenParts() async throws {
        let directory = try TemporaryDirectory("intake-parts-crash")
        defer { directory.remove() }
        let config = try IntakeBinary.writeConfig(in: directory, extraChannels: Self.quickChannel)
        let texts = MultipartTests.texts
        let before = try await ServerProcess.start(config: config, logPath: directory.appending("serve-1.log"))
        let one = try await Self.post(Self.part(1, of: 3, texts[0]), channel: "generic", port: before.port)
        let three = try await Self.post(Self.part(3, of: 3, texts[2]), channel: "generic", port: before.port)
        let lone = try await Self.post(Self.part(1, of: 2, "Sampah menumpuk ", reference: "udh-7", from: "081277776666"), channel: "quick", port: before.port)
        #expect(one.status == 200 && three.status == 200 && lone.status == 200)
        let waiting = try await HTTPClient().send(HTTPClientRequest(
            url: "http://127.0.0.1:\(before.port)/api/v1/complaints/\(one.json["tracking_number"] as? String ?? "")",
            headers: [("Authorization", "Bearer \(RunningGateway.adminToken)")]))
        #expect(waiting.status == 202 && waiting.json["status"] as? String == "received", "a number whose parts are awaited is known")
        before.kill()

        let after = try await ServerProcess.start(config: config, logPath: directory.appending("serve-2.log"))
        defer { _ = after.terminate() }
        let two = try await Self.post(Self.part(2, of: 3, texts[1]), channel: "generic", port: after.port)
        let number = try #require(one.json["tracking_number"] as? String)
        #expect(two.json["tracking_number"] as? String == number && three.json["tracking_number"] as? String == number)
        let joined = try #require(try await Self.complaint(number, port: after.port))
        #expect(joined["original_text"] as? String == texts.joined())
        // The quick channel's lone part expired while the process was down: the new process joins it.
        let loneNumber = try #require(lone.json["tracking_number"] as? String)
        try await eventually { try await Self.complaint(loneNumber, port: after.port) != nil }
        let incomplete = try #require(try await Self.complaint(loneNumber, port: after.port))
        #expect((incomplete["tags"] as? [String])?.contains("parts-incomplete") == true)
        _ = await after.terminated()
    }
}
