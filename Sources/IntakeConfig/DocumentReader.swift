import Foundation
import IntakeModel
import Yams

/// Turns a composed YAML document into a `GatewayConfig`, reporting every problem into an `IssueLog`.
///
/// Each section falls back to its defaults for whatever is absent or invalid, so reading goes on
/// past the first problem; the loader throws if anything was reported.
struct DocumentReader {
    let families: [AdapterFamily]
    let environment: [String: String]

    /// The top-level keys, in the order the reference documents them.
    static let topLevelKeys = ["server", "storage", "admin_token", "dedup", "log", "routing", "channels", "media", "campaigns"]

    /// The configuration `root` describes; `nil` (an empty file) still needs its channels.
    func read(_ root: Node?, log: inout IssueLog) -> GatewayConfig {
        guard let document = MappingReader(root, at: .root, log: &log) else { return GatewayConfig() }
        document.reportUnknownKeys(known: Self.topLevelKeys, log: &log)
        let channels = ChannelSection(families: families, environment: environment)
        // An absent `channels` key has no line to point at; the document's first line would mislead.
        let channelsLine = document.contains("channels") ? document.line(of: "channels") : nil
        var config = GatewayConfig(
            server: server(document.value("server"), log: &log),
            storage: storage(document.value("storage"), log: &log),
            adminToken: adminToken(document.value("admin_token"), log: &log),
            dedup: dedup(document.value("dedup"), log: &log),
            log: logSettings(document.value("log"), log: &log),
            channels: channels.read(document.value("channels"), keyLine: channelsLine, log: &log),
            routing: routing(document.value("routing"), log: &log)
        )
        config.media = media(document.value("media"), log: &log)
        config.campaigns = CampaignSection(channelIDs: Set(config.channels.map(\.id)))
            .read(document.value("campaigns"), dedup: &config.dedup, log: &log)
        checkHTTPSPublicURL(config, document: document, log: &log)
        return config
    }

    /// Reports each channel whose family needs an `https://` `server.public_url` (a Telegram webhook) that
    /// the configured (or default `http://localhost`) one is not.
    private func checkHTTPSPublicURL(_ config: GatewayConfig, document: MappingReader, log: inout IssueLog) {
        let publicURL = config.server.publicURL
        guard !publicURL.lowercased().hasPrefix("https://") else { return }
        let line = document.value("server")?["public_url"]?.mark?.line
        for channel in config.channels {
            let family = families.first { $0.type == channel.type }
            guard let reason = family?.httpsPublicURLReason?(channel.settings) else { continue }
            log.report(ConfigPath.root.key("server").key("public_url"), line: line,
                       "channel \(channel.id) needs an https:// server.public_url: \(reason); found \(publicURL)")
        }
    }

    // MARK: - Sections

    private func server(_ node: Node?, log: inout IssueLog) -> ServerSettings {
        let path = ConfigPath.root.key("server")
        guard let section = MappingReader(node, at: path, log: &log) else { return ServerSettings() }
        section.reportUnknownKeys(known: ["host", "port", "public_url", "shutdown_seconds", "trusted_proxies"], log: &log)
        let host = section.value("host").flatMap { log.nonEmptyString($0, at: path.key("host")) }
        let port = section.value("port").flatMap { log.integer($0, at: path.key("port"), in: 1...65535) }
        let publicURL = section.value("public_url").flatMap { validatedPublicURL($0, at: path.key("public_url"), log: &log) }
        let shutdown = section.value("shutdown_seconds").flatMap { log.integer($0, at: path.key("shutdown_seconds"), in: 1...3600) }
        return ServerSettings(
            host: host ?? ServerSettings.defaultHost,
            port: port ?? ServerSettings.defaultPort,
            publicURL: publicURL,
            shutdownSeconds: shutdown ?? ServerSettings.defaultShutdownSeconds,
            trustedProxies: section.value("trusted_proxies").map { trustedProxies($0, at: path.key("trusted_proxies"), log: &log) } ?? []
        )
    }

