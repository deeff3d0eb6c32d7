import Crypto
import Foundation
import IntakeConfig
import IntakeCore
import IntakeHTTPClient

/// The routing core over HTTP: each event POSTed as JSON to `routing.url`, signed, keyed for idempotency.
///
/// Headers: `Idempotency-Key: <event id>`, `X-Intake-Event: <type>` and
/// `X-Intake-Signature: sha256=<hex HMAC-SHA256 of the body with routing.secret>`.
struct HTTPRoutingCore: RoutingCore {
    let url: String
    let key: SymmetricKey
    let timeout: Duration
    let client = HTTPClient()

    init(_ settings: RoutingSettings) {
        url = settings.url
        key = SymmetricKey(data: Array(settings.secret.utf8))
        timeout = .seconds(settings.timeoutSeconds)
    }

    /// The signature header's value for `body`.
    static func signature(_ body: [UInt8], key: SymmetricKey) -> String {
        "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: key).map { String(format: "%02x", $0) }.joined()
    }

    func deliver(_ payload: HandoffPayload, body: [UInt8]) async -> DeliveryOutcome {
        let request = HTTPClientRequest(
            method: "POST", url: url,
            headers: [
                ("Content-Type", "application/json"),
                ("Idempotency-Key", String(payload.id)),
                ("X-Intake-Event", payload.type.rawValue),
                ("X-Intake-Signature", Self.signature(body, key: key)),
            ],
            body: body, timeout: timeout
        )
        do {
            let response = try await client.send(request)
            return Self.outcome(status: response.status, retryAfter: response.header("Retry-After"), body: response.text)
        } catch {
            // Refused connections, timeouts, resets: the core is not there yet.
            return .retry(status: nil, reason: error.description, retryAfter: nil)
        }
    }

    /// 2xx delivered; 408, 429 and 5xx retried (honouring `Retry-After`); any other 4xx refused for good.
    /// Anything else (1xx, 3xx: no redirect is followed) is a misconfiguration worth retrying once fixed.
    static func outcome(status: Int, retryAfter: String?, body: String, now: Date = Date()) -> DeliveryOutcome {
        switch status {
        case 200...299:
            return .delivered(status: status)
        case 400...499 where status != 408 && status != 429:
            return .rejected(status: status, answer: String(body.prefix(1000)))
        default:
            let reason = "HTTP \(status)" + (body.isEmpty ? "" : ": " + String(body.prefix(200)))
            return .retry(status: status, reason: reason, retryAfter: retryAfter.flatMap { retryAfterSeconds($0, now: now) })
        }
    }

    /// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), in seconds from `now`.
    static func retryAfterSeconds(_ value: String, now: Date) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 { return Double(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
