import AdapterRegistry
import ArgumentParser
import Foundation
import IntakeConfig
import IntakeCore
import IntakeModel
import IntakeServer
import IntakeStorage
import Logging

/// `intake email-bench`: messages per second from raw MIME to a stored complaint, and parsing alone, over a
/// directory of messages (one per file). Prints one JSON line per measurement; the corpus is read before timing.
///
/// `store` takes each message along the path `intake ingest-email` takes inside the server (the `email-inbound`
/// family's push adapter: parse and classify; then `Gateway.submit`: journal, group commit, fdatasync), with
/// `--concurrency` deliveries at once as parallel MTA pipes would make; the backlog is enabled as in a running server,
/// so new reporters' messages are decided in batches behind the answer, which this command then works off until every
/// message is a complaint or merged into one. The clock stops when everything is durably stored. Storage is a
/// fresh temp directory each round. `parse` runs the push adapter alone on one thread, like the Python baseline.
struct EmailBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "email-bench",
        abstract: "Measure raw MIME to stored complaint, and MIME parsing alone, in messages per second (JSON lines)."
    )

    @Option(help: "Directory of raw messages, one per file.") var corpus: String
    @Option(help: "Deliveries in flight at once in the store measurement.") var concurrency: Int = 32
    @Option(help: "What to measure: parse, store or both.") var mode: String = "both"
    @Option(help: "The round number to print (the script runs several).") var round: Int = 1

    func run() async throws {
        try await failing {
            let messages = try Self.readCorpus(corpus)
            let channel = ChannelConfig(id: "bench-mail", type: ChannelType("email-inbound"), maxBodyBytes: 32 << 20, settings: ["secret": "bench"])
            guard let family = AdapterRegistry.families.first(where: { $0.type == channel.type }), let makePush = family.makePush else {
                throw CommandFailure("no email-inbound family is registered", exitCode: .software)
            }
            let adapter = makePush(channel)
            if mode == "parse" || mode == "both" { print(parse(messages, adapter: adapter)) }
            if mode == "store" || mode == "both" { print(try await store(messages, adapter: adapter, channel: channel)) }
        }
    }

    /// Every regular file under `path`, in name order.
    static func readCorpus(_ path: String) throws -> [[UInt8]] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path), !names.isEmpty else {
            throw CommandFailure("no messages in \(path)", exitCode: .noInput)
        }
        return names.sorted().compactMap { FileManager.default.contents(atPath: (path as NSString).appendingPathComponent($0)).map(Array.init) }
    }

    private func parse(_ messages: [[UInt8]], adapter: any PushAdapter) -> String {
        var outcome = Outcome()
        let clock = ContinuousClock()
        let started = clock.now
        for raw in messages { outcome.count(Result { () throws(AdapterError) in try adapter.receive(raw: raw) }) }
        let seconds = (clock.now - started).timeInterval
        return line(mode: "parse", messages: messages.count, seconds: seconds, outcome: outcome, extra: "")
    }

    private func store(_ messages: [[UInt8]], adapter: any PushAdapter, channel: ChannelConfig) async throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("intake-email-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "intake-email-bench")
        logger.logLevel = .error
        let config = GatewayConfig(storage: StorageSettings(path: directory), channels: [channel])
        let server = try openGateway(config, logger: logger)
        defer { server.database.close() }
        let gateway = server.gateway
        // As in a running server, whose ProcessingService enables it: messages of new reporters are journaled at once
        // and decided in batches behind the answer (worked off below), the rest decided in the answer's transaction.
        gateway.backlog?.enable()
        let clock = ContinuousClock()
        let started = clock.now
        let width = max(1, concurrency)
        let outcome = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for worker in 0..<width {
                group.addTask {
                    var outcome = Outcome()
                    for index in stride(from: worker, to: messages.count, by: width) {
                        let parsed = Result { () throws(AdapterError) in try adapter.receive(raw: messages[index]) }
                        outcome.count(parsed)
                        if case .success(let inbound) = parsed, !inbound.isEmpty {
                            outcome.duplicates += try await gateway.submit(inbound, raw: messages[index]).count(where: \.duplicate)
                        }
                    }
                    return outcome
                }
            }
            return try await group.reduce(into: Outcome()) { $0.add($1) }
        }
        let answered = clock.now - started
        try await Self.drain(gateway)
        let seconds = (clock.now - started).timeInterval
        let (complaints, unfinished) = try await server.database.read { (try $0.complaintCount(), try $0.unfinishedJournalCounts().values.reduce(0, +)) }
        guard unfinished == 0 else { throw CommandFailure("\(unfinished) journal entries are still unprocessed", exitCode: .software) }
        return line(mode: "store", messages: messages.count, seconds: seconds, outcome: outcome, extra: String(
            format: ",\"answered_seconds\":%.3f,\"duplicates\":%d,\"complaints_stored\":%d,\"concurrency\":%d",
            answered.timeInterval, outcome.duplicates, complaints, width
        ))
    }

    /// Works off the messages deferred behind the answer as ProcessingService does once a burst is over: batches
    /// oldest first, the next one read and prepared while the current one is stored.
    private static func drain(_ gateway: Gateway) async throws {
        guard let backlog = gateway.backlog else { return }
        var batch = try await gateway.prepareBacklog(backlog.oldest(ProcessingBacklog.quietBatch))
        while let last = batch.last {
            async let next = gateway.prepareBacklog(backlog.oldest(ProcessingBacklog.quietBatch, after: last))
            try await gateway.storeBacklog(batch)
            batch = try await next
        }
    }

    private func line(mode: String, messages: Int, seconds: Double, outcome: Outcome, extra: String) -> String {
        String(
            format: "{\"tool\":\"intake\",\"mode\":\"%@\",\"round\":%d,\"messages\":%d,\"seconds\":%.3f,\"msgs_per_sec\":%.0f,\"complaints\":%d,\"ignored\":%d,\"refused\":%d%@}",
            mode, round, messages, seconds, seconds > 0 ? Double(messages) / seconds : 0, outcome.complaints, outcome.ignored, outcome.refused, extra
        )
    }

    /// What became of the messages: a complaint, deliberately ignored (auto-reply, bounce), or refused (exit 65).
    struct Outcome: Sendable {
        var complaints = 0, ignored = 0, refused = 0, duplicates = 0

        mutating func count(_ parsed: Result<[InboundMessage], AdapterError>) {
            switch parsed {
            case .success(let messages) where messages.isEmpty: ignored += 1
            case .success(let messages): complaints += messages.count
            case .failure: refused += 1
            }
        }

        mutating func add(_ other: Outcome) {
            complaints += other.complaints
            ignored += other.ignored
            refused += other.refused
            duplicates += other.duplicates
        }
    }
}
