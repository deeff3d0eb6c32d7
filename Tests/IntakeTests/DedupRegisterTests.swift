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
