import Foundation

/// How a provider's HTTP answer to a sent reply is judged, the same for every family's `ReplySender`:
/// 2xx sent; 408, 425, 429 and 5xx worth another try (with the provider's `Retry-After`); any other status
/// a refusal that retrying will not change.
extension HTTPExchangeResponse {
    /// Nil for a 2xx; otherwise the failure the reply service must act on, naming the status and the start
    /// of the provider's answer.
    public var replyFailure: ReplyFailure? {
        guard !(200..<300).contains(status) else { return nil }
        let answer = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = answer.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(answer)"
        if status == 408 || status == 425 || status == 429 || status >= 500 {
            return .temporary(message, retryAfter: retryAfter)
        }
        return .permanent(message)
    }

    /// The `Retry-After` header as a duration: delay seconds or an HTTP date; nil when absent or unreadable.
    public var retryAfter: Duration? {
        guard let value = header("Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "GMT")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = format.date(from: value) else { return nil }
        return .seconds(max(0, date.timeIntervalSinceNow))
    }
}

extension ReplyFailure {
    /// A request that got no answer at all (refused, timed out, reset): the provider may be back soon.
    public static func transport(_ error: any Error) -> ReplyFailure {
        .temporary("no answer: \(error)")
    }
}
