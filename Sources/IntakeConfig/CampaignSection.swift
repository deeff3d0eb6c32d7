import Foundation
import IntakeModel
import Yams

/// Reads the `campaigns:` list. A campaign's `window_hours` is its merge window, the same setting as
/// `dedup.campaign_window_hours.<id>`: either may give it, and both must agree when both do.
struct CampaignSection {
    /// The keys a campaign takes.
    static let keys = ["id", "name", "starts", "ends", "keywords", "hashtags", "channels", "tags", "reply_template", "window_hours"]

    /// The configured channel ids, which a campaign's `channels` must name.
    let channelIDs: Set<ChannelID>

    /// The campaigns `node` lists, in file order; absent is none. Their windows are added to `dedup`.
    func read(_ node: Node?, dedup: inout DedupSettings, log: inout IssueLog) -> [Campaign] {
        let path = ConfigPath.root.key("campaigns")
        guard let node, !node.isNull else { return [] }
        guard case let .sequence(list) = node else {
            log.report(path, at: node, "expected a list of campaigns, found \(node.foundDescription)")
            return []
        }
        var campaigns: [Campaign] = []
        for (index, element) in list.enumerated() {
            guard let entry = MappingReader(element, at: path.index(index), log: &log),
                  let campaign = campaign(entry, dedup: &dedup, log: &log) else { continue }
            if campaigns.contains(where: { $0.id == campaign.id }) {
                log.report(path.index(index).key("id"), line: entry.line(of: "id"), "duplicate campaign id '\(campaign.id)'")
                continue
            }
            campaigns.append(campaign)
        }
        return campaigns
    }

    /// One campaign; nil (after reporting) when something required is missing or invalid.
    private func campaign(_ entry: MappingReader, dedup: inout DedupSettings, log: inout IssueLog) -> Campaign? {
        let path = entry.path
        entry.reportUnknownKeys(known: Self.keys, log: &log)
        let id = required("id", in: entry, log: &log).flatMap { campaignID($0, entry: entry, log: &log) }
        let starts = required("starts", in: entry, log: &log).flatMap { time($0, at: path.key("starts"), log: &log) }
        let ends = required("ends", in: entry, log: &log).flatMap { time($0, at: path.key("ends"), log: &log) }
        if let starts, let ends, ends <= starts {
            log.report(path.key("ends"), at: entry.value("ends"), "must be after starts")
        }
        let keywords = words("keywords", in: entry, log: &log)
        let hashtags = words("hashtags", in: entry, log: &log, prefix: "#")
        let channels = entry.value("channels").flatMap { log.stringList($0, at: path.key("channels")) } ?? []
        for (index, channel) in channels.enumerated() where !channelIDs.contains(channel) {
            log.report(path.key("channels").index(index), at: entry.value("channels"), "unknown channel '\(channel)'; configured channels: \(channelIDs.sorted().joined(separator: ", "))")
        }
        let tags = entry.value("tags").flatMap { log.stringList($0, at: path.key("tags")) } ?? []
        let template = entry.value("reply_template").flatMap { log.nonEmptyString($0, at: path.key("reply_template")) }
        let hours = entry.value("window_hours").flatMap { log.integer($0, at: path.key("window_hours"), in: 1...DedupSettings.maximumWindowHours) }
        guard let id, let starts, let ends, ends > starts else { return nil }
        if let hours {
            let window = Duration.seconds(hours * 3600)
            if let other = dedup.campaignWindows[id], other != window {
                log.report(path.key("window_hours"), at: entry.value("window_hours"),
                           "is \(hours) but dedup.campaign_window_hours.\(id) is \(Int(other.timeInterval / 3600)); give it once")
            }
            dedup.campaignWindows[id] = window
        }
        return Campaign(
            id: id, name: entry.value("name").flatMap { log.nonEmptyString($0, at: path.key("name")) }, starts: starts, ends: ends,
            keywords: keywords, hashtags: hashtags, channels: channels, tags: tags, replyTemplate: template,
            windowHours: hours ?? dedup.campaignWindows[id].map { Int($0.timeInterval / 3600) }
        )
    }

    private func required(_ key: String, in entry: MappingReader, log: inout IssueLog) -> Node? {
        guard let node = entry.value(key) else {
            log.report(entry.path.key(key), line: entry.line(of: key), "is required in a campaign")
            return nil
        }
        return node
    }

    /// A campaign id: letters, digits, `-`, `_` and `.`, since it appears in URLs and metrics.
    private func campaignID(_ node: Node, entry: MappingReader, log: inout IssueLog) -> String? {
        guard let text = log.nonEmptyString(node, at: entry.path.key("id")) else { return nil }
        guard text.allSatisfy({ ($0.isLetter || $0.isNumber) && $0.isASCII || "-_.".contains($0) }) else {
            log.report(entry.path.key("id"), at: node, "may hold only letters, digits, '-', '_' and '.', found \(node.foundDescription)")
            return nil
        }
        return text
    }

    /// An ISO 8601 time with its zone, such as 2026-03-20T00:00:00+07:00.
    private func time(_ node: Node, at path: ConfigPath, log: inout IssueLog) -> Date? {
        guard let text = log.nonEmptyString(node, at: path) else { return nil }
        guard let date = Timestamp.parse(text.trimmingCharacters(in: .whitespaces)) else {
            log.report(path, at: node, "expected an ISO 8601 time such as 2026-03-20T00:00:00+07:00, found \(node.foundDescription)")
            return nil
        }
        return date
    }

    /// A list of single words (`MUDIK`, `#MudikLAPOR`), `prefix` dropped.
    private func words(_ key: String, in entry: MappingReader, log: inout IssueLog, prefix: String = "") -> [String] {
        let path = entry.path.key(key)
        guard let node = entry.value(key), let list = log.stringList(node, at: path) else { return [] }
        var words: [String] = []
        for (index, item) in list.enumerated() {
            let word = prefix.isEmpty || !item.hasPrefix(prefix) ? item : String(item.dropFirst(prefix.count))
            guard !word.isEmpty, word.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || ($0 == "-" && prefix.isEmpty) }) else {
                log.report(path.index(index), at: node, "must be one word of letters and digits, found '\(item)'")
                continue
            }
            words.append(word)
        }
        return words
    }
}
