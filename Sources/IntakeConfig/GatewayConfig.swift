import IntakeDedup
import IntakeModel

/// The whole gateway configuration: what one YAML file (or the embedded default) says.
///
/// Every value here is already validated and every `env:NAME` secret already resolved, so the
/// server and the CLI never see a half-valid configuration.
public struct GatewayConfig: Sendable, Equatable {
    /// Where the HTTP server listens and the URL providers sign.
    public var server: ServerSettings
    /// Where the SQLite database lives and how hard it syncs.
    public var storage: StorageSettings
    /// Bearer token for the admin and complaints API; `nil` leaves that API closed.
    public var adminToken: String?
    /// How long a message fingerprint counts as a duplicate.
    public var dedup: DedupSettings
    /// How chatty the log is.
    public var log: LogSettings
    /// The configured channels, in file order.
    public var channels: [ChannelConfig]
    /// Where events are pushed to the routing core; nil leaves them to the pull API.
    public var routing: RoutingSettings?
    /// How attachments sent as references are fetched (the `media:` section).
    public var media: MediaPolicy = MediaPolicy()
    /// The campaigns (`campaigns:`), in file order; their merge windows are in `dedup.campaignWindows`.
    public var campaigns: [Campaign]

    /// Creates a configuration from its sections; every section defaults to its documented default.
    public init(
        server: ServerSettings = ServerSettings(),
        storage: StorageSettings = StorageSettings(),
        adminToken: String? = nil,
        dedup: DedupSettings = DedupSettings(),
        log: LogSettings = LogSettings(),
        channels: [ChannelConfig] = [],
        routing: RoutingSettings? = nil,
        campaigns: [Campaign] = []
    ) {
        self.server = server
        self.storage = storage
        self.adminToken = adminToken
        self.dedup = dedup
        self.log = log
        self.channels = channels
        self.routing = routing
        self.campaigns = campaigns
    }

    /// Each campaign's own reply to the citizen, by campaign id (for the reply service).
    public var campaignReplyTemplates: [String: String] {
        Dictionary(campaigns.compactMap { campaign in campaign.replyTemplate.map { (campaign.id, $0) } }, uniquingKeysWith: { first, _ in first })
    }

    /// Every campaign id the gateway knows: the configured campaigns and the channels' own `campaign`.
    public var campaignIDs: Set<String> {
        Set(campaigns.map(\.id) + channels.compactMap(\.campaign))
    }

    /// The longest burst window of any channel, in seconds.
    public var longestBurst: Double {
        Double(channels.map(\.burstSeconds).max() ?? 0)
    }

    /// The merge window of a message on `channel` (seconds): the campaign it carries or, failing that, the
    /// campaign its channel is configured for, then the channel's own window, then the default.
    public func mergeWindow(channel: ChannelID, campaign: String?) -> Double {
        dedup.mergeWindow(channel: channel, campaign: campaign ?? channels.first { $0.id == channel }?.campaign)
    }

    /// The identifier of the one channel the embedded default configures.
    public static let embeddedChannelID: ChannelID = "generic"

    /// The configuration `intake serve` runs without a file: SQLite under `./data`, port 8080 and one
    /// `generic` channel, so a newcomer can post a complaint before writing any YAML.
    ///
    /// The caller generates the secrets (and prints the channel secret once), which keeps this
    /// module free of randomness and easy to test.
    public static func embeddedDefault(genericSecret: String, adminToken: String) -> GatewayConfig {
        GatewayConfig(
            adminToken: adminToken,
            channels: [
                ChannelConfig(id: embeddedChannelID, type: .generic, settings: ["secret": genericSecret]),
            ]
        )
    }
}

