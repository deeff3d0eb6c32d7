import IntakeModel

/// Indonesian text as matching sees it: lower-case ASCII words with accents folded, punctuation gone,
/// stretched letters collapsed ("tolooong" → "tolong") and SMS abbreviations spelled out ("yg" → "yang").
///
/// Two passes share this: `words` keeps every word (place names need "di", "km", numbers), and
/// `contentWords` then drops stop words and strips the commonest suffixes, leaving what a complaint is about.
public enum IndonesianText {
    /// The words of `text`, normalized and with abbreviations expanded, in order.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        words.reserveCapacity(text.utf8.count / 5)
        var current: [UInt8] = []
        current.reserveCapacity(32)
        var quoted = false
        var lineStart = true

        // Digits written against a word ("anak2", "kmrn2"): a lone 2 there doubles the word, it is no number.
        var gluedDigits = false
        // A glued 2 followed by "." or ",": reduplication ("anak2.") or a number going on ("rp2.000")?
        var pendingTwo = false

        func flush() {
            guard !current.isEmpty else { return }
            defer { gluedDigits = false }
            if gluedDigits && current.count == 1 && current[0] == UInt8(ascii: "2") {
                current.removeAll(keepingCapacity: true)
                return
            }
            collapseRuns(&current)
            let word = String(decoding: current, as: UTF8.self)
            current.removeAll(keepingCapacity: true)
            if abbreviationFilter.mayContain(word), let expansion = abbreviations[word] {
                words.append(contentsOf: expansion)
            } else {
                words.append(word)
            }
        }

