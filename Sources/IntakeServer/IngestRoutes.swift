import Foundation
import Hummingbird
import IntakeCore
import IntakeModel
import Logging
import NIOCore

/// `POST /api/v1/ingest/{channel_id}`: a message pushed by a local program (`intake ingest` from an MTA
/// pipe or a script). The raw body goes to the channel family's `PushAdapter`, within the channel's size
/// limit, then to the same `Gateway.submit`, dedup index, backlog and counters as webhook traffic.
///
/// It takes the admin token rather than trusting loopback: the server often listens on all interfaces
/// behind a reverse proxy on the same host, where every request looks like loopback, and unlike a webhook
/// a pushed message carries no provider signature. `intake ingest` reads the token from the same
/// configuration the server runs with.
///
/// Answers `{"receipts": [{"tracking_number": "LPR-…", "duplicate": false}]}`; errors as every route does
/// (malformed 400, too large 413, unknown channel 404, no push adapter 405, storage 503 with Retry-After).
struct IngestRoutes: Sendable {
    let channels: [ChannelID: ServedChannel]
    let gateway: Gateway
    let authorization: AdminAuthorization
    let refusal: Refusal

    func register(on router: Router<IntakeRequestContext>) {
        router.post("/api/v1/ingest/:channel_id") { request, context in
            await handle(request, channelID: context.parameters.get("channel_id") ?? "")
        }
    }

    func handle(_ request: Request, channelID: String) async -> Response {
        if let refused = authorization.refusal(request, metrics: refusal.metrics) { return refused }
        guard let channel = channels[channelID] else {
            return refusal.respond(.unknownChannel(channelID), channel: nil, id: channelID)
        }
        func reject(_ failure: HTTPFailure) -> Response { refusal.respond(failure, channel: channel, id: channelID) }
        guard let adapter = channel.push else { return reject(.channelNotPush(channelID)) }
        channel.metrics.received.increment()
        let raw: [UInt8]
        do {
            raw = try await request.body(upTo: channel.config.maxBodyBytes, declaredLength: request.headers[.contentLength].flatMap(Int.init))
        } catch {
            return reject(error)
        }
        let messages: [InboundMessage]
        do {
            messages = try adapter.receive(raw: raw)
        } catch {
            return reject(.adapter(error))
        }
        if messages.isEmpty {
            // Deliberately not a complaint (an auto-reply, a bounce): answered without receipts, so the MTA neither retries nor bounces.
            refusal.logger.info("pushed message ignored by its adapter", metadata: ["channel": "\(channelID)"])
            channel.activity.ignored()
        }
        let receipts: [Receipt]
        do {
            receipts = try await gateway.submit(messages, raw: raw)
        } catch {
            refusal.logger.error("journal write failed", metadata: ["channel": "\(channelID)", "error": "\(error)"])
            return reject(.storage(error))
        }
        channel.activity.stored(receipts)
        return (try? AdminRoutes.json(IngestAnswer(receipts: receipts.map(IngestReceipt.init))))
            ?? Response(status: .internalServerError)
    }
}

/// The answer to a pushed message: one receipt per message the adapter found in it.
struct IngestAnswer: Encodable {
    var receipts: [IngestReceipt]
}

/// `{"tracking_number": "LPR-…", "duplicate": false}`.
struct IngestReceipt: Encodable {
    var trackingNumber: String
    var duplicate: Bool

    init(_ receipt: Receipt) {
        trackingNumber = receipt.trackingNumber.description
        duplicate = receipt.duplicate
    }

    enum CodingKeys: String, CodingKey {
        case duplicate
        case trackingNumber = "tracking_number"
    }
}
