import Foundation
import IntakeConfig
import IntakeCore
import IntakeHTTPClient
import Synchronization
import Testing

/// The push to a real routing core stand-in on 127.0.0.1: refused connections, 500, 429 with `Retry-After`,
/// a 400 parked as dead, order per complaint, the anonymous reporter stripped.
@Suite("HandoffRelayTests", .timeLimit(.minutes(2)))
struct HandoffRelayTests {
    static let secret = "routing-secret-3b7d51e0c2"
    /// Fast retries so the scripted failures pass in seconds; the cap keeps a refused core from stretching the test.
    static let policy = HandoffPolicy(baseDelay: 0.1, maxDelay: 2, rescanInterval: 0.5)

    static func routing(_ standIn: RoutingCoreStandIn) -> RoutingSettings {
        RoutingSettings(url: standIn.url, secret: secret, timeoutSeconds: 5)
    }

    /// A generic-webhook complaint whose text shares nothing with the others, so dedup keeps it apart.
    static func complaint(_ number: Int, anonymous: Bool = false, text: String? = nil) -> [String: Any] {
        let topics = ["jalan berlubang", "lampu jalan padam", "sampah menumpuk", "pungli di kelurahan", "banjir di kecamatan",
                      "antrean BPJS", "calo tiket kapal", "bus tidak laik jalan"]
        return [
            "id": "handoff-\(number)", "from": "0812-7000-\(String(format: "%04d", number))", "name": "Pelapor Nomor \(number)",
            "text": text ?? "Laporan \(number): \(topics[number % topics.count]) sejak minggu lalu, mohon ditindaklanjuti.",
            "anonymous": anonymous,
        ]
    }

