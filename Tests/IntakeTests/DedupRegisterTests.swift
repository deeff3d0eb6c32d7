import Foundation
import IntakeDedup
import IntakeModel
import Testing

/// The same citizen writing one complaint again in another register (SMS shorthand, then a formal message),
/// or saying that the message repeats an earlier report, is merged; their genuinely new complaint is not.
@Suite("Dedup across registers")
struct DedupRegisterTests {
    struct Pair: Sendable, CustomTestStringConvertible {
        var first: String
        var second: String
        var hours: Double
        var merged: Bool
        var testDescription: String { "\(merged ? "merge" : "keep apart"): \(second.prefix(60))" }
    }

    static let pairs: [Pair] = [
        // The issue's own example: shorthand first, a formal message the same day.
        Pair(first: "sy sdh 2x ke kantor kec. tp surat pindah blm jg keluar, tlg dibantu",
             second: "Selamat siang, saya ingin menanyakan surat keterangan pindah saya yang belum terbit padahal sudah dua kali datang ke kantor kecamatan.",
             hours: 5, merged: true),
        // A resend that says so, shortened.
        Pair(first: "bantuan PKH ibu sy di desa Karanganyar kec. Weleri kendal gk cair 3 bln, kata pendamping datanya hilang",
             second: "kirim ulang krn blm ada balasan: PKH ibu sy blm cair 3 bln",
             hours: 30, merged: true),
        // A follow-up naming the earlier channel, in another register, with numbers and schools written two ways.
        Pair(first: "anak sy kls 8 smpn 2 cibinong ditarik uang buku 350rb, kl gk bayar gk dpt buku",
             second: "Menindaklanjuti laporan saya lewat SMS kemarin: anak saya kelas VIII di SMP Negeri 2 Cibinong diwajibkan membayar buku Rp350.000.",
             hours: 20, merged: true),
        // An announced follow-up that says nothing else, the next day.
        Pair(first: "lampu jalan di depan pasar Cisarua mati semua sdh seminggu, gelap bgt rawan begal",
             second: "kirim ulang, laporan sy kemarin blm dibalas", hours: 26, merged: true),
        // The same office, a genuinely new complaint, announced as such.
        Pair(first: "antrian di capil kab bogor dr subuh, nomor antrean habis jam 8",
             second: "Min beda masalah ya, petugas capil kab bogor minta 100rb buat percepat KK", hours: 3, merged: false),
        // The same school, another matter, in the same shorthand: shares the school and nothing else.
        Pair(first: "anak sy kls 8 smpn 2 cibinong ditarik uang buku 350rb",
             second: "toilet smpn 2 cibinong rusak smua, anak2 pipis di kebun", hours: 6, merged: false),
        // Follow-up words about a matter the earlier complaint does not share.
        Pair(first: "jalan di depan SDN Cibokor rusak berat, truk pasir lewat tiap hari",
             second: "Saya kirim ulang laporan saya bulan lalu tentang sertifikat PTSL yang belum dibagikan panitia", hours: 20, merged: false),
        // "selain" inside the subject is no announcement of a new one.
        Pair(first: "Saat membuat SKCK di Polres Bekasi Kota saya dimintai Rp50.000 di luar PNBP tanpa kuitansi.",
             second: "td bikin skck di polres bekasi kota dimintain 50rb lg selain pnbp, ga ada kwitansi. udh lapor di web jg",
             hours: 4, merged: true),
    ]

    @Test("one reporter, two messages", arguments: pairs)
    func oneReporterTwoMessages(_ pair: Pair) {
        let base = Date(timeIntervalSince1970: 1_780_000_000)
        let messages = [
            EvaluationMessage(id: "first", channel: "sms", reporter: "081234567890",
                              receivedAt: Timestamp.format(base), body: pair.first),
            EvaluationMessage(id: "second", channel: "whatsapp", reporter: "+62 812 3456 7890",
                              receivedAt: Timestamp.format(base.addingTimeInterval(pair.hours * 3600)), body: pair.second),
        ]
        let labels = Evaluation(policy: DedupPolicy()).run(messages)
        #expect((labels[1].complaint == "first") == pair.merged, "\(labels[1])")
    }

