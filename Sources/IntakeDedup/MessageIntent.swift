/// What a message says about itself, apart from its subject: that it adds to an earlier message ("tambahan",
/// "ini fotonya", an email reply), that it repeats an earlier report ("kirim ulang krn blm ada balasan",
/// "menindaklanjuti laporan saya lewat SMS kemarin"), or that it raises something new ("beda masalah",
/// "satu lagi", "selain itu"). Matching stores these as marker tokens with the content words.
public struct MessageIntent: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Adds to the reporter's earlier message: a photo, a correction, a reply.
    public static let addition = MessageIntent(rawValue: 1)
    /// Says it repeats or follows up an earlier report.
    public static let repeatOfEarlier = MessageIntent(rawValue: 2)
    /// Says it is about something else than the reporter's earlier report.
    public static let newTopic = MessageIntent(rawValue: 4)

    /// The intents announced in `words` (from `IndonesianText.words`, stop words still in). An addition
    /// wins over a new topic ("sekalian saya kirim fotonya"): it is about the same complaint.
    static func of(_ words: [String]) -> MessageIntent {
        var intent: MessageIntent = []
        for (index, word) in words.enumerated() {
            // "lanjutan: ..." opening a message continues an earlier one; "sekolah lanjutan" inside it does not.
            if index < 3 && openingRepeatWords.contains(word) { intent.insert(.repeatOfEarlier) }
            guard cueFilter.mayContain(word), let cue = cues[word] else { continue }
            intent.formUnion(cue.alone)
            for (tail, said) in cue.followedBy where index + tail.count < words.count {
                if tail.indices.allSatisfy({ words[index + 1 + $0] == tail[$0] }) { intent.formUnion(said) }
            }
        }
        if intent.contains(.addition) { intent.remove(.newTopic) }
        // "kirim ulang laporan … bulan lalu": what it repeats is older than any merge window.
        if intent.contains(.repeatOfEarlier) && refersToLongAgo(words) { intent.remove(.repeatOfEarlier) }
        return intent
    }

    private static func refersToLongAgo(_ words: [String]) -> Bool {
        for index in words.indices.dropFirst() where words[index] == "lalu" || words[index] == "kemarin" {
            if ["bulan", "minggu", "tahun", "pekan"].contains(words[index - 1]) { return true }
        }
        return false
    }

    /// For each word that says something alone or as the first of a phrase: what it says alone, and what
    /// it says followed by each tail. One lookup per word of the message.
    private static let cues: [String: (alone: MessageIntent, followedBy: [([String], MessageIntent)])] = {
        var table: [String: (alone: MessageIntent, followedBy: [([String], MessageIntent)])] = [:]
        func add(_ phrases: Set<String>, _ intent: MessageIntent) {
            for phrase in phrases {
                let parts = phrase.split(separator: " ").map(String.init)
                if parts.count == 1 {
                    table[parts[0], default: ([], [])].alone.insert(intent)
                } else {
                    table[parts[0], default: ([], [])].followedBy.append((Array(parts.dropFirst()), intent))
                }
            }
        }
        add(additionPhrases, .addition)
        add(repeatPhrases, .repeatOfEarlier)
        add(newTopicPhrases, .newTopic)
        return table
    }()

    private static let cueFilter = WordFilter(cues.keys)

    /// The names `--explain` prints.
    public var names: [String] {
        [(MessageIntent.addition, "addition"), (.repeatOfEarlier, "repeat"), (.newTopic, "new-topic")]
            .filter { contains($0.0) }.map(\.1)
    }

    /// Words that announce an addition; they say nothing of its subject, so matching leaves them out.
    static let additionPhrases: Set<String> = [
        "tambahan", "menambahkan", "foto", "fotonya", "lampiran", "terlampir", "susulan", "ralat", "koreksi", "lupa",
        "update", "menulis", "wrote", "nambahin", "menambah", "nambah", "ditambahkan",
    ]

    /// What says "this repeats my earlier report". Words common in first reports ("terima kasih
    /// sebelumnya", "mohon menindaklanjuti", "berikut laporan saya") are only cues inside a phrase.
    private static let repeatPhrases: Set<String> = [
        "kirim ulang", "kirim lagi", "kirim kembali", "dikirim ulang", "lapor lagi", "lapor ulang", "lapor kembali",
        "sudah lapor", "pernah lapor", "sudah melapor", "pernah melapor", "sudah melaporkan", "pernah melaporkan",
        "sudah mengadu", "sudah saya laporkan", "pernah saya laporkan", "laporan sebelumnya", "laporan kemarin",
        "laporan terdahulu", "laporan yang sama", "laporan saya kemarin", "laporan saya sebelumnya",
        "laporan saya tadi", "laporan tadi",
        "isi form", "mengisi form", "lapor lewat", "melapor lewat", "menindaklanjuti laporan",
        "menindaklanjuti pengaduan", "menindaklanjuti keluhan", "menindaklanjuti pesan", "menindaklanjuti email",
        "melanjutkan laporan", "melanjutkan email", "melanjutkan pesan", "lanjutan laporan", "lanjutan email",
        "email sebelumnya", "pesan sebelumnya", "menyambung keluhan", "menyambung laporan", "nyambung laporan",
    ]

    /// Words that say "this repeats my earlier report" when they open the message.
    private static let openingRepeatWords: Set<String> = ["lanjutan", "menindaklanjuti", "melanjutkan", "menyambung"]

    private static let newTopicPhrases: Set<String> = [
        "sekalian", "beda masalah", "masalah lain", "masalah baru", "1 lagi", "hal lain", "lain lagi", "laporan baru",
        "lain hal", "juga ingin melaporkan", "juga mau melaporkan", "juga mau lapor", "juga ingin lapor",
        "selain laporan",
    ]
}
