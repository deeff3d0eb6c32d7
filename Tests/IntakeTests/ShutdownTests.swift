import Foundation
import IntakeConfig
import IntakeModel
import IntakeServer
import Logging
import Synchronization
import Testing

/// A stop has a deadline: SIGTERM (here, the shutdown handle) drains what can finish, then cancels what
/// cannot, so an orchestrator's restart never hangs on a provider that stopped answering.
@Suite("Shutdown", .timeLimit(.minutes(1)))
struct ShutdownTests {
    /// A poller whose provider never answers: each fetch waits until it is cancelled.
    struct HangingPoller: PollingAdapter {
        let counters: Counters
        var interval: Duration { .milliseconds(10) }

        func fetch(after cursor: String?) async throws -> PollBatch {
            counters.started.add(1, ordering: .relaxed)
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                counters.cancelled.add(1, ordering: .relaxed)
                throw error
            }
            return PollBatch(messages: [], cursor: cursor)
        }
    }

    final class Counters: Sendable {
        let started = Atomic<Int>(0)
        let cancelled = Atomic<Int>(0)
    }

    /// A graceful stop cancels a fetch that waits on its provider (as it would an IMAP IDLE) at once, never a
    /// commit; the shutdown deadline bounds what does not stop by itself.
    @Test func aPollerBlockedInAFetchIsCancelledByTheStop() async throws {
        let directory = try TemporaryDirectory("intake-shutdown")
        defer { directory.remove() }
        let counters = Counters()
        let family = AdapterFamily(type: .telegram, settingKeys: [], makePoller: { _ in HangingPoller(counters: counters) })
        var logger = Logger(label: "intake-test")
        logger.logLevel = .critical
        let server = try GatewayServer(
            config: GatewayConfig(
                // A deadline far beyond what the stop may take: only the graceful cancellation can stop it in time.
                server: ServerSettings(host: "127.0.0.1", port: 0, shutdownSeconds: 30),
                storage: StorageSettings(path: directory.appending("data")),
                channels: [ChannelConfig(id: "telegram-bot", type: .telegram)]
            ),
            families: [family], logger: logger
        )
        let shutdown = ShutdownHandle()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task { try await server.run(shutdown: shutdown) { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        _ = await iterator.next()
        try await waitUntil { counters.started.load(ordering: .relaxed) == 1 }

        let stopping = ContinuousClock.now
        await shutdown.trigger()
        let stopped = Task { () -> Duration in
            _ = await task.result
            return ContinuousClock.now - stopping
        }
        try await waitUntil(timeout: .seconds(15)) { counters.cancelled.load(ordering: .relaxed) == 1 }
        let took = await stopped.value
        #expect(took < .seconds(8), "the stop did not wait for the provider, nor for the 30 s deadline")
        await #expect(throws: (any Error).self, "storage is closed once the gateway stopped") {
            try await server.database.write { _ in }
        }
    }
}
