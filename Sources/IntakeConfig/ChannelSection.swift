import IntakeModel
import Yams

/// Reads the `channels:` list: the keys every channel has, then the keys its adapter family declares.
struct ChannelSection {
    let families: [AdapterFamily]
    let environment: [String: String]

    /// Keys every channel takes, whatever its type.
    static let commonKeys = [
        "id", "type", "max_body_bytes", "campaign", "tags",
        "burst_seconds", "parts_timeout_seconds", "language", "reply_template", "replies_per_second",
        "replies_per_address_per_hour",
    ] + ChannelConfig.replyViaKeys.map(\.key)
    /// Languages replies to citizens come in.
    static let languages = ["id", "en"]
    /// Largest `max_body_bytes`: 64 MiB is far beyond any real complaint and keeps one request
    /// from exhausting memory.
    static let maximumBodyBytes = 64 << 20

    /// The channels `node` lists; a gateway with none would accept nothing, so that is an issue too.
    func read(_ node: Node?, keyLine: Int?, log: inout IssueLog) -> [ChannelConfig] {
        let path = ConfigPath.root.key("channels")
        guard let node else {
            log.report(path, line: keyLine, "at least one channel is required")
            return []
        }
        guard case let .sequence(list) = node else {
            log.report(path, at: node, "expected a list of channels, found \(node.foundDescription)")
            return []
        }
        guard !list.isEmpty else {
            log.report(path, at: node, "at least one channel is required")
            return []
        }
        var channels: [ChannelConfig] = []
        var firstLines: [ChannelID: Int?] = [:]
        for (index, element) in list.enumerated() {
            let itemPath = path.index(index)
            guard let entry = MappingReader(element, at: itemPath, log: &log) else { continue }
            let id = self.id(entry, log: &log)
            if let id {
                // Webhook URLs and stored complaints are keyed by channel id, so two channels
                // sharing one would silently merge.
                if let firstLine = firstLines[id.value] {
                    let first = firstLine.map { " (first defined on line \($0))" } ?? ""
                    log.report(itemPath.key("id"), line: id.line, "duplicate channel id '\(id.value)'\(first)")
                } else {
                    firstLines[id.value] = id.line
                }
            }
            if let channel = channel(entry, id: id?.value, log: &log) {
                channels.append(channel)
            }
        }
        ReplyRoutes(families: families).check(channels, entries: list.enumerated().map { (path.index($0.offset), $0.element) }, log: &log)
        return channels
    }

    // MARK: - One channel

    private func id(_ entry: MappingReader, log: inout IssueLog) -> (value: ChannelID, line: Int?)? {
        let path = entry.path.key("id")
        guard let node = entry.value("id") else {
            log.report(path, line: entry.line(of: "id"), "is required")
            return nil
        }
        guard let id = log.string(node, at: path) else { return nil }
        guard Self.isValidID(id) else {
            log.report(path, at: node,
                       "expected 1 to 63 of a-z, 0-9, '_' and '-', starting with a letter or digit; found \(node.foundDescription)")
            return nil
        }
        return (id, node.mark?.line)
    }

    /// Whether `id` matches `[a-z0-9][a-z0-9_-]{0,62}`: it appears in webhook paths and metric
    /// labels, so it stays short and URL-safe.
    static func isValidID(_ id: String) -> Bool {
        let scalars = id.unicodeScalars
        guard let first = scalars.first, (1...63).contains(scalars.count) else { return false }
        func isLowerAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        return isLowerAlphanumeric(first) && scalars.allSatisfy { isLowerAlphanumeric($0) || $0 == "_" || $0 == "-" }
    }

    private func channel(_ entry: MappingReader, id: ChannelID?, log: inout IssueLog) -> ChannelConfig? {
        let family = self.family(entry, log: &log)
        let path = entry.path
        let maxBodyBytes = entry.value("max_body_bytes")
            .flatMap { log.integer($0, at: path.key("max_body_bytes"), in: 1...Self.maximumBodyBytes) }
        let campaign = entry.value("campaign").flatMap { log.nonEmptyString($0, at: path.key("campaign")) }
        let tags = entry.value("tags").flatMap { log.stringList($0, at: path.key("tags")) }
        let replies = self.replies(entry, log: &log)
        // Without a known family the valid keys are unknown, so its keys are neither required nor refused.
        guard let family else { return nil }
        let context = " for channel type \(family.type)"
        entry.reportUnknownKeys(known: Self.commonKeys + family.settingKeys.map(\.name), log: &log, context: context)
        let settings = self.settings(entry, family: family, log: &log)
        for problem in family.settingProblems?(settings) ?? [] {
            log.report(path.key(problem.key), line: entry.line(of: problem.key), problem.message)
        }
        guard let id else { return nil }
        if family.reservedIDs.contains(id) {
            log.report(path.key("id"), line: entry.line(of: "id"),
                       "channel id '\(id)' is reserved for type \(family.type) (a fixed page has that address); choose another id")
        }
        let bodyLimit = maxBodyBytes ?? family.defaultMaxBodyBytes ?? ChannelConfig.defaultMaxBodyBytes
        checkWithinBody(settings, limit: bodyLimit, family: family, entry: entry, log: &log)
        var config = ChannelConfig(
            id: id, type: family.type, maxBodyBytes: bodyLimit,
            campaign: campaign, tags: tags ?? [], settings: settings,
            burstSeconds: replies.burstSeconds ?? ChannelConfig.defaultBurstSeconds,
            partsTimeoutSeconds: replies.partsTimeoutSeconds ?? ChannelConfig.defaultPartsTimeoutSeconds,
            language: replies.language ?? "id", replyTemplate: replies.template, repliesPerSecond: replies.perSecond,
            repliesPerAddressPerHour: entry.value("replies_per_address_per_hour")
                .flatMap { log.integer($0, at: entry.path.key("replies_per_address_per_hour"), in: 0...10_000) }
        )
        config.replyVia = ReplyRoutes.read(entry, log: &log)
        return config
    }

