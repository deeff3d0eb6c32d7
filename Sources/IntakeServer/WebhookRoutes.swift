import Foundation
import Hummingbird
import IntakeCore
import IntakeModel
import Logging
import NIOCore

/// A configured channel as the server serves it.
struct ServedChannel: Sendable {
    var config: ChannelConfig
    var webhook: (any WebhookAdapter)?
    var metrics: ChannelMetrics
}

/// `POST /webhooks/{channel_id}`: read the body within the channel's limit, let the adapter verify and
/// parse it, journal durably, then answer in the provider's format.
struct WebhookRoutes: Sendable {
    let channels: [ChannelID: ServedChannel]
    let gateway: Gateway
    let metrics: ServerMetrics
    /// `server.public_url` without a trailing slash: providers sign the URL they called, not ours.
    let publicURL: String
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.post("/webhooks/:channel_id") { request, context in
            await handle(request, channelID: context.parameters.get("channel_id") ?? "")
        }
        // Subscription checks (WhatsApp's hub.challenge) arrive as GET; the adapter answers them.
        router.get("/webhooks/:channel_id") { request, context in
            await handle(request, channelID: context.parameters.get("channel_id") ?? "")
        }
    }

    func handle(_ request: Request, channelID: String) async -> Response {
        let start = ContinuousClock.now
        guard let channel = channels[channelID] else {
            // Unknown ids are not used as a metric label: anyone can invent them. Channel ids start with a
            // letter or digit, so "_unknown" never collides with a real one.
            return reject(.unknownChannel(channelID), metricChannel: "_unknown")
        }
        guard let adapter = channel.webhook else { return reject(.channelNotWebhook(channelID), metricChannel: channelID) }
        channel.metrics.received.increment()
        let limit = adapter.maxBodyBytes
        // One pass over the fields: looking one up by name first builds an index of all of them.
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headers.count)
        var declaredLength: Int?
        for field in request.headers {
            if field.name == .contentLength { declaredLength = Int(field.value) }
            headers.append((field.name.canonicalName, field.value))
        }
        if let declaredLength, declaredLength > limit {
            return reject(.bodyTooLarge(limit: limit), metricChannel: channelID)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            return reject(.bodyTooLarge(limit: limit), metricChannel: channelID)
        } catch {
            return reject(.adapter(.malformed(field: nil, message: "the body could not be read")), metricChannel: channelID)
        }
        let bytes = Array(body.readableBytesView)
        let webhookRequest = WebhookRequest(
            method: request.method.rawValue,
            publicURL: publicURL + request.uri.string,
            query: request.uri.query == nil ? [] : request.uri.queryParameters.map { (String($0.key), String($0.value)) },
            headers: HeaderFields(headers),
            body: bytes
        )
        let messages: [InboundMessage]
        do {
            switch try adapter.receive(webhookRequest) {
            case .respond(let answer):
                return Self.response(answer)
            case .messages(let parsed):
                messages = parsed
            }
        } catch {
            return reject(.adapter(error), metricChannel: channelID)
        }
        let receipts: [Receipt]
        do {
            receipts = try await gateway.submit(messages, raw: bytes)
        } catch {
            logger.error("journal write failed", metadata: ["channel": "\(channelID)", "error": "\(error)"])
            return reject(.storage(error), metricChannel: channelID)
        }
        let duplicates = receipts.count { $0.duplicate }
        if duplicates > 0 { channel.metrics.duplicate.increment(by: duplicates) }
        if receipts.count > duplicates { channel.metrics.accepted.increment(by: receipts.count - duplicates) }
        channel.metrics.webhookLatency(since: start)
        return Self.response(adapter.acknowledge(receipts))
    }

    private func reject(_ failure: HTTPFailure, metricChannel: String) -> Response {
        metrics.rejected(channel: metricChannel, reason: failure.reason)
        if case .storage = failure {} else {
            logger.info("request rejected", metadata: ["channel": "\(metricChannel)", "reason": "\(failure.reason)", "status": "\(failure.status.code)"])
        }
        return failure.response
    }

    static func response(_ answer: WebhookResponse) -> Response {
        // Built from the one field: the subscript setter first looks for fields to replace.
        return Response(
            status: HTTPResponse.Status(code: answer.status),
            headers: HTTPFields(CollectionOfOne(HTTPFields.Element(name: .contentType, value: answer.contentType))),
            body: .init(byteBuffer: ByteBuffer(bytes: answer.body))
        )
    }
}
