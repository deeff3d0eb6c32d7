import Foundation
import IntakeCore
import IntakeModel
import IntakeStorage
import Synchronization
import Testing

/// What `PollerService` records about a poll: a stop is no failure, and set-aside items are kept and
/// counted once, after their batch is durable.
@Suite("PollerService outcomes", .timeLimit(.minutes(1)))
struct PollerOutcomeTests {
    /// Delivers the same batch every time: `messages` messages (each fetch a new external id), one unreadable
    /// and one ignored item, and a cursor that moves only when it has messages.
    final class SetAsidePoller: PollingAdapter {
        let messages: Int
        let fetches = Mutex(0)
        var interval: Duration { .zero }

        init(messages: Int) { self.messages = messages }

        func fetch(after cursor: String?) async throws -> PollBatch {
            let count = fetches.withLock { $0 += 1; return $0 }
            let polled = (0..<messages).map { index in
                PolledMessage(message: InboundMessage(
                    channelID: "stub", channelType: ChannelType("telegram"), externalID: "m\(count)-\(index)",
                    reporter: Reporter(kind: .social, address: "tg:5123456789"), text: "Jalan berlubang di Jalan Mawar \(count)."
                ), raw: [])
            }
            let items = [
                SetAsideItem(kind: .unreadable(problem: "no text"), reference: "u1", raw: Array("{}".utf8), fileExtension: "json"),
                SetAsideItem(kind: .ignored(reason: "group"), reference: "g1", raw: [], fileExtension: "json"),
            ]
            return PollBatch(messages: polled, cursor: messages == 0 ? cursor : "\(count)", setAside: items)
        }
    }

    static func quarantined(_ quarantine: Quarantine) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: quarantine.directory.path)) ?? []
    }

    @Test("a cancelled poll is no poll failure: the channel shows no last_error")
    func cancelIsNoFailure() async throws {
        try await PipelineHarness.with { harness in
            let counters = ShutdownTests.Counters()
            let activity = ChannelActivity(channelID: "stub", type: .telegram, polls: true)
            let service = PollerService(
                channelID: "stub", adapter: ShutdownTests.HangingPoller(counters: counters), gateway: harness.gateway,
                logger: harness.logger, activity: activity
            )
            let task = Task { try await service.pollOnce() }
            try await eventually(timeout: .seconds(10)) { counters.started.load(ordering: .relaxed) == 1 }
            task.cancel()
            _ = await task.result
            #expect(counters.cancelled.load(ordering: .relaxed) == 1)
            #expect(activity.snapshot().lastError == nil, "\(String(describing: activity.snapshot().lastError))")
        }
    }

    @Test("an unreadable item is kept before its batch commits, once however often a failed commit is retried; ignored ones are counted only after a commit")
    func failedCommitSetsNothingAside() async throws {
        try await PipelineHarness.with { harness in
            let ignored = Atomic(0)
            let activity = ChannelActivity(channelID: "stub", type: .telegram, polls: true) { outcome, count in
                if case .ignored = outcome { ignored.add(count, ordering: .relaxed) }
            }
            let quarantine = Quarantine(storagePath: harness.databaseDirectory, kind: "telegram")
            let service = PollerService(
                channelID: "stub", adapter: SetAsidePoller(messages: 1), gateway: harness.gateway, logger: harness.logger,
                activity: activity, quarantine: quarantine
            )
            harness.database.injectFlushFailure()
            for _ in 0..<2 {
                await #expect(throws: (any Error).self) { try await service.pollOnce() }
            }
            // The bytes are safe before the cursor could move past them, and the retry wrote no second file.
            #expect(Self.quarantined(quarantine).count == 1, "\(Self.quarantined(quarantine))")
            #expect(ignored.load(ordering: .relaxed) == 0)
        }
    }

    @Test("set-aside items are kept and counted once their batch committed, also in a batch without messages", arguments: [1, 0])
    func committedBatchSetsAside(messages: Int) async throws {
        try await PipelineHarness.with { harness in
            let ignored = Atomic(0)
            let activity = ChannelActivity(channelID: "stub", type: .telegram, polls: true) { outcome, count in
                if case .ignored = outcome { ignored.add(count, ordering: .relaxed) }
            }
            let quarantine = Quarantine(storagePath: harness.databaseDirectory, kind: "telegram")
            let service = PollerService(
                channelID: "stub", adapter: SetAsidePoller(messages: messages), gateway: harness.gateway, logger: harness.logger,
                activity: activity, quarantine: quarantine
            )
            let journaled = try await service.pollOnce()
            #expect(journaled == messages)
            #expect(Self.quarantined(quarantine).count == 1, "\(Self.quarantined(quarantine))")
            #expect(ignored.load(ordering: .relaxed) == 1)
        }
    }
}
