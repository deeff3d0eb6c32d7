import Foundation
import IntakeHTTPClient
import Testing

/// `/healthz` (the process is alive) and `/readyz` (it can take traffic): after a failed flush nothing more
/// is acknowledged and readiness fails until a restart.
@Suite("HealthTests")
struct HealthTests {
    static var report: [String: Any] { ["id": "H-1", "from": "0812-3456-7890", "text": "Antrean BBM mengular di SPBU Jl. Magelang."] }

    @Test func freshGatewayIsAliveAndReady() async throws {
        try await RunningGateway.with { gateway in
            let health = try await gateway.get("/healthz", token: nil)
            #expect(health.status == 200)
            #expect(health.json["status"] as? String == "alive")
            #expect(health.json["journal_pending"] as? Int == 0)
            let ready = try await gateway.get("/readyz", token: nil)
            #expect(ready.status == 200)
            #expect(ready.json["status"] as? String == "ready")
        }
    }

    @Test func afterAFailedFlushNothingIsAcknowledgedAndReadinessFailsUntilRestart() async throws {
        try await RunningGateway.with { gateway in
            #expect(try await gateway.postMessage(Self.report).status == 200)
            gateway.server.database.injectFlushFailure()

            var message = Self.report
            message["id"] = "H-2"
            message["from"] = "0813-1111-2222"
            let refused = try await gateway.postMessage(message)
            #expect(refused.status == 503)
            #expect(refused.header("Retry-After") != nil)
            #expect(gateway.server.database.failure != nil)

            // Sticky: every later probe and every later message is refused, however often one asks.
            for attempt in 0..<3 {
                let ready = try await gateway.get("/readyz", token: nil)
                #expect(ready.status == 503, "probe \(attempt)")
                #expect(ready.header("Retry-After") != nil)
                #expect(ready.json["status"] as? String == "unavailable")
                #expect((ready.json["reason"] as? String)?.contains("restart") == true)
            }
            message["id"] = "H-3"
            let later = try await gateway.postMessage(message)
            #expect(later.status == 503)
            #expect(later.header("Retry-After") != nil)
            let pushed = try await gateway.client.send(HTTPClientRequest(
                method: "POST", url: "\(gateway.baseURL)/api/v1/ingest/generic",
                headers: [("Authorization", "Bearer \(RunningGateway.adminToken)")],
                body: Array(try JSONSerialization.data(withJSONObject: message))
            ))
            #expect(pushed.status == 503)
            #expect(pushed.header("Retry-After") != nil)

            let health = try await gateway.get("/healthz", token: nil)
            #expect(health.status == 200, "the process is still alive; only readiness fails")
            #expect(health.json["status"] as? String == "alive")
        }
    }

    @Test func readinessFailsWhileAMigrationIsMissing() async throws {
        try await RunningGateway.with { gateway in
            try await gateway.server.database.write { try $0.execute("DELETE FROM schema_migrations WHERE version = 2") }
            let ready = try await gateway.get("/readyz", token: nil)
            #expect(ready.status == 503)
            #expect(ready.json["reason"] as? String == "migrations not applied: 2")
        }
    }

    @Test func manyProbesAtOnceAllAnswerReady() async throws {
        try await RunningGateway.with { gateway in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await gateway.get("/readyz", token: nil).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 20))
        }
    }
}
