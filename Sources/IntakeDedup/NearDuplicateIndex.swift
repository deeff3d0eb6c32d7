import IntakeModel

/// The in-memory index of recent complaints that near-duplicate decisions search.
///
/// Three kinds of chains lead to candidates, each newest first and cut at the policy's windows: the
/// reporter's earlier complaints (merges), complaints naming the same place (clusters worded differently),
/// and MinHash LSH bands (the same text from anyone). Every candidate is then verified on its words and
/// places. Memory is bounded by `policy.capacity`: complaints are kept in flat arrays, not objects.
///
/// Not thread-safe: one owner (the writer thread, or an evaluation) calls it.
public final class NearDuplicateIndex {
    public let policy: DedupPolicy
    let gazetteer: Gazetteer
    private let hasher = MinHasher(bands: 8, rows: 3)

    private static let identitySlots = 2
    private static let placeSlots = 4
    /// How many entries each chain may yield: bounds the work per message whatever the index holds.
    private static let identityChainLimit = 64
    private static let placeChainLimit = 48
    private static let bandChainLimit = 16
    private static let localChainLimit = 24

    // One entry per indexed complaint, in insertion order.
    private var keys: [Int64] = []
    private var clusters: [Int64] = []
    private var times: [Double] = []
    /// Content words per entry (tokens that are no markers).
    private var contentCounts: [UInt16] = []
    private var tokenStarts: [Int] = [0]
    private var tokenPool: [UInt32] = []
    private var identities: [UInt64] = []
    private var places: [Int32] = []
    /// Per entry and slot, the area whose chain the slot's next pointer belongs to.
    private var areaOf: [Int32] = []
    private var stamps: [UInt32] = []
    private var stamp: UInt32 = 0

    // Chains: the newest entry per key, and per entry the next older one with the same key (-1 ends).
    private var bandHeads: [UInt64: Int32] = [:]
    private var bandNext: [Int32] = []
    private var identityHeads: [UInt64: Int32] = [:]
    private var identityNext: [Int32] = []
    private var placeHeads: [Int32] = []
    private var placeNext: [Int32] = []

    private var placeTable = PlaceTable()
    /// The marker tokens, held here: the verification loop compares every shared token with them.
    private let markers = (FeatureExtractor.followUpMarker, FeatureExtractor.repeatMarker, FeatureExtractor.newTopicMarker)
    private var entryByKey: [Int64: Int32] = [:]

    public init(policy: DedupPolicy, gazetteer: Gazetteer = .shipped) {
        self.policy = policy
        self.gazetteer = gazetteer
    }

    /// How many complaints are indexed.
    public var count: Int { entryByKey.count }

    /// Decides what a message with `features`, received at `time` (seconds since 1970), is. `mergeWindow`
    /// overrides the policy's for this message (per channel or campaign).
    public func decide(_ features: DedupFeatures, at time: Double, mergeWindow: Double? = nil) -> NearDuplicateVerdict {
        let mergeWindow = mergeWindow ?? policy.mergeWindow
        stamp &+= 1
        if stamp == 0 {
            for index in stamps.indices { stamps[index] = 0 }
            stamp = 1
        }
        var best = Best()
        let query = Query(
            features: features, placeIDs: features.places.map { placeTable.id($0) }, time: time, mergeWindow: mergeWindow,
            followUp: features.tokens.contains(markers.0),
            repeats: features.tokens.contains(markers.1),
            newTopic: features.tokens.contains(markers.2),
            contentCount: features.tokens.count(where: { !Self.isMarker($0, markers) })
        )
        var areas: [Int32] = []
        for place in query.placeIDs {
            let area = placeTable.infos[Int(place)].area
            if !areas.contains(area) { areas.append(area) }
        }
        for identity in features.identities {
            walk(.identity(identity), from: identityHeads[identity], since: time - max(mergeWindow, policy.clusterWindow),
                 limit: Self.identityChainLimit, query: query, best: &best)
        }
        for place in areas where Int(place) < placeHeads.count {
            // A local name's chain holds only reports naming it: fewer steps find what there is.
            let limit = placeTable.infos[Int(place)].level == 0 ? Self.localChainLimit : Self.placeChainLimit
            walk(.place(place), from: placeHeads[Int(place)], since: time - policy.clusterWindow,
                 limit: limit, query: query, best: &best)
        }
        if !features.tokens.isEmpty {
            for (band, key) in hasher.bandKeys(features.tokens).enumerated() {
                walk(.band(band), from: bandHeads[key], since: time - policy.clusterWindow,
                     limit: Self.bandChainLimit, query: query, best: &best)
            }
        }
        if let merge = best.merge {
            return .merge(key: keys[merge.entry], score: merge.score, reason: "same reporter, similarity \(Self.format(merge.score))")
        }
        if let cluster = best.cluster {
            let place = cluster.place.flatMap { placeTable.name(of: $0, in: gazetteer) }
            let reason = place.map { "same issue at \($0), similarity \(Self.format(cluster.score))" }
                ?? "same issue, similarity \(Self.format(cluster.score))"
            return .cluster(with: keys[cluster.entry], cluster: clusters[cluster.entry], score: cluster.score, reason: reason)
        }
        return .distinct
    }

