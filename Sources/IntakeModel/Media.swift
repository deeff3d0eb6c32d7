import Foundation

/// Where an attachment's bytes stand.
public enum AttachmentState: String, Codable, Sendable, Equatable {
    /// The bytes are on disk under `sha256`.
    case stored
    /// A media reference the media service has not fetched yet; the complaint's handoff waits for it.
    case pending
    /// The bytes could not be had (expired, too large, not the declared type, the deadline passed): `reason` says why.
    case unavailable
}

/// Why a `MediaResolver` could not turn a reference into a download.
public enum MediaFailure: Error, Equatable, CustomStringConvertible {
    /// Worth trying again later (the provider's lookup API is down).
    case temporary(String)
    /// Trying again cannot help (the provider does not know the media id, a URL the family refuses).
    case permanent(String)

    public var description: String {
        switch self {
        case .temporary(let message), .permanent(let message): message
        }
    }
}

/// How the media service fetches references: the `media:` section of the configuration.
public struct MediaPolicy: Sendable, Equatable {
    /// The largest single file accepted; a larger one is recorded unavailable ("too large").
    public var maxFileBytes: Int
    /// The most one message's attachments may add up to; a file past it is recorded unavailable.
    public var maxMessageBytes: Int
    /// Seconds after the message was received when a reference still not fetched is given up as
    /// unavailable, and the complaint's handoff leaves without it.
    public var deadlineSeconds: Double
    /// The first retry waits about this long; each further attempt doubles it.
    public var retryBaseSeconds: Double
    /// No retry waits longer than this.
    public var retryMaxSeconds: Double
    /// Downloads in flight at once.
    public var concurrency: Int
    /// How often the service looks for new references when it has nothing due.
    public var pollSeconds: Double

    /// 16 MiB: more than any MMS or WhatsApp image, voice note or short video.
    public static let defaultMaxFileBytes = 16 << 20
    /// 50 MiB: an MMS with ten photos fits many times over.
    public static let defaultMaxMessageBytes = 50 << 20
    /// 15 minutes: WhatsApp media URLs expire within minutes, so a reference not fetched by then is lost anyway.
    public static let defaultDeadlineSeconds = 900

    /// The defaults: 16 MiB a file, 50 MiB a message, 15 minutes, retries from 2 s doubling up to 60 s, 4 at once, a look every second.
    public init(
        maxFileBytes: Int = defaultMaxFileBytes, maxMessageBytes: Int = defaultMaxMessageBytes,
        deadlineSeconds: Double = Double(defaultDeadlineSeconds), retryBaseSeconds: Double = 2, retryMaxSeconds: Double = 60,
        concurrency: Int = 4, pollSeconds: Double = 1
    ) {
        self.maxFileBytes = maxFileBytes
        self.maxMessageBytes = maxMessageBytes
        self.deadlineSeconds = deadlineSeconds
        self.retryBaseSeconds = retryBaseSeconds
        self.retryMaxSeconds = retryMaxSeconds
        self.concurrency = max(1, concurrency)
        self.pollSeconds = pollSeconds
    }

    /// Exponential backoff with equal jitter after `attempts` failed tries: half the capped delay for sure,
    /// the other half at random.
    public func retryDelay(afterAttempts attempts: Int) -> Double {
        let capped = min(retryMaxSeconds, retryBaseSeconds * pow(2, Double(min(max(attempts - 1, 0), 30))))
        return capped / 2 + Double.random(in: 0...(capped / 2))
    }
}
