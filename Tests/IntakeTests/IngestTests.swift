import Foundation
import IntakeHTTPClient
import IntakeModel
import Testing

/// `intake ingest` and `POST /api/v1/ingest/{channel_id}`: a pushed message goes through the running
/// server, meets the same dedup index as webhook traffic, and the exit code tells an MTA what to do.
@Suite("IngestTests")
struct IngestTests {
    static var report: [String: Any] { [
        "id": "WH-1", "from": "0812-3456-7890",
        "text": "Jalan berlubang di depan SDN 3 Kec. Depok, sdh 2 motor jatuh. Mhn segera diperbaiki.",
    ] }

    /// A configuration `intake ingest` reads to find `gateway` (its port and admin token).
    static func config(for gateway: RunningGateway, in directory: TemporaryDirectory) throws -> String {
        try IntakeBinary.writeConfig(in: directory, port: gateway.port)
    }

    @Test func ingestedMessageMeetsTheSameIndexAsWebhookTraffic() async throws {
        try await RunningGateway.with { gateway in
            let directory = try TemporaryDirectory("intake-ingest")
            defer { directory.remove() }
            let config = try Self.config(for: gateway, in: directory)
            let webhook = try await gateway.postMessage(Self.report)
            #expect(webhook.status == 200)
            let number = try #require(webhook.json["tracking_number"] as? String)

            // Same reporter, same text, another provider id: a duplicate only if ingest meets the server's index.
            var pushed = Self.report
            pushed["id"] = "MTA-1"
            let body = try JSONSerialization.data(withJSONObject: pushed, options: [.sortedKeys])
            let result = try await IntakeBinary.run(["ingest", "--config", config, "--channel", "generic"], input: Array(body))
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stdout == "\(number) duplicate\n")

            var other = Self.report
            other["id"] = "MTA-2"
            other["from"] = "warga@example.co.id"
            other["text"] = "Lampu jalan mati sepanjang Jl. Margonda sejak seminggu."
            let fresh = try await IntakeBinary.run(
                ["ingest", "--config", config, "--channel", "generic"],
                input: Array(try JSONSerialization.data(withJSONObject: other, options: [.sortedKeys]))
            )
            #expect(fresh.status == 0, "stderr: \(fresh.stderr)")
            let freshNumber = fresh.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(TrackingNumber(parsing: freshNumber) != nil, "stdout should be one tracking number, was \(fresh.stdout)")
            // 200 once processed, 202 while journaled and awaiting processing: stored either way.
            let stored = try await gateway.get("/api/v1/complaints/\(freshNumber)").status
            #expect(stored == 200 || stored == 202)
            // The ingest process never opened the database: it could not have, nor did it need the index.
            #expect(!FileManager.default.fileExists(atPath: directory.appending("data")))
        }
    }

    @Test func withoutARunningServerIngestAsksTheMTAToRetry() async throws {
        let directory = try TemporaryDirectory("intake-ingest")
        defer { directory.remove() }
        let config = try IntakeBinary.writeConfig(in: directory, port: try FreePort.pick())
        let message = Array(#"{"id":"mta-1","from":"081298765432","text":"Sampah menumpuk."}"#.utf8)
        let started = ContinuousClock.now
        let result = try await IntakeBinary.run(["ingest", "--config", config, "--channel", "generic"], input: message)
        #expect(result.status == 75, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("no server answered"))
        #expect(ContinuousClock.now - started < .seconds(20), "a refused connection is answered at once, not after the timeout")
        #expect(!FileManager.default.fileExists(atPath: directory.appending("data")), "ingest must not open storage itself")
    }

    @Test func whenTheServerCannotStoreIngestAsksTheMTAToRetry() async throws {
        try await RunningGateway.with { gateway in
            let directory = try TemporaryDirectory("intake-ingest")
            defer { directory.remove() }
            let config = try Self.config(for: gateway, in: directory)
            gateway.server.database.injectFlushFailure()
            let body = try JSONSerialization.data(withJSONObject: Self.report, options: [.sortedKeys])
            let result = try await IntakeBinary.run(["ingest", "--config", config, "--channel", "generic"], input: Array(body))
            #expect(result.status == 75, "stderr: \(result.stderr)")
            #expect(result.stdout.isEmpty, "nothing was acknowledged")
        }
    }

    struct RefusalCase: Sendable, CustomStringConvertible {
        var description: String
        var channel = "generic"
        var body: String
        var token = RunningGateway.adminToken
        var status: Int32
    }

    static let refusals: [RefusalCase] = [
        RefusalCase(description: "malformed message (EX_DATAERR)", body: #"{"id":"x","text":"tanpa pengirim"}"#, status: 65),
        RefusalCase(description: "unknown channel (EX_NOUSER)", channel: "mailbox-x", body: #"{"id":"x","from":"0812","text":"x"}"#, status: 67),
        RefusalCase(description: "over the channel's limit (EX_DATAERR)", channel: "small",
                    body: #"{"id":"x","from":"081298765432","text":"\#(String(repeating: "a", count: 2000))"}"#, status: 65),
        RefusalCase(description: "a token the server refuses (EX_CONFIG)", body: #"{"id":"x","from":"081298765432","text":"x"}"#,
                    token: "not-the-token", status: 78),
    ]

    @Test(arguments: refusals)
    func refusalsMapToExitCodes(_ refusal: RefusalCase) async throws {
        try await RunningGateway.with { gateway in
            let directory = try TemporaryDirectory("intake-ingest")
            defer { directory.remove() }
            var config = try String(contentsOfFile: Self.config(for: gateway, in: directory), encoding: .utf8)
            config = config.replacingOccurrences(of: RunningGateway.adminToken, with: refusal.token)
            let path = directory.appending("refusal.yaml")
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try await IntakeBinary.run(["ingest", "--config", path, "--channel", refusal.channel], input: Array(refusal.body.utf8))
            #expect(result.status == refusal.status, "stderr: \(result.stderr)")
            #expect(result.stdout.isEmpty)
            let complaints = try await gateway.get("/api/v1/complaints")
            #expect((complaints.json["items"] as? [Any])?.count == 0, "a refused message stores nothing")
        }
    }

    @Test func ingestRouteAnswersReceiptsAndNeedsTheAdminToken() async throws {
        try await RunningGateway.with { gateway in
            let body = Array(try JSONSerialization.data(withJSONObject: Self.report, options: [.sortedKeys]))
            let url = "\(gateway.baseURL)/api/v1/ingest/generic"
            let anonymous = try await gateway.client.send(HTTPClientRequest(method: "POST", url: url, body: body))
            #expect(anonymous.status == 401)
            let authorization = [("Authorization", "Bearer \(RunningGateway.adminToken)")]
            let first = try await gateway.client.send(HTTPClientRequest(method: "POST", url: url, headers: authorization, body: body))
            let again = try await gateway.client.send(HTTPClientRequest(method: "POST", url: url, headers: authorization, body: body))
            #expect(first.status == 200)
            let receipts = try #require(first.json["receipts"] as? [[String: Any]])
            #expect(receipts.count == 1)
            #expect(receipts.first?["duplicate"] as? Bool == false)
            #expect(TrackingNumber(parsing: receipts.first?["tracking_number"] as? String ?? "") != nil)
            #expect((again.json["receipts"] as? [[String: Any]])?.first?["duplicate"] as? Bool == true)
            // Pushed messages are counted with the channel's webhook traffic.
            let metrics = try await gateway.get("/metrics", token: nil).text
            #expect(metrics.contains(#"intake_messages_accepted_total{channel="generic"} 1"#))
            #expect(metrics.contains(#"intake_messages_duplicate_total{channel="generic"} 1"#))
        }
    }
}

/// A loopback port nothing listens on: bound to port 0 to learn one, then closed.
enum FreePort {
    static func pick() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerProcessError(message: "socket failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ServerProcessError(message: "bind failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw ServerProcessError(message: "getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