    /// Reports each of the family's size settings that a body of `limit` bytes could not hold.
    private func checkWithinBody(_ settings: [String: String], limit: Int, family: AdapterFamily, entry: MappingReader, log: inout IssueLog) {
        for key in family.settingsWithinBody {
            guard let value = settings[key].flatMap(Int.init), value > limit else { continue }
            let origin = entry.value("max_body_bytes") == nil ? " (the default for \(family.type))" : ""
            log.report(entry.path.key(key), line: entry.line(of: key),
                       "\(key) (\(value)) exceeds max_body_bytes (\(limit)\(origin)): raise max_body_bytes or lower \(key)")
        }
    }

    /// The keys every channel takes about joining messages and replying to citizens.
    private func replies(
        _ entry: MappingReader, log: inout IssueLog
    ) -> (burstSeconds: Int?, partsTimeoutSeconds: Int?, language: String?, template: String?, perSecond: Double?) {
        let path = entry.path
        // A day at most: a longer burst would join a citizen's unrelated reports.
        let burst = entry.value("burst_seconds").flatMap { log.integer($0, at: path.key("burst_seconds"), in: 0...86_400) }
        let parts = entry.value("parts_timeout_seconds")
            .flatMap { log.integer($0, at: path.key("parts_timeout_seconds"), in: 1...86_400) }
        let language = entry.value("language").flatMap { log.choice($0, at: path.key("language"), from: Self.languages) }
        let template = entry.value("reply_template").flatMap { log.nonEmptyString($0, at: path.key("reply_template")) }
        let perSecond = entry.value("replies_per_second")
            .flatMap { log.integer($0, at: path.key("replies_per_second"), in: 1...10_000) }.map(Double.init)
        return (burst, parts, language, template, perSecond)
    }

    /// The family serving the channel's `type`, reporting a missing or unknown one.
    private func family(_ entry: MappingReader, log: inout IssueLog) -> AdapterFamily? {
        let path = entry.path.key("type")
        guard let node = entry.value("type") else {
            log.report(path, line: entry.line(of: "type"), "is required; known types: \(knownTypes)")
            return nil
        }
        guard let name = log.nonEmptyString(node, at: path) else { return nil }
        guard let family = families.first(where: { $0.type.rawValue == name }) else {
            log.report(path, at: node, "unknown channel type \(node.foundDescription); known types: \(knownTypes)")
            return nil
        }
        return family
    }

    private var knownTypes: String {
        families.isEmpty ? "(none)" : families.map(\.type.rawValue).joined(separator: ", ")
    }

    /// The family's keys as strings, secrets resolved from the environment.
    private func settings(_ entry: MappingReader, family: AdapterFamily, log: inout IssueLog) -> [String: String] {
        var settings: [String: String] = [:]
        for key in family.settingKeys {
            let path = entry.path.key(key.name)
            guard let node = entry.value(key.name) else {
                if key.required {
                    log.report(path, line: entry.line(of: key.name), "is required for channel type \(family.type)")
                }
                continue
            }
            if let range = key.integerRange {
                // A number the adapter would not parse must not silently become its default.
                settings[key.name] = log.integer(node, at: path, in: range).map(String.init)
                continue
            }
            var value = key.secret
                ? SecretReference.resolve(node, at: path, environment: environment, log: &log)
                : log.nonEmptyString(node, at: path)
            if let allowed = key.allowedValues, let given = value, !allowed.contains(given) {
                log.report(path, at: node, "must be one of \(allowed.joined(separator: ", ")), found \(node.foundDescription)")
                value = nil
            }
            settings[key.name] = value
        }
        return settings
    }
}
