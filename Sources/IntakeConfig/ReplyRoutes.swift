import IntakeModel
import Yams

/// Reads and checks `reply_email_via` and `reply_sms_via`: a channel's replies to a recipient of that kind
/// go out through the named channel's sender (a web form's contact email through a mailbox's SMTP settings,
/// its phone number through an SMS provider's send API).
///
/// The named channel must be configured, of a family that can write to that kind of address unprompted
/// (`AdapterFamily.outboundKind`), and configured well enough to send (an email channel with `smtp_url` and
/// `from`); anything else is an issue at the key, so no reply is queued for a sender that does not exist.
struct ReplyRoutes {
    let families: [AdapterFamily]

    /// The routes one channel entry names, by recipient kind.
    static func read(_ entry: MappingReader, log: inout IssueLog) -> [ReporterKind: ChannelID] {
        var routes: [ReporterKind: ChannelID] = [:]
        for (key, kind) in ChannelConfig.replyViaKeys {
            if let id = entry.value(key).flatMap({ log.nonEmptyString($0, at: entry.path.key(key)) }) { routes[kind] = id }
        }
        return routes
    }

    /// Reports every route of `channels` that names no channel able to carry it; `entries` are the list's
    /// items with their paths, for the line of each key.
    func check(_ channels: [ChannelConfig], entries: [(path: ConfigPath, node: Node)], log: inout IssueLog) {
        let byID = Dictionary(channels.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (path, node) in entries {
            guard let id = node["id"]?.string, let channel = byID[id] else { continue }
            for (key, kind) in ChannelConfig.replyViaKeys {
                guard let target = channel.replyVia[kind] else { continue }
                if let problem = problem(target, kind: kind, in: byID) {
                    log.report(path.key(key), at: node[key], problem)
                }
            }
        }
    }

    /// Why `target` cannot carry replies to `kind`; nil when it can.
    func problem(_ target: ChannelID, kind: ReporterKind, in channels: [ChannelID: ChannelConfig]) -> String? {
        guard let channel = channels[target] else { return "no channel '\(target)' is configured" }
        guard let family = families.first(where: { $0.type == channel.type }) else { return nil }
        guard let reaches = family.outboundKind, family.makeReplySender != nil, !family.repliesInline else {
            return "channel '\(target)' (type \(family.type)) cannot send replies for other channels"
        }
        guard reaches == kind else {
            return "channel '\(target)' (type \(family.type)) sends to \(Self.words(reaches)), not to \(Self.words(kind))"
        }
        guard family.carriesReplies(to: kind, as: channel) else {
            return "channel '\(target)' (type \(family.type)) has no sender configured"
                + (kind == .email ? " (it needs smtp_url and from)" : " (it needs its provider's send API settings)")
        }
        return nil
    }

    private static func words(_ kind: ReporterKind) -> String {
        switch kind {
        case .phone: "phone numbers"
        case .email: "email addresses"
        case .social: "social-media accounts"
        case .web: "web sessions"
        }
    }
}
