import Foundation
import IntakeDedup
import IntakeModel
import IntakeStorage

/// What loading the near-duplicate index did, in counts (for the start-up log).
public struct DedupIndexLoad: Sendable, Equatable {
    /// Complaints indexed.
    public var complaints: Int
    /// Of those, how many had features of an older reading, computed again from their text and saved.
    public var refreshed: Int
    /// Of those, how many have features of an older reading still: their complaint was not found.
    public var outdated: Int

    public init(complaints: Int, refreshed: Int, outdated: Int) {
        self.complaints = complaints
        self.refreshed = refreshed
        self.outdated = outdated
    }
}

extension NearDuplicateDetector {
    /// How many complaints' features are read, computed and written back per transaction.
    static let refreshBatch = 256

    /// Computes again the features of `rows` that an older reading computed, as `analyze` reads a message,
    /// from their complaints' stored title, text (as last edited) and sender; saves them through the writer,
    /// `refreshBatch` rows per transaction, so the next start does not redo them; and puts them in `rows`.
    /// A row whose complaint is not found keeps its features.
    func refreshOutdated(_ rows: inout [StoredFeatures], in database: Database) async throws -> (refreshed: Int, kept: Int) {
        let version = FeatureExtractor.version
        let outdated = rows.indices.filter { rows[$0].version < version }
        var refreshed = 0
        for start in stride(from: 0, to: outdated.count, by: Self.refreshBatch) {
            let positions = outdated[start..<min(start + Self.refreshBatch, outdated.count)]
            let ids = positions.map { rows[$0].journalID }
            let sources = try await database.read { try $0.featureSources(journalIDs: ids) }
            let fresh = sources.map { source in
                (source.journalID, features(
                    title: source.title, text: source.text, reporter: source.reporter, channelType: source.channelType,
                    anonymous: source.anonymous
                ))
            }
            let written = try await database.write { connection in
                try fresh.filter { try connection.refreshFeatures($0.1, journalID: $0.0, version: version) }
            }
            let byID = Dictionary(written, uniquingKeysWith: { first, _ in first })
            for position in positions {
                guard let features = byID[rows[position].journalID] else { continue }
                rows[position].features = features
                rows[position].version = version
                refreshed += 1
            }
        }
        return (refreshed, outdated.count - refreshed)
    }
}
