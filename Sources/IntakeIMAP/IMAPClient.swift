import CEtpan
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An IMAP connection over libetpan's `mailimap`, for one mailbox.
///
/// libetpan blocks while it waits on the network, so every call runs on a thread of its own (as
/// `HTTPClient` runs libcurl), never on Swift's cooperative pool; the session is a C handle guarded by a
/// lock, used by one call at a time. A broken connection is dropped and the next call reconnects; pacing
/// the reconnects (backoff) is the caller's choice.
public final class IMAPClient: @unchecked Sendable {
    public let settings: IMAPSettings
    /// Guards `session` and `hasIdle`; held for the whole of each call, on the call's thread.
    private let lock = NSLock()
    private var session: UnsafeMutablePointer<mailimap>?
    private var hasIdle = false
    /// The mailbox as the last fetch saw it (UIDVALIDITY, UIDNEXT, EXISTS): a wait that finds it changed
    /// at its SELECT returns at once, since the server reports in IDLE only what changes after IDLE began.
    private var fetchedState: [UInt32]?

    /// Refuses `plain` to anything but a loopback host: the password would cross the network in clear.
    public init(settings: IMAPSettings) throws(IMAPError) {
        guard settings.security != .plain || IMAPSettings.isLoopback(settings.host) else {
            throw .configuration("security plain is allowed only to a loopback host, not \(settings.host); use tls or starttls")
        }
        guard settings.port > 0 else { throw .configuration("port must be 1-65535") }
        self.settings = settings
    }

    deinit {
        if let session { mailimap_free(session) }
    }

    /// Whether the server offered IDLE at the last login; false before the first connection.
    public var offersIdle: Bool { lock.withLock { session != nil && hasIdle } }

    /// SELECTs the mailbox and fetches, oldest first, at most `limit` messages with a UID above `uid` when
    /// the mailbox's UIDVALIDITY is still `uidValidity`, or from the start when it changed (or is nil).
    public func fetch(uidValidity: UInt32?, after uid: UInt32, limit: Int) async throws(IMAPError) -> IMAPFetchResult {
        try await onThread { () throws(IMAPError) in
            let session = try self.selectedSession()
            let validity = intake_imap_uidvalidity(session)
            self.fetchedState = Self.mailboxState(session)
            let start = validity == uidValidity ? uid : 0
            guard session.pointee.imap_selection_info.pointee.sel_exists > 0 else {
                return IMAPFetchResult(uidValidity: validity, messages: [])
            }
            var list: UnsafeMutablePointer<clist>?
            try self.check(intake_imap_fetch_after(session, start, &list)) { .command("UID FETCH failed (\($0))") }
            defer { if let list { mailimap_fetch_list_free(list) } }
            var messages: [IMAPMessage] = []
            var iterator = intake_clist_begin(list)
            while let item = iterator {
                iterator = intake_clist_next(item)
                guard let att = intake_clist_content(item)?.assumingMemoryBound(to: mailimap_msg_att.self) else { continue }
                let found = intake_imap_att_uid(att)
                var length = 0
                guard found > start, let body = intake_imap_att_body(att, &length) else { continue }
                messages.append(IMAPMessage(uid: found, raw: Array(UnsafeRawBufferPointer(start: body, count: length))))
            }
            messages.sort { $0.uid < $1.uid }
            return IMAPFetchResult(uidValidity: validity, messages: Array(messages.prefix(limit)))
        }
    }

    /// Adds `\Seen` to the messages `uids` of the mailbox (`UID STORE … +FLAGS.SILENT`, idempotent).
    public func markSeen(_ uids: IMAPUIDs) async throws(IMAPError) {
        guard !uids.isEmpty else { return }
        try await onThread { () throws(IMAPError) in
            let session = try self.selectedSession()
            let set = uids.makeSet()
            defer { mailimap_set_free(set) }
            try self.check(intake_imap_add_flag(session, set, 0)) { .command("UID STORE +FLAGS (\\Seen) failed (\($0))") }
        }
    }

