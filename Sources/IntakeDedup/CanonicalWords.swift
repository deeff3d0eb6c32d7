/// One thing written two ways becomes one word sequence: the same citizen writes `kls 8` in an SMS and
/// `kelas VIII` in a web form, `smpn 2` and `SMP Negeri 2`, `capil` and `Dinas Kependudukan dan Pencatatan
/// Sipil`, `350rb` and `Rp350.000`. Runs after abbreviations are spelled out, on every text matching reads
/// (messages and gazetteer names alike), so both sides of a comparison agree.
extension IndonesianText {
    /// Rewrites `words` in place: institution names to one short form, numbers to plain digits.
    static func canonicalize(_ words: [String]) -> [String] {
        guard !words.isEmpty else { return words }
        var out: [String] = []
        out.reserveCapacity(words.count)
        // Whether the last number came from a multiplier ("1 juta"): "1 juta 500 ribu" is no "1000000500".
        var multiplied = false
        var index = 0
        while index < words.count {
            if let (length, replacement) = phrase(at: index, in: words) {
                out.append(contentsOf: replacement)
                index += length
                continue
            }
            let word = words[index]
            let previous = out.last
            defer { index += 1 }
            if word.utf8.first?.isASCIIDigit == true {
                appendNumber(word, joinable: !multiplied, to: &out)
                multiplied = false
            } else if word == "x" || word == "kali", let previous, previous.utf8.first?.isASCIIDigit == true {
                // "2x" and "dua kali" are both "2": the count is the content, not the word for times.
                continue
            } else if let value = romanValue(word), let previous, numberedBy.contains(previous) {
                out.append(String(value))
            } else if let factor = multipliers[word], let previous, let value = Int(previous), value > 0, value < 1000 {
                // "350rb", "2 juta", "lima puluh ribu" (50 000), "sembilan ratus ribu" (900 000).
                out[out.count - 1] = String(value * factor)
                multiplied = factor >= 1000
            } else if word == "rt" || word == "rw", index + 1 < words.count, let number = Int(words[index + 1]) {
                // "RT 3 RW 5" and "RT 5 RW 3" are two places: the number belongs to its word.
                out.append(word + String(number))
                index += 1
            } else if word == "n", let previous, let school = negeriSchools[previous] {
                out[out.count - 1] = school
            } else {
                out.append(word)
            }
        }
        return out
    }

    /// Digits without leading zeros (`rt 03` is `rt 3`), and thousands written with a separator rejoined
    /// (`350.000` reads as `350`, `000`; it becomes `350000`).
    private static func appendNumber(_ word: String, joinable: Bool, to out: inout [String]) {
        var digits = Substring(word)
        while digits.count > 1, digits.first == "0" { digits = digits.dropFirst() }
        if joinable, word.utf8.count == 3, let previous = out.last, isThousandsHead(previous) {
            out[out.count - 1] = previous + word
            return
        }
        out.append(String(digits))
    }

    /// A number that a three-digit group may continue: digits without a leading zero, up to 12 of them.
    private static func isThousandsHead(_ word: String) -> Bool {
        guard let first = word.utf8.first, first != UInt8(ascii: "0"), word.utf8.count <= 12 else { return false }
        return word.utf8.allSatisfy(\.isASCIIDigit)
    }

    /// The longest institution phrase starting at `index`, and its short form.
    private static func phrase(at index: Int, in words: [String]) -> (Int, [String])? {
        guard phraseFilter.mayContain(words[index]), let candidates = phrases[words[index]] else { return nil }
        for (tail, replacement) in candidates where index + tail.count < words.count {
            if tail.indices.allSatisfy({ words[index + 1 + $0] == tail[$0] }) { return (1 + tail.count, replacement) }
        }
        return nil
    }

