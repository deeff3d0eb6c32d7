import Foundation
import IntakeModel

/// One line of `intake dedup eval`'s input: a message as a channel delivered it, reporter not yet normalized.
/// An anonymous report (a web form's, say) has `reporter` null or absent, or `anonymous: true`: it can join a
/// cluster, and no reporter rule ever merges it into anyone's complaint.
public struct EvaluationMessage: Codable, Sendable {
    public var id: String
    public var channel: String
    public var reporter: String?
    public var anonymous: Bool?
    public var receivedAt: String
    public var title: String?
    public var body: String

    enum CodingKeys: String, CodingKey {
        case id, channel, reporter, anonymous, title, body
        case receivedAt = "received_at"
    }

    public init(id: String, channel: String, reporter: String?, anonymous: Bool? = nil, receivedAt: String, title: String? = nil, body: String) {
        self.id = id
        self.channel = channel
        self.reporter = reporter
        self.anonymous = anonymous
        self.receivedAt = receivedAt
        self.title = title
        self.body = body
    }
}

/// One line of the output (and of a labeled set): messages with one `complaint` were merged, complaints
/// with one `cluster` were clustered.
public struct EvaluationLabel: Codable, Sendable, Equatable {
    public var id: String
    public var complaint: String
    public var cluster: String

    public init(id: String, complaint: String, cluster: String) {
        self.id = id
        self.complaint = complaint
        self.cluster = cluster
    }
}

/// Why an evaluation input was refused, with the line it was on.
public struct EvaluationError: Error, CustomStringConvertible {
    public var line: Int
    public var message: String

    public var description: String { "line \(line): \(message)" }
}

/// Runs the server's dedup engine over a labeled or unlabeled message set, in time order.
public struct Evaluation: Sendable {
    public var extractor: FeatureExtractor
    public var policy: DedupPolicy
    /// The server's burst rule, which runs before dedup: a reporter's message within this many seconds of
    /// their previous one on the same channel joins its complaint (0 turns it off). The server's default
    /// per channel (`burst_seconds`) is 90.
    public var burstSeconds: Double

    public init(policy: DedupPolicy, extractor: FeatureExtractor = FeatureExtractor(), burstSeconds: Double = 90) {
        self.policy = policy
        self.extractor = extractor
        self.burstSeconds = burstSeconds
    }

    /// Parses JSONL input; every line must be one message object.
    public static func parseMessages(_ data: Data) throws(EvaluationError) -> [EvaluationMessage] {
        try parseLines(data) { line, number throws(EvaluationError) in try parseMessage(line, number: number).message }
    }

    /// One input line: the message and its time in seconds since 1970.
    static func parseMessage(_ line: Data, number: Int) throws(EvaluationError) -> (message: EvaluationMessage, time: Double) {
        let message: EvaluationMessage
        do {
            message = try decoder.decode(EvaluationMessage.self, from: line)
        } catch {
            throw EvaluationError(line: number, message: "not a message object with id, channel, reporter (a string, or null when anonymous), received_at, body (\(Self.describe(error)))")
        }
        guard let time = Timestamp.parse(message.receivedAt) else {
            throw EvaluationError(line: number, message: "received_at \"\(message.receivedAt)\" is not an ISO-8601 time")
        }
        return (message, time.timeIntervalSince1970)
    }

    private static let decoder = JSONDecoder()

    /// Parses JSONL labels (or predictions).
    public static func parseLabels(_ data: Data) throws(EvaluationError) -> [EvaluationLabel] {
        try parseLines(data) { line, number throws(EvaluationError) in
            do {
                return try JSONDecoder().decode(EvaluationLabel.self, from: line)
            } catch {
                throw EvaluationError(line: number, message: "not a label object with id, complaint, cluster (\(Self.describe(error)))")
            }
        }
    }

    /// Decides every message, in received order (input order among equal times), and labels each with
    /// its complaint (the id of the complaint's first message) and cluster (the id of the cluster's first).
    public func run(_ messages: [EvaluationMessage]) -> [EvaluationLabel] {
        let run = EvaluationRun(self)
        let times = messages.map { Timestamp.parse($0.receivedAt)?.timeIntervalSince1970 ?? 0 }
        for (position, message) in messages.enumerated() { run.record(id: message.id, at: position) }
        for position in messages.indices.sorted(by: { times[$0] != times[$1] ? times[$0] < times[$1] : $0 < $1 }) {
            run.decide(messages[position], at: position, time: times[position])
        }
        return run.labels
    }

