/// The places the index has met, interned as small integers with what comparing them needs worked out once:
/// a gazetteer code's ancestors ("12", "12.06", "12.06.15"), whether a mention was weak ("~12.06.15"), and
/// a local name ("@tamanan", "@smp 2 ungaran") with the word it was written as. Comparing two places is then
/// integer work, not string prefixes: it runs for every candidate the index verifies.
struct PlaceTable {
    /// How a place was named.
    enum Kind: UInt8 {
        /// A gazetteer code the message named plainly.
        case gazetteer
        /// A lone district name nothing backed up: it can agree, never conflict.
        case weak
        /// A name the gazetteer does not hold (a village, a street): agrees when the same.
        case local
        /// A school with its number: two different ones are two places.
        case school
    }

    struct Info {
        var kind: Kind
        /// Dotted parts of the gazetteer code (1 province, 2 regency or city, 3 district or landmark); 0 for local names.
        var level: Int8
        /// Ids of the code's prefixes by level (self at `level`); -1 past it.
        var path: (Int32, Int32, Int32)
        /// The chain a place is searched in: its regency or city, or itself for a local name.
        var area: Int32
        /// For a one-word local name, the token it would be as a word; otherwise 0.
        var word: UInt32
        /// For a school named with its town ("@smp 2 ungaran"), the school without it ("@smp 2"); itself otherwise.
        var base: Int32
    }

    private(set) var codes: [String] = []
    private(set) var infos: [Info] = []
    private var ids: [String: Int32] = [:]

    /// The id of `code`, interned on first sight.
    mutating func id(_ code: String) -> Int32 {
        if let id = ids[code] { return id }
        let info: Info
        if code.hasPrefix("@") {
            info = localInfo(code)
        } else if code.hasPrefix("~") {
            let plain = id(String(code.dropFirst()))
            info = Info(kind: .weak, level: infos[Int(plain)].level, path: infos[Int(plain)].path,
                        area: infos[Int(plain)].area, word: 0, base: -1)
        } else {
            info = gazetteerInfo(code)
        }
        let id = Int32(codes.count)
        codes.append(code)
        infos.append(info)
        if info.base == -1 { infos[Int(id)].base = id }
        if info.kind == .local || info.kind == .school { infos[Int(id)].area = id }
        ids[code] = id
        return id
    }

    private mutating func gazetteerInfo(_ code: String) -> Info {
        let parts = code.split(separator: ".", omittingEmptySubsequences: false)
        var path: [Int32] = [-1, -1, -1]
        let level = min(parts.count, 3)
        for depth in 1..<max(level, 1) {
            path[depth - 1] = id(parts[0..<depth].joined(separator: "."))
        }
        // Self is filled in by the caller's id; the path names it by the id it is about to get.
        path[level - 1] = Int32(codes.count)
        let area = level >= 2 ? path[1] : path[0]
        return Info(kind: .gazetteer, level: Int8(level), path: (path[0], path[1], path[2]), area: area, word: 0, base: -1)
    }

    private mutating func localInfo(_ code: String) -> Info {
        let words = code.dropFirst().split(separator: " ")
        let isSchool = LocalNames.isSchool(code)
        var base: Int32 = -1
        if isSchool && words.count > 2 { base = id("@" + words[0..<2].joined(separator: " ")) }
        let word = words.count == 1 ? FeatureExtractor.tokenHash(String(words[0])) : 0
        return Info(kind: isSchool ? .school : .local, level: 0, path: (-1, -1, -1), area: -1, word: word, base: base)
    }

    func path(_ info: Info, _ level: Int8) -> Int32 {
        switch level {
        case 1: info.path.0
        case 2: info.path.1
        default: info.path.2
        }
    }

    /// A district, a landmark or a local name: specific enough that naming it is itself evidence.
    func isSpecific(_ id: Int32) -> Bool {
        let info = infos[Int(id)]
        return info.kind == .local || info.kind == .school || (info.kind == .gazetteer && info.level >= 3)
    }

    /// How two messages' places compare.
    enum Relation {
        /// They name one place below province level: the more general of the two.
        case agree(Int32)
        /// Nothing to tell them apart or together.
        case unknown
        /// Both name places and none of them meet: different places.
        case conflict

        var isCompatible: Bool {
            if case .conflict = self { return false }
            return true
        }
    }

