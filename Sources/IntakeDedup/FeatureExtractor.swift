import IntakeModel

/// Turns a message into what near-duplicate matching compares: content-word hashes, places, identities.
/// Pure and thread-safe, so the pipeline runs it on the request's task, not on the writer thread.
public struct FeatureExtractor: Sendable {
    public let gazetteer: Gazetteer

    public init(gazetteer: Gazetteer = .shipped) {
        self.gazetteer = gazetteer
    }

    /// What version of reading `features` computes, stored with each complaint's features (rows stored before
    /// versions existed count as 1). A stored row of an older version is computed again from its complaint's
    /// text when the index loads: raise this whenever the same message would now yield other features.
    public static let version = 2

    /// What matching reads of a message: the words of its problem (place names taken out: they are compared
    /// as places, and left in they would make two problems at one terminal look alike), its places, and
    /// what it says about itself. Places are gazetteer codes ("12.06.15"); a weak mention is marked `~`
    /// ("~12.06.15"), and a local name the gazetteer does not hold (a village, a street, a school's place)
    /// is `@` and the name ("@tamanan").
    public func reading(title: String?, body: String) -> (problemWords: [String], places: [String], intent: MessageIntent) {
        var words = IndonesianText.words(body)
        if let title, !title.isEmpty { words = IndonesianText.words(title) + words }
        let mentions = gazetteer.allPlaceMentions(in: words)
        var isPlace = [Bool](repeating: false, count: words.count)
        for span in mentions.words { for index in span { isPlace[index] = true } }
        let local = LocalNames.find(in: words, skipping: isPlace)
        for index in local.words { isPlace[index] = true }
        var problemWords: [String] = []
        problemWords.reserveCapacity(words.count)
        for (index, word) in words.enumerated() where !isPlace[index] { problemWords.append(word) }
        // Most telling first: the index keeps the first four of a stored complaint. A school, then the
        // gazetteer's places, then other local names, then weak mentions.
        let names = Set(local.names).sorted()
        var places = names.filter(LocalNames.isSchool)
        places += mentions.codes
        places += names.filter { !LocalNames.isSchool($0) }
        places += mentions.weakCodes.map { "~" + $0 }
        var intent = MessageIntent.of(words)
        if title.map(Self.isReply) ?? false { intent.insert(.addition) }
        // "ini fotonya", "[foto: …]": the announcement is no part of the subject.
        if intent.contains(.addition) { problemWords.removeAll { MessageIntent.additionPhrases.contains($0) } }
        return (IndonesianText.contentWords(problemWords), places, intent)
    }

    /// Features of a message with `title` and `body`, sent by the holder of `identities`.
    public func features(title: String?, body: String, identities: [String]) -> DedupFeatures {
        let (words, places, intent) = reading(title: title, body: body)
        var tokens = words.map(Self.tokenHash)
        if intent.contains(.addition) { tokens.append(Self.followUpMarker) }
        if intent.contains(.repeatOfEarlier) { tokens.append(Self.repeatMarker) }
        if intent.contains(.newTopic) { tokens.append(Self.newTopicMarker) }
        tokens.sort()
        tokens = Self.distinct(tokens)
        return DedupFeatures(identities: identities.map(Self.identityHash), tokens: tokens, places: places)
    }

    /// The identities a reporter is known by, as stable strings: one phone is one person on SMS and
    /// WhatsApp alike, while handles are per network. An anonymous report has none.
    public static func identities(of reporter: Reporter, channelType: ChannelType, anonymous: Bool, linked: [Reporter] = []) -> [String] {
        guard !anonymous else { return [] }
        return ([reporter] + linked).compactMap { reporter in
            guard !reporter.address.isEmpty else { return nil }
            switch reporter.kind {
            case .phone, .email: return "\(reporter.kind.rawValue):\(reporter.address)"
            case .social, .web: return "\(reporter.kind.rawValue):\(channelType.rawValue):\(reporter.address.lowercased())"
            }
        }
    }

    /// A token no word hashes to by accident: the message reads as a follow-up of an earlier one.
    static let followUpMarker = tokenHash("\u{1}follow-up")
    /// The message says it repeats an earlier report.
    static let repeatMarker = tokenHash("\u{1}repeat")
    /// The message says it raises something new.
    static let newTopicMarker = tokenHash("\u{1}new-topic")
    /// "Re: …", "RE:", "Balas: …": the subject of a reply.
    static func isReply(_ title: String) -> Bool {
        let lower = title.trimmed.lowercased()
        return lower.hasPrefix("re:") || lower.hasPrefix("balas:") || lower.hasPrefix("fwd:") || lower.hasPrefix("fw:")
    }

    /// FNV-1a over the word's bytes, folded to 32 bits: stable across runs and machines, so stored features stay
    /// valid as long as words are read the same way (`version`).
    static func tokenHash(_ word: String) -> UInt32 {
        let hash = fnv1a(word)
        return UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
    }

    static func identityHash(_ identity: String) -> UInt64 {
        fnv1a(identity)
    }

    private static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    private static func distinct(_ sorted: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(sorted.count)
        for value in sorted where out.last != value { out.append(value) }
        return out
    }
}

/// MinHash signatures of token sets, cut into bands for locality-sensitive hashing: two sets with Jaccard
/// similarity J share at least one band with probability 1 - (1 - J^rows)^bands.
struct MinHasher: Sendable {
    let bands: Int
    let rows: Int
    private let seeds: [UInt64]

    init(bands: Int, rows: Int) {
        self.bands = bands
        self.rows = rows
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        seeds = (0..<(bands * rows)).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            return Self.mix(state)
        }
    }

    /// One key per band (the band number mixed in, so bands never collide with each other).
    func bandKeys(_ tokens: [UInt32]) -> [UInt64] {
        var minima = [UInt64](repeating: .max, count: seeds.count)
        for token in tokens {
            let base = UInt64(token)
            for index in seeds.indices {
                let value = Self.mix(base ^ seeds[index])
                if value < minima[index] { minima[index] = value }
            }
        }
        return (0..<bands).map { band in
            var key = UInt64(band) &* 0xA24B_AED4_963E_E407
            for row in 0..<rows { key = Self.mix(key ^ minima[band * rows + row]) }
            return key
        }
    }

    /// SplitMix64's finalizer: a fast, well-spread 64-bit permutation.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
