import AdapterRegistry
import ArgumentParser
import Foundation
import IntakeConfig
import IntakeDedup
import IntakeModel
import IntakeServer

/// `intake dedup`: run and measure the deduplication engine outside the server.
struct Dedup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate the deduplication engine on labeled data.",
        subcommands: [Eval.self, Score.self, Bench.self]
    )

    /// `intake dedup eval`: the server's engine and settings over a JSONL file of messages.
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide merges and clusters for messages; write one {id, complaint, cluster} line each.",
            discussion: """
                Each input line is {"id", "channel", "reporter", "received_at", "title", "body"}, the reporter \
                as the provider gave it. Messages with the same `complaint` in the output were merged; \
                complaints with the same `cluster` were clustered. The engine and settings are the server's \
                (from --config when given).
                """
        )

        @Option(help: "Messages, one JSON object per line.") var input: String
        @Option(help: "Where to write predictions (JSONL); - for standard output.") var output: String = "-"
        @Option(help: "YAML configuration whose dedup settings to use (default: the built-in ones).") var config: String?
        @Flag(help: "Also print what matching sees of each message (content words, places) to standard error.") var explain = false

        @Flag(help: "Print messages, seconds, messages per second and peak memory as one JSON line to standard error.") var stats = false
        @Option(help: "The server's burst rule: a reporter's message within this many seconds of their previous one on the same channel joins its complaint (0: off).")
        var burstSeconds: Int = ChannelConfig.defaultBurstSeconds

        func run() throws {
            let policy = try DedupCommandSupport.policy(config: config)
            let clock = ContinuousClock()
            let start = clock.now
            let summary: EvaluationSummary
            do {
                // Written to a temporary file renamed at the end: a failed run (or --output naming the input)
                // leaves the previous predictions as they were.
                let sink = try DedupCommandSupport.OutputFile(output)
                let explainer: ((String) -> Void)? = explain ? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } : nil
                if var lines = input == "-" ? nil : FileLines(path: input) {
                    summary = try Evaluation(policy: policy, burstSeconds: Double(burstSeconds)).run(&lines, explain: explainer, write: sink.write)
                } else {
                    // Standard input or a pipe cannot be read back by place: it is read into memory first.
                    var lines = DataLines(try DedupCommandSupport.readAll(input))
                    summary = try Evaluation(policy: policy, burstSeconds: Double(burstSeconds)).run(&lines, explain: explainer, write: sink.write)
                }
                try sink.commit()
            } catch let error as EvaluationError {
                throw DedupCommandSupport.fail("\(input): \(error)", .dataError)
            }
            if stats {
                let seconds = (clock.now - start).timeInterval
                var usage = rusage()
                getrusage(RUSAGE_SELF.rawValue, &usage)
                let line = String(format: "{\"messages\":%d,\"in_time_order\":%@,\"seconds\":%.2f,\"msgs_per_sec\":%.0f,\"peak_rss_mib\":%.1f}\n",
                                  summary.messages, summary.inTimeOrder ? "true" : "false", seconds,
                                  seconds > 0 ? Double(summary.messages) / seconds : 0, Double(usage.ru_maxrss) / 1024)
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
    }

    /// `intake dedup score`: pairwise precision, recall and F1 of predictions against labels.
    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Score predictions against labels (pairwise P/R/F1 for merges and clusters).")

        @Option(help: "True labels, {id, complaint, cluster} per line.") var labels: String
        @Option(help: "Predictions in the same format (from `intake dedup eval`).") var predictions: String
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func run() throws {
            let score: EvaluationScore
            do {
                score = try EvaluationScore(
                    labels: Evaluation.parseLabels(DedupCommandSupport.readAll(labels)),
                    predictions: Evaluation.parseLabels(DedupCommandSupport.readAll(predictions))
                )
            } catch let error as EvaluationError {
                throw DedupCommandSupport.fail("\(error)", .dataError)
            }
            if json {
                func object(_ s: PairScore) -> String {
                    String(format: "{\"precision\":%.4f,\"recall\":%.4f,\"f1\":%.4f,\"true_pairs\":%d,\"predicted_pairs\":%d,\"correct_pairs\":%d}",
                           s.precision, s.recall, s.f1, s.truePairs, s.predictedPairs, s.correctPairs)
                }
                print("{\"merge\":\(object(score.merge)),\"cluster\":\(object(score.cluster))}")
            } else {
                print("merge:   \(score.merge)")
                print("cluster: \(score.cluster)")
            }
        }
    }
}

extension Dedup {
    /// `intake dedup bench`: messages per second through features + search + decision + insert, after an
    /// index of `--prior` messages, with peak memory. The work is timed per message; reading JSON is not.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Measure dedup throughput over a JSONL stream (prints one JSON line).")

