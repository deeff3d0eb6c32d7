import Foundation
import IntakeModel
import IntakeStorage
import Logging
import ServiceLifecycle

/// Fetches attachments that came as references (an MMS media URL, a WhatsApp media id) after the
/// message was acknowledged, and puts them on the complaint.
///
/// Each pass reads the due references from `media_fetches`, most perishable first (the provider's expiry,
/// else the deadline), downloads them `concurrency` at a time through the channel family's `MediaResolver`,
/// checks size and media type against the bytes, stores them content-addressed (fsynced) and records the
/// outcome. A 404 or 410 (expired), any other 4xx, a file past the size limits and bytes that are not the
/// declared media end the reference as unavailable at once; a refused connection, a timeout, 408, 429 and
/// 5xx are retried with exponential backoff until the deadline, after which it is unavailable too.
///
/// The complaint's created event is recorded only when none of its references is pending any more
/// (`Pipeline` holds it; this service records it), so the routing core receives the complaint with its
/// media, or with the attachment marked unavailable and why.
public struct MediaService: Service {
    let database: Database
    let attachments: AttachmentStore
    let resolvers: [ChannelID: any MediaResolver]
    let http: any HTTPExchange
    let handoff: any RoutingHandoff
    let policy: MediaPolicy
    let logger: Logger

    /// A service fetching through `resolvers` (by channel) over `http`, telling the routing core through `handoff`.
    public init(
        database: Database, attachments: AttachmentStore, resolvers: [ChannelID: any MediaResolver], http: any HTTPExchange,
        handoff: any RoutingHandoff, policy: MediaPolicy, logger: Logger
    ) {
        self.database = database
        self.attachments = attachments
        self.resolvers = resolvers
        self.http = http
        self.handoff = handoff
        self.policy = policy
        self.logger = logger
    }