    /// Decides, then indexes the message as a complaint under `key` unless it was merged: what a store
    /// with nothing to roll back (an evaluation, a benchmark) does with each message.
    public func admit(_ features: DedupFeatures, key: Int64, at time: Double, mergeWindow: Double? = nil) -> NearDuplicateVerdict {
        let verdict = decide(features, at: time, mergeWindow: mergeWindow)
        switch verdict {
        case .merge: break
        case .cluster(_, let cluster, _, _): insert(features, key: key, cluster: cluster, at: time)
        case .distinct: insert(features, key: key, cluster: key, at: time)
        }
        return verdict
    }

    /// Indexes a stored complaint. `cluster` is the key of its cluster's first complaint (its own key when alone).
    public func insert(_ features: DedupFeatures, key: Int64, cluster: Int64, at time: Double) {
        if keys.count >= policy.capacity { compact() }
        append(features.tokens, identities: features.identities, placeIDs: features.places.map { placeTable.id($0) }, key: key, cluster: cluster, time: time)
    }

    /// Moves a complaint to another cluster (an operator's undo puts it back in a cluster of its own).
    /// The cluster a complaint is in (its own journal id when alone), or nil if it is not indexed.
    public func cluster(of key: Int64) -> Int64? {
        entryByKey[key].map { clusters[Int($0)] }
    }

    public func setCluster(of key: Int64, to cluster: Int64) {
        guard let entry = entryByKey[key] else { return }
        clusters[Int(entry)] = cluster
    }

    /// Forgets a complaint: it is never proposed again (its row was rolled back, or an operator split it off).
    public func remove(_ key: Int64) {
        guard let entry = entryByKey.removeValue(forKey: key) else { return }
        keys[Int(entry)] = Self.removedKey
    }

    private static let removedKey = Int64.min

    private func append(_ tokens: [UInt32], identities newIdentities: [UInt64], placeIDs newPlaces: [Int32], key: Int64, cluster: Int64, time: Double) {
        let entry = Int32(keys.count)
        keys.append(key)
        clusters.append(cluster)
        times.append(time)
        contentCounts.append(UInt16(min(tokens.count(where: { !Self.isMarker($0, markers) }), Int(UInt16.max))))
        tokenPool.append(contentsOf: tokens)
        tokenStarts.append(tokenPool.count)
        stamps.append(0)
        entryByKey[key] = entry
        for slot in 0..<Self.identitySlots {
            let identity = slot < newIdentities.count ? newIdentities[slot] : 0
            identities.append(identity)
            if identity != 0 {
                identityNext.append(identityHeads[identity] ?? -1)
                identityHeads[identity] = entry
            } else {
                identityNext.append(-1)
            }
        }
        var newAreas: [Int32] = []
        for place in newPlaces {
            let area = placeTable.infos[Int(place)].area
            if !newAreas.contains(area) { newAreas.append(area) }
        }
        for slot in 0..<Self.placeSlots {
            places.append(slot < newPlaces.count ? newPlaces[slot] : -1)
            let area = slot < newAreas.count ? newAreas[slot] : -1
            areaOf.append(area)
            if area >= 0 {
                while placeHeads.count <= Int(area) { placeHeads.append(-1) }
                placeNext.append(placeHeads[Int(area)])
                placeHeads[Int(area)] = entry
            } else {
                placeNext.append(-1)
            }
        }
        let bandKeys = tokens.isEmpty ? [] : hasher.bandKeys(tokens)
        for band in 0..<hasher.bands {
            if band < bandKeys.count {
                bandNext.append(bandHeads[bandKeys[band]] ?? -1)
                bandHeads[bandKeys[band]] = entry
            } else {
                bandNext.append(-1)
            }
        }
    }