    @Test func everyComplaintArrivesThroughRefusalsServerErrorsAndRateLimitsAndA400IsParkedDead() async throws {
        let answered = Mutex(0)
        let standIn = try RoutingCoreStandIn(secret: Self.secret) { request, _ in
            if request.complaint["external_id"] as? String == "handoff-3" {
                return .status(400, body: #"{"error":"unknown agency"}"#)
            }
            switch answered.withLock({ count in defer { count += 1 }; return count }) {
            case 0: return .status(500, body: "database down")
            case 1: return .status(429, headers: [("Retry-After", "1")])
            default: return .status(200)
            }
        }
        defer { standIn.stop() }
        try await RunningGateway.with(routing: Self.routing(standIn), handoffPolicy: Self.policy) { gateway in
            for number in 1...5 {
                #expect(try await Self.post(Self.complaint(number), to: gateway).status == 200)
            }
            // The core is down (nothing listens): deliveries are refused and retried, intake goes on.
            #expect(try await Self.waitForMetric(gateway, outcome: "retry") { $0 >= 1 })
            standIn.listen()

            let delivered = try await standIn.waitUntil { received in
                Set(received.filter { $0.answered == 200 }.compactMap { $0.complaint["external_id"] as? String })
                    == ["handoff-1", "handoff-2", "handoff-4", "handoff-5"]
            }
            #expect(delivered, "every complaint but the refused one arrives")
            let dead = try await Self.waitForDead(gateway)
            let received = standIn.received
            let refused = try #require(received.first { $0.answered == 400 })
            #expect(dead.count == 1)
            #expect(dead.first?["id"] as? Int == refused.eventID.map(Int.init))
            #expect(dead.first?["last_status"] as? Int == 400)
            #expect(dead.first?["type"] as? String == "complaint.created")
            #expect((dead.first?["last_error"] as? String)?.contains("unknown agency") == true)
            #expect(dead.first?["complaint_id"] as? String == refused.complaintID)

            #expect(received.allSatisfy { $0.signatureValid }, "every request is signed with routing.secret")
            #expect(received.allSatisfy { $0.idempotencyKey == $0.eventID.map(String.init) && $0.eventType == $0.type })
            for failed in received where failed.answered == 500 || failed.answered == 429 {
                let again = received.first { $0.idempotencyKey == failed.idempotencyKey && $0.answered == 200 }
                #expect(again != nil, "the event answered \(failed.answered ?? 0) is redelivered under the same key")
                if failed.answered == 429, let again {
                    #expect(again.arrivedAt - failed.arrivedAt >= .milliseconds(950), "Retry-After: 1 is honoured")
                }
            }
            #expect(Set(received.compactMap(\.idempotencyKey)).count == 5, "five events, whatever the redeliveries")

            let state = try await gateway.get("/api/v1/handoff").json
            #expect(state["pending"] as? Int == 0)
            #expect(state["delivered"] as? Int == 4)
            #expect(state.keys.contains("oldest_pending_age_seconds"))
            #expect(try await Self.metric(gateway, outcome: "delivered") == 4)
            #expect(try await Self.metric(gateway, outcome: "dead") == 1)
            #expect(try await Self.metric(gateway, outcome: "retry") ?? 0 >= 3)
            let handedOff = try #require(received.first { $0.answered == 200 }?.complaintID)
            #expect(try await gateway.get("/api/v1/complaints/\(handedOff)").json["status"] as? String == "handed_off")
        }
    }

    @Test func aMergedMessageIsHandedOffOnlyAfterItsComplaintsCreatedEvent() async throws {
        let failedOnce = Mutex(false)
        let standIn = try RoutingCoreStandIn(secret: Self.secret) { request, _ in
            // The created event fails once; the updated event must wait for its redelivery.
            if request.type == "complaint.created", !failedOnce.withLock({ failed in defer { failed = true }; return failed }) {
                return .status(503)
            }
            return .status(200)
        }
        standIn.listen()
        defer { standIn.stop() }
        try await RunningGateway.with(routing: Self.routing(standIn), handoffPolicy: Self.policy) { gateway in
            let first = Self.complaint(1)
            var resend = first
            resend["id"] = "handoff-1-again"
            #expect(try await Self.post(first, to: gateway).status == 200)
            let again = try await Self.post(resend, to: gateway)
            #expect(again.json["duplicate"] as? Bool == true)

            #expect(try await standIn.waitUntil { $0.filter { $0.answered == 200 }.count == 2 })
            let sequence = standIn.received.map { "\($0.type ?? "?") \($0.answered ?? 0)" }
            #expect(sequence == ["complaint.created 503", "complaint.created 200", "complaint.updated 200"])
            let ids = standIn.received.compactMap(\.eventID)
            #expect(ids[0] == ids[1] && ids[1] < ids[2])
            #expect(Set(standIn.received.compactMap(\.complaintID)).count == 1, "both events are about the one complaint")
        }
    }

    @Test func anAnonymousReportersIdentityNeverReachesTheRoutingCore() async throws {
        let standIn = try RoutingCoreStandIn(secret: Self.secret)
        standIn.listen()
        defer { standIn.stop() }
        try await RunningGateway.with(routing: Self.routing(standIn), handoffPolicy: Self.policy) { gateway in
            var message = Self.complaint(7, anonymous: true)
            message["from"] = "0812-9988-7766"
            message["name"] = "Budi Santoso"
            #expect(try await Self.post(message, to: gateway).status == 200)
            #expect(try await standIn.waitUntil { $0.contains { $0.answered == 200 } })
            let payload = try #require(standIn.received.first)
            #expect(!payload.bodyText.contains("9988"))
            #expect(!payload.bodyText.contains("Budi"))
            #expect(!payload.bodyText.contains("handoff-7"), "the provider's message id can carry the sender")
            #expect((payload.complaint["reporter"] as? [String: Any])?["address"] as? String == "anonymous")
            #expect(payload.complaint["anonymous"] as? Bool == true)
            #expect(payload.json["occurred_at"] is String)
        }
    }

    // MARK: - Helpers

    /// Posts a complaint and reads it back: reading settles what was acknowledged before (a new reporter's
    /// message is otherwise processed behind the answer, when the processing service gets to it).
    @discardableResult
    static func post(_ message: [String: Any], to gateway: RunningGateway) async throws -> HTTPClientResponse {
        let response = try await gateway.postMessage(message)
        if let number = response.json["tracking_number"] as? String {
            _ = try await gateway.get("/api/v1/complaints/\(number)")
        }
        return response
    }

    /// `intake_handoff_events_total{outcome=…}` from `/metrics`, nil while the series has no sample.
    static func metric(_ gateway: RunningGateway, outcome: String) async throws -> Int? {
        let text = try await gateway.get("/metrics").text
        let prefix = #"intake_handoff_events_total{outcome="\#(outcome)"} "#
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) }
    }

    static func waitForMetric(_ gateway: RunningGateway, outcome: String, _ condition: (Int) -> Bool) async throws -> Bool {
        for _ in 0..<1_000 {
            if let value = try await metric(gateway, outcome: outcome), condition(value) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The dead events of `GET /api/v1/handoff`, once there is one (bounded).
    static func waitForDead(_ gateway: RunningGateway) async throws -> [[String: Any]] {
        for _ in 0..<1_000 {
            let dead = try await gateway.get("/api/v1/handoff").json["dead"] as? [[String: Any]] ?? []
            if !dead.isEmpty { return dead }
            try await Task.sleep(for: .milliseconds(20))
        }
        return []
    }
}
