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

    /// The intents announced in `words` (from `IndonesianText.words`, stop words still in).
    static func of(_ words: [String]) -> MessageIntent {
        var intent: MessageIntent = []
        for (index, word) in words.enumerated() {
            guard let cue = cues[word] else { continue }
            intent.formUnion(cue.alone)
            if index + 1 < words.count, let second = cue.followedBy[words[index + 1]] { intent.formUnion(second) }
        }
        return intent
    }

    /// For each word that says something alone or as the first of a pair: what it says alone, and what it
    /// says followed by each second word. One lookup per word of the message.
    private static let cues: [String: (alone: MessageIntent, followedBy: [String: MessageIntent])] = {
        var table: [String: (alone: MessageIntent, followedBy: [String: MessageIntent])] = [:]
        func add(_ words: Set<String>, _ intent: MessageIntent) {
            for word in words { table[word, default: ([], [:])].alone.insert(intent) }
        }
        func addPairs(_ pairs: Set<String>, _ intent: MessageIntent) {
            for pair in pairs {
                let parts = pair.split(separator: " ").map(String.init)
                table[parts[0], default: ([], [:])].followedBy[parts[1], default: []].insert(intent)
            }
        }
        add(additionWords, .addition)
        add(repeatWords, .repeatOfEarlier)
        add(newTopicWords, .newTopic)
        addPairs(repeatPairs, .repeatOfEarlier)
        addPairs(newTopicPairs, .newTopic)
        return table
    }()

    /// The names `--explain` prints.
    public var names: [String] {
        [(MessageIntent.addition, "addition"), (.repeatOfEarlier, "repeat"), (.newTopic, "new-topic")]
            .filter { contains($0.0) }.map(\.1)
    }

    private static let additionWords: Set<String> = [
        "tambahan", "menambahkan", "foto", "fotonya", "lampiran", "terlampir", "susulan", "ralat", "koreksi", "lupa",
        "update", "menulis", "wrote", "nambahin", "menambah", "nambah", "ditambahkan",
    ]

    private static let repeatWords: Set<String> = [
        "menindaklanjuti", "melanjutkan", "lanjutan", "sebelumnya", "terdahulu", "menyambung", "nyambung",
    ]

    private static let repeatPairs: Set<String> = [
        "kirim ulang", "kirim lagi", "kirim kembali", "dikirim ulang", "lapor lagi", "lapor ulang", "lapor kembali",
        "sudah lapor", "pernah lapor", "sudah melapor", "pernah melapor", "sudah melaporkan", "pernah melaporkan",
        "sudah mengadu", "laporan saya", "laporan sebelumnya", "laporan kemarin", "laporan yang", "yang sama",
        "isi form", "mengisi form", "lapor lewat", "melapor lewat", "saya laporkan",
    ]

    private static let newTopicWords: Set<String> = ["sekalian"]

    private static let newTopicPairs: Set<String> = [
        "beda masalah", "masalah lain", "masalah baru", "1 lagi", "hal lain", "lain lagi", "ada lagi", "laporan baru",
        "juga ingin", "juga mau", "info juga", "lain hal", "berbeda dengan",
    ]
}