    /// First word → (the words that follow it, the short form), longest first; number words are phrases of
    /// one word, so each word of a message costs one lookup here.
    private static let phrases: [String: [([String], [String])]] = {
        let table: [(String, String)] = [
            ("dinas kependudukan dan pencatatan sipil", "disdukcapil"), ("dinas kependudukan pencatatan sipil", "disdukcapil"),
            ("kependudukan dan pencatatan sipil", "disdukcapil"), ("dinas dukcapil", "disdukcapil"),
            ("dinas capil", "disdukcapil"), ("dukcapil", "disdukcapil"), ("capil", "disdukcapil"), ("disduk", "disdukcapil"),
            ("rumah sakit umum daerah", "rsud"), ("rumah sakit daerah", "rsud"), ("rs umum daerah", "rsud"),
            ("rs daerah", "rsud"), ("rsu daerah", "rsud"), ("rumah sakit umum", "rsu"), ("rumah sakit", "rs"),
            ("pusat kesehatan masyarakat", "puskesmas"), ("pkm", "puskesmas"), ("puskes", "puskesmas"),
            ("dinas perhubungan", "dishub"), ("pengadilan negeri", "pn"), ("kantor camat", "kantor kecamatan"),
            ("smp negeri", "smpn"), ("sd negeri", "sdn"), ("sma negeri", "sman"), ("smk negeri", "smkn"),
            ("sekolah dasar negeri", "sdn"), ("sekolah menengah pertama negeri", "smpn"),
            ("sekolah menengah atas negeri", "sman"), ("sekolah menengah kejuruan negeri", "smkn"),
            ("sekolah dasar", "sd"), ("sekolah menengah pertama", "smp"), ("sekolah menengah atas", "sma"),
            ("sekolah menengah kejuruan", "smk"), ("kls", "kelas"), ("kilometer", "km"),
            ("badan penyelenggara jaminan sosial", "bpjs"), ("kartu tanda penduduk", "ktp"), ("e ktp", "ktp"),
            ("ktp el", "ktp"), ("ktp elektronik", "ktp"), ("kartu keluarga", "kk"),
            ("surat keterangan pindah", "surat pindah"), ("surat keterangan tidak mampu", "sktm"),
            ("surat keterangan catatan kepolisian", "skck"), ("antrian", "antre"), ("antrean", "antre"),
            ("antri", "antre"), ("ngantri", "antre"), ("mengantri", "antre"), ("mengantre", "antre"),
            ("lampu lalu lintas", "lampu merah"), ("traffic light", "lampu merah"), ("trafik light", "lampu merah"),
            ("apill", "lampu merah"), ("apil", "lampu merah"), ("bangjo", "lampu merah"),
        ]
        var map: [String: [([String], [String])]] = [:]
        for (word, digits) in numberWords { map[word] = [([], [digits])] }
        for (long, short) in table {
            let words = long.split(separator: " ").map(String.init)
            map[words[0], default: []].append((Array(words.dropFirst()), short.split(separator: " ").map(String.init)))
        }
        for key in map.keys { map[key]!.sort { $0.0.count > $1.0.count } }
        return map
    }()

    /// Number words that multiply the number before them.
    private static let multipliers: [String: Int] = ["puluh": 10, "ratus": 100, "ribu": 1000, "juta": 1_000_000]

    private static let phraseFilter = WordFilter(phrases.keys)

    /// `smp n 2`: the school words an `n` (negeri) may follow.
    private static let negeriSchools: [String: String] = ["sd": "sdn", "smp": "smpn", "sma": "sman", "smk": "smkn"]

    /// Words after which a roman numeral is a number: `kelas VIII`, `SMPN II`, `RW IV`.
    private static let numberedBy: Set<String> = [
        "kelas", "sdn", "smpn", "sman", "smkn", "sd", "smp", "sma", "smk", "negeri", "rt", "rw", "tahap", "jilid",
        "gang", "blok", "lantai", "semester", "golongan", "zona", "sektor", "ruang",
    ]

    /// Number words from one to eleven, a hundred and a thousand, as digits.
    private static let numberWords: [String: String] = [
        "satu": "1", "dua": "2", "tiga": "3", "empat": "4", "lima": "5", "enam": "6", "tujuh": "7", "delapan": "8",
        "sembilan": "9", "sepuluh": "10", "sebelas": "11", "seratus": "100", "seribu": "1000",
    ]

    /// The value of a roman numeral from I to XX; nil for anything else.
    static func romanValue(_ word: String) -> Int? {
        guard word.utf8.count <= 5 else { return nil }
        var total = 0
        var previous = 0
        for byte in word.utf8.reversed() {
            let value: Int
            switch byte {
            case UInt8(ascii: "i"): value = 1
            case UInt8(ascii: "v"): value = 5
            case UInt8(ascii: "x"): value = 10
            default: return nil
            }
            total += value < previous ? -value : value
            previous = max(previous, value)
        }
        return total >= 1 && total <= 20 ? total : nil
    }
}
