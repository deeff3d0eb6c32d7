import Foundation
import IntakeModel

/// The engine's state over one evaluation: the index, and for every message (by its input position) the
/// position of its complaint's first message and of its cluster's first. Positions are 32-bit and the
/// messages themselves are not kept, so a million messages cost the index plus about 40 bytes each.
final class EvaluationRun {
    private let evaluation: Evaluation
    private let index: NearDuplicateIndex
    private(set) var ids: [String] = []
    private var complaintOf: [Int32] = []
    private var clusterOf: [Int32] = []
    /// Channel and provider id → position: the same provider message again is the same complaint.
    private var seen: [String: Int32] = [:]
    /// Per channel and reporter, their last message: when, and at which position (the burst rule).
    private var lastMessage: [BurstKey: (time: Double, position: Int32)] = [:]

    private struct BurstKey: Hashable {
        var channel: String
        var identity: UInt64
    }

    init(_ evaluation: Evaluation) {
        self.evaluation = evaluation
        index = NearDuplicateIndex(policy: evaluation.policy, gazetteer: evaluation.extractor.gazetteer)
    }

    /// Makes room for the message at `position`; every position gets its id before any is decided.
    func record(id: String, at position: Int) {
        precondition(position == ids.count, "positions are recorded in order")
        ids.append(id)
        complaintOf.append(-1)
        clusterOf.append(-1)
    }

    /// Decides the message at `position`, received at `time`, against every message decided before it.
    func decide(_ message: EvaluationMessage, at position: Int, time: Double) {
        let features = evaluation.extractor.features(title: message.title, body: message.body, identities: Evaluation.identities(of: message))
        decide(id: message.id, channel: message.channel, features: features, at: position, time: time)
    }

    /// Decides a message whose features were computed already (on another thread).
    func decide(id: String, channel: String, features: DedupFeatures, at position: Int, time: Double) {
        let me = Int32(position)
        let seenKey = channel + "\u{0}" + id
        if let earlier = seen[seenKey], complaintOf[Int(earlier)] >= 0 {
            complaintOf[position] = complaintOf[Int(earlier)]
            clusterOf[position] = clusterOf[Int(earlier)]
            return
        }
        seen[seenKey] = me
        let burstKey = features.identities.first.map { BurstKey(channel: channel, identity: $0) }
        defer { if let burstKey { lastMessage[burstKey] = (time, me) } }
        if let burstKey, let last = lastMessage[burstKey], time - last.time <= evaluation.burstSeconds,
           complaintOf[Int(last.position)] >= 0 {
            // As the server's burst rule: a quick follow-up on the same channel joins the reporter's complaint.
            complaintOf[position] = complaintOf[Int(last.position)]
            clusterOf[position] = clusterOf[Int(last.position)]
            return
        }
        switch index.admit(features, key: Int64(position), at: time) {
        case .merge(let into, _, _):
            complaintOf[position] = complaintOf[Int(into)]
            clusterOf[position] = clusterOf[Int(into)]
        case .cluster(_, let cluster, _, _):
            complaintOf[position] = me
            clusterOf[position] = clusterOf[Int(cluster)] >= 0 ? clusterOf[Int(cluster)] : me
        case .distinct:
            complaintOf[position] = me
            clusterOf[position] = me
        }
    }

    /// The decided labels, in input order.
    var labels: [EvaluationLabel] {
        ids.indices.map { label(at: $0) }
    }

    func label(at position: Int) -> EvaluationLabel {
        EvaluationLabel(id: ids[position], complaint: ids[Int(complaintOf[position])], cluster: ids[Int(clusterOf[position])])
    }

    /// One output line, `{"cluster":…,"complaint":…,"id":…}` (keys sorted, as `JSONEncoder` with
    /// `.sortedKeys` writes it).
    func appendLine(at position: Int, to out: inout [UInt8]) {
        let label = label(at: position)
        out.append(contentsOf: #"{"cluster":"#.utf8)
        JSONText.appendString(label.cluster, to: &out)
        out.append(contentsOf: #","complaint":"#.utf8)
        JSONText.appendString(label.complaint, to: &out)
        out.append(contentsOf: #","id":"#.utf8)
        JSONText.appendString(label.id, to: &out)
        out.append(contentsOf: "}\n".utf8)
    }
}

/// JSON string literals, written by hand for the evaluation's million-line output.
enum JSONText {
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
