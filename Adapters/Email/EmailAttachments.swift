import Foundation
import IntakeMIME
import IntakeModel

/// The files of an email (attachments and inline images) as `InboundAttachment` bytes, within the
/// channel's per-file and per-message limits; what does not fit is named in the message's metadata.
enum EmailAttachments {
    /// The channel's limits: `attachment_max_bytes` per file, `attachments_max_bytes` per message.
    struct Limits {
        var perFile: Int
        var perMessage: Int

        init(perFile: Int, perMessage: Int) {
            self.perFile = perFile
            self.perMessage = perMessage
        }

        init(_ channel: ChannelConfig) {
            perFile = channel.settings["attachment_max_bytes"].flatMap(Int.init) ?? EmailParser.defaultAttachmentMaxBytes
            perMessage = channel.settings["attachments_max_bytes"].flatMap(Int.init) ?? EmailParser.defaultAttachmentsMaxBytes
        }
    }

    /// The files kept, and `name (N bytes)` for each one dropped for its size.
    static func collect(_ mime: MIMEMessage, limits: Limits) -> (kept: [InboundAttachment], dropped: [String]) {
        var kept: [InboundAttachment] = []
        var dropped: [String] = []
        var total = 0
        for part in mime.parts where isFile(part) {
            let name = fileName(part, index: kept.count + dropped.count)
            guard part.body.count <= limits.perFile, total + part.body.count <= limits.perMessage else {
                dropped.append("\(name) (\(part.body.count) bytes)")
                continue
            }
            total += part.body.count
            kept.append(InboundAttachment(fileName: name, mediaType: part.mediaType, bytes: Data(part.body)))
        }
        return (kept, dropped)
    }

    /// A part is a file when marked as an attachment, named, or not text (an inline image, a PDF); the
    /// body texts and their alternatives are not.
    static func isFile(_ part: MIMEPart) -> Bool {
        if part.isAttachment || part.fileName != nil { return true }
        if part.mediaType.hasPrefix("multipart/") { return false }
        return !part.isText
    }

    private static func fileName(_ part: MIMEPart, index: Int) -> String {
        if let name = part.fileName?.trimmed, !name.isEmpty {
            // Only the last path component: a name is never a path.
            return String(name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "attachment")
        }
        let ext: String = switch part.mediaType {
        case "image/jpeg": ".jpg"
        case "image/png": ".png"
        case "image/gif": ".gif"
        case "application/pdf": ".pdf"
        case "message/rfc822": ".eml"
        default: ""
        }
        return "attachment-\(index + 1)\(ext)"
    }
}
