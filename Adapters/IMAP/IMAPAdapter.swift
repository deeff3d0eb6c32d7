import EmailAdapter
import Foundation
import IntakeIMAP
import IntakeModel
import Synchronization

extension ChannelType {
    /// A mailbox read over IMAP.
    public static let imap = ChannelType("imap")
}

/// What happens to a message on the server once its complaint is durable.
public enum AfterCommit: Sendable, Equatable {
    /// `\Seen` is added.
    case seen
    /// The message is moved to this mailbox.
    case move(String)
    /// Nothing: the cursor alone keeps it from being fetched again.
    case keep

    /// `seen`, `keep` or `move:<mailbox>`; nil for anything else.
    public init?(setting: String) {
        switch setting {
        case "seen": self = .seen
        case "keep": self = .keep
        case let value where value.hasPrefix("move:") && value.count > 5: self = .move(String(value.dropFirst(5)))
        default: return nil
        }
    }
}

/// Polls one IMAP mailbox (`type: imap`). The cursor is `UIDVALIDITY:lastUID`; a changed UIDVALIDITY reads
/// the mailbox from the start, and the Message-ID as external id keeps those messages from becoming
/// complaints twice. With IDLE the poller waits in IDLE (a fresh one at least every 25 minutes, sooner
/// with a smaller `poll_seconds`) instead of sleeping.
///
/// A crash between the commit and the flagging leaves committed messages unflagged (never fetched again):
/// so after a start, the first poll in the same mailbox re-applies `after` to every UID the cursor covers
/// (`1:<last>`; `\Seen` is idempotent and a move moves only what is still there).
public final class IMAPAdapter: PollingAdapter {
    /// The family: settings `host`, `port`, `security`, `ca_file`, `user`, `password`, `mailbox`, `poll_seconds`, `after`,
    /// the email family's attachment limits `attachment_max_bytes` and `attachments_max_bytes`, and its SMTP
    /// keys for acknowledgments.
    public static let family = AdapterFamily(
        type: .imap,
        settingKeys: [
            ChannelSettingKey("host", required: true), ChannelSettingKey("port"), ChannelSettingKey("security"),
            ChannelSettingKey("user", required: true), ChannelSettingKey("password", required: true, secret: true),
            ChannelSettingKey("mailbox"), ChannelSettingKey("poll_seconds"), ChannelSettingKey("after"),
            ChannelSettingKey("ca_file"), ChannelSettingKey("attachment_max_bytes"), ChannelSettingKey("attachments_max_bytes"),
        ] + EmailReplySender.settingKeys,
        makePoller: { IMAPAdapter(channel: $0) },
        // Acknowledged by SMTP exactly as pushed mail is (`smtp_url`, `from`, …).
        makeReplySender: { EmailReplySender.make(channel: $0) },
        repliesPerAddressPerHour: EmailReplySender.defaultPerAddressPerHour,
        // SMTP writes to any address: other channels may acknowledge by email through this one (`reply_email_via`).
        outboundKind: .email
    )

    /// Messages fetched per poll at most.
    public static let batchSize = 50

    let channel: ChannelConfig
    /// Nil when the settings are unusable; `configurationError` says why at every fetch.
    let client: IMAPClient?
    let configurationError: IMAPError?
    let after: AfterCommit
    let pollSeconds: Int
    private let state: Mutex<PollState>

    struct PollState {
        /// The UIDs of the last batch, to mark once the batch with this cursor is committed.
        var pending: (cursor: String, uids: IMAPUIDs)?
        /// Committed messages from before this start may be unflagged (a crash before `committed`): the
        /// first poll in the same mailbox marks all its cursor covers. Cleared once that mark succeeded.
        var remarkDue: Bool
        var failures = 0
        /// The last fetch found nothing: the next one waits in IDLE first.
        var caughtUp = false
        var idles = false
    }

    public init(channel: ChannelConfig) {
        self.channel = channel
        let settings = channel.settings
        pollSeconds = settings["poll_seconds"].flatMap(Int.init).map { max($0, 1) } ?? 60
        after = settings["after"].flatMap(AfterCommit.init(setting:)) ?? .seen
        state = Mutex(PollState(remarkDue: after != .keep))
        do throws(IMAPError) {
            client = try IMAPClient(settings: Self.imapSettings(settings))
            configurationError = nil
        } catch {
            client = nil
            configurationError = error
        }
    }

