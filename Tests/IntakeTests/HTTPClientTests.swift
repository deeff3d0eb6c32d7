import Foundation
import IntakeHTTPClient
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The HTTP client against a real loopback server (`fixtures/http/echo_server.py`), which answers
/// every request with JSON describing what it received.
@Suite struct HTTPClientTests {
    let client = HTTPClient()

    @Test func getRoundTripEchoesMethodPathAndHeaders() async throws {
        try await EchoServer.with { server in
            let response = try await client.send(HTTPClientRequest(
                url: server.url("/complaints?status=open"),
                headers: [("X-Request-ID", "req-42"), ("Accept", "application/json")]
            ))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json; charset=utf-8")
            #expect(response.header("X-ECHO-METHOD") == "GET")
            #expect(response.headers.filter { $0.name == "X-Repeated" }.map(\.value) == ["first", "second"])
            let echo = try Echo(response)
            #expect(echo.method == "GET")
            #expect(echo.path == "/complaints?status=open")
            #expect(echo.header("X-Request-ID") == "req-42")
            #expect(echo.header("Accept") == "application/json")
            #expect(echo.body.isEmpty)
        }
    }

    @Test func postSendsBodyByteForByteWithoutExpectContinue() async throws {
        try await EchoServer.with { server in
            let json = #"{"laporan":"Jalan berlubang di Jl. Kaliurang km 7, sudah 3 bulan 🚧"}"#
            let response = try await client.send(HTTPClientRequest(
                method: "POST",
                url: server.url("/api/v1/complaints"),
                headers: [("Content-Type", "application/json")],
                body: Array(json.utf8)
            ))
            #expect(response.status == 200)
            let echo = try Echo(response)
            #expect(echo.method == "POST")
            #expect(echo.body == json)
            #expect(echo.header("Content-Length") == String(json.utf8.count))
            #expect(echo.header("Content-Type") == "application/json")
            #expect(echo.header("Expect") == nil)
        }
    }

    @Test func bodyWithoutContentTypeIsNotLabelledAsAForm() async throws {
        try await EchoServer.with { server in
            let response = try await client.send(HTTPClientRequest(method: "POST", url: server.url("/raw"), body: Array("a=b".utf8)))
            let echo = try Echo(response)
            #expect(echo.body == "a=b")
            #expect(echo.header("Content-Type") == nil)
        }
    }

    @Test(arguments: [
        (method: "PUT", body: "status=selesai"),
        (method: "PATCH", body: ""),
        (method: "DELETE", body: ""),
        (method: "OPTIONS", body: ""),
    ])
    func otherMethodsAreSentAsGiven(method: String, body: String) async throws {
        try await EchoServer.with { server in
            let response = try await client.send(HTTPClientRequest(method: method, url: server.url("/item/7"), body: Array(body.utf8)))
            #expect(response.status == 200)
            let echo = try Echo(response)
            #expect(echo.method == method)
            #expect(echo.body == body)
        }
    }

    @Test func headRequestReturnsHeadersWithoutBody() async throws {
        try await EchoServer.with { server in
            let response = try await client.send(HTTPClientRequest(method: "HEAD", url: server.url("/health")))
            #expect(response.status == 200)
            #expect(response.header("X-Echo-Method") == "HEAD")
            #expect(response.body.isEmpty)
        }
    }

    @Test(arguments: [201, 400, 401, 404, 422, 500, 503])
    func errorStatusesAreResponsesNotErrors(status: Int) async throws {
        try await EchoServer.with { server in
            let response = try await client.send(HTTPClientRequest(url: server.url("/status/\(status)")))
            #expect(response.status == status)
            #expect(try Echo(response).path == "/status/\(status)")
        }
    }