    /// What matching sees of a message: its content words and places, for `--explain`.
    public func explain(_ message: EvaluationMessage) -> String {
        let (words, places, intent) = extractor.reading(title: message.title, body: message.body)
        let named = places.map { code in
            if code.hasPrefix("@") { return code }
            let plain = code.hasPrefix("~") ? String(code.dropFirst()) : code
            return "\(code) \(extractor.gazetteer.name(of: plain) ?? "?")"
        }
        return "\(message.id): words [\(words.joined(separator: " "))] places [\(named.joined(separator: ", "))]\(intent.names.map { " " + $0 }.joined())"
    }

    /// The reporter as the matching channel's adapter would normalize it.
    public static func identities(of message: EvaluationMessage) -> [String] {
        let type = channelType(message.channel)
        // Anonymous: no identity, so the reporter rules never merge it (it may still cluster).
        guard message.anonymous != true, let raw = message.reporter, !raw.trimmed.isEmpty else { return [] }
        let reporter: Reporter?
        switch type {
        case .sms, .whatsapp: reporter = Reporter(kind: .phone, raw: raw) ?? Reporter(inferringFrom: raw)
        case .email: reporter = Reporter(kind: .email, raw: raw)
        case .x, .telegram: reporter = Reporter(kind: .social, raw: raw)
        default: reporter = Reporter(inferringFrom: raw)
        }
        guard let reporter else { return [] }
        return FeatureExtractor.identities(of: reporter, channelType: type, anonymous: false)
    }

    /// Channel names as evaluation files write them ("web" for the web form).
    static func channelType(_ name: String) -> ChannelType {
        switch name.lowercased() {
        case "web", "web_form", "webform": .webForm
        case "twitter": .x
        case "wa": .whatsapp
        default: ChannelType(name.lowercased())
        }
    }

    private static func parseLines<T>(_ data: Data, _ parse: (Data, Int) throws(EvaluationError) -> T) throws(EvaluationError) -> [T] {
        var items: [T] = []
        var number = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            items.append(try parse(Data(line), number))
        }
        return items
    }

    private static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "invalid JSON" }
        switch decoding {
        case .keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        case .dataCorrupted: return "invalid JSON"
        @unknown default: return "invalid JSON"
        }
    }
}

/// Pairwise precision, recall and F1: every pair of messages the truth puts together (same complaint, or
/// same cluster) is a positive; a prediction is scored on the pairs it puts together.
public struct PairScore: Sendable, Equatable, CustomStringConvertible {
    public var truePairs: Int
    public var predictedPairs: Int
    public var correctPairs: Int

    public var precision: Double { predictedPairs == 0 ? 1 : Double(correctPairs) / Double(predictedPairs) }
    public var recall: Double { truePairs == 0 ? 1 : Double(correctPairs) / Double(truePairs) }
    public var f1: Double {
        let sum = precision + recall
        return sum == 0 ? 0 : 2 * precision * recall / sum
    }

    public var description: String {
        String(format: "precision %.3f recall %.3f F1 %.3f (pairs: %d true, %d predicted, %d correct)",
               precision, recall, f1, truePairs, predictedPairs, correctPairs)
    }

    /// Scores groupings given as one group label per item, in the same item order.
    public init(truth: [String], predicted: [String]) {
        func pairs(_ n: Int) -> Int { n * (n - 1) / 2 }
        var truthSizes: [String: Int] = [:]
        var predictedSizes: [String: Int] = [:]
        var both: [String: Int] = [:]
        for (t, p) in zip(truth, predicted) {
            truthSizes[t, default: 0] += 1
            predictedSizes[p, default: 0] += 1
            both[t + "\u{0}" + p, default: 0] += 1
        }
        truePairs = truthSizes.values.reduce(0) { $0 + pairs($1) }
        predictedPairs = predictedSizes.values.reduce(0) { $0 + pairs($1) }
        correctPairs = both.values.reduce(0) { $0 + pairs($1) }
    }
}

/// Merge and cluster scores of predictions against labels.
public struct EvaluationScore: Sendable, Equatable {
    public var merge: PairScore
    public var cluster: PairScore

    /// Matches predictions to labels by message id; every labeled id must be predicted.
    public init(labels: [EvaluationLabel], predictions: [EvaluationLabel]) throws(EvaluationError) {
        let predicted = Dictionary(predictions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var matched: [EvaluationLabel] = []
        for (number, label) in labels.enumerated() {
            guard let prediction = predicted[label.id] else {
                throw EvaluationError(line: number + 1, message: "no prediction for message \(label.id)")
            }
            matched.append(prediction)
        }
        merge = PairScore(truth: labels.map(\.complaint), predicted: matched.map(\.complaint))
        cluster = PairScore(truth: labels.map(\.cluster), predicted: matched.map(\.cluster))
    }
}
