import Foundation
import Hummingbird
import IntakeConfig
import IntakeCore
import IntakeHTTPClient
import IntakeModel
import IntakeStorage
import Logging
import NIOCore
import ServiceLifecycle

/// The running gateway: storage, pipeline, HTTP server and background services, built from one configuration.
public struct GatewayServer: Sendable {
    public let config: GatewayConfig
    public let database: Database
    public let gateway: Gateway
    public let metrics: ServerMetrics
    let families: [ChannelType: AdapterFamily]
    let logger: Logger
    /// Pushes events instead of `routing.url` (tests); nil uses the configured URL, if any.
    let routingCore: (any RoutingCore)?
    /// How the relay retries and how many deliveries run at once.
    let handoffPolicy: HandoffPolicy
    /// Announces durable handoff events to the relay and to long polls.
    public let handoffSignal: HandoffSignal
    /// How the reply service retries, and what it sends over (tests pass a stand-in; nil is libcurl).
    let replyPolicy: ReplyPolicy
    let replyExchange: (any HTTPExchange)?

    /// Near-duplicate detection; its index is loaded from storage by `loadDedupIndex`.
    public let detector: NearDuplicateDetector

    /// What each configured channel received, refused and polled since start, in configuration order:
    /// `GET /api/v1/channels` and the channel metrics read it.
    public let activity: [ChannelActivity]

    /// Reloads the near-duplicate index from stored features. `run` does this before anything else;
    /// commands that process messages without serving call it themselves.
    public func loadDedupIndex() async throws {
        let loaded = try await detector.load(from: database)
        logger.info("dedup index loaded", metadata: [
            "complaints": "\(loaded.complaints)", "refreshed": "\(loaded.refreshed)", "outdated": "\(loaded.outdated)",
        ])
    }

    /// Teaches the backlog who reported within the longest merge window, so their next message is decided
    /// before it is answered. `run` does this before it listens.
    func loadRecentReporters() async throws {
        guard let backlog = gateway.backlog else { return }
        let since = Date().addingTimeInterval(-backlog.window)
        let reporters = try await database.read { try $0.recentReporters(since: since) }
        backlog.remember(reporters: reporters)
    }

    /// Opens storage and builds the pipeline; nothing listens until `run`.
    /// `families` are the adapter families to serve (the executable passes `AdapterRegistry.families`).
    public init(config: GatewayConfig, families: [AdapterFamily], logger: Logger,
                routingCore: (any RoutingCore)? = nil, handoffPolicy: HandoffPolicy = HandoffPolicy(),
                replyPolicy: ReplyPolicy = ReplyPolicy(), replyExchange: (any HTTPExchange)? = nil) throws {
        self.config = config
        self.replyPolicy = replyPolicy
        self.replyExchange = replyExchange
        self.logger = logger
        self.routingCore = routingCore
        self.handoffPolicy = handoffPolicy
        let handoffSignal = HandoffSignal()
        self.handoffSignal = handoffSignal
        self.families = Dictionary(families.map { ($0.type, $0) }, uniquingKeysWith: { first, _ in first })
        database = try Database(directory: config.storage.path, synchronous: config.storage.synchronous)
        metrics = ServerMetrics()
        activity = config.channels.map { [metrics, families = self.families] channel in
            metrics.activity(for: channel, polls: families[channel.type]?.makePoller != nil)
        }
        let dedup = config.dedup
        detector = NearDuplicateDetector(policy: dedup.policy) { channel, campaign in
            config.mergeWindow(channel: channel, campaign: campaign)
        }
        var pipeline = Pipeline(
            normalizer: Normalizer(channels: config.channels, campaigns: config.campaigns), detector: detector,
            handoff: OutboxHandoff(signal: handoffSignal)
        )
        pipeline.onCreated = { [metrics] complaint in metrics.created(complaint) }
        let attachments = AttachmentStore(directory: (config.storage.path as NSString).appendingPathComponent("attachments"))
        // Deferring needs `ProcessingService`, which only `run` starts: a command such as `intake ingest`
        // processes each message before it exits.
        // A reporter stays "known" as long as any rule can join their next message: merge windows and bursts.
        let backlog = ProcessingBacklog(window: max(dedup.longestMergeWindow, config.longestBurst))
        gateway = Gateway(
            database: database, attachments: attachments, pipeline: pipeline, backlog: backlog, logger: logger,
            replies: ReplyOutbox(
                channels: config.channels, families: families, campaignTemplates: config.campaignReplyTemplates,
                statusPage: WebFormRoutes.statusPage(publicURL: config.server.publicURL, channels: config.channels)
            )
        )
    }

