import Foundation
import IntakeMIME
import IntakeModel

/// Turns one raw MIME message into a complaint message. The IMAP poller hands every fetched message to
/// one; the email family's full parser (branch `email-push`, `Adapters/Email/`) replaces `MinimalMailParser`
/// at merge.
public protocol RawMailParser: Sendable {
    /// The message `raw` as received on `channel`; nil when it is deliberately not a complaint (an
    /// auto-reply); throws when the bytes are not a readable message.
    func message(raw: [UInt8], channel: ChannelConfig) throws -> InboundMessage?
}

/// A stand-in parser over `IntakeMIME`: Subject as the title, the first From as the reporter, the
/// Message-ID as the external id (a hash of the bytes without one), the text/plain body as the text.
public struct MinimalMailParser: RawMailParser {
    public init() {}

    public func message(raw: [UInt8], channel: ChannelConfig) throws -> InboundMessage? {
        let mime = try MIMEMessage(parsing: raw)
        guard let from = mime.from.first else { throw MailParseError.noSender }
        let subject = mime.subject?.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = mime.text()?.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = [body, subject].compactMap { $0 }.first { !$0.isEmpty } ?? ""
        return InboundMessage(
            channelID: channel.id,
            channelType: channel.type,
            externalID: mime.messageID ?? Self.contentID(raw),
            sentAt: mime.date,
            reporter: Reporter(kind: .email, address: from.address.lowercased(), name: from.displayName),
            title: subject,
            text: text
        )
    }

    /// A stable id for a message without Message-ID: FNV-1a over its bytes.
    static func contentID(_ raw: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in raw {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return "sha-fnv1a-" + String(hash, radix: 16)
    }
}

/// Why a fetched message could not become a complaint message.
public enum MailParseError: Error, Equatable, CustomStringConvertible {
    /// The message names no sender address in From.
    case noSender

    public var description: String {
        switch self {
        case .noSender: "the email message has no From address"
        }
    }
}
