import Foundation
import IntakeCore
import IntakeModel
import Synchronization
import Testing

/// `PollerService.run` itself backs off after failed polls, whatever the adapter's interval (0 here, as with
/// Telegram's `poll_seconds: 0`): a failing fetch or a failing commit never makes it spin.
@Suite("PollerService.run backs off after failed polls")
struct PollerBackoffTests {
    /// What goes wrong on every poll.
    enum Failing: String, Sendable, CaseIterable { case fetch, commit }

    /// A poller asking for no wait between polls that records when it was asked; it throws (`fetch`) or
    /// delivers one message each time (`commit`, for a database that cannot commit).
    final class Stub: PollingAdapter {
        struct Failure: Error {}
        let failing: Failing
        let times = Mutex<[ContinuousClock.Instant]>([])
        var interval: Duration { .zero }

        init(_ failing: Failing) { self.failing = failing }

        func fetch(after cursor: String?) async throws -> PollBatch {
            let count = times.withLock { $0.append(.now); return $0.count }
            guard failing == .commit else { throw Failure() }
            let message = InboundMessage(
                channelID: "stub", channelType: ChannelType("telegram"), externalID: "m\(count)",
                reporter: Reporter(kind: .social, address: "tg:5123456789"), text: "Lampu jalan mati di Gang Melati \(count)."
            )
            return PollBatch(messages: [PolledMessage(message: message, raw: [])], cursor: "\(count)")
        }
    }

    @Test("the wait after each failed poll doubles (a failing fetch, a failing commit), and a cancel ends the wait", arguments: Failing.allCases)
    func waitsGrow(_ failing: Failing) async throws {
        try await PipelineHarness.with { harness in
            if failing == .commit { harness.database.injectFlushFailure() }
            let stub = Stub(failing)
            let first = Duration.milliseconds(40)
            let service = PollerService(
                channelID: "stub", adapter: stub, gateway: harness.gateway, logger: harness.logger, backoff: PollBackoff(first: first, limit: .seconds(5))
            )
            let task = Task { try await service.run() }
            try await eventually(timeout: .seconds(20)) { stub.times.withLock { $0.count } >= 5 }
            let stopping = ContinuousClock.now
            task.cancel()
            _ = await task.result
            #expect(ContinuousClock.now - stopping < .seconds(2), "the wait (640 ms next) is cancelled")
            let times = stub.times.withLock { $0 }
            // Without a backoff of its own, run() would have polled thousands of times by now.
            #expect(times.count < 10, "\(times.count) polls")
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            try #require(gaps.count >= 4)
            for (index, gap) in gaps.prefix(4).enumerated() {
                #expect(gap >= first * (1 << index), "wait \(index + 1) was \(gap)")
            }
        }
    }

    @Test("the schedule: 1 s, 2 s, 4 s … capped at 60 s, none without failures")
    func schedule() {
        let backoff = PollBackoff()
        #expect([0, 1, 2, 3, 7, 8, 100].map(backoff.delay(afterFailures:)) == [.zero, .seconds(1), .seconds(2), .seconds(4), .seconds(60), .seconds(60), .seconds(60)])
    }
}
