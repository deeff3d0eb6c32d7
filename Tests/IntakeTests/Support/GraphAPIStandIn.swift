import Foundation
import Synchronization

/// A provider API for tests (Meta's Graph API here): a real HTTP/1.1 server on 127.0.0.1 over a POSIX
/// socket, one thread per connection, that records each request and answers by a script.
final class GraphAPIStandIn: Sendable {
    /// One request as received.
    struct Received: Sendable {
        var method: String
        /// The request target: path and query.
        var target: String
        /// Header fields, names in lower case.
        var headers: [String: String]
        var body: [UInt8]

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }
    }

    /// An answer: status, extra header fields and the body.
    struct Answer: Sendable {
        var status: Int
        var headers: [(String, String)] = []
        var body: [UInt8] = []

        init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// A JSON answer.
        init(status: Int, headers: [(String, String)] = [], json text: String) {
            self.init(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
        }
    }

    let port: Int
    private let socket: Int32
    private let script: @Sendable (Received) -> Answer
    private let state = Mutex<(received: [Received], stopped: Bool)>(([], false))

    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts listening at once; `script` decides every answer.
    init(script: @escaping @Sendable (Received) -> Answer) throws {
        let bound = try LoopbackSocket()
        socket = bound.descriptor
        port = bound.port
        self.script = script
        Foundation.listen(socket, 16)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Everything received so far, in arrival order.
    var received: [Received] { state.withLock { $0.received } }

    func stop() {
        state.withLock { $0.stopped = true }
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

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
        state.withLock { $0.received.append(request) }
        let answer = script(request)
        var head = "HTTP/1.1 \(answer.status) Answer\r\nContent-Length: \(answer.body.count)\r\nConnection: close\r\n"
        for (name, value) in answer.headers { head += "\(name): \(value)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + answer.body
        _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads one request: the request line, header fields (names lowercased) and the body by `Content-Length`.
    private static func readRequest(_ connection: Int32) -> Received? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var parsed: (method: String, target: String, headers: [String: String], end: Int, length: Int)?
        // Bounded: a request larger than 16 MiB is not one these tests send.
        while data.count < 16 << 20 {
            if let parsed, data.count >= parsed.end + parsed.length {
                return Received(method: parsed.method, target: parsed.target, headers: parsed.headers,
                                body: Array(data[parsed.end..<(parsed.end + parsed.length)]))
            }
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            data += buffer[0..<count]
            if parsed == nil, let range = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                let lines = String(decoding: data[..<range.lowerBound], as: UTF8.self).split(separator: "\r\n")
                let requestLine = lines.first?.split(separator: " ") ?? []
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                parsed = (requestLine.first.map(String.init) ?? "", requestLine.dropFirst().first.map(String.init) ?? "",
                          headers, range.upperBound, Int(headers["content-length"] ?? "0") ?? 0)
            }
        }
        return nil
    }
}
