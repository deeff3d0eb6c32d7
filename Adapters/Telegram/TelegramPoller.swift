import Foundation
import IntakeModel
import Synchronization

/// Long-polls `getUpdates` for one bot (`mode: poll`), or registers the webhook once (`mode: webhook`).
///
/// The cursor is the next `offset` (the last `update_id` + 1), committed with the messages it covers; Telegram
/// forgets updates only when asked with a higher offset, so a crash before the commit fetches the same
/// updates again and one after it never does. An update that cannot be read is quarantined and passed.
/// A 409 (a webhook is set) is reported as the channel's last error, with what to do, and the next try
/// waits `conflictBackoff`; other failures wait 1, 2, 4 … 60 seconds, or what a 429 says.
public final class TelegramPoller: PollingAdapter {
    /// The update kinds asked for, in polling and in `setWebhook`.
    static let allowedUpdates = ["message", "edited_message"]
    /// Updates asked for per poll at most (the Bot API's maximum).
    static let batchSize = 100

    let channel: ChannelConfig
    let settings: BotSettings
    let client: BotClient
    let reader: UpdateReader
    /// The `timeout` of each getUpdates: how long Telegram holds the request open while nothing comes.
    let longPollSeconds: Int
    /// How long to wait after a 409 before asking again.
    let conflictBackoff: Duration
    /// How much longer than the long poll a getUpdates may take before it counts as timed out.
    let requestMargin: Duration
    private let state = Mutex(State())

    struct State {
        var failures = 0
        var wait: Duration = .zero
        var webhookSet = false
        /// The last answer could not be read: ask for one update at a time until one is read or passed.
        var narrow = false
    }

    /// A poller for `channel` over `http`; tests shorten `longPollSeconds`, `conflictBackoff` and `requestMargin`.
    public init(
        channel: ChannelConfig, http: any HTTPExchange, longPollSeconds: Int = 25, conflictBackoff: Duration = .seconds(300),
        requestMargin: Duration = .seconds(15)
    ) {
        self.channel = channel
        settings = BotSettings(channel: channel)
        client = BotClient(settings: settings, http: http)
        reader = UpdateReader(channel: channel)
        self.longPollSeconds = longPollSeconds
        self.conflictBackoff = conflictBackoff
        self.requestMargin = requestMargin
    }

    /// `poll_seconds` between polls that found nothing; an hour in webhook mode once the webhook is set.
    public var interval: Duration {
        settings.mode == .webhook && state.withLock({ $0.webhookSet }) ? .seconds(3600) : .seconds(settings.pollSeconds)
    }

    /// How long the next fetch waits before it asks Telegram (after a failure; zero otherwise).
    public var backoff: Duration { state.withLock { $0.wait } }

    public func fetch(after cursor: String?) async throws -> PollBatch {
        let wait = backoff
        if wait > .zero { try await Task.sleep(for: wait) }
        do throws(BotAPIError) {
            let batch = settings.mode == .webhook ? try await registerWebhook(keeping: cursor) : try await poll(after: cursor)
            state.withLock { $0 = State(webhookSet: $0.webhookSet) }
            return batch
        } catch {
            state.withLock { state in
                state.failures += 1
                switch error {
                case .webhookActive, .otherPoller: state.wait = conflictBackoff
                case .refused(_, _, _, let retryAfter?): state.wait = .seconds(max(1, retryAfter))
                default: state.wait = .seconds(min(1 << min(state.failures - 1, 6), 60))
                }
            }
            throw error
        }
    }

    /// One getUpdates after `cursor`: each update read on its own, the unreadable ones set aside. An answer
    /// that cannot be read as a whole (one update spoils the JSON) is asked again for one update only; if
    /// that one still cannot be read, its answer is quarantined and the cursor moves past its `update_id`.
    private func poll(after cursor: String?) async throws(BotAPIError) -> PollBatch {
        let narrow = state.withLock { $0.narrow }
        let offset = cursor.flatMap(Int64.init)
        var parameters: [String: Any] = ["timeout": longPollSeconds, "limit": narrow ? 1 : Self.batchSize, "allowed_updates": Self.allowedUpdates]
        if let offset { parameters["offset"] = offset }
        let response = try await client.perform("getUpdates", parameters, timeout: .seconds(longPollSeconds) + requestMargin)
        do {
            return try batch(response, after: cursor)
        } catch {
            // Only an answer that names its one update is passed over: a proxy's page or a cut-off body is retried.
            guard case .unreadableAnswer(_, let problem) = error, narrow, let id = Self.firstUpdateID(response.body), id >= offset ?? 0 else {
                if case .unreadableAnswer = error { state.withLock { $0.narrow = true } }
                throw error
            }
            let item = SetAsideItem(kind: .unreadable(problem: problem), reference: "update-\(id)", raw: response.body, fileExtension: "json")
            return PollBatch(messages: [], cursor: String(id + 1), setAside: [item])
        }
    }

