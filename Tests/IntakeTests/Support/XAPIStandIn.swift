import Foundation
import Synchronization

/// X's API v2 on 127.0.0.1, answering recent search from the fixtures under `fixtures/social/x/` as X does:
/// the page for a `next_token`, or for a `since_id`, or no new posts; with `x-rate-limit-*` headers. Faults
/// (a 429 with reset headers, a 500, a body cut short, malformed JSON) are queued and served one per request.
/// Photos are served under `/media/`, replies taken at `POST /2/tweets`.
final class XAPIStandIn: Sendable {
    /// One queued answer that is not a page.
    enum Fault: Sendable {
        /// An HTTP error with a fixture body and headers (429 with `x-rate-limit-reset`, 500).
        case status(Int, fixture: String, headers: [(String, String)])
        /// A 200 whose `Content-Length` promises more than is sent before the connection closes.
        case cut
        /// A 200 whose JSON stops half-way, with a matching `Content-Length`.
        case malformed
        /// Nothing at all for `seconds`, then the connection closes: the client's timeout must end the wait.
        case stall(seconds: Double)
    }

    /// A request as received.
    struct Seen: Sendable {
        var method: String
        var target: String
        var authorization: String?
        var body: [UInt8]
        /// When it arrived, in seconds since 1970.
        var at: Double = Date().timeIntervalSince1970
        /// A query parameter of the request, percent-decoded.
        func parameter(_ name: String) -> String? {
            URLComponents(string: target)?.queryItems?.first { $0.name == name }?.value
        }
    }

    private struct State {
        /// `next:<token>`, `since:<id>` or `since:` (no since_id) to a fixture name.
        var pages: [String: String] = [:]
        var faults: [Fault] = []
        var seen: [Seen] = []
        /// A page key whose answer waits until released.
        var held: String?
        var heldCount = 0
        var remaining = 450
        /// `x-rate-limit-reset` of the next answers, epoch seconds; nil: 15 minutes from each answer.
        var reset: Int?
        /// `since_id`s answered 400 as older than X's seven-day window, and how many such 400s were sent.
        var staleSince: Set<String> = []
        var staleAnswers = 0
    }

    let listener: LoopbackListener
    private let state = Mutex(State())
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0x00, 0x01, 0x01, 0x00] + [UInt8](repeating: 0x42, count: 200) + [0xFF, 0xD9]

    var port: Int { listener.port }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(pages: [String: String]) throws {
        listener = try LoopbackListener()
        state.withLock { $0.pages = pages }
        listener.start { [self] connection in serve(connection) }
    }

    func stop() { listener.stop() }

    func enqueue(_ faults: Fault...) { state.withLock { $0.faults += faults } }
    /// The next page answered says `x-rate-limit-remaining: 0` with `x-rate-limit-reset: reset`.
    func spendWindow(resetAt reset: Int) {
        state.withLock {
            $0.remaining = 1
            $0.reset = reset
        }
    }
    /// Every search with `since_id` = `id` is answered 400 (`stale-since-id.json`), as X does past seven days.
    func refuseSince(_ id: String) { state.withLock { _ = $0.staleSince.insert(id) } }
    var staleAnswers: Int { state.withLock { $0.staleAnswers } }
    func setPage(_ key: String, _ fixture: String) { state.withLock { $0.pages[key] = fixture } }
    /// Holds the answer for page `key` (nil: release).
    func hold(_ key: String?) { state.withLock { $0.held = key } }
    var heldCount: Int { state.withLock { $0.heldCount } }
    var seen: [Seen] { state.withLock { $0.seen } }
    var searches: [Seen] { seen.filter { $0.target.hasPrefix("/2/tweets/search/recent") } }

    /// A fixture's bytes, with `{{media_base}}` pointing at this stand-in.
    func fixture(_ name: String) -> [UInt8] {
        let text = (try? String(contentsOf: Fixtures.url("social/x/\(name)"), encoding: .utf8)) ?? "{}"
        return Array(text.replacingOccurrences(of: "{{media_base}}", with: baseURL).utf8)
    }

    private func serve(_ connection: Int32) {
        guard let request = LoopbackHTTP.readRequest(connection) else { return }
        let seen = Seen(method: request.method, target: request.target, authorization: request.headers["authorization"], body: request.body)
        state.withLock { $0.seen.append(seen) }
        if request.target.hasPrefix("/media/") {
            LoopbackHTTP.respond(connection, status: 200, headers: [("Content-Type", "image/jpeg")], body: Self.jpeg)
        } else if request.method == "POST", request.target == "/2/tweets" {
            LoopbackHTTP.respond(connection, status: 201, headers: [("Content-Type", "application/json")], body: fixture("reply-created.json"))
        } else if request.target.hasPrefix("/2/tweets/search/recent") {
            search(seen, connection)
        } else {
            LoopbackHTTP.respond(connection, status: 404)
        }
    }

    private func search(_ request: Seen, _ connection: Int32) {
        let key = request.parameter("next_token").map { "next:\($0)" } ?? "since:\(request.parameter("since_id") ?? "")"
        let stale = state.withLock { state in
            guard let since = request.parameter("since_id"), state.staleSince.contains(since) else { return false }
            state.staleAnswers += 1
            return true
        }
        if stale {
            LoopbackHTTP.respond(connection, status: 400, headers: [("Content-Type", "application/problem+json")], body: fixture("stale-since-id.json"))
            return
        }
        let (fault, fixture, held, remaining, resetAt) = state.withLock { state -> (Fault?, String, Bool, Int, Int?) in
            let fault = state.faults.isEmpty ? nil : state.faults.removeFirst()
            if fault == nil && state.held == key { state.heldCount += 1 }
            state.remaining = max(0, state.remaining - 1)
            return (fault, state.pages[key] ?? "no-new-posts.json", fault == nil && state.held == key, state.remaining, state.reset)
        }
        if held {
            // Bounded: a held answer is released by the test or given up after a minute.
            for _ in 0..<12_000 where state.withLock({ $0.held == key }) { usleep(5_000) }
        }
        let reset = ("x-rate-limit-reset", "\(resetAt ?? Int(Date().timeIntervalSince1970) + 900)")
        let rate = [("x-rate-limit-limit", "450"), ("x-rate-limit-remaining", "\(remaining)"), reset]
        switch fault {
        case .status(let status, let name, let headers)?:
            LoopbackHTTP.respond(connection, status: status, headers: [("Content-Type", "application/problem+json")] + headers, body: self.fixture(name))
        case .cut?:
            let body = self.fixture(fixture)
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            LoopbackHTTP.send(connection, Array(head.utf8) + body.prefix(body.count / 2))
        case .stall(let seconds)?:
            usleep(UInt32(seconds * 1_000_000))
        case .malformed?:
            let body = self.fixture(fixture)
            LoopbackHTTP.respond(connection, status: 200, headers: [("Content-Type", "application/json")] + rate, body: Array(body.prefix(body.count / 2)))
        case nil where key.hasPrefix("next:") && fixture == "no-new-posts.json":
            // X refuses a next_token it does not know (or no longer knows).
            LoopbackHTTP.respond(connection, status: 400, headers: [("Content-Type", "application/problem+json")], body: self.fixture("invalid-next-token.json"))
        case nil:
            LoopbackHTTP.respond(connection, status: 200, headers: [("Content-Type", "application/json")] + rate, body: self.fixture(fixture))
        }
    }
}
