import Foundation
import IntakeHTTPClient
import IntakeModel
import IntakeServer
import Synchronization

/// A provider's send API for tests (Infobip's SMS API, Kannel's sendsms): a real HTTP/1.1 server on
/// 127.0.0.1 over a POSIX socket, one thread per connection, that records each request and answers with
/// a raw HTTP response, typically a fixture file (`HTTP/1.1 202 Accepted`, headers, a blank line, the body).
final class ProviderAPIStandIn: Sendable {
    /// One request as received.
    struct Received: Sendable {
        var method: String
        /// The request target: path and query, as sent.
        var target: String
        /// Header fields, names lower-cased.
        var headers: [String: String]
        var body: [UInt8]

        /// The query's parameters, percent-decoded (`+` as a space, as Kannel reads them).
        var query: [String: String] {
            guard let question = target.firstIndex(of: "?") else { return [:] }
            var result: [String: String] = [:]
            for pair in target[target.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decoded(_ text: Substring) -> String {
                    text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
                }
                result[decoded(parts[0])] = parts.count > 1 ? decoded(parts[1]) : ""
            }
            return result
        }

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    /// The raw response for a request and how many came before it (0 for the first).
    typealias Script = @Sendable (Received, Int) -> String

    private let listener: LoopbackListener
    private let script: Script
    private let state = Mutex<[Received]>([])

    var port: Int { listener.port }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts listening at once.
    init(script: @escaping Script) throws {
        self.script = script
        listener = try LoopbackListener()
        listener.start { [self] connection in serve(connection) }
    }

    /// Answers every request with the fixture `fixtures/<path>`.
    convenience init(fixture path: String) throws {
        let response = String(decoding: try Fixtures.data(path), as: UTF8.self)
        try self.init { _, _ in response }
    }

    func stop() { listener.stop() }

    /// Everything received so far, in arrival order.
    var received: [Received] { state.withLock { $0 } }

    private func serve(_ connection: Int32) {
        guard let read = LoopbackHTTP.readRequest(connection) else { return }
        let request = Received(method: read.method, target: read.target, headers: read.headers, body: read.body)
        let index = state.withLock { received in
            received.append(request)
            return received.count - 1
        }
        LoopbackHTTP.send(connection, Self.wire(script(request, index)))
    }

    /// A fixture's response as sent: CRLF line ends in the head, `Content-Length` and `Connection: close` added.
    static func wire(_ response: String) -> [UInt8] {
        let normalized = response.replacingOccurrences(of: "\r\n", with: "\n")
        let split = normalized.range(of: "\n\n")
        let head = split.map { String(normalized[..<$0.lowerBound]) } ?? normalized
        let body = split.map { String(normalized[$0.upperBound...]) } ?? ""
        var lines = head.split(separator: "\n").map(String.init)
        lines.append("Content-Length: \(body.utf8.count)")
        lines.append("Connection: close")
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }
}

extension ReplySender {
    /// What sending `reply` through libcurl came to, as a value.
    func outcome(of reply: OutboundReply) async -> Result<SentReply, ReplyFailure> {
        do throws(ReplyFailure) {
            return .success(try await send(reply, over: HTTPClient()))
        } catch {
            return .failure(error)
        }
    }
}

extension RunningGateway {
    /// How many complaints `GET /api/v1/complaints` lists (it first processes what was acknowledged).
    func listedComplaintCount() async throws -> Int {
        (try await get("/api/v1/complaints?limit=500").json["items"] as? [Any])?.count ?? -1
    }
}
