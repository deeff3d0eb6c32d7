import Foundation
import Hummingbird
import IntakeCore
import IntakeModel
import IntakeStorage
import Logging
import NIOCore

/// A configured channel as the server serves it.
struct ServedChannel: Sendable {
    var config: ChannelConfig
    var webhook: (any WebhookAdapter)?
    /// Takes messages pushed through `POST /api/v1/ingest/{channel_id}` (`intake ingest`).
    var push: (any PushAdapter)?
    var metrics: ChannelMetrics
    /// Counts and times for `/api/v1/channels`; also feeds the accepted, duplicate and rejected counters.
    var activity: ChannelActivity
}

/// Refuses a request: counts it (by channel and reason, and as the channel's last error when the channel
/// exists), logs it unless it is a storage failure (logged where it happened), and renders the answer.
struct Refusal: Sendable {
    let metrics: ServerMetrics
    let logger: Logger

    func respond(_ failure: HTTPFailure, channel: ServedChannel?, id: String) -> Response {
        record(failure, channel: channel, id: id)
        return failure.response
    }

    /// Counts and logs a refusal without answering: also one refused item of a batch whose others were kept.
    func record(_ failure: HTTPFailure, channel: ServedChannel?, id: String) {
        // Unknown ids are not used as a metric label: anyone can invent them. Channel ids start with a
        // letter or digit, so "_unknown" never collides with a real one.
        let metricChannel = channel == nil ? "_unknown" : id
        if let channel {
            channel.activity.rejected(reason: failure.reason, message: failure.message)
        } else {
            metrics.rejected(channel: metricChannel, reason: failure.reason)
        }
        if case .storage = failure {} else {
            logger.info("request rejected", metadata: ["channel": "\(metricChannel)", "reason": "\(failure.reason)", "status": "\(failure.status.code)"])
        }
    }
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
    /// Where streamed uploads wait for the attachment store (`WebhookAdapter.streamsFileParts`).
    var spool: UploadSpool?
    /// Web forms' per-address limit, which this door shares with the form's own doors.
    var formGate: FormSubmissionGate? = nil
    /// The storage directory, under which `.unreadable` bodies go to `quarantine/<channel type>/`.
    var quarantineStorage: String?

    /// The key a per-address limit counts `request` under: its client (through trusted proxies), an IPv6
    /// client by its /64.
    func clientKey(_ request: Request, _ context: IntakeRequestContext) -> String? {
        let peer = context.remoteAddress?.ipAddress
        return formGate?.clients.limitKey(request, peer: peer) ?? peer
    }

    func register(on router: Router<IntakeRequestContext>) {
        router.post("/webhooks/:channel_id") { request, context in
            let id = context.parameters.get("channel_id") ?? ""
            if let channel = channels[id], let refused = formGate?.refuse(channel, id: id, address: clientKey(request, context)) {
                return refused
            }
            return await handle(request, channelID: id, peer: { context.remoteAddress })
        }
        // Subscription checks (WhatsApp's hub.challenge) arrive as GET; the adapter answers them.
        router.get("/webhooks/:channel_id") { request, context in
            await handle(request, channelID: context.parameters.get("channel_id") ?? "", peer: { context.remoteAddress })
        }
    }