    /// Drops the oldest half (and anything removed), rebuilding every chain from what is kept.
    private func compact() {
        let keep = (keys.count / 2)..<keys.count
        let old = (keys, clusters, times, tokenStarts, tokenPool, identities, places)
        // The place table starts again too: places only dropped complaints named are forgotten.
        let oldPlaces = placeTable
        placeTable = PlaceTable()
        keys = []; clusters = []; times = []; tokenStarts = [0]; tokenPool = []; identities = []; places = []; areaOf = []; stamps = []
        contentCounts = []
        bandHeads = [:]; bandNext = []; identityHeads = [:]; identityNext = []; placeHeads = []; placeNext = []
        entryByKey = [:]
        for entry in keep where old.0[entry] != Self.removedKey {
            let tokens = Array(old.4[old.3[entry]..<old.3[entry + 1]])
            let ids = (0..<Self.identitySlots).map { old.5[entry * Self.identitySlots + $0] }.filter { $0 != 0 }
            let placeIDs = (0..<Self.placeSlots).map { old.6[entry * Self.placeSlots + $0] }.filter { $0 >= 0 }
                .map { placeTable.id(oldPlaces.codes[Int($0)]) }
            append(tokens, identities: ids, placeIDs: placeIDs, key: old.0[entry], cluster: old.1[entry], time: old.2[entry])
        }
    }

    // MARK: - Verification

    private struct Query {
        var features: DedupFeatures
        var placeIDs: [Int32]
        var time: Double
        var mergeWindow: Double
        var followUp: Bool
        var repeats: Bool
        var newTopic: Bool
        /// Tokens that are words, not markers.
        var contentCount: Int
    }

    private struct Best {
        var merge: (entry: Int, score: Double)?
        var cluster: (entry: Int, score: Double, place: Int32?)?
    }

    /// Which of an entry's next pointers a chain follows.
    private enum Chain {
        case identity(UInt64)
        case place(Int32)
        case band(Int)
    }

    private func walk(_ chain: Chain, from head: Int32?, since: Double, limit: Int, query: Query, best: inout Best) {
        var steps = 0
        var entry = head ?? -1
        while entry >= 0 && steps < limit {
            let index = Int(entry)
            guard times[index] >= since else { return }
            steps += 1
            if stamps[index] != stamp {
                stamps[index] = stamp
                if keys[index] != Self.removedKey { verify(index, query: query, best: &best) }
            }
            switch chain {
            case .identity(let identity):
                let slot = (0..<Self.identitySlots).first { identities[index * Self.identitySlots + $0] == identity } ?? 0
                entry = identityNext[index * Self.identitySlots + slot]
            case .place(let place):
                let slot = (0..<Self.placeSlots).first { areaOf[index * Self.placeSlots + $0] == place } ?? 0
                entry = placeNext[index * Self.placeSlots + slot]
            case .band(let band):
                entry = bandNext[index * hasher.bands + band]
            }
        }
    }

