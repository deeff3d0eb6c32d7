import Foundation
import GenericAdapter
import IntakeHTTPClient
import Synchronization
import Testing

/// The handoff of the real `intake` binary: SIGKILLed mid-delivery it loses nothing, and an operator re-drives a
/// dead event with `intake handoff retry`.
@Suite("HandoffProcessTests", .timeLimit(.minutes(3)))
struct HandoffProcessTests {
    static let complaints = 12

    static func config(in directory: TemporaryDirectory, standIn: RoutingCoreStandIn) throws -> String {
        try IntakeBinary.writeConfig(in: directory, extraChannels: """
            routing:
              url: \(standIn.url)
              secret: \(HandoffRelayTests.secret)
              timeout_seconds: 30
            """)
    }

    /// Posts `count` complaints to the running binary; returns their tracking numbers by provider id.
    static func post(_ numbers: ClosedRange<Int>, prefix: String, port: Int) async throws -> [String: String] {
        let client = HTTPClient()
        var tracking: [String: String] = [:]
        for number in numbers {
            var message = HandoffRelayTests.complaint(number)
            message["id"] = "\(prefix)-\(number)"
            let body = Array(try JSONSerialization.data(withJSONObject: message, options: [.sortedKeys]))
            let response = try await client.send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/webhooks/generic", headers: [
                ("Content-Type", "application/json"),
                (GenericAdapter.signatureHeader, GenericAdapter.signature(secret: RunningGateway.secret, body: body)),
            ], body: body))
            tracking["\(prefix)-\(number)"] = try #require(response.json["tracking_number"] as? String)
        }
        // Reading a complaint settles every message acknowledged before it (new reporters' messages are
        // processed behind the answer), so the deliveries start now rather than when processing gets to them.
        let last = try #require(tracking["\(prefix)-\(numbers.upperBound)"])
        _ = try await client.send(HTTPClientRequest(
            url: "http://127.0.0.1:\(port)/api/v1/complaints/\(last)", headers: [("Authorization", "Bearer \(RunningGateway.adminToken)")]
        ))
        return tracking
    }

    @Test func noComplaintIsLostWhenTheGatewayIsKilledMidDelivery() async throws {
        let directory = try TemporaryDirectory("intake-handoff-kill")
        defer { directory.remove() }
        let holding = Mutex(true)
        // Before the kill every request is held open: deliveries are under way when the process dies.
        let standIn = try RoutingCoreStandIn(secret: HandoffRelayTests.secret) { _, _ in holding.withLock { $0 } ? .hold : .status(200) }
        standIn.listen()
        defer { standIn.stop() }
        let config = try Self.config(in: directory, standIn: standIn)
        let first = try await ServerProcess.start(config: config, logPath: directory.appending("first.log"))
        let tracking = try await Self.post(1...Self.complaints, prefix: "kill", port: first.port)
        #expect(try await standIn.waitUntil { $0.contains(where: \.held) }, "a delivery is in flight")
        first.kill()
        holding.withLock { $0 = false }
        standIn.releaseHeld()
        let heldKeys = Set(standIn.received.filter(\.held).compactMap(\.idempotencyKey))

        let second = try await ServerProcess.start(config: config, logPath: directory.appending("second.log"))
        let arrived = try await standIn.waitUntil(timeout: .seconds(60)) { received in
            Set(received.filter { !$0.held && $0.answered == 200 }.compactMap { $0.complaint["tracking_number"] as? String })
                == Set(tracking.values)
        }
        #expect(arrived, "every complaint's created event arrives after the restart; log:\n\(second.log)")
        let received = standIn.received
        #expect(!heldKeys.isEmpty)
        for key in heldKeys {
            let again = received.filter { !$0.held && $0.idempotencyKey == key }
            #expect(again.count >= 1, "the event \(key) in flight at the kill is redelivered under the same key")
            #expect(Set(again.map(\.eventID)) == Set(received.filter { $0.held && $0.idempotencyKey == key }.map(\.eventID)))
        }
        let created = received.filter { $0.type == "complaint.created" }
        #expect(Set(created.compactMap(\.idempotencyKey)).count == Self.complaints, "one created event per complaint, however often sent")
        #expect(received.allSatisfy { $0.signatureValid && $0.idempotencyKey == $0.eventID.map(String.init) })
        #expect(await second.terminated() == 0)
    }

    @Test func aRefusedEventIsParkedDeadAndHandoffRetrySendsItAgain() async throws {
        let directory = try TemporaryDirectory("intake-handoff-retry")
        defer { directory.remove() }
        let refusing = Mutex(true)
        let standIn = try RoutingCoreStandIn(secret: HandoffRelayTests.secret) { request, _ in
            request.complaint["external_id"] as? String == "retry-2" && refusing.withLock({ $0 })
                ? .status(400, body: #"{"error":"instansi tidak dikenal"}"#) : .status(200)
        }
        standIn.listen()
        defer { standIn.stop() }
        let config = try Self.config(in: directory, standIn: standIn)
        let server = try await ServerProcess.start(config: config, logPath: directory.appending("serve.log"))
        _ = try await Self.post(1...3, prefix: "retry", port: server.port)
        let client = HTTPClient()
        let stateRequest = HTTPClientRequest(
            url: "http://127.0.0.1:\(server.port)/api/v1/handoff", headers: [("Authorization", "Bearer \(RunningGateway.adminToken)")]
        )
        var state: [String: Any] = [:]
        for _ in 0..<1_500 {
            state = try await client.send(stateRequest).json
            if (state["dead"] as? [Any])?.count == 1 && state["delivered"] as? Int == 2 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let dead = try #require((state["dead"] as? [[String: Any]])?.first, "\(state)\n\(server.log)")
        #expect(dead["last_status"] as? Int == 400)
        #expect((dead["last_error"] as? String)?.contains("instansi tidak dikenal") == true)
        let id = try #require(dead["id"] as? Int)

        #expect(try await IntakeBinary.run(["handoff", "retry", "--config", config]).status == 64, "--event or --all-dead is required")
        #expect(try await IntakeBinary.run(["handoff", "retry", "--event", "9999", "--config", config]).status == 65)
        refusing.withLock { $0 = false }
        let retried = try await IntakeBinary.run(["handoff", "retry", "--event", "\(id)", "--config", config])
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stdout.contains("event \(id) queued again"))

        // The running server finds the re-queued event at its next rescan (5 s).
        #expect(try await standIn.waitUntil { $0.contains { $0.idempotencyKey == String(id) && $0.answered == 200 } })
        let attempts = standIn.received.filter { $0.idempotencyKey == String(id) }.map(\.answered)
        #expect(attempts == [400, 200])
        for _ in 0..<500 {
            state = try await client.send(stateRequest).json
            if state["delivered"] as? Int == 3 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect((state["dead"] as? [Any])?.isEmpty == true)
        #expect(state["delivered"] as? Int == 3, "\(state)\n\(server.log)")
        #expect(await server.terminated() == 0)
    }
}
