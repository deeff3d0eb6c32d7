import AdapterRegistry
import Foundation
import GenericAdapter
import IntakeCore
import IntakeModel
import IntakeServer
import Testing

/// Channels, families and queries shared by the reply and status-question tests.
enum ReplyTesting {
    /// Fast retries, so an outage test takes seconds.
    static let policy = ReplyPolicy(baseDelay: 0.05, maxDelay: 0.4, rescanInterval: 0.2, batchSize: 8)
    static let reporter = "0812-3456-7890"

    /// A generic channel that replies to `replyURL`.
    static func channel(_ id: String = "generic-reply", replyURL: String, language: String = "id", template: String? = nil,
                        perSecond: Double? = nil) -> ChannelConfig {
        ChannelConfig(id: id, type: .generic, settings: ["secret": RunningGateway.secret, "reply_url": replyURL], language: language,
                      replyTemplate: template, repliesPerSecond: perSecond)
    }

    /// A generic-webhook message.
    static func message(_ id: String, text: String = "Jalan rusak parah di Kec. Depok, Sleman, mohon diperbaiki",
                        from: String = reporter) -> [String: Any] {
        ["id": id, "from": from, "text": text]
    }

    /// `GET /api/v1/replies` items, optionally by status.
    static func replies(_ gateway: RunningGateway, status: String? = nil) async throws -> [[String: Any]] {
        let response = try await gateway.get("/api/v1/replies" + (status.map { "?status=\($0)" } ?? ""))
        #expect(response.status == 200)
        return response.json["items"] as? [[String: Any]] ?? []
    }

    /// Waits until `GET /api/v1/replies` (by status) satisfies `condition`; the items then.
    @discardableResult
    static func waitForReplies(
        _ gateway: RunningGateway, status: String? = nil, timeout: Duration = .seconds(20), _ condition: ([[String: Any]]) -> Bool
    ) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let items = try await replies(gateway, status: status)
            if condition(items) { return items }
            guard ContinuousClock.now < deadline else {
                Issue.record("replies never met the condition; last: \(items)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A provider family for tests: the generic wire format, plus delivery reports named by an
    /// `X-Test-Delivery: <provider id>=<status>` header, answering with the receipt's inline reply.
    static func family(_ type: String, inline: Bool) -> AdapterFamily {
        AdapterFamily(
            type: ChannelType(type),
            settingKeys: [ChannelSettingKey("secret", required: true, secret: true), ChannelSettingKey("reply_url")],
            makeWebhook: { TestProviderAdapter(generic: GenericAdapter(channel: $0)) },
            makeReplySender: { channel in
                channel.settings["reply_url"].map { GenericReplySender(url: $0, secret: channel.settings["secret"] ?? "") }
            },
            repliesInline: inline,
            isSMS: true
        )
    }
}

/// See `ReplyTesting.family`.
struct TestProviderAdapter: WebhookAdapter {
    let generic: GenericAdapter

    var maxBodyBytes: Int { generic.maxBodyBytes }

    func receive(_ request: WebhookRequest) throws(AdapterError) -> WebhookOutcome {
        if let report = request.headers["X-Test-Delivery"] {
            let parts = report.split(separator: "=").map(String.init)
            return .deliveryStatuses(
                [DeliveryStatus(providerMessageID: parts[0], status: parts[1], error: parts.count > 2 ? parts[2] : nil)],
                response: WebhookResponse(status: 204, contentType: "text/plain", body: [])
            )
        }
        return try generic.receive(request)
    }

    func acknowledge(_ receipts: [Receipt]) -> WebhookResponse {
        .json(["tracking_number": receipts.first?.trackingNumber.description ?? "", "reply": receipts.first?.reply ?? ""])
    }
}