/// The `server:` section.
public struct ServerSettings: Sendable, Equatable {
    /// Address to bind; all interfaces by default because the gateway usually runs in a container.
    public var host: String
    /// TCP port, 1...65535.
    public var port: Int
    /// The external base URL (scheme, host, optional path prefix, no trailing `/`) that providers
    /// call and sign; the server appends request paths to it when checking signatures.
    public var publicURL: String
    /// How long a stop may take: in-flight requests and services get this long to finish after SIGTERM,
    /// then whatever still runs (a poller blocked in a fetch) is cancelled.
    public var shutdownSeconds: Int
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` names the client, for the web form's
    /// per-address limits; empty (the default): the header is ignored and the connection's peer counts.
    public var trustedProxies: [IPNetwork]

    /// Listen on every interface unless told otherwise.
    public static let defaultHost = "0.0.0.0"
    /// The port used when `server.port` is absent.
    public static let defaultPort = 8080

    /// The stop deadline used when `server.shutdown_seconds` is absent.
    public static let defaultShutdownSeconds = 10

    /// Creates server settings; without `publicURL` it is `http://localhost:<port>`.
    public init(
        host: String = defaultHost, port: Int = defaultPort, publicURL: String? = nil, shutdownSeconds: Int = defaultShutdownSeconds,
        trustedProxies: [IPNetwork] = []
    ) {
        self.host = host
        self.port = port
        self.publicURL = publicURL ?? ServerSettings.localURL(port: port)
        self.shutdownSeconds = shutdownSeconds
        self.trustedProxies = trustedProxies
    }

    /// The public URL assumed when none is configured: good enough for trying the gateway locally.
    public static func localURL(port: Int) -> String { "http://localhost:\(port)" }
}

/// The `storage:` section.
public struct StorageSettings: Sendable, Equatable {
    /// Directory holding the SQLite database; created at start if missing.
    public var path: String
    /// SQLite `PRAGMA synchronous` level.
    public var synchronous: StorageSynchronous

    /// Relative to the working directory, so `intake serve` in a checkout keeps its data beside it.
    public static let defaultPath = "./data"

    /// Creates storage settings.
    public init(path: String = defaultPath, synchronous: StorageSynchronous = .full) {
        self.path = path
        self.synchronous = synchronous
    }
}

/// The `dedup:` section.
public struct DedupSettings: Sendable, Equatable {
    /// How long after a complaint the same reporter's resend or rewording is merged into it.
    public var window: Duration
    /// How long after a complaint other reports of the same issue join its cluster.
    public var clusterWindow: Duration
    /// Merge windows of particular channels (`channel_window_hours`), by channel id.
    public var channelWindows: [String: Duration]
    /// Merge windows of particular campaigns (`campaign_window_hours`), by campaign; a campaign's wins
    /// over its channel's.
    public var campaignWindows: [String: Duration]

    /// Three days: long enough to catch a citizen resending over a holiday weekend.
    public static let defaultWindowHours = 72
    /// Two weeks: a broken bridge is reported for days, and a new report after that is news again.
    public static let defaultClusterWindowHours = 336
    /// One year: a longer window would keep fingerprints of complaints long closed.
    public static let maximumWindowHours = 8760

    /// Creates dedup settings.
    public init(
        window: Duration = .seconds(defaultWindowHours * 3600),
        clusterWindow: Duration = .seconds(defaultClusterWindowHours * 3600),
        channelWindows: [String: Duration] = [:], campaignWindows: [String: Duration] = [:]
    ) {
        self.window = window
        self.clusterWindow = clusterWindow
        self.channelWindows = channelWindows
        self.campaignWindows = campaignWindows
    }

    /// The engine's policy with these windows and the built-in thresholds.
    public var policy: DedupPolicy {
        DedupPolicy(mergeWindow: window.timeInterval, clusterWindow: clusterWindow.timeInterval)
    }

    /// The longest merge window of any channel or campaign, in seconds: how far back a reporter's
    /// complaints can matter to their next message.
    public var longestMergeWindow: Double {
        (Array(channelWindows.values) + Array(campaignWindows.values)).reduce(window) { max($0, $1) }.timeInterval
    }

    /// The merge window for a message on `channel` in `campaign`, in seconds.
    public func mergeWindow(channel: String, campaign: String?) -> Double {
        if let campaign, let window = campaignWindows[campaign] { return window.timeInterval }
        return (channelWindows[channel] ?? window).timeInterval
    }
}

/// The `log:` section.
public struct LogSettings: Sendable, Equatable {
    /// A swift-log level name (`trace` … `critical`); kept as a string so this module needs no logging dependency.
    public var level: String

    /// The level names accepted in `log.level`, most verbose first.
    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
    /// The level used when `log.level` is absent.
    public static let defaultLevel = "info"

    /// Creates log settings.
    public init(level: String = defaultLevel) {
        self.level = level
    }
}
