/// Names of places the gazetteer cannot hold: villages, streets, housing estates, the place in a school's
/// name. They are found by the word before them ("desa tamanan", "jl. pettarani", "sdn 2 tamanan",
/// "underpass kemayoran") and compared as places: two reports naming the same one are about the same spot.
enum LocalNames {
    /// The local names in `words` (skipping words already read as places), and the words that named them:
    /// the name, and the cue before it ("underpass", "desa", "smpn 2"), which says where, not what went wrong.
    /// A school is named with its number ("@smp 2 ungaran"): SMPN 2 and SMPN 3 of one town are two places.
    static func find(in words: [String], skipping taken: [Bool]) -> (names: [String], words: [Int]) {
        var names: [String] = []
        var used: [Int] = []
        var index = 0
        while index < words.count {
            defer { index += 1 }
            guard cueFilter.mayContain(words[index]), cues.contains(words[index]) else { continue }
            var next = index + 1
            var number: String?
            while next < words.count, next - index <= 2, isFiller(words[next]) {
                if words[next].utf8.first?.isASCIIDigit == true { number = words[next] }
                next += 1
            }
            if let school = schools[words[index]], let number {
                let named = next < words.count && (taken[next] || isName(words[next]))
                names.append("@\(school) \(number)" + (named ? " " + words[next] : ""))
                used.append(contentsOf: index..<next)
                if named && !taken[next] { used.append(next) }
                continue
            }
            if next < words.count && taken[next] {
                // "underpass kemayoran", "stasiun depok": the cue of a place the gazetteer found.
                continue
            }
            guard next < words.count, isName(words[next]) else { continue }
            names.append("@" + words[next])
            used.append(next)
        }
        return (names, used)
    }

    /// Whether a local name is a school with its number ("@smp 2", "@sd 2 tamanan").
    static func isSchool(_ name: String) -> Bool {
        name.hasPrefix("@sd ") || name.hasPrefix("@smp ") || name.hasPrefix("@sma ") || name.hasPrefix("@smk ")
    }

    private static let cueFilter = WordFilter(cues)

    /// School words, and the kind their number names ("sdn 2" and "sd 2" are one school).
    private static let schools: [String: String] = [
        "sd": "sd", "sdn": "sd", "smp": "smp", "smpn": "smp", "sma": "sma", "sman": "sma", "smk": "smk", "smkn": "smk",
    ]

    private static func isFiller(_ word: String) -> Bool {
        word.utf8.first?.isASCIIDigit == true || word == "n" || word == "negeri" || word == "di" || cues.contains(word)
    }

    /// A word that can be a name: long enough, not a number, not a word every report uses.
    private static func isName(_ word: String) -> Bool {
        guard word.utf8.count >= 4, word.utf8.first?.isASCIIDigit != true else { return false }
        return !IndonesianText.stopWords.contains(word) && !Gazetteer.everydayWords.contains(word) && !common.contains(word)
            && IndonesianText.abbreviations[word] == nil && !cues.contains(word)
    }

    /// Words after which a local name usually follows.
    static let cues: Set<String> = [
        "desa", "kelurahan", "dusun", "kampung", "jalan", "gang", "gg", "simpang", "perempatan", "pertigaan",
        "stasiun", "terminal", "pasar", "perumahan", "perum", "perumnas", "komplek", "kompleks", "griya", "villa",
        "sdn", "smpn", "sman", "smkn", "sd", "smp", "sma", "smk", "rsud", "puskesmas", "bandara", "pelabuhan",
        "sungai", "underpass", "underpas",
    ]

    /// Words that follow those cues without naming anything ("jalan rusak", "jembatan gantung", "pasar induk").
    private static let common: Set<String> = [
        "rusak", "berlubang", "ambruk", "putus", "padam", "mati", "banjir", "macet", "kotor", "bau", "gelap", "licin",
        "parah", "besar", "kecil", "raya", "utama", "baru", "lama", "depan", "belakang", "samping", "sebelah",
        "dekat", "menuju", "arah", "umum", "induk", "tengah", "gantung", "penyeberangan", "layang", "tol", "lingkar",
        "provinsi", "nasional", "kabupaten", "kota", "desa", "kecamatan", "kelurahan", "setempat", "sekitar", "situ",
        "sana", "sini", "tersebut", "kami", "kita", "saya", "rumah", "sekolah", "lokasi", "tempat", "area", "kawasan",
        "wilayah", "daerah", "lingkungan", "pinggir", "ujung", "pintu", "masuk", "keluar", "tanah", "aspal", "beton",
        "kayu", "bambu", "darurat", "sementara", "swasta", "negeri", "terdekat", "favorit", "unggulan", "lain",
        "tidak", "bisa", "sudah", "belum", "masih", "lagi", "yang", "sering", "selalu", "tiap", "setiap", "saat",
        "ketika", "waktu", "pagi", "siang", "sore", "malam", "hari", "minggu", "bulan", "tahun", "pelayanan",
        "petugas", "pegawai", "antre", "calo", "pungli", "toilet", "parkir", "juru", "tiket", "loket", "kereta",
        "krl", "commuter", "bus", "angkot", "kapal", "ojek", "mobil", "motor", "truk", "air", "listrik", "lampu",
        "sampah", "saluran", "drainase", "got", "selokan", "trotoar", "halte", "pos", "kantor", "dinas", "balai",
        "kepala", "kades", "lurah", "camat", "perangkat", "warga", "penumpang", "pengguna", "pengunjung", "siswa",
        "murid", "guru", "anak", "orang", "tua", "wali", "ppdb", "zonasi", "afirmasi", "jalur", "pendaftaran",
        "pembangunan", "perbaikan", "proyek", "galian", "kabel", "pipa", "tiang", "pohon", "tumbang", "longsor",
        "jebol", "tergenang", "genangan", "dilewati", "lewat", "melintas", "diperbaiki", "rawan", "bahaya", "sepi",
        "ramai", "padat", "penuh", "kosong", "tutup", "buka", "dibuka", "ditutup", "berfungsi", "lift", "eskalator",
        "peron", "ruang", "kelas", "atap", "gedung", "bangunan", "lantai", "pagar", "gerbang", "lapangan",
        "meluap", "meluber", "kering", "tercemar", "mampet", "tersumbat", "dangkal", "keruh", "hitam", "amblas",
        "ambles", "retak", "roboh", "miring", "terputus", "hanyut", "terendam", "macet", "sempit", "lebar",
    ]
}