    /// The connection settings from the channel's keys; `security` defaults to `tls`, `port` to 993 for
    /// `tls` and 143 otherwise, `mailbox` to INBOX.
    static func imapSettings(_ settings: [String: String]) throws(IMAPError) -> IMAPSettings {
        let securityName = settings["security"] ?? "tls"
        guard let security = IMAPSecurity(rawValue: securityName) else {
            throw .configuration("security must be tls, starttls or plain, not \(securityName)")
        }
        if let after = settings["after"], AfterCommit(setting: after) == nil {
            throw .configuration("after must be seen, keep or move:<mailbox>, not \(after)")
        }
        let defaultPort: UInt16 = security == .tls ? 993 : 143
        guard let port = settings["port"].map({ UInt16($0) }) ?? defaultPort else { throw .configuration("port must be 1-65535") }
        return IMAPSettings(
            host: settings["host"] ?? "", port: port, security: security, user: settings["user"] ?? "",
            password: settings["password"] ?? "", mailbox: settings["mailbox"] ?? "INBOX", caFile: settings["ca_file"]
        )
    }

    /// No pause between polls while the server offers IDLE (the fetch waits in IDLE), `poll_seconds` otherwise.
    public var interval: Duration { state.withLock { $0.idles } ? .zero : .seconds(pollSeconds) }

    public func fetch(after cursor: String?) async throws -> PollBatch {
        guard let client else { throw configurationError ?? IMAPError.configuration("unusable settings") }
        try await backOff()
        do {
            let batch = try await poll(client, after: cursor)
            state.withLock { $0.failures = 0 }
            return batch
        } catch {
            state.withLock { $0.failures += 1 }
            throw error
        }
    }

    public func committed(_ batch: PollBatch) async throws {
        guard let client else { return }
        let uids = state.withLock { state -> IMAPUIDs in
            guard let pending = state.pending, pending.cursor == batch.cursor else { return [] }
            state.pending = nil
            return pending.uids
        }
        switch after {
        case .seen: try await client.markSeen(uids)
        case .move(let mailbox): try await client.move(uids, to: mailbox)
        case .keep: break
        }
        if case .upTo = uids { state.withLock { $0.remarkDue = false } }
    }

    /// Waits in IDLE when the last fetch found nothing, then fetches after the cursor and parses.
    private func poll(_ client: IMAPClient, after cursor: String?) async throws -> PollBatch {
        let position = cursor.flatMap(Self.position(of:))
        if state.withLock({ $0.caughtUp && $0.idles }) {
            _ = try await client.waitForChange(seconds: pollSeconds)
        }
        let result = try await client.fetch(uidValidity: position?.uidValidity, after: position?.uid ?? 0, limit: Self.batchSize)
        let idles = client.offersIdle
        state.withLock {
            $0.idles = idles
            $0.caughtUp = result.messages.isEmpty
        }
        let sameMailbox = result.uidValidity == position?.uidValidity
        guard let last = result.messages.last?.uid ?? (sameMailbox ? position?.uid : 0) else {
            return PollBatch(messages: [], cursor: "\(result.uidValidity):0")
        }
        let newCursor = "\(result.uidValidity):\(last)"
        // What cannot become a complaint is set aside (quarantined or counted) and the cursor moves past it.
        var messages: [PolledMessage] = []
        var setAside: [SetAsideItem] = []
        for fetched in result.messages {
            let reference = "uid-\(fetched.uid)"
            do {
                switch try EmailParser.message(raw: fetched.raw, channel: channel) {
                case .complaint(let message): messages.append(PolledMessage(message: message, raw: fetched.raw))
                case .ignored(let ignored):
                    setAside.append(SetAsideItem(kind: .ignored(reason: ignored.reason.rawValue), reference: reference, raw: fetched.raw))
                }
            } catch {
                setAside.append(SetAsideItem(kind: .unreadable(problem: error.description), reference: reference, raw: fetched.raw))
            }
        }
        state.withLock { state in
            // The first poll after a start in the same mailbox marks everything up to the new cursor, which
            // covers this batch and any committed earlier but left unflagged by a crash.
            if state.remarkDue && !(sameMailbox && (position?.uid ?? 0) > 0) { state.remarkDue = false }
            state.pending = (newCursor, state.remarkDue ? .upTo(last) : .list(result.messages.map(\.uid)))
        }
        return PollBatch(messages: messages, cursor: newCursor, setAside: setAside)
    }

    /// After failures, waits 1, 2, 4 … up to 60 seconds before connecting again (cancelled by shutdown).
    private func backOff() async throws {
        let failures = state.withLock { $0.failures }
        guard failures > 0 else { return }
        try await Task.sleep(for: .seconds(min(1 << min(failures - 1, 6), 60)))
    }

    /// `UIDVALIDITY:lastUID`; nil for anything else (read from the start).
    static func position(of cursor: String) -> (uidValidity: UInt32, uid: UInt32)? {
        let fields = cursor.split(separator: ":")
        guard fields.count == 2, let validity = UInt32(fields[0]), let uid = UInt32(fields[1]) else { return nil }
        return (validity, uid)
    }
}