    private func verify(_ entry: Int, query: Query, best: inout Best) {
        let start = tokenStarts[entry]
        let end = tokenStarts[entry + 1]
        let mine = query.features.tokens
        let shared = mine.withUnsafeBufferPointer { mineBuffer in
            tokenPool.withUnsafeBufferPointer { pool in
                Self.sharedWords(mineBuffer, UnsafeBufferPointer(rebasing: pool[start..<end]), markers: markers)
            }
        }
        let theirs = Int(contentCounts[entry])
        let mineCount = query.contentCount
        let union = mineCount + theirs - shared
        let jaccard = union == 0 ? 1 : Double(shared) / Double(union)
        let smaller = min(mineCount, theirs)
        let containment = smaller == 0 ? 0 : Double(shared) / Double(smaller)
        let age = query.time - times[entry]
        let sameReporter = age <= query.mergeWindow && sharesIdentity(query.features.identities, entry: entry)
        // A short report ("jmbtn gantung cugenang ambruk") set against a long one about the same spot is
        // measured by how much of it the long one says: Jaccard would drown it in the long one's words.
        let shortReport = smaller <= policy.shortReportWords && shared >= 2
        let placeScore = shortReport ? max(jaccard, policy.shortReportContainmentWeight * containment) : jaccard
        let clusterable = age <= policy.clusterWindow
            && placeScore >= min(policy.clusterSimilarity, policy.exactPlaceClusterSimilarity)
            && mineCount >= policy.minimumWords && theirs >= policy.minimumWords
        // Most candidates fail on words alone; places are compared only for those that could still match.
        guard sameReporter || clusterable else { return }
        let relation = placeTable.relation(
            query.placeIDs, places[(entry * Self.placeSlots)..<((entry + 1) * Self.placeSlots)],
            myTokens: mine, theirTokens: tokenPool[start..<end]
        )

        if sameReporter, relation.isCompatible {
            // The same district, landmark or local name counts as one more word in common.
            var (jaccard, containment) = (jaccard, containment)
            if case .agree(let place) = relation, placeTable.isSpecific(place) {
                jaccard = Double(shared + 1) / Double(union + 1)
                containment = Double(shared + 1) / Double(smaller + 1)
            }
            var score = smaller < policy.minimumWords ? jaccard : max(jaccard, 0.9 * containment)
            var needed = smaller < policy.minimumWords ? 0.8 : policy.mergeSimilarity
            if query.newTopic {
                // "beda masalah", "satu lagi": only a near copy is still the earlier complaint.
                needed = max(needed, policy.newTopicMergeSimilarity)
            } else {
                // Soon after a complaint, a message that says nothing of its own ("min ini gimana?") or a short
                // announced addition ("sekalian saya kirim fotonya") continues it; another short one, or a longer
                // addition ("tambahan: …"), must share something with it; anything else is matched on its words.
                // (A chat's quick messages are one complaint by the channel's burst rule, before dedup.)
                let short = query.contentCount <= policy.minimumWords
                if age <= policy.followUpWindow && (short || query.followUp) {
                    let bare = query.contentCount == 0 || (query.followUp && short)
                    needed = min(needed, bare ? 0 : policy.followUpSimilarity)
                    score = max(score, containment)
                }
                // "kirim ulang", "menindaklanjuti laporan saya": a repeat within the merge window needs only
                // to share its subject, in any register; one that says nothing else needs nothing more.
                if query.repeats {
                    needed = min(needed, short ? 0 : policy.repeatSimilarity)
                    score = max(score, containment)
                }
            }
            if score >= needed && score > (best.merge?.score ?? -1) { best.merge = (entry, score) }
        }
        guard clusterable else { return }
        switch relation {
        case .agree(let place):
            // Naming the same district or landmark is stronger evidence than naming the same regency.
            let specific = placeTable.isSpecific(place)
            let needed = specific ? policy.exactPlaceClusterSimilarity : policy.clusterSimilarity
            let score = specific ? placeScore : jaccard
            if score >= needed && score > (best.cluster?.score ?? -1) { best.cluster = (entry, score, place) }
        case .unknown:
            if jaccard >= policy.textOnlyClusterSimilarity && jaccard > (best.cluster?.score ?? -1) { best.cluster = (entry, jaccard, nil) }
        case .conflict:
            return
        }
    }

    /// How many tokens two sorted token lists share, markers ("repeat", "addition") not counted: a marker
    /// both carry says nothing about their subject.
    @inline(__always)
    private static func sharedWords(_ mine: UnsafeBufferPointer<UInt32>, _ theirs: UnsafeBufferPointer<UInt32>, markers: (UInt32, UInt32, UInt32)) -> Int {
        var shared = 0
        var i = 0
        var j = 0
        while i < mine.count && j < theirs.count {
            let a = mine[i], b = theirs[j]
            if a == b {
                if !isMarker(a, markers) { shared += 1 }
                i += 1
                j += 1
            } else if a < b {
                i += 1
            } else {
                j += 1
            }
        }
        return shared
    }

    /// Whether `token` is one of the marker tokens ("repeat", "addition", "new topic"), not a word.
    @inline(__always)
    private static func isMarker(_ token: UInt32, _ markers: (UInt32, UInt32, UInt32)) -> Bool {
        token == markers.0 || token == markers.1 || token == markers.2
    }

    private func sharesIdentity(_ mine: [UInt64], entry: Int) -> Bool {
        for slot in 0..<Self.identitySlots {
            let identity = identities[entry * Self.identitySlots + slot]
            if identity != 0 && mine.contains(identity) { return true }
        }
        return false
    }

    private static func format(_ score: Double) -> String {
        let hundredths = Int((score * 100).rounded())
        return hundredths >= 100 ? "1.00" : "0.\(hundredths < 10 ? "0" : "")\(hundredths)"
    }
}
