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

    let port: Int
    private let socket: Int32
    private let script: Script
    private let state = Mutex<(received: [Received], stopped: Bool)>(([], false))

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts listening at once.
    init(script: @escaping Script) throws {
        self.script = script
        let bound = try LoopbackSocket()
        socket = bound.descriptor
        port = bound.port
        Foundation.listen(socket, 64)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Answers every request with the fixture `fixtures/<path>`.
    convenience init(fixture path: String) throws {
        let response = String(decoding: try Fixtures.data(path), as: UTF8.self)
        try self.init { _, _ in response }
    }

    func stop() {
        state.withLock { $0.stopped = true }
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    /// Everything received so far, in arrival order.
    var received: [Received] { state.withLock { $0.received } }

    private func acceptLoop() {
        while !state.withLock({ $0.stopped }) {
            let connection = accept(socket, nil, nil)
            guard connection >= 0 else {
                if state.withLock({ $0.stopped }) { return }
                continue
            }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        guard let request = Self.readRequest(connection) else { return }
        let index = state.withLock { state in
            state.received.append(request)
            return state.received.count - 1
        }
        let bytes = Self.wire(script(request, index))
        _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
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

    /// Reads one request: the request line, header fields and the body by `Content-Length`.
    private static func readRequest(_ connection: Int32) -> Received? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var parsed: (method: String, target: String, headers: [String: String], bodyStart: Int)?
        while true {
            if let parsed {
                let length = Int(parsed.headers["content-length"] ?? "0") ?? 0
                if data.count >= parsed.bodyStart + length {
                    let body = Array(data[parsed.bodyStart..<(parsed.bodyStart + length)])
                    return Received(method: parsed.method, target: parsed.target, headers: parsed.headers, body: body)
                }
            }
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            data += buffer[0..<count]
            if parsed == nil, let range = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                let lines = String(decoding: data[..<range.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                let requestLine = lines[0].split(separator: " ")
                guard requestLine.count >= 2 else { return nil }
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                parsed = (String(requestLine[0]), String(requestLine[1]), headers, range.upperBound)
            }
        }
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
