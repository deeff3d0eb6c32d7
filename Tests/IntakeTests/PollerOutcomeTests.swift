import Foundation
import IntakeCore
import IntakeModel
import IntakeStorage
import Synchronization
import Testing

/// What `PollerService` records about a poll: a stop is no failure.
@Suite("PollerService outcomes", .timeLimit(.minutes(1)))
struct PollerOutcomeTests {
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
}