    /// Moves the messages `uids` to `mailbox`: UID MOVE, or COPY, `\Deleted` and EXPUNGE without MOVE. UIDs
    /// no longer in the mailbox are passed over, so a range may be moved again.
    public func move(_ uids: IMAPUIDs, to mailbox: String) async throws(IMAPError) {
        guard !uids.isEmpty else { return }
        try await onThread { () throws(IMAPError) in
            let session = try self.selectedSession()
            let set = uids.makeSet()
            defer { mailimap_set_free(set) }
            let result = mailbox.withCString { intake_imap_move(session, set, $0) }
            try self.check(result) { .command("moving to \(mailbox) failed (\($0))") }
        }
    }

    /// The longest single IDLE: RFC 2177 asks for a fresh IDLE at least every 29 minutes; we take 25.
    public static let longestIdle: Duration = .seconds(25 * 60)

    /// How long one IDLE waits when asked to wait `seconds`: at least a second, at most `longestIdle`.
    public static func idleMilliseconds(_ seconds: Int) -> Int32 {
        Int32(min(max(seconds, 1), Int(longestIdle.components.seconds)) * 1000)
    }

    /// Waits in IDLE until the server reports a change or `seconds` pass (at most 25 minutes, after which
    /// a fresh IDLE is due); answers false at once when the server has no IDLE. Cancelling the task ends
    /// the wait at once (the connection is dropped without waiting for the server) with `.cancelled`.
    public func waitForChange(seconds: Int) async throws(IMAPError) -> Bool {
        let signal = try CancelSignal()
        defer { signal.close() }
        let result: Result<Bool, IMAPError> = await withTaskCancellationHandler {
            if Task.isCancelled { return .failure(.cancelled) }
            return await self.resultOnThread { () throws(IMAPError) in try self.idle(seconds: seconds, cancelFD: signal.readFD) }
        } onCancel: {
            signal.fire()
        }
        return try result.get()
    }

    /// Logs out and closes the connection, if any; the next call connects again.
    public func close() async {
        _ = await resultOnThread { () throws(IMAPError) in
            if let session = self.session { mailimap_logout(session) }
            self.drop()
        }
    }

    // MARK: - On the call's thread, under the lock

    private func idle(seconds: Int, cancelFD: Int32) throws(IMAPError) -> Bool {
        let session = try selectedSession()
        guard hasIdle else { return false }
        if let fetchedState, fetchedState != Self.mailboxState(session) { return true }
        try check(mailimap_idle(session)) { .connection("IDLE failed (\($0))") }
        switch intake_imap_idle_wait(session, cancelFD, Self.idleMilliseconds(seconds)) {
        case 2:
            drop()
            throw .cancelled
        case -1:
            drop()
            throw .connection("waiting in IDLE failed (errno \(errno))")
        default:
            try check(mailimap_idle_done(session)) { .connection("IDLE DONE failed (\($0))") }
            return true
        }
    }

    private static func mailboxState(_ session: UnsafeMutablePointer<mailimap>) -> [UInt32] {
        guard let info = session.pointee.imap_selection_info else { return [] }
        return [info.pointee.sel_uidvalidity, info.pointee.sel_uidnext, info.pointee.sel_exists]
    }

    /// The logged-in session with the mailbox selected, connecting first when there is none.
    private func selectedSession() throws(IMAPError) -> UnsafeMutablePointer<mailimap> {
        let session = try connectedSession()
        let selected = settings.mailbox.withCString { mailimap_select(session, $0) }
        try check(selected) { .command("SELECT \(settings.mailbox) failed (\($0))") }
        return session
    }

