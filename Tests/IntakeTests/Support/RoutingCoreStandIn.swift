import Crypto
import Foundation
import Synchronization

/// A routing core for tests: a real HTTP/1.1 server on 127.0.0.1 over a POSIX socket, one thread per
/// connection, that records what it receives and answers by a script.
///
/// The socket is bound at once (so the port is known and configurable) but listens only after `listen()`:
/// until then connections are refused, as with a routing core that is down. Every request's
/// `X-Intake-Signature` is checked against `secret`.
final class RoutingCoreStandIn: Sendable {
    /// One request as received.
    struct Received: Sendable {
        var body: [UInt8]
        var idempotencyKey: String?
        var eventType: String?
        var signature: String?
        var signatureValid: Bool
        /// The answer's status; nil for a request held open.
        var answered: Int?
        /// Whether it was held open (`.hold`): its late answer, if any, counts for nothing.
        var held = false
        /// When it arrived.
        var arrivedAt = ContinuousClock.now
        /// Every header field, names in lower case.
        var headers: [String: String] = [:]

        /// The JSON body's fields.
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }

        var eventID: Int64? { (json["id"] as? Int).map(Int64.init) }
        var type: String? { json["type"] as? String }
        var complaint: [String: Any] { json["complaint"] as? [String: Any] ?? [:] }
        var complaintID: String? { complaint["id"] as? String }
        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// What to answer; `.hold` keeps the request open, unanswered, until `releaseHeld()`.
    enum Answer: Sendable {
        case status(Int, headers: [(String, String)] = [], body: String = "")
        case hold
    }

    /// Decides the answer from the request and how many requests came before it (0 for the first).
    typealias Script = @Sendable (Received, Int) -> Answer

    private let secret: [UInt8]
    private let listener: LoopbackListener
    private let script: Script
    private let state = Mutex<(received: [Received], held: Bool)>(([], true))

    var port: Int { listener.port }

    var url: String { "http://127.0.0.1:\(port)/events" }

    init(secret: String, script: @escaping Script = { _, _ in .status(200) }) throws {
        self.secret = Array(secret.utf8)
        self.script = script
        listener = try LoopbackListener()
    }

    /// Starts accepting connections; until now they were refused.
    func listen() {
        listener.start { [self] connection in serve(connection) }
    }

    /// Stops accepting and answers held requests' threads (their clients may be gone).
    func stop() {
        state.withLock { $0.held = false }
        listener.stop()
    }

    /// Lets requests held by `.hold` go: they are answered 200 (to whoever still listens) but stay `held`.
    func releaseHeld() {
        state.withLock { $0.held = false }
    }

    /// Everything received so far, in arrival order.
    var received: [Received] { state.withLock { $0.received } }

    /// Waits (polling every 10 ms, bounded by `timeout`) until `condition` holds for what was received.
    @discardableResult
    func waitUntil(timeout: Duration = .seconds(30), _ condition: ([Received]) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(received) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition(received)
    }

    private func serve(_ connection: Int32) {
        guard let read = LoopbackHTTP.readRequest(connection) else { return }
        let (headers, body) = (read.headers, read.body)
        let signature = headers["x-intake-signature"]
        let expected = "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
            .map { String(format: "%02x", $0) }.joined()
        var request = Received(
            body: body, idempotencyKey: headers["idempotency-key"], eventType: headers["x-intake-event"],
            signature: signature, signatureValid: signature == expected, answered: nil
        )
        request.headers = headers
        let index = state.withLock { $0.received.count }
        let answer = script(request, index)
        if case .hold = answer {
            request.held = true
            state.withLock { $0.received.append(request) }
            // Bounded: a test that forgets to release does not leave the thread behind for long.
            for _ in 0..<6_000 where state.withLock({ $0.held }) { usleep(10_000) }
            Self.respond(connection, .status(200))
            return
        }
        if case .status(let status, _, _) = answer { request.answered = status }
        state.withLock { $0.received.append(request) }
        Self.respond(connection, answer)
    }

    private static func respond(_ connection: Int32, _ answer: Answer) {
        guard case .status(let status, let headers, let body) = answer else { return }
        LoopbackHTTP.respond(connection, status: status, headers: headers, body: Array(body.utf8))
    }
}
