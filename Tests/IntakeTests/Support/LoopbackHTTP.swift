import Foundation
import Synchronization

/// The HTTP/1.1 server under every provider stand-in of the tests: a POSIX socket bound on 127.0.0.1 at once
/// (so the port is known), accepting only after `start` (until then connections are refused, as with a
/// service that is down), one thread per connection, each handed to `serve`.
final class LoopbackListener: Sendable {
    let port: Int
    private let socket: Int32
    private let stopped = Mutex(false)

    init() throws {
        let bound = try LoopbackSocket()
        socket = bound.descriptor
        port = bound.port
    }

    /// Starts accepting; every connection is served on a thread of its own and closed after `serve`.
    func start(_ serve: @escaping @Sendable (Int32) -> Void) {
        Foundation.listen(socket, 64)
        let thread = Thread { [self] in
            while !stopped.withLock({ $0 }) {
                let connection = accept(socket, nil, nil)
                guard connection >= 0 else {
                    if stopped.withLock({ $0 }) { return }
                    continue
                }
                let worker = Thread {
                    defer { close(connection) }
                    serve(connection)
                }
                worker.start()
            }
        }
        thread.start()
    }

    func stop() {
        stopped.withLock { $0 = true }
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }
}

/// Reading requests and writing answers on a loopback connection.
enum LoopbackHTTP {
    /// One request: the request line, header fields (names lower-cased) and the body.
    struct Request: Sendable {
        var method: String
        var target: String
        var headers: [String: String]
        var body: [UInt8]
    }

    /// Reads one request, the body by `Content-Length`; nil when the client went away first. Bounded: a
    /// request larger than 16 MiB is not one these tests send.
    static func readRequest(_ connection: Int32) -> Request? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var parsed: (method: String, target: String, headers: [String: String], end: Int, length: Int)?
        while data.count < 16 << 20 {
            if let parsed, data.count >= parsed.end + parsed.length {
                return Request(method: parsed.method, target: parsed.target, headers: parsed.headers,
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

    /// Sends an answer with `Content-Length` and `Connection: close`.
    static func respond(_ connection: Int32, status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        var head = "HTTP/1.1 \(status) Answer\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        send(connection, Array((head + "\r\n").utf8) + body)
    }

    /// Sends `bytes` as they are.
    static func send(_ connection: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
