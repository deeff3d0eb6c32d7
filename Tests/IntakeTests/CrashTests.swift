import Foundation
import GenericAdapter
import IntakeHTTPClient
import Testing

/// SIGKILL the real server while signed requests are in flight, restart it, and check that every request
/// that got a success answer is stored exactly once, with the tracking number it was given.
@Suite("CrashTests")
struct CrashTests {
    static let workers = 8
    static let acknowledgedBeforeKill = 400

    @Test func everyAcknowledgedMessageSurvivesSIGKILLExactlyOnce() async throws {
        let directory = try TemporaryDirectory("intake-crash")
        defer { directory.remove() }
        let config = try IntakeBinary.writeConfig(in: directory)
        let server = try await ServerProcess.start(config: config, logPath: directory.appending("first.log"))
        let acknowledged = AcknowledgmentLog()
        let client = HTTPClient()
        let url = "http://127.0.0.1:\(server.port)/webhooks/generic"

        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<Self.workers {
                group.addTask {
                    // Each worker sends until the server dies under it; bounded by count as well.
                    for sequence in 0..<2_000 {
                        let id = "crash-\(worker)-\(sequence)"
                        let body = Self.body(id: id, worker: worker, sequence: sequence)
                        let request = HTTPClientRequest(method: "POST", url: url, headers: [
                            ("Content-Type", "application/json"),
                            (GenericAdapter.signatureHeader, GenericAdapter.signature(secret: RunningGateway.secret, body: body)),
                        ], body: body, timeout: .seconds(10))
                        guard let response = try? await client.send(request) else { return }
                        guard response.status == 200,
                              let number = response.json["tracking_number"] as? String else { return }
                        await acknowledged.record(id, number)
                    }
                }
            }
            group.addTask {
                for _ in 0..<3_000 where await acknowledged.count < Self.acknowledgedBeforeKill {
                    try await Task.sleep(for: .milliseconds(5))
                }
                server.kill()
            }
            try await group.waitForAll()
        }

        let acks = await acknowledged.numbers
        #expect(acks.count >= Self.acknowledgedBeforeKill, "the load should have been acknowledged before the kill")

        let restarted = try await ServerProcess.start(config: config, logPath: directory.appending("second.log"))
        let stored = try await Self.allComplaints(port: restarted.port, client: client)
        var byExternalID: [String: [String]] = [:]
        for complaint in stored {
            byExternalID[complaint["external_id"] as? String ?? "", default: []].append(complaint["tracking_number"] as? String ?? "")
        }
        for (id, number) in acks {
            #expect(byExternalID[id] == [number], "acknowledged \(id) as \(number) but stored \(byExternalID[id] ?? [])")
        }
        #expect(byExternalID.values.allSatisfy { $0.count == 1 }, "no message may be stored twice")

        // The provider retries what it sent around the crash: each answer repeats the stored number.
        for (id, number) in acks.sorted(by: { $0.key < $1.key }).prefix(40) {
            let parts = id.split(separator: "-")
            let body = Self.body(id: id, worker: Int(parts[1])!, sequence: Int(parts[2])!)
            let retry = try await client.send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(restarted.port)/webhooks/generic", headers: [
                (GenericAdapter.signatureHeader, GenericAdapter.signature(secret: RunningGateway.secret, body: body)),
            ], body: body))
            #expect(retry.json["duplicate"] as? Bool == true)
            #expect(retry.json["tracking_number"] as? String == number)
        }
        #expect(await restarted.terminated() == 0, "SIGTERM should drain and exit cleanly")
    }

    static func body(id: String, worker: Int, sequence: Int) -> [UInt8] {
        let text = "Laporan \(worker)/\(sequence): antrean kendaraan di Pelabuhan Merak mengular \(sequence % 9 + 2) km, tdk ada petugas."
        let object: [String: Any] = ["id": id, "from": "+62812\(String(format: "%04d%03d", worker, sequence))", "text": text]
        return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    static func allComplaints(port: Int, client: HTTPClient) async throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        var cursor: String?
        for _ in 0..<1_000 {
            let url = "http://127.0.0.1:\(port)/api/v1/complaints?limit=500" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await client.send(HTTPClientRequest(url: url, headers: [("Authorization", "Bearer \(RunningGateway.adminToken)")])).json
            items += page["items"] as? [[String: Any]] ?? []
            cursor = page["next_cursor"] as? String
            if cursor == nil { break }
        }
        return items
    }
}

/// Which message ids got a success answer, and with which tracking number.
actor AcknowledgmentLog {
    private(set) var numbers: [String: String] = [:]

    var count: Int { numbers.count }

    func record(_ id: String, _ number: String) {
        numbers[id] = number
    }
}