    private func connectedSession() throws(IMAPError) -> UnsafeMutablePointer<mailimap> {
        if let session { return session }
        guard let created = mailimap_new(0, nil) else { throw .connection("out of memory") }
        session = created
        mailimap_set_timeout(created, time_t(settings.timeoutSeconds))
        let address = "\(settings.host):\(settings.port)"
        // Connected here, not by libetpan: its build waits with select(), which must never see a descriptor
        // past FD_SETSIZE (glibc aborts the process); see the shim.
        let connected = settings.host.withCString { host in
            intake_imap_connect(created, host, settings.port, settings.security == .tls ? 1 : 0,
                                settings.security == .starttls ? 1 : 0, Int32(settings.timeoutSeconds))
        }
        try check(connected) { $0 == -2 ? .connection("no descriptor below 1024 free for \(address)") : .connection("cannot connect to \(address) (\($0))") }
        if settings.security == .starttls {
            let started = settings.host.withCString { intake_imap_starttls(created, $0) }
            try check(started) {
                $0 == -2 ? .connection("no descriptor below 1024 free for \(address)") : .connection("STARTTLS with \(address) failed (\($0))")
            }
        }
        if settings.security != .plain { try verifyPeer(created) }
        let login = settings.user.withCString { user in settings.password.withCString { mailimap_login(created, user, $0) } }
        try check(login) { .authentication("LOGIN at \(address) refused (\($0))") }
        var capabilities: UnsafeMutablePointer<mailimap_capability_data>?
        try check(mailimap_capability(created, &capabilities)) { .connection("CAPABILITY failed (\($0))") }
        if let capabilities { mailimap_capability_data_free(capabilities) }
        hasIdle = mailimap_has_idle(created) != 0
        return created
    }

    /// Checks the server's certificate chain (against `caFile`, or the system CAs) and that it names the
    /// configured host, before LOGIN; drops the connection and throws `.certificate` when it does not.
    private func verifyPeer(_ session: UnsafeMutablePointer<mailimap>) throws(IMAPError) {
        let size = 512
        var reason = [CChar](repeating: 0, count: size)
        let verified = settings.host.withCString { host in
            withOptionalCString(settings.caFile) { intake_imap_verify_peer(session, host, $0, &reason, size) }
        }
        guard verified != 0 else { return }
        drop()
        let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        throw .certificate("the certificate of \(settings.host) is not trusted: \(text)")
    }

    /// Throws `error(code)` for a libetpan failure and drops the connection, which may be out of step now.
    /// A broken stream is a connection error whatever the command was.
    private func check(_ code: Int32, _ error: (Int32) -> IMAPError) throws(IMAPError) {
        let success = [Int(MAILIMAP_NO_ERROR), Int(MAILIMAP_NO_ERROR_AUTHENTICATED), Int(MAILIMAP_NO_ERROR_NON_AUTHENTICATED)]
        guard !success.contains(Int(code)) else { return }
        drop()
        let failure = error(code)
        if Int(code) == Int(MAILIMAP_ERROR_STREAM), case .command(let message) = failure {
            throw .connection("\(message): the connection to \(settings.host):\(settings.port) broke")
        }
        throw failure
    }

    private func drop() {
        if let session { mailimap_free(session) }
        session = nil
        hasIdle = false
        fetchedState = nil
    }

    // MARK: - Threads

    private func onThread<T: Sendable>(_ body: @escaping @Sendable () throws(IMAPError) -> T) async throws(IMAPError) -> T {
        try await resultOnThread(body).get()
    }

    private func resultOnThread<T: Sendable>(_ body: @escaping @Sendable () throws(IMAPError) -> T) async -> Result<T, IMAPError> {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, IMAPError>, Never>) in
            let thread = Thread {
                let result = self.lock.withLock { () -> Result<T, IMAPError> in
                    do throws(IMAPError) { return .success(try body()) } catch { return .failure(error) }
                }
                continuation.resume(returning: result)
            }
            thread.name = "intake-imap"
            thread.start()
        }
    }
}

extension IMAPUIDs {
    /// The libetpan set for these UIDs; the caller frees it with `mailimap_set_free`.
    fileprivate func makeSet() -> UnsafeMutablePointer<mailimap_set> {
        switch self {
        case .list(let uids): intake_imap_uid_set(uids, uids.count)
        case .upTo(let last): intake_imap_range_set(1, last)
        }
    }
}

/// Calls `body` with `string` as a C string, or with NULL when it is nil.
private func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}

/// A pipe whose read end an IDLE wait polls beside the socket, so a cancelling task ends it at once.
private struct CancelSignal: Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() throws(IMAPError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .connection("cannot create a pipe (errno \(errno))") }
        readFD = fds[0]
        writeFD = fds[1]
    }

    func fire() { var byte: UInt8 = 1; _ = write(writeFD, &byte, 1) }

    func close() {
        _ = Glibc.close(readFD)
        _ = Glibc.close(writeFD)
    }
}
