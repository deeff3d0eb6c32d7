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

    private let listener: LoopbackListener
    private let script: @Sendable (Received) -> Answer
    private let state = Mutex<[Received]>([])

    var port: Int { listener.port }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts listening at once; `script` decides every answer.
    init(script: @escaping @Sendable (Received) -> Answer) throws {
        listener = try LoopbackListener()
        self.script = script
        listener.start { [self] connection in serve(connection) }
    }

    /// Everything received so far, in arrival order.
    var received: [Received] { state.withLock { $0 } }

    func stop() { listener.stop() }

    private func serve(_ connection: Int32) {
        guard let read = LoopbackHTTP.readRequest(connection) else { return }
        let request = Received(method: read.method, target: read.target, headers: read.headers, body: read.body)
        state.withLock { $0.append(request) }
        let answer = script(request)
        LoopbackHTTP.respond(connection, status: answer.status, headers: answer.headers, body: answer.body)
    }
}