    /// Compares `mine` with `theirs` (-1 entries are empty slots). Two gazetteer places that meet below
    /// province level agree; gazetteer places that never meet conflict; weak mentions and local names only
    /// agree, and only when the gazetteer does not decide; two different schools conflict. A one-word local
    /// name also agrees with the same word among the other message's tokens (sorted).
    func relation(_ mine: [Int32], _ theirs: ArraySlice<Int32>, myTokens: [UInt32], theirTokens: ArraySlice<UInt32>) -> Relation {
        guard !mine.isEmpty else { return .unknown }
        var mineStrong = false, theirsStrong = false, provinceOnly = false
        var mineSchools = false, theirsSchools = false, schoolsAgree = false
        var soft: Int32?
        var plain: Int32?
        for id in mine {
            let kind = infos[Int(id)].kind
            if kind == .gazetteer { mineStrong = true } else if kind == .school { mineSchools = true }
        }
        for other in theirs where other >= 0 {
            let b = infos[Int(other)]
            if b.kind == .gazetteer { theirsStrong = true } else if b.kind == .school { theirsSchools = true }
            for id in mine {
                let a = infos[Int(id)]
                if a.kind == .gazetteer && b.kind == .gazetteer {
                    guard let general = meet(id, a, other, b) else { continue }
                    if infos[Int(general)].level >= 2 {
                        if plain == nil || infos[Int(general)].level > infos[Int(plain!)].level { plain = general }
                    } else {
                        provinceOnly = true
                    }
                } else if let agreed = softMeet(id, a, other, b) {
                    if a.kind == .school && b.kind == .school { schoolsAgree = true }
                    if soft == nil { soft = agreed }
                }
            }
        }
        // SMPN 5 and SMPN 6 of one town are two places, though the town agrees.
        if mineSchools && theirsSchools && !schoolsAgree { return .conflict }
        if let plain { return .agree(plain) }
        if mineStrong && theirsStrong && !provinceOnly { return .conflict }
        if soft == nil { soft = wordMeet(mine, theirs, myTokens: myTokens, theirTokens: theirTokens) }
        return soft.map { .agree($0) } ?? .unknown
    }

    /// The more general of two gazetteer places when one contains the other.
    private func meet(_ a: Int32, _ infoA: Info, _ b: Int32, _ infoB: Info) -> Int32? {
        guard infoA.level > 0, infoB.level > 0 else { return nil }
        let level = min(infoA.level, infoB.level)
        guard path(infoA, level) == path(infoB, level) else { return nil }
        return infoA.level <= infoB.level ? path(infoA, infoA.level) : path(infoB, infoB.level)
    }

    /// Where a weak mention or a local name meets another place, if they do below province level.
    private func softMeet(_ a: Int32, _ infoA: Info, _ b: Int32, _ infoB: Info) -> Int32? {
        let localA = infoA.kind == .local || infoA.kind == .school
        let localB = infoB.kind == .local || infoB.kind == .school
        if localA || localB {
            guard localA && localB else { return nil }
            // "@smp 2" and "@smp 2 cibinong" are one school, named with and without its town; SMPN 2 of two
            // towns are two schools.
            if a == b || infoA.base == b { return b }
            return infoB.base == a ? a : nil
        }
        // Two weak mentions prove nothing together ("sumur" and "sumur" may be wells, not the district
        // Sumur): a weak mention agrees only with a place named plainly.
        guard infoA.kind == .gazetteer || infoB.kind == .gazetteer else { return nil }
        guard let general = meet(a, infoA, b, infoB), infos[Int(general)].level >= 2 else { return nil }
        return general
    }

    private func wordMeet(_ mine: [Int32], _ theirs: ArraySlice<Int32>, myTokens: [UInt32], theirTokens: ArraySlice<UInt32>) -> Int32? {
        for id in mine where infos[Int(id)].word != 0 && Self.contains(theirTokens, infos[Int(id)].word) { return id }
        for id in theirs where id >= 0 && infos[Int(id)].word != 0 && Self.contains(myTokens[...], infos[Int(id)].word) { return id }
        return nil
    }

    /// Binary search in a sorted token slice.
    static func contains(_ sorted: ArraySlice<UInt32>, _ value: UInt32) -> Bool {
        var low = sorted.startIndex
        var high = sorted.endIndex
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low < sorted.endIndex && sorted[low] == value
    }

    /// What an operator reads for a place: the gazetteer's name, or the local name as written.
    func name(of id: Int32, in gazetteer: Gazetteer) -> String? {
        let code = codes[Int(id)]
        if code.hasPrefix("@") { return Self.displayName(local: code) }
        return gazetteer.name(of: code.hasPrefix("~") ? String(code.dropFirst()) : code)
    }

    /// "@smp 2 kalibaru" → "SMP 2 Kalibaru", "@tamanan" → "Tamanan".
    static func displayName(local code: String) -> String {
        let words = code.dropFirst().split(separator: " ").map(String.init)
        let school = LocalNames.isSchool(code)
        return words.enumerated().map { index, word in index == 0 && school ? word.uppercased() : word.capitalized }
            .joined(separator: " ")
    }
}
