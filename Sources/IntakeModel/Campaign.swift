import Foundation

/// A reporting campaign (`campaigns:` in the configuration): messages inside its time window that start with
/// one of its keywords (`MUDIK …`) or carry one of its hashtags (`#MudikLAPOR`) are tagged with it.
public struct Campaign: Sendable, Equatable {
    /// Stored on each complaint as its `campaign`; the stats API's `{id}`.
    public var id: String
    /// A human name for dashboards.
    public var name: String
    /// The time window in which messages are matched: `starts` inclusive, `ends` exclusive.
    public var starts: Date
    /// The first moment no longer in the campaign.
    public var ends: Date
    /// Words a message may start with, compared without regard to case.
    public var keywords: [String]
    /// Hashtags a message may carry anywhere, without the `#`, compared without regard to case.
    public var hashtags: [String]
    /// The channels it applies to; empty for every channel.
    public var channels: [ChannelID]
    /// Tags every complaint of the campaign gets.
    public var tags: [String]
    /// The reply to the citizen for complaints of this campaign, if it has its own.
    public var replyTemplate: String?
    /// The campaign's merge window in hours (also `dedup.campaign_window_hours`), if it has its own.
    public var windowHours: Int?

    /// A campaign; `name` defaults to `id`, hashtags may be given with or without `#`.
    public init(
        id: String, name: String? = nil, starts: Date, ends: Date, keywords: [String] = [], hashtags: [String] = [],
        channels: [ChannelID] = [], tags: [String] = [], replyTemplate: String? = nil, windowHours: Int? = nil
    ) {
        self.id = id
        self.name = name ?? id
        self.starts = starts
        self.ends = ends
        self.keywords = keywords
        self.hashtags = hashtags.map { $0.hasPrefix("#") ? String($0.dropFirst()) : $0 }
        self.channels = channels
        self.tags = tags
        self.replyTemplate = replyTemplate
        self.windowHours = windowHours
    }

    /// Whether a message on `channel` received at `time` with `text` belongs to the campaign.
    public func matches(text: String, channel: ChannelID, at time: Date) -> Bool {
        guard time >= starts, time < ends, channels.isEmpty || channels.contains(channel) else { return false }
        return startsWithKeyword(text) || carriesHashtag(text)
    }

    /// The text's first word is a keyword: `MUDIK macet di km 57`, `mudik: …`.
    func startsWithKeyword(_ text: String) -> Bool {
        let trimmed = text.drop { $0.isWhitespace || $0 == "#" }
        return keywords.contains { keyword in
            guard let end = trimmed.index(trimmed.startIndex, offsetBy: keyword.count, limitedBy: trimmed.endIndex),
                  trimmed[..<end].caseInsensitiveCompare(keyword) == .orderedSame
            else { return false }
            return end == trimmed.endIndex || !Self.isWordCharacter(trimmed[end])
        }
    }

    /// A `#tag` anywhere in the text is one of the hashtags, as a whole tag.
    func carriesHashtag(_ text: String) -> Bool {
        guard !hashtags.isEmpty, text.contains("#") else { return false }
        var index = text.startIndex
        while let hash = text[index...].firstIndex(of: "#") {
            let start = text.index(after: hash)
            let end = text[start...].firstIndex { !Self.isWordCharacter($0) } ?? text.endIndex
            let tag = text[start..<end]
            if !tag.isEmpty, hashtags.contains(where: { tag.caseInsensitiveCompare($0) == .orderedSame }) { return true }
            index = end
        }
        return false
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }
}
