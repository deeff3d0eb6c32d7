import Foundation
import IntakeModel

/// What a stored complaint's near-duplicate features are computed from: its title, its text as last edited
/// (`original_text`, as the citizen sent it) and its sender, as the pipeline read the message.
public struct FeatureSource: Sendable, Equatable {
    /// The journal entry the complaint was made from (the key of its features row).
    public var journalID: Int64
    /// The title as stored: on one line, spaces folded.
    public var title: String?
    /// The text as the citizen sent it, or as they last edited it.
    public var text: String
    /// Who sent it (the kind and address near-duplicate identities are made of).
    public var reporter: Reporter
    /// The kind of channel it came by: a handle is an identity on its network only.
    public var channelType: ChannelType
    /// An anonymous report has no identities.
    public var anonymous: Bool

    public init(journalID: Int64, title: String?, text: String, reporter: Reporter, channelType: ChannelType, anonymous: Bool) {
        self.journalID = journalID
        self.title = title
        self.text = text
        self.reporter = reporter
        self.channelType = channelType
        self.anonymous = anonymous
    }
}

extension Connection {
    /// The feature sources of the complaints made from journal entries `journalIDs`; an entry that made no
    /// stored complaint is left out. One statement, by the unique index on `journal_id`.
    public func featureSources(journalIDs: [Int64]) throws -> [FeatureSource] {
        guard !journalIDs.isEmpty else { return [] }
        let ids = "[" + journalIDs.map(String.init).joined(separator: ",") + "]"
        return try query("""
            SELECT journal_id, json_extract(document, '$.title'), json_extract(document, '$.original_text'), reporter_kind,
                   reporter_address, json_extract(document, '$.channel_type'), json_extract(document, '$.anonymous')
            FROM complaints WHERE journal_id IN (SELECT value FROM json_each(?))
            """, [.text(ids)]).compactMap { row in
            guard let id = row.int(0), let text = row.string(2), let kind = row.string(3).flatMap(ReporterKind.init(rawValue:)),
                  let address = row.string(4), let channelType = row.string(5)
            else { return nil }
            return FeatureSource(
                journalID: id, title: row.string(1), text: text, reporter: Reporter(kind: kind, address: address),
                channelType: ChannelType(channelType), anonymous: row.int(6) == 1
            )
        }
    }

    /// Replaces the features of complaint `journalID` with `features`, computed by reading `version`, if its
    /// row holds those of an older reading; false when it holds none or already current ones.
    public func refreshFeatures(_ features: DedupFeatures, journalID: Int64, version: Int) throws -> Bool {
        try updateFeatures(features, journalID: journalID, version: version, onlyOlder: true)
        return changes > 0
    }

    /// Overwrites the features columns of row `journalID` (its time and cluster stay), of any version or
    /// (`onlyOlder`) of one older than `version` only.
    func updateFeatures(_ features: DedupFeatures, journalID: Int64, version: Int, onlyOlder: Bool) throws {
        let condition = onlyOlder ? "journal_id = ?5 AND version < ?4" : "journal_id = ?5"
        try prepare("UPDATE dedup_features SET identities = ?1, tokens = ?2, places = ?3, version = ?4 WHERE \(condition)").run([
            .blob(DedupFeatureCoding.bytes(features.identities)), .blob(DedupFeatureCoding.bytes(features.tokens)),
            .text(features.places.joined(separator: ",")), .integer(Int64(version)), .integer(journalID),
        ])
    }
}

extension StoredComplaintLookup {
    public func replaceFeatures(_ features: DedupFeatures, journalID: Int64, version: Int) throws -> DedupFeatures? {
        guard let previous = try connection.query(
            "SELECT identities, tokens, places FROM dedup_features WHERE journal_id = ?", [.integer(journalID)]
        ).first else { return nil }
        try connection.updateFeatures(features, journalID: journalID, version: version, onlyOlder: false)
        return DedupFeatureCoding.features(previous, from: 0)
    }
}

extension DedupFeatureCoding {
    /// Features from the columns `identities, tokens, places` of `row`, starting at column `first`.
    static func features(_ row: Row, from first: Int) -> DedupFeatures {
        DedupFeatures(
            identities: values(row.bytes(first) ?? []),
            tokens: values(row.bytes(first + 1) ?? []),
            places: row.string(first + 2).map { $0.split(separator: ",").map(String.init) } ?? []
        )
    }
}
