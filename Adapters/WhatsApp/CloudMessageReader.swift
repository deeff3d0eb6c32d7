import Foundation
import IntakeModel

/// Turns a verified Cloud API webhook body into the citizens' messages and the statuses of our replies.
///
/// Pure: no I/O. Media arrive as ids that `GraphMediaResolver` turns into downloads after the answer.
struct CloudMessageReader {
    let channel: ChannelConfig
    /// When a media id stops being fetchable is not in the webhook; Meta's URLs last about five minutes.
    let now: Date

    /// What a webhook holds, once read.
    struct Contents {
        var messages: [InboundMessage] = []
        var statuses: [DeliveryStatus] = []
        /// Messages deliberately not taken (reactions, system notices), by type.
        var ignored: [String] = []
    }

    /// How long after the webhook a media reference is assumed fetchable.
    static let mediaLifetime: TimeInterval = 5 * 60

    /// Message types a citizen does not mean as a report: skipped, never a complaint.
    static let ignoredTypes: Set<String> = ["reaction", "system", "ephemeral", "request_welcome"]

    func read(_ body: [UInt8]) throws(AdapterError) -> Contents {
        let notification = try Self.decode(body)
        guard let entries = notification.entry else { throw .malformed(field: "entry", message: "is required") }
        var contents = Contents()
        for (entryIndex, entry) in entries.enumerated() {
            for (changeIndex, change) in (entry.changes ?? []).enumerated() {
                // Other subscriptions of the same app (account updates, templates) carry no messages.
                guard let value = change.value, change.field == nil || change.field == "messages" else { continue }
                let path = "entry[\(entryIndex)].changes[\(changeIndex)].value"
                try read(value, path: path, into: &contents)
            }
        }
        return contents
    }

    private func read(_ value: CloudNotification.Value, path: String, into contents: inout Contents) throws(AdapterError) {
        var names: [String: String] = [:]
        for contact in value.contacts ?? [] {
            if let id = contact.waID, let name = contact.profile?.name { names[id] = name }
        }
        let phoneNumberID = value.metadata?.phoneNumberID
        for (index, message) in (value.messages ?? []).enumerated() {
            let messagePath = "\(path).messages[\(index)]"
            let type = try Self.required(message.type, "\(messagePath).type")
            guard !Self.ignoredTypes.contains(type) else {
                contents.ignored.append(type)
                continue
            }
            let name = message.from.flatMap { names[$0] } ?? (value.contacts?.count == 1 ? value.contacts?.first?.profile?.name : nil)
            contents.messages.append(try inbound(message, type: type, name: name, phoneNumberID: phoneNumberID, path: messagePath))
        }
        for (index, status) in (value.statuses ?? []).enumerated() {
            let statusPath = "\(path).statuses[\(index)]"
            contents.statuses.append(DeliveryStatus(
                providerMessageID: try Self.required(status.id, "\(statusPath).id"),
                status: try Self.required(status.status, "\(statusPath).status"),
                at: Self.date(status.timestamp),
                error: status.errors?.first?.summary
            ))
        }
    }

    private func inbound(
        _ message: CloudNotification.Message, type: String, name: String?, phoneNumberID: String?, path: String
    ) throws(AdapterError) -> InboundMessage {
        let id = try Self.required(message.id, "\(path).id")
        let from = try Self.required(message.from, "\(path).from")
        // wa_id is always international digits without "+": never read it with the Indonesian defaults.
        guard let reporter = Reporter(kind: .phone, raw: from.hasPrefix("+") ? from : "+" + from, name: name) else {
            throw .malformed(field: "\(path).from", message: "is not a phone number")
        }
        var metadata = ["whatsapp_type": type]
        if let phoneNumberID { metadata["whatsapp_phone_number_id"] = phoneNumberID }
        if let context = message.context?.id { metadata["whatsapp_context_id"] = context }
        var content = try self.content(of: message, type: type, path: path)
        content.metadata.merge(metadata) { mine, _ in mine }
        return InboundMessage(
            channelID: channel.id, channelType: .whatsapp, externalID: id, sentAt: Self.date(message.timestamp),
            reporter: reporter, text: content.text, location: content.location, attachments: content.attachments,
            replyTo: from.filter { $0.isASCII && $0.isNumber }, metadata: content.metadata,
            statusQuestion: type == "text" ? StatusQuestion.typedNumber(in: content.text) : nil
        )
    }

    /// The parts of a message that depend on its type.
    private struct Content {
        var text: String
        var location: String?
        var attachments: [InboundAttachment] = []
        var metadata: [String: String] = [:]
    }

    private func content(of message: CloudNotification.Message, type: String, path: String) throws(AdapterError) -> Content {
        switch type {
        case "text":
            let body = try Self.required(message.text, "\(path).text")
            return Content(text: try Self.required(body.body, "\(path).text.body"))
        case "image", "video", "audio", "document", "sticker":
            let media = try Self.required(message.media(for: type), "\(path).\(type)")
            let id = try Self.required(media.id, "\(path).\(type).id")
            return Content(text: media.caption ?? "", attachments: [attachment(media, id: id, type: type)])
        case "location":
            return try location(try Self.required(message.location, "\(path).location"), path: "\(path).location")
        case "interactive":
            let interactive = try Self.required(message.interactive, "\(path).interactive")
            guard let choice = interactive.buttonReply ?? interactive.listReply, let title = choice.title else {
                return Self.unsupported("interactive/\(interactive.type ?? "unknown")")
            }
            var content = Content(text: [title, choice.description].compactMap { $0 }.joined(separator: "\n"))
            content.metadata["whatsapp_reply_id"] = choice.id
            return content
        case "button":
            let button = try Self.required(message.button, "\(path).button")
            var content = Content(text: try Self.required(button.text, "\(path).button.text"))
            content.metadata["whatsapp_reply_id"] = button.payload
            return content
        default:
            var content = Self.unsupported(type)
            if let error = message.errors?.first { content.metadata["whatsapp_error"] = error.summary }
            return content
        }
    }