        @Option(help: "Messages, one JSON object per line, in time order.") var stream: String
        @Option(help: "Messages indexed before timing starts.") var prior: Int = 1_000_000
        @Option(help: "Messages timed after the prior ones.") var limit: Int = 100_000

        func run() throws {
            guard let file = fopen(stream, "r") else { throw DedupCommandSupport.fail("cannot read \(stream)", .noInput) }
            defer { fclose(file) }
            let extractor = FeatureExtractor()
            let index = NearDuplicateIndex(policy: DedupPolicy(), gazetteer: extractor.gazetteer)
            let decoder = JSONDecoder()
            var buildTime = Duration.zero
            var measuredTime = Duration.zero
            var seen = 0
            var decisions = (merge: 0, cluster: 0)
            let clock = ContinuousClock()
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            while seen < prior + limit, getline(&line, &capacity, file) > 0, let line {
                let bytes = Data(bytes: line, count: strlen(line))
                guard let message = try? decoder.decode(EvaluationMessage.self, from: bytes) else { continue }
                let time = Timestamp.parse(message.receivedAt)?.timeIntervalSince1970 ?? 0
                let key = Int64(seen)
                let start = clock.now
                let features = extractor.features(title: message.title, body: message.body, identities: Evaluation.identities(of: message))
                switch index.admit(features, key: key, at: time) {
                case .merge: decisions.merge += 1
                case .cluster: decisions.cluster += 1
                case .distinct: break
                }
                let spent = clock.now - start
                if seen < prior { buildTime += spent } else { measuredTime += spent }
                seen += 1
            }
            free(line)
            let measured = max(0, seen - prior)
            let seconds = measuredTime.timeInterval
            let build = buildTime.timeInterval
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            print(String(format: "{\"tool\":\"intake\",\"prior\":%d,\"measured\":%d,\"build_seconds\":%.2f,\"seconds\":%.3f,\"msgs_per_sec\":%.0f,\"indexed\":%d,\"merges\":%d,\"clusters\":%d,\"peak_rss_mib\":%.1f}",
                         min(seen, prior), measured, build, seconds, seconds > 0 ? Double(measured) / seconds : 0, index.count,
                         decisions.merge, decisions.cluster, Double(usage.ru_maxrss) / 1024))
        }
    }
}

/// What the dedup subcommands share: files, the policy, failures with sysexits codes.
enum DedupCommandSupport {
    static func policy(config: String?) throws -> DedupPolicy {
        guard let config else { return DedupPolicy() }
        do {
            let loaded = try ConfigLoader.load(contentsOf: config, families: AdapterRegistry.families, environment: ProcessInfo.processInfo.environment)
            return loaded.dedup.policy
        } catch {
            throw fail(error.description, .config)
        }
    }

    /// All of `path` (`-` for standard input): labels, predictions, and evaluation input that is not a regular file.
    static func readAll(_ path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw fail("cannot read \(path): no such file", .noInput) }
        guard !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: path) else {
            throw fail("cannot read \(path)\(isDirectory.boolValue ? ": is a directory" : "")", .noInput)
        }
        defer { try? handle.close() }
        return handle.readDataToEndOfFile()
    }


    /// Standard output (`-`), or a temporary file next to `path` that `commit` renames onto it; dropped
    /// unless committed, so a failed run leaves whatever `path` held.
    final class OutputFile {
        private let file: UnsafeMutablePointer<FILE>
        private let path: String
        private let temporary: String?
        private var committed = false

        init(_ path: String) throws {
            self.path = path
            if path == "-" {
                temporary = nil
                file = fdopen(dup(STDOUT_FILENO), "w")
            } else {
                let url = URL(fileURLWithPath: path)
                let temporary = url.deletingLastPathComponent()
                    .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
                guard let file = fopen(temporary, "w") else { throw fail("cannot write \(path)", .cantCreate) }
                self.temporary = temporary
                self.file = file
            }
        }

        deinit {
            guard !committed else { return }
            fclose(file)
            if let temporary { unlink(temporary) }
        }

        func write(_ bytes: [UInt8]) throws {
            guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw fail("cannot write \(path)", .ioError) }
        }

        func commit() throws {
            committed = true
            let closed = fclose(file) == 0
            guard let temporary else {
                if !closed { throw fail("cannot write \(path)", .ioError) }
                return
            }
            guard closed, rename(temporary, path) == 0 else {
                unlink(temporary)
                throw fail("cannot write \(path)", .ioError)
            }
        }
    }

    static func fail(_ message: String, _ status: ExitStatus) -> ExitCode {
        FileHandle.standardError.write(Data("intake: \(message)\n".utf8))
        return ExitCode(status.rawValue)
    }
}