    @Test("what a message says about itself", arguments: [
        ("kirim ulang krn blm ada balasan", ["repeat"]),
        ("menindaklanjuti laporan saya lewat SMS kemarin", ["repeat"]),
        ("sy lapor lg ttg jalan rusak", ["repeat"]),
        ("ini fotonya min", ["addition"]),
        ("min beda masalah ya", ["new-topic"]),
        ("satu lagi min, lampu merah mati", ["new-topic"]),
        ("daftar ulang smpn 18 kapan", []),
        ("jalan rusak selain itu gelap", []),
    ])
    func intents(_ text: String, _ names: [String]) {
        let reading = FeatureExtractor().reading(title: nil, body: text)
        #expect(reading.intent.names == names)
    }

    @Test func aStreetNamedAfterSomeoneIsNotTheLandmark() {
        let gazetteer = Gazetteer.shipped
        let street = gazetteer.places(in: IndonesianText.words("jln soekarno hatta km 12 balikpapan berlubang")).compactMap { gazetteer.name(of: $0) }
        let airport = gazetteer.places(in: IndonesianText.words("antre imigrasi bandara soekarno hatta 3 jam")).compactMap { gazetteer.name(of: $0) }
        #expect(street == ["Balikpapan"])
        #expect(airport == ["Bandara Soekarno-Hatta"])
    }
}

/// What the review of issue 21 found: cases where reading more into a message would merge or cluster
/// reports a citizen knows are different.
@Suite("Dedup keeps different reports apart")
struct DedupPrecisionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var first: (reporter: String, body: String)
        var second: (reporter: String, body: String)
        var hours: Double
        var together: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "'terima kasih sebelumnya' is no repeat",
             first: ("081234560001", "Jalan desa Sukamaju rusak parah, banyak lubang, motor sering jatuh"),
             second: ("081234560001", "Lampu penerangan jalan di desa Tamanan mati semua sejak seminggu. Terima kasih sebelumnya"),
             hours: 40, together: false),
        Case(name: "a short new complaint two days later is not merged",
             first: ("081234560002", "jalan di depan pasar cisarua rusak parah, lubang dalam"),
             second: ("081234560002", "Ada pungli di samsat"), hours: 40, together: false),
        Case(name: "a long new complaint that ends 'foto terlampir' is not merged",
             first: ("081234560003", "bus damri jurusan bandara sering ngetem lama, penumpang telat"),
             second: ("081234560003", "Petugas kelurahan meminta uang 200 ribu untuk surat domisili, tanpa kuitansi. Bukti foto terlampir"),
             hours: 5, together: false),
        Case(name: "a note half a minute after the complaint continues it (the burst rule, as in the server)",
             first: ("081234560004", "min merak dermaga 3 parah bgt antrinya"),
             second: ("081234560004", "mobil ga maju2 udah 4 jam"), hours: 0.01, together: true),
        Case(name: "'sekalian saya kirim fotonya' is an addition",
             first: ("081234560005", "jalan berlubang di jl magelang km 10 sleman, bahaya"),
             second: ("081234560005", "sekalian saya kirim fotonya ya min"), hours: 1, together: true),
        Case(name: "SMPN2 of one town and SMPN 3 of the same town are two schools",
             first: ("081234560006", "pungutan seragam di SMPN2 Wonosuko Rp 1.500.000, anak saya kelas 7"),
             second: ("085700000006", "pungutan seragam di SMPN 3 Wonosuko Rp 1.500.000, anak saya kelas 7"),
             hours: 3, together: false),
        Case(name: "two wells are no district",
             first: ("081234560007", "sumur warga kering sejak kemarau, air bersih susah"),
             second: ("085700000007", "pompa sumur bor desa rusak, warga susah air bersih"), hours: 3, together: false),
        Case(name: "'sungai meluap' names no place",
             first: ("081234560008", "sungai meluap, rumah warga kebanjiran setinggi lutut"),
             second: ("085700000008", "sungai meluap lagi, jalan desa tergenang tidak bisa dilewati"), hours: 3, together: false),
    ]

    @Test("kept apart or together as a citizen would", arguments: cases)
    func twoMessages(_ testCase: Case) {
        let base = Date(timeIntervalSince1970: 1_780_000_000)
        let messages = [
            EvaluationMessage(id: "first", channel: "sms", reporter: testCase.first.reporter, receivedAt: Timestamp.format(base), body: testCase.first.body),
            EvaluationMessage(id: "second", channel: "sms", reporter: testCase.second.reporter,
                              receivedAt: Timestamp.format(base.addingTimeInterval(testCase.hours * 3600)), body: testCase.second.body),
        ]
        let labels = Evaluation(policy: DedupPolicy()).run(messages)
        let together = testCase.first.reporter == testCase.second.reporter ? labels[1].complaint == "first" : labels[1].cluster == "first"
        #expect(together == testCase.together, "\(labels[1])")
    }

    @Test("numbers are read as a citizen writes them", arguments: [
        ("smpn2 kls2 anak2", ["smpn", "2", "kelas", "2", "anak"]),
        ("Rp2.000.000 dan 1 juta 500 ribu", ["rupiah", "2000000", "dan", "1000000", "500000"]),
        ("lima puluh ribu, sembilan ratus ribu", ["50000", "900000"]),
        ("RT 03 RW 05 dan RT 5/RW 3", ["rt3", "rw5", "dan", "rt5", "rw3"]),
    ])
    func numbers(_ text: String, _ words: [String]) {
        #expect(IndonesianText.words(text) == words)
    }

    @Test func jalanTolIsTheTollRoad() {
        let gazetteer = Gazetteer.shipped
        let names = gazetteer.places(in: IndonesianText.words("jalan tol cikampek macet total")).compactMap { gazetteer.name(of: $0) }
        #expect(names == ["Tol Jakarta-Cikampek"])
    }
}

