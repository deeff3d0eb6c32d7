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

/// `intake dedup eval` as a user runs it: files, pipes, bad lines deep in the input, an existing output.
@Suite("Dedup evaluation from the command line")
struct DedupEvalCommandTests {
    static func line(_ id: String, minute: Int, body: String = "jalan rusak di jl kaliurang km 7 sleman") -> String {
        #"{"id":"\#(id)","channel":"sms","reporter":"0812345\#(id.hashValue & 0xFFFF)","received_at":"2026-04-01T\#(String(format: "%02d", minute / 60 % 24)):\#(String(format: "%02d", minute % 60)):00Z","body":"\#(body)"}"#
    }

    @Test func aBadLineDeepInTheInputIsNamedAndThePreviousPredictionsStay() async throws {
        let directory = try TemporaryDirectory("intake-dedup-cli")
        defer { directory.remove() }
        // 2,600 lines, so the bad one is in the third batch of 1,024; a blank line shifts the numbering.
        var lines = (0..<2600).map { Self.line("m\($0)", minute: $0 / 10) }
        lines.insert("", at: 5)
        lines[2501] = #"{"id":"bad","channel":"sms"}"#
        let input = directory.appending("messages.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: input))
        let output = directory.appending("predictions.jsonl")
        try Data("earlier predictions\n".utf8).write(to: URL(fileURLWithPath: output))
        let result = try await IntakeBinary.run(["dedup", "eval", "--input", input, "--output", output])
        #expect(result.status == 65)
        #expect(result.stderr.contains("line 2502"), "\(result.stderr)")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "earlier predictions\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 2, "no temporary file is left")
    }

    @Test func aPipeOutOfTimeOrderGivesWhatTheFileGives() async throws {
        let directory = try TemporaryDirectory("intake-dedup-cli")
        defer { directory.remove() }
        let data = try Fixtures.data("dedup/register/messages.jsonl")
        let reversed = Data(data.split(separator: 0x0A).reversed().map { Data($0) }.joined(separator: Data([0x0A])))
        let file = directory.appending("reversed.jsonl")
        try reversed.write(to: URL(fileURLWithPath: file))
        let fromFile = try await IntakeBinary.run(["dedup", "eval", "--input", file])
        let fromPipe = try await IntakeBinary.run(["dedup", "eval", "--input", "-", "--stats"], input: Array(reversed))
        #expect(fromFile.status == 0 && fromPipe.status == 0, "\(fromPipe.stderr)")
        #expect(fromPipe.stdout == fromFile.stdout && fromFile.stdout.split(separator: "\n").count == 290)
        #expect(fromPipe.stderr.contains(#""in_time_order":false"#))
    }

    @Test func aDirectoryIsNoInput() async throws {
        let directory = try TemporaryDirectory("intake-dedup-cli")
        defer { directory.remove() }
        let result = try await IntakeBinary.run(["dedup", "eval", "--input", directory.path])
        #expect(result.status == 66 && result.stderr.contains("is a directory"))
    }
}