    @Test func connectionRefusedIsATransportError() async throws {
        // A socket bound but not listening owns the port, so nothing else can take it meanwhile,
        // and the kernel refuses connections to it.
        let port = try ClosedPort()
        defer { port.release() }
        let error = await #expect(throws: HTTPClientError.self) {
            _ = try await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port.number)/", timeout: .seconds(5)))
        }
        guard case .transport(let code, let message) = error else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
        #expect(code == 7)  // CURLE_COULDNT_CONNECT
        #expect(message.contains("onnect"))
    }

    @Test func serverClosingTheConnectionIsATransportError() async throws {
        try await EchoServer.with { server in
            let error = await #expect(throws: HTTPClientError.self) {
                _ = try await client.send(HTTPClientRequest(method: "POST", url: server.url("/close"), body: Array("x".utf8)))
            }
            guard case .transport(let code, _) = error else {
                Issue.record("expected a transport error, got \(String(describing: error))")
                return
            }
            #expect(code == 52)  // CURLE_GOT_NOTHING
        }
    }

    @Test func serverKilledWithRequestsInFlightFailsEachRequestCleanly() async throws {
        try await EchoServer.with { server in
            let outcomes = await withTaskGroup(of: HTTPClientError?.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        do throws(HTTPClientError) {
                            _ = try await client.send(HTTPClientRequest(
                                method: "POST", url: server.url("/slow/5000"), body: Array("laporan \(index)".utf8), timeout: .seconds(10)
                            ))
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                // Killed once the server holds all eight, so each transfer is cut mid-request.
                try? await eventually { try await server.slowRequestsInFlight() == 8 }
                server.kill()
                var outcomes: [HTTPClientError?] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.count == 8)
            for outcome in outcomes {
                guard case .transport = outcome else {
                    Issue.record("expected a transport error, got \(String(describing: outcome))")
                    continue
                }
            }
        }
    }

    @Test func slowServerTimesOut() async throws {
        try await EchoServer.with { server in
            let started = ContinuousClock.now
            let error = await #expect(throws: HTTPClientError.self) {
                _ = try await client.send(HTTPClientRequest(url: server.url("/slow/20000"), timeout: .milliseconds(300)))
            }
            #expect(error?.isTimeout == true)
            // Far below the server's 20 s, with room for a loaded machine running tests in parallel.
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        try await EchoServer.with { server in
            let task = Task { try await client.send(HTTPClientRequest(url: server.url("/slow/20000"))) }
            // Cancelled only once the server holds the request, so the transfer itself is what gets aborted.
            try await eventually { try await server.slowRequestsInFlight() == 1 }
            let cancelled = ContinuousClock.now
            task.cancel()
            let result = await task.result
            guard case .failure(let error) = result, case .cancelled? = error as? HTTPClientError else {
                Issue.record("expected cancellation, got \(result)")
                return
            }
            // The transfer polls for cancellation about once a second; far below the server's 20 s.
            #expect(ContinuousClock.now - cancelled < .seconds(5))
        }
    }

    @Test func concurrentRequestsEachGetTheirOwnResponse() async throws {
        try await EchoServer.with { server in
            let paths = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let response = try await client.send(HTTPClientRequest(url: server.url("/laporan/\(index)")))
                        return (index, try Echo(response).path)
                    }
                }
                var paths: [Int: String] = [:]
                for try await (index, path) in group { paths[index] = path }
                return paths
            }
            #expect(paths.count == 20)
            #expect(paths.allSatisfy { $0.value == "/laporan/\($0.key)" })
        }
    }

    @Test(arguments: [
        HTTPClientRequest(url: "file:///etc/passwd"),
        HTTPClientRequest(url: "http://127.0.0.1:1/", headers: [("X-Injected", "a\r\nHost: evil")]),
        HTTPClientRequest(url: "http://127.0.0.1:1/", headers: [("Bad Name", "v")]),
        HTTPClientRequest(method: "GET /x", url: "http://127.0.0.1:1/"),
    ])
    func unsafeRequestsAreRefusedBeforeSending(request: HTTPClientRequest) async {
        let error = await #expect(throws: HTTPClientError.self) { _ = try await client.send(request) }
        guard case .invalidRequest = error else {
            Issue.record("expected invalidRequest, got \(String(describing: error))")
            return
        }
    }
}

/// What the echo server reports about the request it received.
private struct Echo: Decodable {
    let method: String
    let path: String
    let headers: [[String]]
    let body: String

    init(_ response: HTTPClientResponse) throws {
        self = try JSONDecoder().decode(Echo.self, from: Data(response.body))
    }

    func header(_ name: String) -> String? {
        headers.first { $0.first?.caseInsensitiveCompare(name) == .orderedSame }?.last
    }
}

/// `fixtures/http/echo_server.py` running on an ephemeral loopback port for the length of a test.
private struct EchoServer: Sendable {
    let port: Int
    let processID: Int32

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// How many `/slow/` requests the server is holding right now (its `/in-flight` answer).
    func slowRequestsInFlight() async throws -> Int {
        struct InFlight: Decodable { let slow: Int }
        let echo = try Echo(try await HTTPClient().send(HTTPClientRequest(url: url("/in-flight"))))
        return try JSONDecoder().decode(InFlight.self, from: Data(echo.body.utf8)).slow
    }

    /// Sends SIGKILL, as the gateway's crash test does, so no response gets finished.
    func kill() { sendSignal(SIGKILL, to: processID) }

    /// Runs `body` with a fresh server and always stops the server afterwards.
    static func with(_ body: (EchoServer) async throws -> Void) async throws {
        let script = Bundle.module.url(forResource: "fixtures", withExtension: nil)!
            .appendingPathComponent("http/echo_server.py")
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("intake-echo-\(UUID().uuidString).log").path
        // Spawned, not run by Foundation's Process: see SpawnedProcess for why a test server must not be.
        let process = try SpawnedProcess(["/usr/bin/env", "python3", script.path], log: log)
        defer {
            process.stop()
            try? FileManager.default.removeItem(atPath: log)
        }
        let line = try await firstLine(of: log, while: process, timeout: .seconds(10))
        guard let port = Int(line) else { throw EchoServerError.badPortLine(line) }
        try await body(EchoServer(port: port, processID: process.pid))
    }

    /// The first line the server writes (its port), waiting at most `timeout`.
    /// Watched from a thread of its own: on a pool starved by other tests the deadline would pass while this
    /// task waited to run, though the server printed its port in time.
    private static func firstLine(of log: String, while process: SpawnedProcess, timeout: Duration) async throws -> String {
        try await offThePool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let newline = text.firstIndex(of: "\n") { return String(text[..<newline]).trimmingCharacters(in: .whitespaces) }
                guard process.isRunning else { throw EchoServerError.exitedEarly }
                usleep(10_000)
            }
            throw EchoServerError.noPortWithin(timeout)
        }
    }
}

/// `kill(2)` under a name that does not clash with ``EchoServer/kill()``.
private func sendSignal(_ signal: Int32, to processID: Int32) {
    _ = kill(processID, signal)
}

private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

private enum EchoServerError: Error, CustomStringConvertible {
    case badPortLine(String)
    case noPortWithin(Duration)
    case exitedEarly

    var description: String {
        switch self {
        case .badPortLine(let line): "echo server printed \"\(line)\" instead of a port"
        case .noPortWithin(let timeout): "echo server printed no port within \(timeout)"
        case .exitedEarly: "echo server exited before printing its port"
        }
    }
}

/// A loopback TCP port bound but never listened on: connecting to it is refused at once.
private struct ClosedPort {
    let descriptor: Int32
    let number: Int

    init() throws {
        let socket = try LoopbackSocket()
        descriptor = socket.descriptor
        number = socket.port
    }

    func release() { closeDescriptor(descriptor) }
}
