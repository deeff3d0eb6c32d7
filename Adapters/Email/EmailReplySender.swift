import Foundation
import IntakeModel

/// Sends acknowledgments by email over SMTP (`AcknowledgmentMail`) through the gateway's `MailTransport`.
///
/// Settings: `smtp_url` (`smtp://host:587` or `smtps://host:465`), `smtp_user`, `smtp_password` (`env:`
/// allowed), `from` (`LAPOR! <lapor@example.go.id>`) and `smtp_security`: `starttls` (the default for
/// `smtp://`), `tls` (implied by `smtps://`) or `plain`, which never carries a password off the machine.
/// An address nobody reads (`mailer-daemon@…`, `noreply@…`) is never written to: the reply is suppressed.
/// An unreachable server, a timeout or a 4xx keeps the reply queued; a 5xx (no such mailbox) fails it.
public struct EmailReplySender: ReplySender {
    /// The setting keys the sender reads, for the families that offer email replies.
    public static let settingKeys = [
        ChannelSettingKey("smtp_url"), ChannelSettingKey("smtp_user"), ChannelSettingKey("smtp_password", secret: true),
        ChannelSettingKey("from"), ChannelSettingKey("smtp_security"),
    ]

    /// Acknowledgments per address per hour unless the channel sets `replies_per_address_per_hour`.
    public static let defaultPerAddressPerHour = 3

    let serverURL: String
    let requireStartTLS: Bool
    let user: String?
    let password: String?
    let sender: MailSender
    let language: String

    /// The sender of a channel with `smtp_url` and a usable `from`; nil otherwise (the channel does not
    /// reply). Any email family (pushed mail, IMAP) builds its sender here.
    public static func make(channel: ChannelConfig) -> EmailReplySender? {
        guard let url = channel.settings["smtp_url"]?.trimmingCharacters(in: .whitespaces), !url.isEmpty,
              let sender = channel.settings["from"].flatMap(MailSender.init) else { return nil }
        let security = channel.settings["smtp_security"]?.lowercased() ?? (url.lowercased().hasPrefix("smtps://") ? "tls" : "starttls")
        return EmailReplySender(
            serverURL: url, requireStartTLS: url.lowercased().hasPrefix("smtp://") && security != "plain",
            user: channel.settings["smtp_user"].flatMap { $0.isEmpty ? nil : $0 }, password: channel.settings["smtp_password"],
            sender: sender, language: channel.language
        )
    }

    /// Email needs the mail transport; over HTTP alone it cannot send.
    public func send(_ reply: OutboundReply, over http: any HTTPExchange) async throws(ReplyFailure) -> SentReply {
        try await send(reply, over: ReplyTransports(http: http))
    }

    public func send(_ reply: OutboundReply, over transports: ReplyTransports) async throws(ReplyFailure) -> SentReply {
        guard !EmailParser.isUnanswerable(reply.recipient) else {
            throw .suppressed("the address is an automated mailbox nobody reads")
        }
        guard let transport = transports.mail else { throw .temporary("the gateway has no mail transport for SMTP") }
        if let problem = plainPasswordProblem { throw .permanent(problem) }
        let mail = AcknowledgmentMail(reply: reply, sender: sender, language: reply.language ?? language, date: Date())
        do {
            try await transport.submit(OutgoingMail(
                serverURL: serverURL, requireStartTLS: requireStartTLS, user: user, password: password,
                envelopeFrom: sender.address, recipient: reply.recipient, message: mail.bytes
            ))
        } catch {
            switch error {
            case .temporary(let message): throw .temporary(message)
            case .permanent(let message): throw .permanent(message)
            }
        }
        return SentReply(providerMessageID: mail.messageID)
    }

    /// Why the password must not be sent: `smtp_security: plain` to a host other than this machine.
    var plainPasswordProblem: String? {
        let secure = requireStartTLS || serverURL.lowercased().hasPrefix("smtps://")
        guard !secure, user != nil, !Self.isLoopback(serverURL) else { return nil }
        return "smtp_security: plain would send the SMTP password in clear to a remote host; use starttls or smtps://"
    }

    /// Whether `url`'s host is this machine.
    static func isLoopback(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host?.lowercased() else { return false }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
