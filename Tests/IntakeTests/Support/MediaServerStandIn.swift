import Foundation
import Synchronization

/// A provider's media host for tests: a real HTTP/1.1 server on 127.0.0.1 over a POSIX socket, one thread
/// per connection, answering GETs by a script and recording each request's path and arrival time.
///
/// Bound at once but listening only after `listen()`: until then connections are refused, as with a media
/// host that is down.
final class MediaServerStandIn: Sendable {
    /// What to answer.
    enum Answer: Sendable {
        /// 200 with these bytes and this `Content-Type`.
        case bytes([UInt8], contentType: String)
        /// Any status with an empty body.
        case status(Int)
        /// 302 to `location`.
        case redirect(String)
        /// Keeps the request open until `release()`, then answers with the inner answer.
        indirect case held(Answer)
    }

    /// One request as received.
    struct Received: Sendable {
        var path: String
        var arrivedAt: ContinuousClock.Instant
    }

    /// Decides the answer from the path and how many requests for that path came before (0 for the first).
    typealias Script = @Sendable (String, Int) -> Answer

    private let listener: LoopbackListener
    private let script: Script
    private let state = Mutex<(received: [Received], held: Bool)>(([], true))

    var port: Int { listener.port }

    init(script: @escaping Script) throws {
        self.script = script
        listener = try LoopbackListener()
    }

    /// The URL of `path` on this server.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Starts accepting connections; until now they were refused.
    func listen() {
        listener.start { [self] connection in serve(connection) }
    }

    func stop() {
        state.withLock { $0.held = false }
        listener.stop()
    }

    /// Lets held requests be answered.
    func release() { state.withLock { $0.held = false } }

    /// Every request so far, in arrival order.
    var received: [Received] { state.withLock { $0.received } }

    /// The paths requested so far, in arrival order.
    var paths: [String] { received.map(\.path) }

    /// A fixture's bytes as a 200 answer.
    static func fixture(_ name: String, as contentType: String) -> Answer {
        .bytes(Array((try? Fixtures.data("media/\(name)")) ?? Data()), contentType: contentType)
    }

    private func serve(_ connection: Int32) {
        guard let path = LoopbackHTTP.readRequest(connection)?.target else { return }
        let index = state.withLock { state in
            defer { state.received.append(Received(path: path, arrivedAt: .now)) }
            return state.received.filter { $0.path == path }.count
        }
        var answer = script(path, index)
        if case .held(let inner) = answer {
            // Bounded: a test that forgets to release does not keep the thread for long.
            for _ in 0..<6_000 where state.withLock({ $0.held }) { usleep(10_000) }
            answer = inner
        }
        let location: [(String, String)] = if case .redirect(let target) = answer { [("Location", target)] } else { [] }
        let (status, type, body): (Int, String, [UInt8]) = switch answer {
        case .bytes(let bytes, let contentType): (200, contentType, bytes)
        case .status(let status): (status, "text/plain", [])
        case .redirect: (302, "text/plain", [])
        case .held: (500, "text/plain", [])
        }
        LoopbackHTTP.respond(connection, status: status, headers: [("Content-Type", type)] + location, body: body)
    }
}