/// Issue 21, point 3: reports of one incident by different people in different registers join its
/// cluster when they name the same place or landmark; another problem there does not.
@Suite("Dedup clusters one incident across wording")
struct DedupAcrossWordingTests {
    static let viral = """
        Jembatan gantung penghubung Kampung Cibeureum dan Kampung Pasir Angin di Desa Sukamanah, Kecamatan \
        Cugenang, Kabupaten Cianjur putus pagi ini setelah hujan deras semalaman. Anak-anak sekolah terpaksa \
        menyeberang sungai dengan rakit bambu. Mohon BPBD dan Dinas PUPR segera membangun jembatan darurat.
        """

    @Test("who joins the viral report's cluster", arguments: [
        ("jmbtn gantung cugenang putus min, anak2 nyebrang pake rakit", true),
        ("jembatan gantung di cugenang ambruk, tlg dibangun darurat", true),
        ("Jembatan gantung di Kecamatan Cugenang putus, warga menyeberang dengan rakit.", true),
        ("jembatan gantung di kec. pacet putus, anak sekolah naik rakit", false),
        ("puskesmas cugenang kehabisan obat batuk anak, sudah seminggu", false),
    ])
    func joinsTheCluster(_ text: String, _ joins: Bool) {
        let base = Date(timeIntervalSince1970: 1_780_000_000)
        let messages = [
            EvaluationMessage(id: "viral", channel: "x", reporter: "@warga_cianjur", receivedAt: Timestamp.format(base), body: Self.viral),
            EvaluationMessage(id: "sms", channel: "sms", reporter: "081298765432",
                              receivedAt: Timestamp.format(base.addingTimeInterval(5 * 3600)), body: text),
        ]
        let labels = Evaluation(policy: DedupPolicy()).run(messages)
        #expect(labels[1].complaint == "sms", "another citizen is never merged")
        #expect((labels[1].cluster == "viral") == joins, "\(labels[1])")
    }
}