    /// `trusted_proxies`: a list of addresses or networks (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`).
    private func trustedProxies(_ node: Node, at path: ConfigPath, log: inout IssueLog) -> [IPNetwork] {
        guard let entries = log.stringList(node, at: path) else { return [] }
        var networks: [IPNetwork] = []
        for (index, entry) in entries.enumerated() {
            guard let network = IPNetwork(entry.trimmingCharacters(in: .whitespaces)) else {
                log.report(path.index(index), at: node, "\"\(entry)\" is not an IP address or network (such as 10.0.0.0/8 or fd00::/8)")
                continue
            }
            networks.append(network)
        }
        return networks
    }

    /// An absolute http(s) URL without query or fragment, trailing `/` removed so request paths
    /// can be appended to it as they are.
    private func validatedPublicURL(_ node: Node, at path: ConfigPath, log: inout IssueLog) -> String? {
        guard var text = log.nonEmptyString(node, at: path)?.trimmingCharacters(in: .whitespaces) else { return nil }
        while text.hasSuffix("/") { text.removeLast() }
        guard let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else {
            log.report(path, at: node,
                       "expected an absolute http or https URL such as https://intake.example.org, found \(node.foundDescription)")
            return nil
        }
        // Providers sign the URL they call; a query or fragment here would end up in every
        // webhook URL and break the comparison.
        guard components.query == nil, components.fragment == nil else {
            log.report(path, at: node, "must not contain a query or fragment")
            return nil
        }
        return text
    }

    private func storage(_ node: Node?, log: inout IssueLog) -> StorageSettings {
        let path = ConfigPath.root.key("storage")
        guard let section = MappingReader(node, at: path, log: &log) else { return StorageSettings() }
        section.reportUnknownKeys(known: ["path", "synchronous"], log: &log)
        let directory = section.value("path").flatMap { log.nonEmptyString($0, at: path.key("path")) }
        let synchronous = section.value("synchronous")
            .flatMap { log.choice($0, at: path.key("synchronous"), from: StorageSynchronous.allCases.map(\.rawValue)) }
            .flatMap(StorageSynchronous.init(rawValue:))
        return StorageSettings(path: directory ?? StorageSettings.defaultPath, synchronous: synchronous ?? .full)
    }

    /// Shortest admin token accepted: anything shorter can be guessed over the network.
    static let minimumAdminTokenLength = 16

    private func adminToken(_ node: Node?, log: inout IssueLog) -> String? {
        let path = ConfigPath.root.key("admin_token")
        guard let node, let token = SecretReference.resolve(node, at: path, environment: environment, log: &log) else {
            return nil
        }
        guard token.count >= Self.minimumAdminTokenLength else {
            log.report(path, at: node, "must be at least \(Self.minimumAdminTokenLength) characters long")
            return nil
        }
        return token
    }

    private func dedup(_ node: Node?, log: inout IssueLog) -> DedupSettings {
        let path = ConfigPath.root.key("dedup")
        var settings = DedupSettings()
        guard let section = MappingReader(node, at: path, log: &log) else { return settings }
        section.reportUnknownKeys(
            known: ["window_hours", "cluster_window_hours", "channel_window_hours", "campaign_window_hours"], log: &log
        )
        let hours = 1...DedupSettings.maximumWindowHours
        if let value = section.value("window_hours").flatMap({ log.integer($0, at: path.key("window_hours"), in: hours) }) {
            settings.window = .seconds(value * 3600)
        }
        if let value = section.value("cluster_window_hours").flatMap({ log.integer($0, at: path.key("cluster_window_hours"), in: hours) }) {
            settings.clusterWindow = .seconds(value * 3600)
        }
        for (key, keyPath) in [("channel_window_hours", \DedupSettings.channelWindows), ("campaign_window_hours", \DedupSettings.campaignWindows)] {
            guard let windows = MappingReader(section.value(key), at: path.key(key), log: &log) else { continue }
            for entry in windows.entries {
                if let value = log.integer(entry.value, at: path.key(key).key(entry.name), in: hours) {
                    settings[keyPath: keyPath][entry.name] = .seconds(value * 3600)
                }
            }
        }
        return settings
    }

    private func logSettings(_ node: Node?, log: inout IssueLog) -> LogSettings {
        let path = ConfigPath.root.key("log")
        guard let section = MappingReader(node, at: path, log: &log) else { return LogSettings() }
        section.reportUnknownKeys(known: ["level"], log: &log)
        let level = section.value("level").flatMap { log.choice($0, at: path.key("level"), from: LogSettings.levels) }
        return LogSettings(level: level ?? LogSettings.defaultLevel)
    }
}
