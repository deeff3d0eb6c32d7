import Foundation
import IntakeModel

/// Infobip's forwarded body: `{"results":[…],"messageCount","pendingMessageCount"}`. Its items are inbound
/// messages (`messageId`, `from`, `to`, `text`, `cleanText`, `keyword`, `receivedAt`, `smsCount`, …) or, for
/// delivery reports, outbound messages' `status` (`messageId`, `status`, `doneAt`, `error`, no `text`).
/// Members it does not know are ignored.
struct InfobipBatch {
    let items: [Any]

    static func read(_ body: [UInt8]) throws(AdapterError) -> InfobipBatch {
        guard let object = parse(body) else { throw .malformed(field: nil, message: "body is not valid JSON") }
        guard let root = object as? [String: Any] else { throw .malformed(field: nil, message: "body must be one JSON object") }
        guard let results = root["results"], !(results is NSNull) else { throw .malformed(field: "results", message: "is required") }
        guard let items = results as? [Any] else { throw .malformed(field: "results", message: "must be a list") }
        guard !items.isEmpty else { throw .malformed(field: "results", message: "is empty") }
        return InfobipBatch(items: items)
    }

    /// The JSON value of `body`; bytes that are not UTF-8 are replaced (best effort) rather than refusing the batch.
    private static func parse(_ body: [UInt8]) -> Any? {
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) { return object }
        guard String(validating: body, as: UTF8.self) == nil else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(String(decoding: body, as: UTF8.self).utf8))
    }

    /// Delivery reports when every item is one; otherwise messages, each bad item refused by itself.
    func outcome(channel: ChannelConfig) throws(AdapterError) -> WebhookOutcome {
        let objects = items.map { $0 as? [String: Any] }
        let isReport = objects.allSatisfy { item in
            guard let item else { return false }
            return item["status"] != nil && item["text"] == nil && item["cleanText"] == nil
        }
        if isReport {
            let statuses = objects.compactMap { $0.flatMap(Self.deliveryStatus) }
            return .deliveryStatuses(statuses, response: .json(["delivery_reports": statuses.count]))
        }
        var messages: [InboundMessage] = []
        var rejected: [RejectedItem] = []
        for (index, item) in objects.enumerated() {
            do throws(AdapterError) {
                guard let item else { throw .malformed(field: "", message: "must be an object") }
                messages.append(try InfobipItem(fields: item).message(channel: channel))
            } catch {
                rejected.append(RejectedItem(index: index, error: Self.located(error, at: index)))
            }
        }
        guard !messages.isEmpty else { throw rejected[0].error }
        return rejected.isEmpty ? .messages(messages) : .partial(messages, rejected: rejected)
    }

    /// `error` with its field named inside the batch: `results[1].from`.
    static func located(_ error: AdapterError, at index: Int) -> AdapterError {
        guard case .malformed(let field, let message) = error else { return error }
        let item = "results[\(index)]"
        return .malformed(field: (field ?? "").isEmpty ? item : "\(item).\(field!)", message: message)
    }

    static func deliveryStatus(_ item: [String: Any]) -> DeliveryStatus? {
        guard let id = InfobipItem.text(item["messageId"]), !id.isEmpty else { return nil }
        let status = item["status"] as? [String: Any] ?? [:]
        let word = InfobipItem.text(status["groupName"]) ?? InfobipItem.text(status["name"]) ?? "unknown"
        let error = item["error"] as? [String: Any] ?? [:]
        let failed = (InfobipItem.text(error["groupName"]) ?? "OK") != "OK"
        return DeliveryStatus(
            providerMessageID: id, status: word.lowercased(), at: InfobipItem.time(item["doneAt"]),
            error: failed ? InfobipItem.text(error["description"]) ?? InfobipItem.text(error["name"]) : nil
        )
    }
}

/// One inbound item of `results`.
struct InfobipItem {
    let fields: [String: Any]

    func message(channel: ChannelConfig) throws(AdapterError) -> InboundMessage {
        let id = try string("messageId")
        guard let id, !id.isBlank else { throw .malformed(field: "messageId", message: "is required") }
        guard id.utf8.count <= 256 else { throw .malformed(field: "messageId", message: "is longer than 256 bytes") }
        guard let from = try string("from"), !from.isBlank else { throw .malformed(field: "from", message: "is required") }
        guard let reporter = Self.reporter(from) else { throw .malformed(field: "from", message: "is not a phone number") }
        var text = try string("text")
        if text == nil { text = try string("cleanText") }
        guard let text, !text.isBlank else { throw .malformed(field: "text", message: "is required") }
        var metadata: [String: String] = [:]
        for (key, name) in [("to", "to"), ("keyword", "keyword"), ("smsCount", "sms_count")] {
            if let value = Self.text(fields[key]), !value.isEmpty { metadata[name] = value }
        }
        return InboundMessage(
            channelID: channel.id, channelType: channel.type, externalID: id, sentAt: Self.time(fields["receivedAt"]),
            reporter: reporter, text: text, metadata: metadata, statusQuestion: StatusQuestion.typedNumber(in: text)
        )
    }

    /// A string member (a number is taken as its digits); nil when absent or null.
    private func string(_ name: String) throws(AdapterError) -> String? {
        guard let value = fields[name], !(value is NSNull) else { return nil }
        guard let text = Self.text(value) else { throw .malformed(field: name, message: "must be a string") }
        return text
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: return string
        // Before `Bool`: on Linux a JSON number is an NSNumber, which also casts to Bool.
        case let integer as Int: return String(integer)
        case let number as Double: return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        default: return nil
        }
    }

    /// Infobip writes numbers in international form without `+` (`6281234567890`).
    static func reporter(_ raw: String) -> Reporter? {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if let first = trimmed.utf8.first, first != UInt8(ascii: "0"), first != UInt8(ascii: "+"),
           trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
           let international = Reporter(kind: .phone, raw: "+" + trimmed) {
            return international
        }
        return Reporter(kind: .phone, raw: trimmed)
    }

    /// Infobip's `2026-04-07T02:30:00.000+0000` (an offset without colon) or any ISO-8601 time; nil otherwise.
    static func time(_ value: Any?) -> Date? {
        guard var text = value as? String else { return nil }
        let utf8 = Array(text.utf8)
        if utf8.count > 5, utf8[utf8.count - 5] == UInt8(ascii: "+") || utf8[utf8.count - 5] == UInt8(ascii: "-"),
           utf8.suffix(4).allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), utf8.count >= 24 {
            text = String(text.dropLast(2)) + ":" + String(text.suffix(2))
        }
        return Timestamp.parse(text)
    }
}
