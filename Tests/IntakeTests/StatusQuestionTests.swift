import Foundation
import IntakeModel
import IntakeServer
import IntakeStorage
import Testing

/// Status questions (`CEK <tracking number>`): recognized in any form, answered through the reply path,
/// journaled, and never a complaint.
@Suite("Status questions", .serialized)
struct StatusQuestionTests {
    @Test("a status question is recognized in any case, with or without dash, prefix or separator", arguments: [
        ("CEK LPR-7K3M-9QX2", "LPR-7K3M-9QX2"),
        ("cek lpr-7k3m-9qx2", "lpr-7k3m-9qx2"),
        ("Cek LPR7K3M9QX2", "LPR7K3M9QX2"),
        ("cek 7K3M-9QX2", "7K3M-9QX2"),
        ("CEK 7k3m9qx2", "7k3m9qx2"),
        ("  cek:LPR 7K3M 9QX2 ", "LPR 7K3M 9QX2"),
        ("STATUS #LPR-7K3M-9QX2", "LPR-7K3M-9QX2"),
        ("check lpr-7k3m-9qx3", "lpr-7k3m-9qx3"),
        ("CEK", ""),
        ("cek  ", ""),
    ])
    func recognized(text: String, number: String) {
        #expect(StatusQuestion.typedNumber(in: text) == number)
    }

    @Test("a report that merely starts with 'cek' is no status question", arguments: [
        "cek jalan rusak di Jl. Kaliurang km 5, Sleman",
        "Cek jalan",
        "cek 3 lubang di jalan",
        "Cek dulu, pungli di kantor kelurahan",
        "Jalan rusak, CEK LPR-7K3M-9QX2",
        "CEKLPR7K3M9QX2",
        "cek LPR-7K3M-9QX2\nDan juga jalan rusak di depan rumah saya",
    ])
    func notRecognized(text: String) {
        #expect(StatusQuestion.typedNumber(in: text) == nil)
    }

    @Test("CEK with a valid number answers the complaint's status, journals the question and creates no complaint")
    func answersStatus() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret)
        provider.listen()
        defer { provider.stop() }
        try await RunningGateway.with(channels: [ReplyTesting.channel(replyURL: provider.url)], replyPolicy: ReplyTesting.policy) { gateway in
            let report = try await gateway.postMessage(ReplyTesting.message("rep-1"), channel: "generic-reply")
            let number = try #require(report.json["tracking_number"] as? String)
            // Reading the complaints processes what was acknowledged, so the answer is not "being processed".
            #expect((try await gateway.get("/api/v1/complaints").json["items"] as? [Any])?.count == 1)

            let typed = number.lowercased().replacingOccurrences(of: "-", with: "")
            let question = try await gateway.postMessage(ReplyTesting.message("ask-1", text: "cek \(typed)"), channel: "generic-reply")
            #expect(question.status == 200)
            let items = try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 2 }
            let answer = try #require(items.first { $0["kind"] as? String == "status" })
            let text = try #require(answer["text"] as? String)
            #expect(text == "LAPOR!: Status laporan \(number): tercatat, menunggu diteruskan ke instansi berwenang.")
            #expect(provider.received.contains { $0.bodyText.contains("tercatat") })

            #expect((try await gateway.get("/api/v1/complaints").json["items"] as? [Any])?.count == 1)
            let counts = try await gateway.server.database.read { try $0.journalCounts() }
            #expect(counts[.processed] == 2)
            let raw = try await gateway.server.database.read { connection in
                try connection.journalEntries(from: 1, limit: 10).map { String(decoding: $0.raw, as: UTF8.self) }
            }
            #expect(raw.contains { $0.contains("cek \(typed)") })
            // A replay of everything still makes nothing of it.
            _ = try await gateway.server.gateway.replay(all: true)
            #expect((try await gateway.get("/api/v1/complaints").json["items"] as? [Any])?.count == 1)
        }
    }

    @Test("a mistyped number, an unknown number and CEK alone each get their answer")
    func answersMistakes() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret)
        provider.listen()
        defer { provider.stop() }
        let channel = ReplyTesting.channel(replyURL: provider.url, language: "en")
        try await RunningGateway.with(channels: [channel], replyPolicy: ReplyTesting.policy) { gateway in
            let report = try await gateway.postMessage(ReplyTesting.message("rep-1"), channel: "generic-reply")
            let number = try #require(report.json["tracking_number"] as? String)
            let last = number.last!
            let mistyped = String(number.dropLast()) + (last == "7" ? "8" : "7")
            let unknown = TrackingNumber(payload: 31_415_926).description
            let cases: [(id: String, text: String, kind: String, says: String)] = [
                ("ask-typo", "CEK \(mistyped)", "mistyped", "\(mistyped) is not a valid tracking number"),
                ("ask-unknown", "cek \(unknown)", "not_found", "No report has the number \(unknown)"),
                ("ask-how", "CEK", "how_to_ask", "send CEK and its tracking number"),
            ]
            for item in cases {
                _ = try await gateway.postMessage(ReplyTesting.message(item.id, text: item.text), channel: "generic-reply")
            }
            let items = try await ReplyTesting.waitForReplies(gateway, status: "sent") { $0.count == 4 }
            for item in cases {
                let reply = try #require(items.first { $0["kind"] as? String == item.kind }, "no \(item.kind) reply")
                #expect((reply["text"] as? String)?.contains(item.says) == true, "\(reply)")
            }
            #expect((try await gateway.get("/api/v1/complaints").json["items"] as? [Any])?.count == 1)
        }
    }

    @Test("the number of a message merged into an earlier complaint finds that complaint")
    func mergedNumberFindsComplaint() async throws {
        let provider = try RoutingCoreStandIn(secret: RunningGateway.secret)
        provider.listen()
        defer { provider.stop() }
        try await RunningGateway.with(channels: [ReplyTesting.channel(replyURL: provider.url)], replyPolicy: ReplyTesting.policy) { gateway in
            let first = try await gateway.postMessage(ReplyTesting.message("m-1"), channel: "generic-reply")
            let number = try #require(first.json["tracking_number"] as? String)
            let second = try await gateway.postMessage(ReplyTesting.message("m-2"), channel: "generic-reply")
            #expect(second.json["duplicate"] as? Bool == true)
            let messages = try await gateway.get("/api/v1/complaints/\(number)/messages").json["items"] as? [[String: Any]] ?? []
            let merged = try #require(messages.first { $0["merged"] as? Bool == true }?["message_id"] as? Int)
            let mergedNumber = try await gateway.server.database.read { $0.trackingNumbers.number(for: Int64(merged)).description }
            #expect(mergedNumber != number)

            _ = try await gateway.postMessage(ReplyTesting.message("ask-1", text: "CEK \(mergedNumber)"), channel: "generic-reply")
            let items = try await ReplyTesting.waitForReplies(gateway) { $0.contains { $0["kind"] as? String == "status" } }
            let answer = try #require(items.first { $0["kind"] as? String == "status" }?["text"] as? String)
            #expect(answer.contains(number))
            // The resend got the earlier number back, as a duplicate reply.
            #expect(items.contains { $0["kind"] as? String == "duplicate" && ($0["text"] as? String)?.contains(number) == true })
        }
    }
}