    /// How one try of one reference ended.
    enum Outcome: Sendable {
        case stored(Attachment)
        case unavailable(String)
        case retry(String)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var tried = 0
            do {
                tried = try await runPass()
            } catch {
                logger.warning("media pass failed", metadata: ["error": "\(error)"])
            }
            if tried == 0 { await idle() }
        }
    }

    /// One pass over the due references; returns how many were tried.
    @discardableResult
    public func runPass() async throws -> Int {
        guard database.failure == nil else { return 0 }
        // A reader first, so an idle service costs no write transaction (and no flush) per look.
        guard let next = try await database.read({ try $0.nextMediaAttempt() }), next <= Date() else { return 0 }
        let (policy, limit) = (self.policy, self.policy.concurrency * 4)
        // Read on the writer: only references whose journal row is durable are fetched.
        let due = try await database.write { try $0.dueMediaFetches(now: Date(), deadlineSeconds: policy.deadlineSeconds, limit: limit) }
        guard !due.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for fetch in due {
                guard !Task.isCancelled else { break }
                if running >= policy.concurrency {
                    await group.next()
                    running -= 1
                }
                group.addTask { await fetchAndRecord(fetch) }
                running += 1
            }
        }
        return due.count
    }

    private func fetchAndRecord(_ fetch: MediaFetch) async {
        let outcome = await attempt(fetch, now: Date())
        if Task.isCancelled, case .retry = outcome { return }  // abandoned by shutdown: no attempt
        do {
            try await record(fetch, outcome)
        } catch {
            logger.warning("media outcome not recorded", metadata: ["fetch": "\(fetch.id)", "error": "\(error)"])
        }
    }

    /// Tries to download and store one reference.
    func attempt(_ fetch: MediaFetch, now: Date) async -> Outcome {
        if now.timeIntervalSince(fetch.receivedAt) >= policy.deadlineSeconds {
            return .unavailable("not fetched within \(Int(policy.deadlineSeconds)) s" + (fetch.lastError.map { ": \($0)" } ?? ""))
        }
        guard let resolver = resolvers[fetch.channelID] else {
            return .unavailable("channel \(fetch.channelID) cannot fetch media references")
        }
        let response: HTTPExchangeResponse
        do {
            response = try await download(fetch.reference, through: resolver)
        } catch let failure as MediaFailure {
            if case .permanent(let reason) = failure { return .unavailable(reason) }
            return .retry(failure.description)
        } catch {
            return .retry("download failed: \(error)")
        }
        switch response.status {
        case 200..<300: break
        case 404, 410: return .unavailable("expired or removed: the provider answered \(response.status)")
        case 408, 429, 500...: return .retry("the provider answered \(response.status)")
        default: return .unavailable("refused: the provider answered \(response.status)")
        }
        return await store(response, for: fetch)
    }

    /// Checks the downloaded bytes and stores them content-addressed.
    private func store(_ response: HTTPExchangeResponse, for fetch: MediaFetch) async -> Outcome {
        let bytes = response.body
        guard !bytes.isEmpty else { return .unavailable("empty: the provider sent no bytes") }
        guard bytes.count <= policy.maxFileBytes else {
            return .unavailable("too large: \(bytes.count) bytes, the limit is \(policy.maxFileBytes) per file")
        }
        // Checked again when the outcome is recorded (another file of the message may land meanwhile); checking
        // here too keeps bytes that will be refused off the disk.
        let journalID = fetch.journalID
        if let already = try? await database.read({ try $0.storedMediaBytes(journalID: journalID) }),
           already + bytes.count > policy.maxMessageBytes {
            return .unavailable(messageLimitReason)
        }
        let declared = fetch.mediaType.isEmpty ? response.header("Content-Type") ?? "" : fetch.mediaType
        let mediaType: String
        switch MediaSniffer.check(declared: declared, bytes: bytes) {
        case .success(let type): mediaType = type
        case .failure(let failure): return .unavailable(failure.description)
        }
        if MediaSniffer.essence(mediaType) != MediaSniffer.essence(declared) {
            logger.notice("media stored under the type its bytes show", metadata: [
                "fetch": "\(fetch.id)", "declared": "\(declared)", "stored": "\(mediaType)",
            ])
        }
        let fileName = fetch.fileName.isEmpty ? "attachment-\(fetch.position + 1)" : fetch.fileName
        do {
            let stored = try await attachments.store([InboundAttachment(fileName: fileName, mediaType: mediaType, bytes: Data(bytes))])
            return stored.first.map(Outcome.stored) ?? .retry("nothing stored")
        } catch {
            return .retry("cannot store: \(error)")
        }
    }

    /// The resolver's download, following up to three redirects (providers hand media to a CDN); credentials
    /// go along only to the same host.
    private func download(_ reference: MediaReference, through resolver: any MediaResolver) async throws -> HTTPExchangeResponse {
        var request = try await resolver.download(reference, over: http)
        for _ in 0...3 {
            let response = try await http.perform(request)
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.header("Location"),
                  let next = URL(string: location, relativeTo: URL(string: request.url))?.absoluteURL,
                  next.scheme == "http" || next.scheme == "https"
            else { return response }
            let sameHost = next.host == URL(string: request.url)?.host
            request = HTTPExchangeRequest(method: "GET", url: next.absoluteString, headers: sameHost ? request.headers : [], timeout: request.timeout)
        }
        throw MediaFailure.permanent("refused: too many redirects")
    }

    /// Why a file that would take its message past `maxMessageBytes` is unavailable.
    private var messageLimitReason: String { "too large: the message's attachments pass the limit of \(policy.maxMessageBytes) bytes" }

    /// Records an outcome; once the entry has no pending reference left, its complaint is handed off.
    func record(_ fetch: MediaFetch, _ outcome: Outcome) async throws {
        let (policy, handoff, now) = (self.policy, self.handoff, Date())
        let deadline = fetch.receivedAt.addingTimeInterval(policy.deadlineSeconds)
        let unavailable = { @Sendable (reason: String) -> Attachment in
            var attachment = Attachment(fileName: fetch.fileName, mediaType: fetch.mediaType, size: 0, sha256: "")
            attachment.state = .unavailable
            attachment.reason = reason
            return attachment
        }
        var final: Attachment?
        switch outcome {
        case .retry(let reason):
            let retryAt = min(now.addingTimeInterval(policy.retryDelay(afterAttempts: fetch.attempts + 1)), deadline)
            try await database.write { try $0.retryMediaFetch(fetch.id, error: reason, retryAt: retryAt) }
        case .unavailable(let reason):
            final = unavailable(reason)
        case .stored(let attachment):
            final = attachment
        }
        guard let final else {
            logger.info("media fetch will be retried", metadata: ["fetch": "\(fetch.id)", "attempt": "\(fetch.attempts + 1)"])
            return
        }
        let limitReason = messageLimitReason
        try await database.write { connection in
            var result = final
            if result.state == .stored, try connection.storedMediaBytes(journalID: fetch.journalID) + result.size > policy.maxMessageBytes {
                result = unavailable(limitReason)
            }
            guard try connection.finishMediaFetch(fetch.id, as: result, at: now) else { return }
            try Self.settle(journalID: fetch.journalID, handoff: handoff, in: connection)
        }
        if final.state == .unavailable {
            logger.notice("media unavailable", metadata: ["fetch": "\(fetch.id)", "journal": "\(fetch.journalID)", "reason": "\(final.reason ?? "")"])
        }
    }

    /// Puts what was fetched for entry `journalID` on its complaint, if it has one yet; when nothing is
    /// pending any more, tells the routing core: the created event if it was held, else an update.
    static func settle(journalID: Int64, handoff: any RoutingHandoff, in connection: Connection) throws {
        guard var complaint = try connection.complaint(journalID: journalID) else { return }
        let media = try connection.resolvingMedia(complaint.attachments, journalID: journalID)
        guard media.attachments != complaint.attachments else { return }
        complaint.attachments = media.attachments
        try connection.updateComplaintDocument(complaint)
        guard !media.pending else { return }
        let type: HandoffEventType = try connection.hasCreatedEvent(complaintID: complaint.id) ? .updated : .created
        try handoff.record(type, complaintID: complaint.id, in: connection)
    }

    /// Waits for the next reference to fall due, at most `pollSeconds` (new references are found by looking).
    private func idle() async {
        var timeout = policy.pollSeconds
        if let next = try? await database.read({ try $0.nextMediaAttempt() }) {
            timeout = min(timeout, max(0.01, next.timeIntervalSinceNow))
        }
        let wait = Duration.seconds(timeout)
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
    }
}