    /// The updates of one readable getUpdates answer, and the cursor after the last.
    private func batch(_ response: HTTPExchangeResponse, after cursor: String?) throws(BotAPIError) -> PollBatch {
        let method = "getUpdates"
        let probes = try BotClient.read(response, method: method, as: [UpdateProbe].self, settings: settings)
        guard !probes.isEmpty else { return PollBatch(messages: [], cursor: cursor) }
        let raws = Self.rawUpdates(response.body)
        guard raws.count == probes.count else {
            throw .unreadableAnswer(method: method, problem: "the result list cannot be split into updates")
        }
        var batch = PollBatch(messages: [], cursor: cursor)
        var last = cursor.flatMap(Int64.init).map { $0 - 1 }
        for (probe, raw) in zip(probes, raws) {
            guard let id = probe.updateID else {
                batch.setAside.append(SetAsideItem(kind: .unreadable(problem: "update without update_id"), reference: "update-unknown", raw: raw, fileExtension: "json"))
                continue
            }
            last = max(last ?? id, id)
            let reference = "update-\(id)"
            switch reader.read(raw) {
            case .message(let message): batch.messages.append(PolledMessage(message: message, raw: raw))
            case .ignored(let reason): batch.setAside.append(SetAsideItem(kind: .ignored(reason: reason), reference: reference, raw: raw, fileExtension: "json"))
            case .unreadable(let problem): batch.setAside.append(SetAsideItem(kind: .unreadable(problem: problem), reference: reference, raw: raw, fileExtension: "json"))
            }
        }
        guard let last else { throw .unreadableAnswer(method: method, problem: "no update has an update_id") }
        batch.cursor = String(last + 1)
        return batch
    }

    /// Calls `setWebhook` once per start (`url` from `server.public_url`, the `secret_token`, the update
    /// kinds); the cursor stays as it is, since updates then arrive at `/webhooks/{channel_id}`.
    private func registerWebhook(keeping cursor: String?) async throws(BotAPIError) -> PollBatch {
        if !state.withLock({ $0.webhookSet }) {
            guard let publicURL = channel.publicURL, !publicURL.isEmpty else { throw .noPublicURL }
            var base = publicURL
            while base.hasSuffix("/") { base.removeLast() }
            _ = try await client.call("setWebhook", [
                "url": "\(base)/webhooks/\(channel.id)", "secret_token": settings.secretToken ?? "",
                "allowed_updates": Self.allowedUpdates,
                // One delivery at a time (Telegram's default is 40 in parallel), so a message's edits come in order.
                "max_connections": 1,
            ], as: Bool.self)
            state.withLock { $0.webhookSet = true }
        }
        return PollBatch(messages: [], cursor: cursor)
    }

    /// The number after the first `"update_id":` in `body`, read from the bytes (the answer may not be JSON).
    static func firstUpdateID(_ body: [UInt8]) -> Int64? {
        let key = Array(#""update_id""#.utf8)
        guard body.count > key.count, let start = (0...(body.count - key.count)).first(where: { body[$0..<($0 + key.count)].elementsEqual(key) }) else {
            return nil
        }
        var index = start + key.count
        while index < body.count, [UInt8(ascii: " "), UInt8(ascii: ":"), 0x09, 0x0A, 0x0D].contains(body[index]) { index += 1 }
        var digits = ""
        while index < body.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(body[index]), digits.count < 19 {
            digits.append(Character(UnicodeScalar(body[index])))
            index += 1
        }
        return Int64(digits)
    }

    /// Each element of the answer's `result`, as JSON bytes of its own (what the journal keeps).
    static func rawUpdates(_ body: [UInt8]) -> [[UInt8]] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let result = object["result"] as? [Any] else { return [] }
        return result.map { element in
            Array((try? JSONSerialization.data(withJSONObject: element, options: [.sortedKeys, .fragmentsAllowed])) ?? Data())
        }
    }
}

/// An update's id, read leniently: an update otherwise unreadable still moves the cursor past itself.
struct UpdateProbe: Decodable {
    var updateID: Int64?

    init(from decoder: any Decoder) throws {
        let container = try? decoder.container(keyedBy: CodingKeys.self)
        updateID = try? container?.decode(Int64.self, forKey: .updateID)
    }

    enum CodingKeys: String, CodingKey { case updateID = "update_id" }
}
