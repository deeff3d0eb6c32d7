import Foundation
import Synchronization

/// The Telegram Bot API for tests: a real HTTP/1.1 server on 127.0.0.1 that answers `getUpdates` from a queue
/// of updates (those with `update_id` ≥ `offset`, holding the request open up to its `timeout` while none
/// is there, as Telegram's long polling does), `getFile`, the file download, `sendMessage` and `setWebhook`,
/// in the Bot API's envelopes from `fixtures/social/telegram/`. Faults queued with `fail` answer the next
/// getUpdates calls instead (a 409, a 500, a truncated body).
final class BotAPIStandIn: Sendable {
    static let token = "7000000001:AAHtestTokenNeverStoredAnywhere_x9"

    /// One request as received.
    struct Received: Sendable {
        var method: String
        var target: String
        var body: [UInt8]

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
        /// The Bot API method (`getUpdates`) or `file` for a download.
        var botMethod: String { target.split(separator: "/").last.map(String.init) ?? "" }
    }

    /// A fault to answer a getUpdates with.
    enum Fault: Sendable {
        case conflict
        case serverError
        /// A 200 whose body stops short of its Content-Length.
        case truncated
        /// Valid JSON that is not the Bot API's envelope.
        case garbage
    }

    private struct State {
        var updates: [(id: Int64, json: String)] = []
        var faults: [Fault] = []
        var received: [Received] = []
        var stopped = false
        var nextMessageID: Int64 = 9000
        /// getUpdates from this offset on are held unanswered (at most 30 s) until `release`.
        var holdFrom: Int64?
    }

    private let listener: LoopbackListener
    private let state = Mutex(State())
    /// The bytes served for every file download.
    let fileBytes: [UInt8]

    var base: String { "http://127.0.0.1:\(listener.port)" }

    init() throws {
        listener = try LoopbackListener()
        fileBytes = Array(try Fixtures.data("media/photo.jpg"))
        listener.start { [self] connection in serve(connection) }
    }

    /// Everything received so far, in arrival order.
    var received: [Received] { state.withLock { $0.received } }

    /// The received calls of Bot API method `method`.
    func calls(_ method: String) -> [Received] { received.filter { $0.botMethod == method && !$0.target.contains("/file/") } }

    /// Queues an update (one JSON object with `update_id`); `id` for one that is not valid JSON.
    func add(_ json: String, id: Int64? = nil) {
        let id = id ?? Int64(((try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any])?["update_id"] as? Int ?? 0)
        state.withLock { $0.updates.append((id, json)) }
    }

    /// Queues the fixture `fixtures/social/telegram/<name>`, with `{{key}}` placeholders filled.
    func add(fixture name: String, _ values: [String: String] = [:]) throws {
        add(try Self.fixture(name, values))
    }

