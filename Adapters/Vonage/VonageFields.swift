import Foundation
import IntakeModel

/// One Vonage webhook's parameters read as an inbound SMS or a delivery receipt.
struct VonageFields {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    subscript(_ name: String) -> String? { values[name]?.trimmed.isEmpty == false ? values[name] : nil }

    /// A delivery receipt has a `status` (and usually `err-code`, `scts`) but no `text`.
    var isDeliveryReceipt: Bool {
        values["text"] == nil && self["status"] != nil && (values["err-code"] != nil || values["scts"] != nil || values["messageId"] != nil)
    }

    func deliveryStatus() throws(AdapterError) -> DeliveryStatus {
        guard let id = self["messageId"]?.trimmed else { throw .malformed(field: "messageId", message: "is required") }
        let code = self["err-code"]?.trimmed
        return DeliveryStatus(
            providerMessageID: id, status: self["status"]!.trimmed.lowercased(), at: Self.time(self["message-timestamp"]),
            error: code == nil || code == "0" ? nil : "err-code \(code!)"
        )
    }

    /// The inbound SMS; nil for a binary SMS, which has no text.
    func message(channel: ChannelConfig) throws(AdapterError) -> InboundMessage? {
        if values["text"] == nil, values["type"]?.lowercased() == "binary" || values["data"] != nil || values["udh"] != nil {
            return nil
        }
        let missing = ["msisdn", "messageId", "text"].filter { self[$0] == nil }
        guard missing.isEmpty, let msisdn = self["msisdn"], let id = self["messageId"]?.trimmed, let text = values["text"] else {
            throw .malformed(field: missing.joined(separator: ", "), message: missing.count == 1 ? "is required" : "are required")
        }
        guard id.utf8.count <= 256 else { throw .malformed(field: "messageId", message: "is longer than 256 bytes") }
        // Vonage writes numbers internationally without the "+": 6281234567890, 447700900123.
        let raw = msisdn.trimmed.utf8.allSatisfy(\.isASCIIDigit) ? "+" + msisdn.trimmed : msisdn
        guard let reporter = Reporter(kind: .phone, raw: raw) else { throw .malformed(field: "msisdn", message: "is not a phone number") }
        let part = try self.part()
        var metadata: [String: String] = [:]
        for (key, name) in [("to", "to"), ("type", "type"), ("keyword", "keyword")] {
            if let value = self[name] { metadata[key] = value }
        }
        return InboundMessage(
            channelID: channel.id, channelType: .vonage, externalID: id, sentAt: Self.time(self["message-timestamp"]),
            reporter: reporter, text: text, metadata: metadata, part: part,
            // A part is not the whole text: the core asks the joined message.
            statusQuestion: part == nil ? StatusQuestion.typedNumber(in: text) : nil
        )
    }

    /// `concat-ref`, `concat-part`, `concat-total` when the SMS is one part of a longer one.
    func part() throws(AdapterError) -> MessagePart? {
        let concatenated = values["concat"]?.lowercased() == "true" || self["concat-ref"] != nil
        guard concatenated else { return nil }
        guard let reference = self["concat-ref"]?.trimmed else { throw .malformed(field: "concat-ref", message: "is required for a concatenated SMS") }
        guard let total = self["concat-total"].flatMap({ Int($0.trimmed) }) else {
            throw .malformed(field: "concat-total", message: "must be a whole number")
        }
        guard let index = self["concat-part"].flatMap({ Int($0.trimmed) }) else {
            throw .malformed(field: "concat-part", message: "must be a whole number")
        }
        let part = MessagePart(reference: reference, index: index, total: total)
        guard part.isValid else { throw .malformed(field: "concat-part", message: "must be between 1 and concat-total (at most 255)") }
        return part
    }

    /// Vonage's `2026-04-07 02:30:00` (UTC); nil when absent or unreadable (it is only a hint).
    static func time(_ text: String?) -> Date? {
        guard let text = text?.trimmed, !text.isEmpty else { return nil }
        return Timestamp.parse(text.replacingOccurrences(of: " ", with: "T") + (text.hasSuffix("Z") ? "" : "Z"))
    }
}
