import Foundation
import IntakeDedup
import Testing

/// `intake dedup eval` reads its input as a stream, so a million messages fit in memory: these tests hold it
/// to the same answers as deciding the whole set at once, whatever order the lines come in.
@Suite("Dedup evaluation, streamed")
struct DedupStreamTests {
    static func streamed(_ lines: inout some EvaluationLines) throws -> (labels: [EvaluationLabel], summary: EvaluationSummary) {
        var out = Data()
        let summary = try Evaluation(policy: DedupPolicy()).run(&lines) { out.append(contentsOf: $0) }
        return (try Evaluation.parseLabels(out), summary)
    }

    @Test func aFileInTimeOrderIsDecidedInOnePassLikeTheWholeSet() throws {
        let data = try Fixtures.data("dedup/messages.jsonl")
        let whole = Evaluation(policy: DedupPolicy()).run(try Evaluation.parseMessages(data))
        let directory = try TemporaryDirectory()
        let path = directory.appending("messages.jsonl")
        try data.write(to: URL(fileURLWithPath: path))
        var lines = try #require(FileLines(path: path))
        let (labels, summary) = try Self.streamed(&lines)
        #expect(summary.inTimeOrder && summary.messages == whole.count)
        #expect(labels == whole)
    }

    @Test("lines out of time order are read back sorted and get the same complaints and clusters", arguments: ["file", "memory"])
    func linesOutOfOrderGetTheSameAnswers(_ source: String) throws {
        let data = try Fixtures.data("dedup/messages.jsonl")
        let whole = Evaluation(policy: DedupPolicy()).run(try Evaluation.parseMessages(data))
        // Reverse the lines, with a blank line among them: the newest message now comes first.
        var reversed = data.split(separator: 0x0A).reversed().map { Data($0) }
        reversed.insert(Data("  ".utf8), at: 7)
        let shuffled = Data(reversed.joined(separator: Data([0x0A])))
        let result: (labels: [EvaluationLabel], summary: EvaluationSummary)
        if source == "file" {
            let directory = try TemporaryDirectory()
            let path = directory.appending("reversed.jsonl")
            try shuffled.write(to: URL(fileURLWithPath: path))
            var lines = try #require(FileLines(path: path))
            result = try Self.streamed(&lines)
        } else {
            var lines = DataLines(shuffled)
            result = try Self.streamed(&lines)
        }
        #expect(!result.summary.inTimeOrder)
        // Output keeps input order (reversed), and every message gets what the whole-set run gave it.
        #expect(result.labels.map(\.id) == whole.reversed().map(\.id))
        let expected = Dictionary(uniqueKeysWithValues: whole.map { ($0.id, $0) })
        let wrong = result.labels.filter { expected[$0.id] != $0 }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }

    @Test func aBadLineIsNamedByItsNumber() throws {
        let input = Data("""
            {"id":"1","channel":"sms","reporter":"0812","received_at":"2026-04-01T08:00:00Z","body":"x"}

            {"id":"2","channel":"sms","reporter":"0812","received_at":"yesterday","body":"x"}
            """.utf8)
        var lines = DataLines(input)
        #expect {
            _ = try Self.streamed(&lines)
        } throws: { error in
            let error = error as? EvaluationError
            return error?.line == 3 && error?.message.contains("yesterday") == true
        }
    }

    @Test func idsWithQuotesAndControlCharactersSurviveTheOutput() throws {
        let ids = [#"a"b"#, "back\\slash", "tab\tnew\nline", "bell\u{07}", "kota-🌊"]
        let input = ids.enumerated().map { number, id in
            let escaped = String(data: try! JSONEncoder().encode(id), encoding: .utf8)!
            return #"{"id":\#(escaped),"channel":"sms","reporter":"08123456789\#(number)","received_at":"2026-04-01T08:0\#(number):00Z","body":"banjir"}"#
        }.joined(separator: "\n")
        var lines = DataLines(Data(input.utf8))
        let (labels, _) = try Self.streamed(&lines)
        #expect(labels.map(\.id) == ids)
        #expect(labels.allSatisfy { $0.complaint == $0.id })
    }
}
