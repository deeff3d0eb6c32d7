import Foundation
import IntakeModel

/// Turns one Bot API update into a message, or says why it is none. Pure: no I/O.
struct UpdateReader: Sendable {
    /// What one update is to the gateway.
    enum Reading {
        case message(InboundMessage)
        /// Not a complaint (an update kind we do not take, a bot's message); `reason` is a short word.
        case ignored(reason: String)
        /// Cannot be read; `problem` says why.
        case unreadable(problem: String)
    }

    /// Commands answered with instructions rather than taken as reports.
    static let instructionCommands: Set<String> = ["/start", "/help", "/bantuan"]

    let channel: ChannelConfig

    /// The update in `raw` (one JSON object).
    func read(_ raw: [UInt8]) -> Reading {
        let update: BotUpdate
        do {
            update = try JSONDecoder().decode(BotUpdate.self, from: Data(raw))
        } catch {
            return .unreadable(problem: "not a Bot API update: \(Self.describe(error))")
        }
        let edited = update.message == nil
        guard let message = update.message ?? update.editedMessage else { return .ignored(reason: "update-kind") }
        // Only a private chat with the bot is a report: in a group every member's talk would become a complaint
        // and the answers would be posted to the whole group.
        guard message.chat.type == "private" else { return .ignored(reason: "group") }
        guard let from = message.from else { return .ignored(reason: "no-sender") }
        if from.isBot == true { return .ignored(reason: "bot") }
        // A shared contact, a sticker, a poll: nothing to report without words, a file or a place.
        if (message.text ?? message.caption ?? "").isBlank && message.photo == nil && message.document == nil && message.location == nil {
            return .ignored(reason: "no-content")
        }
        // A shared live location is edited with new coordinates every few seconds for hours: each would be an
        // amendment (journal row, edit, routing event). The complaint keeps the first point; the moves are ignored.
        if edited, message.location != nil, (message.text ?? message.caption ?? "").isBlank, message.photo == nil, message.document == nil {
            return .ignored(reason: "live-location")
        }
        let inbound = inbound(message, from: from, edited: edited)
        // An edited /start or CEK asks nothing new and is no report.
        if edited, Self.isCommand(inbound.text) || StatusQuestion.typedNumber(in: inbound.text) != nil {
            return .ignored(reason: "edited-command")
        }
        return .message(inbound)
    }

    /// Whether `text` starts with one of `instructionCommands` (`/start`, `/start@LaporBot`, `/start payload`).
    static func isCommand(_ text: String) -> Bool {
        let command = text.trimmed.split(whereSeparator: \.isWhitespace).first?.split(separator: "@").first.map { $0.lowercased() }
        return command.map(instructionCommands.contains) ?? false
    }

    private func inbound(_ message: BotMessage, from: BotUser, edited: Bool) -> InboundMessage {
        var text = message.text ?? message.caption ?? ""
        var location: String?
        var metadata: [String: String] = [:]
        if let point = message.location {
            let coordinates = String(format: "%.6f, %.6f", point.latitude, point.longitude)
            location = coordinates
            metadata["latitude"] = String(point.latitude)
            metadata["longitude"] = String(point.longitude)
            if text.isBlank { text = "(\(coordinates))" }
        }
        if from.languageCode?.lowercased().hasPrefix("en") == true { metadata[InboundMessage.replyLanguageKey] = "en" }
        var inbound = InboundMessage(
            channelID: channel.id, channelType: .telegram, externalID: "\(message.chat.id):\(message.messageID)",
            sentAt: Date(timeIntervalSince1970: TimeInterval(message.date)), reporter: Self.reporter(from),
            text: text, location: location, attachments: attachments(message), tags: channel.tags, campaign: channel.campaign,
            replyTo: String(message.chat.id), metadata: metadata
        )
        if edited { inbound.editedAt = Date(timeIntervalSince1970: TimeInterval(message.editDate ?? message.date)) }
        if !edited, Self.isCommand(text) {
            inbound.asksHowToReport = true
        } else if !edited {
            inbound.statusQuestion = StatusQuestion.typedNumber(in: text)
        }
        return inbound
    }

    /// The sender by Telegram user id (`tg:<id>`), with the name Telegram shows. Telegram gives no phone number
    /// with a message: only a shared contact carries one, in a message of its own, so the id is the identity.
    static func reporter(_ user: BotUser) -> Reporter {
        let name = [user.firstName, user.lastName].compactMap { $0 }.joined(separator: " ")
        return Reporter(kind: .social, raw: "tg:\(user.id)", name: name) ?? Reporter(kind: .social, address: "tg:\(user.id)")
    }

    /// The photo's largest size and the document, as references `getFile` resolves when the media service fetches them.
    private func attachments(_ message: BotMessage) -> [InboundAttachment] {
        var attachments: [InboundAttachment] = []
        if let largest = message.photo?.max(by: { (Self.area($0), $0.fileSize ?? 0) < (Self.area($1), $1.fileSize ?? 0) }) {
            attachments.append(InboundAttachment(
                fileName: "photo-\(message.messageID).jpg", mediaType: "image/jpeg",
                reference: MediaReference(location: largest.fileID, credentials: TelegramAdapter.mediaCredentials)
            ))
        }
        if let document = message.document {
            let mediaType = document.mimeType.flatMap { $0.isBlank ? nil : $0 } ?? "application/octet-stream"
            attachments.append(InboundAttachment(
                fileName: document.fileName.flatMap { $0.isBlank ? nil : $0 } ?? "document-\(message.messageID)", mediaType: mediaType,
                reference: MediaReference(location: document.fileID, credentials: TelegramAdapter.mediaCredentials)
            ))
        }
        return attachments
    }

    private static func area(_ size: PhotoSize) -> Int { (size.width ?? 0) * (size.height ?? 0) }

    /// A decoding error in a few words, naming the field: never the update's content.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "invalid JSON" }
        switch error {
        case .keyNotFound(let key, let context): return "missing \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case .dataCorrupted: return "invalid JSON"
        @unknown default: return "unreadable"
        }
    }
}