    /// Serves until SIGTERM or SIGINT, then drains in-flight requests, stops the services and closes storage.
    ///
    /// - Parameters:
    ///   - bare: answer every webhook with a bare 200 and no processing: the benchmark's baseline.
    ///   - onRunning: told the bound port once the server listens (port 0 picks a free one).
    ///   - shutdown: lets another task stop the server gracefully, as SIGTERM does.
    public func run(
        bare: Bool = false, shutdown: ShutdownHandle? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let router = Router(context: IntakeRequestContext.self)
        let authorization = AdminAuthorization(token: config.adminToken)
        if bare {
            router.post("/webhooks/:channel_id") { request, _ -> Response in
                _ = try await request.body.collect(upTo: ChannelConfig.defaultMaxBodyBytes)
                return Response(status: .ok)
            }
        } else {
            // Adapters are made once and shared by both doors a message can come in by.
            let channels = servedChannels()
            var webhooks = WebhookRoutes(channels: channels, gateway: gateway, metrics: metrics, publicURL: config.server.publicURL, logger: logger,
                                         formGate: FormSubmissionGate(refusal: Refusal(metrics: metrics, logger: logger),
                                                                         clients: ClientAddresses(trusted: config.server.trustedProxies)))
            webhooks.spool = try sweptSpool()
            webhooks.quarantineStorage = config.storage.path
            webhooks.register(on: router)
            // The citizen's page templates: a missing or broken one stops the start, not a request later.
            WebFormRoutes(webhooks: webhooks, refusal: Refusal(metrics: metrics, logger: logger), order: config.channels.map(\.id),
                          pages: try FormPages.load())
                .register(on: router)
            IngestRoutes(channels: channels, gateway: gateway, authorization: authorization,
                         refusal: Refusal(metrics: metrics, logger: logger)).register(on: router)
        }
        let pushCore = routingCore ?? config.routing.map(HTTPRoutingCore.init)
        AdminRoutes(
            database: database, gateway: gateway, metrics: metrics, adminToken: config.adminToken,
            handoffSignal: handoffSignal, pushesEvents: pushCore != nil
        ).register(on: router)
        CampaignRoutes(database: database, gateway: gateway, config: config, authorization: authorization, metrics: metrics).register(on: router)
        StatusRoutes(database: database, activities: activity, probe: WriterProbe(database: database),
                     authorization: authorization, metrics: metrics).register(on: router)

        var app = Application(
            router: router,
            configuration: .init(address: .hostname(config.server.host, port: config.server.port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        // Decisions need the index of earlier complaints before the first message is processed.
        try await loadDedupIndex()
        try await loadRecentReporters()
        let gateway = self.gateway
        let logger = self.logger
        // Entries left unfinished by a failed processing are retried before new traffic; a failure here is
        // logged, not fatal: the journal keeps them and the replay service tries again.
        app.beforeServerStarts {
            do {
                _ = try await gateway.replay()
            } catch {
                logger.error("journal replay at start failed", metadata: ["error": "\(error)"])
            }
        }

        // Stopped in reverse order: the server first, so no message is deferred after processing stopped.
        var services: [any Service] = [
            StorageService(database: database), ProcessingService(gateway: gateway, logger: logger), app,
            JournalReplayService(gateway: gateway, logger: logger),
            MessagePartsService(gateway: gateway, interval: partsInterval, logger: logger),
        ]
        if let pushCore {
            services.append(HandoffRelay(
                database: database, routingCore: pushCore, signal: handoffSignal, policy: handoffPolicy, observer: metrics.handoff(), logger: logger
            ))
        }
        services += pollers()
        services.append(mediaService())
        if let replies = replyService() { services.append(replies) }
        var configuration = ServiceGroupConfiguration(
            // Named by type: the default name is the service's whole description, which would log the channel
            // configurations inside it, secrets included.
            services: services.map { .init(service: $0, serviceName: String(describing: type(of: $0))) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        // Past the deadline whatever still runs is cancelled (a poller blocked in a fetch, a slow handoff);
        // storage still closes last, so what was acknowledged stays acknowledged.
        configuration.maximumGracefulShutdownDuration = .seconds(config.server.shutdownSeconds)
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        await shutdown?.attach(group)
        try await group.run()
    }

    /// The upload spool, emptied of what a crash left mid-upload: nothing is listening yet, so no request owns a file in it.
    func sweptSpool() throws -> UploadSpool {
        let spool = UploadSpool(storagePath: config.storage.path)
        let removed = try spool.sweep()
        if removed > 0 { logger.notice("abandoned uploads removed from the spool", metadata: ["files": "\(removed)"]) }
        return spool
    }

    /// How often expired groups of message parts are looked for: a tenth of the shortest parts timeout,
    /// between 0.1 and 5 seconds.
    var partsInterval: Duration {
        let shortest = config.channels.map(\.partsTimeoutSeconds).min() ?? ChannelConfig.defaultPartsTimeoutSeconds
        return .milliseconds(min(5000, max(100, shortest * 100)))
    }

    /// Each configured channel with its adapters, counters and activity record.
    func servedChannels() -> [ChannelID: ServedChannel] {
        var served: [ChannelID: ServedChannel] = [:]
        for (channel, activity) in zip(config.channels, activity) {
            let family = families[channel.type]
            served[channel.id] = ServedChannel(
                config: channel, webhook: family?.makeWebhook?(channel), push: family?.makePush?(channel),
                metrics: metrics.channel(channel.id), activity: activity
            )
        }
        return served
    }

    /// Fetches attachments sent as references through each channel family's resolver, over libcurl.
    func mediaService() -> MediaService {
        var resolvers: [ChannelID: any MediaResolver] = [:]
        for channel in config.channels {
            resolvers[channel.id] = families[channel.type]?.makeMediaResolver?(channel)
        }
        return MediaService(
            database: database, attachments: gateway.attachments, resolvers: resolvers, http: HTTPClient(),
            handoff: gateway.pipeline.handoff, policy: config.media, logger: logger
        )
    }

    /// Sends the replies of channels whose family has a sender; nil when no channel has one.
    func replyService() -> ReplyService? {
        guard let outbox = gateway.replies else { return nil }
        var senders: [ChannelID: any ReplySender] = [:]
        for channel in config.channels where outbox.signal(for: channel.id) != nil {
            senders[channel.id] = families[channel.type]?.makeReplySender?(channel) ?? nil
        }
        guard !senders.isEmpty else { return nil }
        return ReplyService(
            database: database, outbox: outbox, senders: senders, http: replyExchange ?? HTTPClient(), mail: SMTPClient(), policy: replyPolicy,
            observer: metrics.replies(), logger: logger
        )
    }

    func pollers() -> [any Service] {
        zip(config.channels, activity).compactMap { channel, activity in
            families[channel.type]?.makePoller.map { make in
                var channel = channel
                channel.publicURL = config.server.publicURL
                return PollerService(
                    channelID: channel.id, adapter: make(channel), gateway: gateway, logger: logger, activity: activity,
                    quarantine: Quarantine(storagePath: config.storage.path, kind: channel.type.rawValue)
                )
            }
        }
    }
}

/// Stops a running gateway gracefully from another task: in-flight requests finish, storage closes.
public actor ShutdownHandle {
    private var group: ServiceGroup?
    private var requested = false

    public init() {}

    func attach(_ group: ServiceGroup) async {
        self.group = group
        if requested { await group.triggerGracefulShutdown() }
    }

    /// Asks the server to stop; safe to call before it has started.
    public func trigger() async {
        requested = true
        await group?.triggerGracefulShutdown()
    }
}