    /// With `seeOther`, a stored message is answered 303 to the URL it makes of the receipt (a form's receipt page).
    /// With `refused`, a refusal (counted and logged as ever) may be answered otherwise (the form's page again): it is
    /// given the request as the adapter saw it (nil when refused before, e.g. too large) and returns nil to keep the answer.
    func handle(
        _ request: Request, channelID: String, peer: () -> SocketAddress? = { nil }, seeOther: ((Receipt) -> String)? = nil,
        refused: ((WebhookRequest?, HTTPFailure) -> Response?)? = nil
    ) async -> Response {
        let start = ContinuousClock.now
        let refusal = Refusal(metrics: metrics, logger: logger)
        guard let channel = channels[channelID] else {
            return refusal.respond(.unknownChannel(channelID), channel: nil, id: channelID)
        }
        func reject(_ failure: HTTPFailure, _ seen: WebhookRequest? = nil) -> Response {
            let answer = refusal.respond(failure, channel: channel, id: channelID)
            return refused?(seen, failure) ?? answer
        }
        guard let adapter = channel.webhook else { return reject(.channelNotWebhook(channelID)) }
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
        let bytes: [UInt8]
        var spooled: [SpooledFile] = []
        do throws(HTTPFailure) {
            if let declaredLength, declaredLength > limit { throw HTTPFailure.bodyTooLarge(limit: limit) }
            if adapter.streamsFileParts, let spool, let type = request.headers[.contentType], MultipartForm.boundary(contentType: type) != nil {
                let upload = try await StreamedUpload(spool: spool, limit: limit, limits: MultipartForm.Limits()).read(request, contentType: type)
                (bytes, spooled) = (upload.body, upload.spooled)
            } else {
                bytes = try await request.body(upTo: limit, declaredLength: declaredLength)
            }
        } catch {
            return reject(error)
        }
        // Whatever the outcome, no spool file outlives the request: kept ones are in the attachment store by now.
        defer { if !spooled.isEmpty { UploadSpool.remove(spooled.map(\.path)) } }
        let webhookRequest = WebhookRequest(
            method: request.method.rawValue,
            publicURL: publicURL + request.uri.string,
            query: request.uri.query == nil ? [] : request.uri.queryParameters.map { (String($0.key), String($0.value)) },
            headers: HeaderFields(headers),
            body: bytes,
            // Written out as text only for the families that check it: formatting it costs on every request.
            peerAddress: adapter.wantsPeerAddress ? peer()?.ipAddress : nil,
            spooled: spooled
        )
        let messages: [InboundMessage]
        var refusedItems: [RejectedItem] = []
        do {
            switch try adapter.receive(webhookRequest) {
            case .respond(let answer):
                return Self.response(answer)
            case .ignored(let reason, let answer):
                logger.info("message ignored by its adapter", metadata: ["channel": "\(channelID)", "reason": "\(reason)"])
                channel.activity.ignored()
                return Self.response(answer)
            case .unreadable(let problem, let fileExtension, let answer):
                return quarantine(bytes, problem: problem, fileExtension: fileExtension, answer: answer, channel: channel, id: channelID, refusal: refusal)
            case .deliveryStatuses(let statuses, let answer):
                // Recorded on the replies they report on, before the answer; never a complaint.
                do {
                    let found = try await gateway.recordDeliveryStatuses(statuses, channelID: channelID)
                    if found < statuses.count {
                        logger.notice("delivery reports for replies this gateway does not know", metadata: [
                            "channel": "\(channelID)", "reports": "\(statuses.count)", "unknown": "\(statuses.count - found)",
                        ])
                    }
                } catch {
                    logger.error("delivery reports not recorded", metadata: ["channel": "\(channelID)", "error": "\(error)"])
                    return reject(.storage(error))
                }
                return Self.response(answer)
            case .messages(let parsed):
                messages = parsed
            case .partial(let parsed, let rejected):
                messages = parsed
                refusedItems = rejected
            }
        } catch {
            return reject(.adapter(error), webhookRequest)
        }
        let receipts: [Receipt]
        do {
            receipts = messages.isEmpty ? [] : try await gateway.submit(messages, raw: bytes)
        } catch {
            logger.error("journal write failed", metadata: ["channel": "\(channelID)", "error": "\(error)"])
            return reject(.storage(error), webhookRequest)
        }
        channel.activity.stored(receipts)
        channel.metrics.webhookLatency(since: start)
        guard refusedItems.isEmpty else {
            // Counted only now: a storage failure above makes the provider resend the whole batch.
            for item in refusedItems { refusal.record(.adapter(item.error), channel: channel, id: channelID) }
            return Self.response(.batch(receipts, rejected: refusedItems))
        }
        if let seeOther, let receipt = receipts.first {
            return Response(status: .seeOther, headers: [.location: seeOther(receipt)])
        }
        return Self.response(adapter.acknowledge(receipts))
    }

    /// Keeps an authenticated but unreadable body in quarantine, counts it as malformed and answers `answer`;
    /// a body that cannot be kept is answered as a storage failure, so the provider sends it again.
    func quarantine(
        _ bytes: [UInt8], problem: String, fileExtension: String, answer: WebhookResponse, channel: ServedChannel, id: ChannelID, refusal: Refusal
    ) -> Response {
        let kept: String
        do {
            kept = try quarantineStorage.map {
                try Quarantine(storagePath: $0, kind: channel.config.type.rawValue).keep(bytes, label: id, fileExtension: fileExtension)
            } ?? "nowhere (no quarantine)"
        } catch {
            logger.error("unreadable webhook body not quarantined", metadata: ["channel": "\(id)", "error": "\(error)"])
            return refusal.respond(.storage(error), channel: channel, id: id)
        }
        refusal.record(.adapter(.malformed(field: nil, message: problem)), channel: channel, id: id)
        logger.warning("webhook body unreadable, quarantined", metadata: ["channel": "\(id)", "problem": "\(problem)", "kept": "\(kept)"])
        return Self.response(answer)
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