        for scalar in text.unicodeScalars {
            let value = scalar.value
            if pendingTwo {
                pendingTwo = false
                if value >= 0x30 && value <= 0x39 { gluedDigits = false }
                flush()
            }
            // Quoted lines of an email reply ("> ...") repeat an earlier message: not this one's content.
            if lineStart && value == 0x3E { quoted = true }
            if value == 0x0A {
                flush()
                quoted = false
                lineStart = true
                continue
            }
            if lineStart && value != 0x20 && value != 0x09 && value != 0x3E { lineStart = false }
            if quoted { continue }
            if value < 0x80 {
                let byte = UInt8(value)
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"):
                    if let last = current.last, last.isASCIIDigit { flush() }
                    current.append(byte)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                    if let last = current.last, last.isASCIIDigit { flush() }
                    current.append(byte | 0x20)
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    if let last = current.last, !last.isASCIIDigit {
                        flush()
                        // "smpn2", "kls2", "rt2", "km2", "rp2.000": the number of what precedes it.
                        gluedDigits = !(words.last.map(numberedWords.contains) ?? true)
                    }
                    current.append(byte)
                case UInt8(ascii: "'"), UInt8(ascii: "`"):
                    // "jum'at", "qur'an": one word.
                    continue
                default:
                    if gluedDigits && (byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",")) && current == [UInt8(ascii: "2")] {
                        pendingTwo = true
                    } else {
                        flush()
                    }
                }
            } else if let folded = fold(value) {
                if let last = current.last, last.isASCIIDigit { flush() }
                current.append(folded)
            } else if value == 0x2019 {
                continue
            } else {
                flush()
            }
        }
        flush()
        return canonicalize(words)
    }

    /// The words that say what a message is about: stop words and greetings dropped, suffixes stripped.
    public static func contentWords(_ words: [String]) -> [String] {
        var content: [String] = []
        content.reserveCapacity(words.count)
        let stopFilter = Self.stopFilter
        for word in words where !(stopFilter.mayContain(word) && stopWords.contains(word)) {
            let stemmed = stem(word)
            // "sebelumnya", "harusnya": stripped, they are stop words too.
            if stemmed != word && stopWords.contains(stemmed) { continue }
            // "lubangnya" is "lubang", which reads as "rusak" like "lubang" does.
            if stemmed != word, let expansion = abbreviations[stemmed], expansion.count == 1 {
                if !stopWords.contains(expansion[0]) { content.append(expansion[0]) }
            } else {
                content.append(stemmed)
            }
        }
        return content
    }

    /// Strips the particles and suffixes that reword without changing the subject ("jalannya" → "jalan",
    /// "diperbaiki" and "perbaikan" stay apart: prefixes change too much to strip blindly).
    static func stem(_ word: String) -> String {
        let utf8 = word.utf8
        guard utf8.count > 5, let first = utf8.first, !first.isASCIIDigit, !unstemmed.contains(word) else { return word }
        for suffix in ["nya", "lah", "kah", "pun"] where word.hasSuffix(suffix) && utf8.count - 3 >= 4 {
            return String(word.dropLast(3))
        }
        return word
    }

    static let abbreviationFilter = WordFilter(abbreviations.keys)
    static let stopFilter = WordFilter(stopWords)

    /// Words a number written against them belongs to ("smpn2", "kls2", "rp2.000"), spelled out.
    static let numberedWords: Set<String> = [
        "rupiah", "sd", "sdn", "smp", "smpn", "sma", "sman", "smk", "smkn", "kelas", "kls", "rt", "rw", "lt", "lantai",
        "km", "no", "nomor", "blok", "tahap", "gang", "gg", "jilid", "ke", "pos", "loket", "dermaga", "terminal",
        "pintu", "gate", "jalur", "peron", "ruang", "zona", "sektor", "kavling", "unit",
    ]

    /// Words whose ending only looks like a particle: "sekolah" is no "seko" + "lah".
    static let unstemmed: Set<String> = [
        "sekolah", "masalah", "jumlah", "sebelah", "istilah", "daulah", "langkah", "berkah", "nikah", "menikah",
        "pernikahan", "musyawarah", "ampun", "punya", "tanya", "hanya", "bertanya", "ditanya", "wilayah",
        "madrasah", "kaidah", "sedekah", "ibadah",
    ]

    /// Runs of three or more of one letter become one ("parahhh", "tolooong"); a doubled letter at the end
    /// of a word becomes one too ("parahh"). Digits are never touched: 100 is not 10.
    private static func collapseRuns(_ word: inout [UInt8]) {
        guard word.count > 2, let first = word.first, !first.isASCIIDigit else { return }
        // Roman numerals ("viii", "xiii") are numbers, not stretched letters.
        if word.allSatisfy({ $0 == UInt8(ascii: "i") || $0 == UInt8(ascii: "v") || $0 == UInt8(ascii: "x") }) { return }
        // Most words have nothing to collapse: find out without building a copy.
        let count = word.count
        var stretched = count > 3 && word[count - 1] == word[count - 2]
        var position = 2
        while !stretched && position < count {
            stretched = word[position] == word[position - 1] && word[position] == word[position - 2]
            position += 1
        }
        guard stretched else { return }
        var out: [UInt8] = []
        out.reserveCapacity(word.count)
        var index = 0
        while index < word.count {
            let byte = word[index]
            var end = index + 1
            while end < word.count && word[end] == byte { end += 1 }
            let run = end - index
            if run >= 3 || (run == 2 && end == word.count && word.count > 3) {
                out.append(byte)
            } else {
                out.append(contentsOf: word[index..<end])
            }
            index = end
        }
        word = out
    }

    /// Latin letters with accents, folded to their base letter; nil for everything else (emoji, symbols).
    private static func fold(_ value: UInt32) -> UInt8? {
        guard value >= 0xC0 && value <= 0x17F else { return nil }
        if value <= 0xFF {
            let letter = latin1[Int((value - 0xC0) % 32)]
            return letter == UInt8(ascii: "*") ? nil : letter
        }
        return latinExtendedA[Int(value - 0x100)]
    }

    /// U+00C0–U+00DF and U+00E0–U+00FF share one layout: upper case, then lower case (× and ÷ are no letters).
    private static let latin1: [UInt8] = Array("aaaaaaaceeeeiiiidnooooo*ouuuuyts".utf8)
    /// U+0100–U+017F, letter by letter.
    private static let latinExtendedA: [UInt8] = Array(
        ("aaaaaa" + "cccccccc" + "dddd" + "eeeeeeeeee" + "gggggggg" + "hhhh" + "iiiiiiiiii" + "ii" + "jj" + "kkk"
            + "llllllllll" + "nnnnnnnnn" + "oooooo" + "oo" + "rrrrrr" + "ssssssss" + "tttttt" + "uuuuuuuuuuuu" + "ww"
            + "yyy" + "zzzzzz" + "s").utf8
    )

    /// SMS and chat shorthand, spelled out. Keys are already lower-case and run-collapsed.
    static let abbreviations: [String: [String]] = {
        let pairs: [(String, String)] = [
            ("yg", "yang"), ("yng", "yang"), ("dgn", "dengan"), ("dg", "dengan"), ("dngn", "dengan"),
            ("tdk", "tidak"), ("tdak", "tidak"), ("gk", "tidak"), ("gak", "tidak"), ("ga", "tidak"), ("ngga", "tidak"),
            ("nggak", "tidak"), ("enggak", "tidak"), ("engga", "tidak"), ("kagak", "tidak"),
            ("udh", "sudah"), ("udah", "sudah"), ("sdh", "sudah"), ("dah", "sudah"), ("blm", "belum"), ("blum", "belum"),
            ("utk", "untuk"), ("untk", "untuk"), ("buat", "untuk"), ("krn", "karena"), ("krna", "karena"), ("karna", "karena"),
            ("tlg", "tolong"), ("tlng", "tolong"), ("mhn", "mohon"), ("mohn", "mohon"),
            ("jln", "jalan"), ("jl", "jalan"), ("jlan", "jalan"), ("kab", "kabupaten"), ("kec", "kecamatan"),
            ("kel", "kelurahan"), ("kp", "kampung"), ("kmp", "kampung"), ("pel", "pelabuhan"), ("plb", "pelabuhan"),
            ("term", "terminal"), ("stas", "stasiun"), ("st", "stasiun"), ("ds", "desa"), ("dsn", "dusun"), ("prov", "provinsi"), ("kot", "kota"),
            ("bgt", "banget"), ("bngt", "banget"), ("dr", "dari"), ("dri", "dari"), ("sy", "saya"), ("sya", "saya"),
            ("aku", "saya"), ("ak", "saya"), ("gw", "saya"), ("gue", "saya"), ("skrg", "sekarang"), ("skrang", "sekarang"),
            ("sm", "sama"), ("trs", "terus"), ("trus", "terus"), ("jg", "juga"), ("jga", "juga"),
            ("lg", "lagi"), ("lgi", "lagi"), ("bs", "bisa"), ("bsa", "bisa"), ("org", "orang"), ("orng", "orang"),
            ("tp", "tapi"), ("tpi", "tapi"), ("kalo", "kalau"), ("klo", "kalau"), ("kl", "kalau"), ("gmn", "bagaimana"),
            ("gimana", "bagaimana"), ("knp", "kenapa"), ("hrs", "harus"), ("hr", "hari"), ("bln", "bulan"),
            ("thn", "tahun"), ("mgg", "minggu"), ("mggu", "minggu"), ("tgl", "tanggal"), ("sampe", "sampai"),
            ("pd", "pada"), ("dlm", "dalam"), ("byk", "banyak"), ("bnyk", "banyak"), ("sdkt", "sedikit"),
            ("dpt", "dapat"), ("kpd", "kepada"), ("spt", "seperti"), ("sprti", "seperti"), ("tsb", "tersebut"),
            ("dll", "lain"), ("dsb", "lain"), ("bpk", "bapak"), ("pak", "bapak"), ("bu", "ibu"), ("min", "admin"),
            ("mimin", "admin"), ("msh", "masih"), ("masi", "masih"), ("ud", "sudah"), ("tau", "tahu"), ("tw", "tahu"),
            ("rb", "ribu"), ("rbu", "ribu"), ("jt", "juta"), ("jta", "juta"), ("rp", "rupiah"),
            ("pju", "lampu"), ("lampu2", "lampu"), ("pdam", "air"), ("pln", "listrik"), ("ktp", "ktp"),
            ("sekul", "sekolah"),
            ("thx", "terima kasih"), ("makasih", "terima kasih"), ("mksh", "terima kasih"), ("trims", "terima kasih"),
            ("tks", "terima kasih"), ("ok", "oke"), ("okay", "oke"), ("yth", "yang terhormat"),
            ("ambrol", "ambruk"), ("roboh", "ambruk"), ("runtuh", "ambruk"), ("putus", "ambruk"),
            ("berlubang", "rusak"), ("lubang", "rusak"), ("hancur", "rusak"), ("bolong", "rusak"),
            ("mati", "padam"), ("banjir", "banjir"), ("genangan", "banjir"), ("tergenang", "banjir"),
            ("pungutan", "pungli"),
            ("dpn", "depan"), ("rmh", "rumah"), ("kmrn", "kemarin"), ("kmrin", "kemarin"), ("dtg", "datang"),
            ("tnp", "tanpa"), ("sblm", "sebelum"), ("pdhl", "padahal"), ("bgmn", "bagaimana"), ("emg", "memang"),
            ("jd", "jadi"), ("cm", "cuma"), ("cuman", "cuma"), ("ttg", "tentang"), ("lwt", "lewat"), ("dkt", "dekat"),
            ("tgh", "tengah"), ("brp", "berapa"), ("sbg", "sebagai"), ("bbrp", "beberapa"), ("kpn", "kapan"),
            ("sdg", "sedang"), ("kntr", "kantor"), ("ktr", "kantor"), ("bnr", "benar"), ("bkn", "bukan"), ("srt", "surat"), ("almt", "alamat"),
            ("kwitansi", "kuitansi"), ("jukir", "juru parkir"), ("sei", "sungai"), ("td", "tadi"), ("tdi", "tadi"),
            ("skt", "sakit"), ("ortu", "orang tua"), ("sklh", "sekolah"), ("pmbyrn", "pembayaran"), ("byr", "bayar"),
            ("sblh", "sebelah"), ("sktr", "sekitar"), ("kk", "kk"), ("ngurus", "urus"), ("mengurus", "urus"),
            ("diurus", "urus"), ("pengurusan", "urus"), ("nunggu", "tunggu"), ("menunggu", "tunggu"),
            ("ditunggu", "tunggu"), ("jmbtn", "jembatan"), ("jmbt", "jembatan"), ("pntu", "pintu"), ("blvd", "boulevard"),
        ]
        var map: [String: [String]] = [:]
        for (short, long) in pairs + cityShorthand { map[short] = long.split(separator: " ").map(String.init) }
        return map
    }()

    /// How SMS writers shorten the big cities ("mlg", "sby", "jogja"). Kept apart because their expansions
    /// are place names, not everyday words, to the gazetteer.
    static let cityShorthand: [(String, String)] = [
        ("jkt", "jakarta"), ("bdg", "bandung"), ("sby", "surabaya"), ("smg", "semarang"), ("mlg", "malang"),
        ("mks", "makassar"), ("plg", "palembang"), ("jogja", "yogyakarta"), ("yogya", "yogyakarta"),
        ("jogjakarta", "yogyakarta"), ("bks", "bekasi"), ("tng", "tangerang"), ("bgr", "bogor"), ("mdn", "medan"),
        ("pku", "pekanbaru"), ("bpp", "balikpapan"), ("dps", "denpasar"), ("solo", "surakarta"),
    ]

    /// Words that carry no subject: function words, greetings, politeness, addressing the admin, and the
    /// stock phrases of reports ("mohon ditindaklanjuti"). Matching ignores them.
    static let stopWords: Set<String> = [
        "yang", "dan", "di", "ke", "dari", "ini", "itu", "untuk", "dengan", "ada", "tidak", "saya", "kami", "kita",
        "mohon", "tolong", "bapak", "ibu", "admin", "lapor", "lapor1708", "terima", "kasih", "sudah", "belum",
        "akan", "atau", "juga", "pada", "dalam", "oleh", "karena", "agar", "supaya", "bisa", "dapat", "harus",
        "masih", "lagi", "sangat", "banget", "sekali", "terus", "sama", "tapi", "namun", "jadi", "kalau", "jika",
        "sejak", "sampai", "hingga", "sekarang", "kemarin", "tadi", "hari", "ini", "tersebut", "para", "pun", "kok", "sih",
        "ya", "yah", "dong", "deh", "nih", "tuh", "loh", "lho", "kan", "nya", "aja", "saja", "hanya", "baru", "mau",
        "ingin", "minta", "meminta", "segera", "cepat", "dibantu", "bantu", "bantuan", "ditindaklanjuti",
        "tindak", "lanjut", "ditangani", "respon", "direspon", "tanggapan", "ditanggapi", "laporan", "melaporkan",
        "lapor", "laporkan", "mengadu", "aduan", "pengaduan", "keluhan", "mengeluh", "hormat", "yth", "terhormat",
        "dengan", "salam", "selamat", "pagi", "siang", "sore", "malam", "halo", "hai", "assalamualaikum", "wr", "wb",
        "wassalam", "mas", "mbak", "kak", "gan", "sob", "pihak", "terkait", "instansi", "pemerintah", "mohonn",
        "tahu", "bagaimana", "kenapa", "mengapa", "apa", "siapa", "kapan", "dimana", "mana", "sini", "situ",
        "sana", "begitu", "begini", "seperti", "ia", "dia", "mereka", "kami", "anda", "kamu", "nya", "si", "oke",
        "the", "a", "an", "of", "to", "and", "is", "in", "please", "admin", "rt", "via", "cc", "re", "fw", "fwd",
        "per", "se", "tiap", "setiap", "semua", "banyak", "sedikit", "lain", "lainnya", "hal", "adalah", "merupakan",
        "telah", "sedang", "lebih", "kurang", "paling", "orang", "warga", "masyarakat", "kepada", "bagi",
        "tentang", "mengenai", "terhadap", "antara", "setelah", "sebelum", "ketika", "saat", "waktu", "sebagai",
        "sesuai", "cek", "status", "info", "informasi", "tes", "test", "coba", "mudiklapor", "lapor1708", "1708",
        "kabupaten", "kota", "kecamatan", "kelurahan", "provinsi", "desa", "dusun", "daerah", "wilayah", "rupiah",
    ]
}