    /// The text of `fixtures/social/telegram/<name>` with `values` filled in.
    static func fixture(_ name: String, _ values: [String: String] = [:]) throws -> String {
        var text = String(decoding: try Fixtures.data("social/telegram/\(name)"), as: UTF8.self)
        for (key, value) in values { text = text.replacingOccurrences(of: "{{\(key)}}", with: value) }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Holds every getUpdates asking from `offset` on unanswered (at most 30 s each) until `release`.
    func hold(from offset: Int64) { state.withLock { $0.holdFrom = offset } }

    /// Answers held and later getUpdates again.
    func release() { state.withLock { $0.holdFrom = nil } }

    /// The next getUpdates calls answer these faults, in order.
    func fail(_ faults: Fault...) { state.withLock { $0.faults += faults } }

    func stop() {
        state.withLock { $0.stopped = true }
        listener.stop()
    }

    private func serve(_ connection: Int32) {
        guard let read = LoopbackHTTP.readRequest(connection) else { return }
        let request = Received(method: read.method, target: read.target, body: read.body)
        state.withLock { $0.received.append(request) }
        guard request.target.hasPrefix("/bot\(Self.token)/") || request.target.hasPrefix("/file/bot\(Self.token)/") else {
            return answer(connection, 401, #"{"ok":false,"error_code":401,"description":"Unauthorized"}"#)
        }
        if request.target.hasPrefix("/file/") {
            return LoopbackHTTP.respond(connection, status: 200, headers: [("Content-Type", "image/jpeg")], body: fileBytes)
        }
        switch request.botMethod {
        case "getUpdates": getUpdates(connection, request)
        case "getFile":
            let id = request.json["file_id"] as? String ?? ""
            let path = id.hasPrefix("BQ") ? "documents/file_7.pdf" : "photos/file_3.jpg"
            answer(connection, 200, (try? Self.fixture("getfile.json", ["file_id": id, "size": "\(fileBytes.count)", "file_path": path])) ?? "")
        case "sendMessage":
            let chat = request.json["chat_id"].map { "\($0)" } ?? "0"
            let text = String(decoding: (try? JSONSerialization.data(withJSONObject: [request.json["text"] as? String ?? ""])) ?? Data(), as: UTF8.self)
            let id = state.withLock { state -> Int64 in
                state.nextMessageID += 1
                return state.nextMessageID
            }
            let body = (try? Self.fixture("sendmessage-ok.json", ["message_id": "\(id)", "chat_id": chat])) ?? ""
            answer(connection, 200, body.replacingOccurrences(of: #""{{text}}""#, with: String(text.dropFirst().dropLast())))
        case "setWebhook": answer(connection, 200, (try? Self.fixture("setwebhook-ok.json")) ?? "")
        default: answer(connection, 404, #"{"ok":false,"error_code":404,"description":"Not Found: method not found"}"#)
        }
    }

    /// How many queued faults no getUpdates has answered yet.
    var pendingFaults: Int { state.withLock { $0.faults.count } }

    /// Answers from the queue: a queued fault, updates from `offset` on, or after up to `timeout` seconds (at
    /// most 30) none. A fault queued while the request is held answers it at once.
    private func getUpdates(_ connection: Int32, _ request: Received) {
        let json = request.json
        let offset = (json["offset"] as? Int).map(Int64.init) ?? 0
        let limit = json["limit"] as? Int ?? 100
        let deadline = ContinuousClock.now + .seconds(min(json["timeout"] as? Int ?? 0, 30))
        let holdDeadline = ContinuousClock.now + .seconds(30)
        // Bounded by the deadlines; each look is 5 ms apart.
        while true {
            let (fault, pending, stopped, held) = state.withLock { state in
                (state.faults.isEmpty ? nil : state.faults.removeFirst(), Array(state.updates.filter { $0.id >= offset }.prefix(limit)),
                 state.stopped, state.holdFrom.map { offset >= $0 } ?? false)
            }
            if held && !stopped && ContinuousClock.now < holdDeadline {
                Thread.sleep(forTimeInterval: 0.005)
                continue
            }
            if let fault { return answer(connection, fault) }
            if !pending.isEmpty || stopped || ContinuousClock.now >= deadline {
                return answer(connection, 200, #"{"ok":true,"result":[\#(pending.map(\.json).joined(separator: ","))]}"#)
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    private func answer(_ connection: Int32, _ fault: Fault) {
        switch fault {
        case .conflict: answer(connection, 409, (try? Self.fixture("conflict-409.json")) ?? "")
        case .serverError: answer(connection, 500, (try? Self.fixture("server-error-500.json")) ?? "")
        case .truncated:
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\nConnection: close\r\n\r\n"
            LoopbackHTTP.send(connection, Array((head + #"{"ok":true,"result":[{"update_id":1,"mess"#).utf8))
        case .garbage: answer(connection, 200, #"{"status":"maintenance"}"#)
        }
    }

    private func answer(_ connection: Int32, _ status: Int, _ body: String) {
        LoopbackHTTP.respond(connection, status: status, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }
}