    /// A message kind the gateway cannot read (a poll, a contact card, a view-once photo WhatsApp withholds):
    /// kept, marked, so an operator sees that the citizen wrote and can follow up.
    private static func unsupported(_ type: String) -> Content {
        Content(text: "[WhatsApp message of type \(type) that the gateway cannot read]", metadata: ["whatsapp_unsupported": type])
    }

    private func attachment(_ media: CloudNotification.Media, id: String, type: String) -> InboundAttachment {
        // "audio/ogg; codecs=opus": the parameters say nothing the stored file's type needs.
        let mediaType = media.mimeType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
        let resolvedType = mediaType?.isEmpty == false ? mediaType! : "application/octet-stream"
        let fileName = media.filename.flatMap { $0.isBlank ? nil : $0 } ?? "\(type)-\(id)\(Self.fileExtension(resolvedType))"
        return InboundAttachment(
            fileName: fileName, mediaType: resolvedType,
            reference: MediaReference(location: id, credentials: WhatsAppAdapter.mediaCredentials, expiresAt: now + Self.mediaLifetime)
        )
    }

    private func location(_ location: CloudNotification.Location, path: String) throws(AdapterError) -> Content {
        let latitude = try Self.required(location.latitude, "\(path).latitude").text
        let longitude = try Self.required(location.longitude, "\(path).longitude").text
        guard let lat = Double(latitude), (-90...90).contains(lat) else {
            throw .malformed(field: "\(path).latitude", message: "must be a number from -90 to 90")
        }
        guard let long = Double(longitude), (-180...180).contains(long) else {
            throw .malformed(field: "\(path).longitude", message: "must be a number from -180 to 180")
        }
        let place = [location.name, location.address].compactMap { $0?.isBlank == false ? $0 : nil }.joined(separator: ", ")
        let description = (place.isEmpty ? "" : place + " ") + "(\(latitude), \(longitude))"
        var metadata = ["latitude": latitude, "longitude": longitude]
        metadata["location_name"] = location.name
        metadata["location_address"] = location.address
        return Content(text: description, location: description, metadata: metadata)
    }

    static func fileExtension(_ mediaType: String) -> String {
        switch mediaType {
        case "image/jpeg": ".jpg"
        case "image/png": ".png"
        case "image/webp": ".webp"
        case "video/mp4": ".mp4"
        case "video/3gpp": ".3gp"
        case "audio/ogg": ".ogg"
        case "audio/mpeg": ".mp3"
        case "audio/aac": ".aac"
        case "audio/amr": ".amr"
        case "audio/mp4": ".m4a"
        case "application/pdf": ".pdf"
        default: ""
        }
    }

    static func required<Value>(_ value: Value?, _ field: String) throws(AdapterError) -> Value {
        guard let value else { throw .malformed(field: field, message: "is required") }
        if let text = value as? String, text.isBlank { throw .malformed(field: field, message: "must not be empty") }
        return value
    }

    /// Meta's timestamps are Unix seconds as a string.
    static func date(_ scalar: Scalar?) -> Date? {
        guard let seconds = scalar.flatMap({ Double($0.text) }), seconds > 0 else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
}

extension CloudMessageReader {
    /// Decodes the body; invalid UTF-8 is read best-effort (each bad byte becomes U+FFFD) rather than refused,
    /// since the signature already proved the bytes came from Meta.
    static func decode(_ body: [UInt8]) throws(AdapterError) -> CloudNotification {
        let decoder = JSONDecoder()
        do {
            return try decoder.decode(CloudNotification.self, from: Data(body))
        } catch let error as DecodingError {
            if String(validating: body, as: UTF8.self) == nil,
               let repaired = try? decoder.decode(CloudNotification.self, from: Data(String(decoding: body, as: UTF8.self).utf8)) {
                return repaired
            }
            throw malformed(error)
        } catch {
            throw .malformed(field: nil, message: "body is not JSON: \(error)")
        }
    }

    /// A decoding error as a 400 naming the member (`entry[0].changes[0].value.messages[0].text.body`).
    static func malformed(_ error: DecodingError) -> AdapterError {
        switch error {
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return .malformed(field: nil, message: "body must be a JSON object")
        case .typeMismatch(let type, let context):
            return .malformed(field: path(context.codingPath), message: "must be \(describe(type))")
        case .valueNotFound(let type, let context):
            return .malformed(field: path(context.codingPath), message: "must be \(describe(type)), not null")
        case .keyNotFound(let key, let context):
            return .malformed(field: path(context.codingPath + [key]), message: "is required")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return .malformed(field: path(context.codingPath), message: "is unreadable")
        case .dataCorrupted:
            return .malformed(field: nil, message: "body is not a JSON object")
        @unknown default:
            return .malformed(field: nil, message: "body is not a WhatsApp webhook")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String? {
        guard !keys.isEmpty else { return nil }
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }

    private static func describe(_ type: Any.Type) -> String {
        if type == String.self || type == Scalar.self { return "a string" }
        return "\(type)".hasPrefix("Array") ? "a list" : "an object"
    }
}
