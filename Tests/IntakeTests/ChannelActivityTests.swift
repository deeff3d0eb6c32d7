import Foundation
import IntakeCore
import IntakeModel
import Synchronization
import Testing

/// `ChannelActivity`: the last hour is a rolling window of minutes, totals count since start, and a
/// poller's lag says how far behind it may be.
@Suite("ChannelActivityTests")
struct ChannelActivityTests {
    static let start = Date(timeIntervalSince1970: 1_775_548_800)  // 2026-04-07T08:00:00Z, on a minute

    static func receipt(duplicate: Bool) -> Receipt {
        Receipt(trackingNumber: TrackingNumber(payload: 42), duplicate: duplicate, complaintID: nil, journalID: 1)
    }

    @Test func lastHourForgetsWhatIsOlderThanAnHourWhileTotalsKeepIt() {
        let activity = ChannelActivity(channelID: "sms", type: .sms, polls: false, since: Self.start)
        activity.stored([Self.receipt(duplicate: false)], at: Self.start)
        activity.stored([Self.receipt(duplicate: true), Self.receipt(duplicate: false)], at: Self.start.addingTimeInterval(30 * 60))
        activity.rejected(reason: "signature", message: "signature does not match the body", at: Self.start.addingTimeInterval(59 * 60))

        let withinHour = activity.snapshot(now: Self.start.addingTimeInterval(59 * 60 + 30))
        #expect(withinHour.lastHour == ChannelCounts(accepted: 2, duplicate: 1, rejected: 1))

        let later = activity.snapshot(now: Self.start.addingTimeInterval(61 * 60))
        #expect(later.lastHour == ChannelCounts(accepted: 1, duplicate: 1, rejected: 1), "the first minute fell out of the window")
        #expect(later.total == ChannelCounts(accepted: 2, duplicate: 1, rejected: 1))
        #expect(later.lastReceivedAt == Self.start.addingTimeInterval(30 * 60))
        #expect(later.lastError?.message == "signature does not match the body")
        #expect(later.lagSeconds == nil && later.lastPollAt == nil, "webhook channels have no poll figures")

        // Exactly an hour on, the first minute's bucket is reused: it starts empty.
        activity.stored([Self.receipt(duplicate: false)], at: Self.start.addingTimeInterval(60 * 60 + 5))
        let reused = activity.snapshot(now: Self.start.addingTimeInterval(60 * 60 + 10))
        #expect(reused.lastHour == ChannelCounts(accepted: 2, duplicate: 1, rejected: 1))
        #expect(reused.total.accepted == 3)

        #expect(activity.snapshot(now: Self.start.addingTimeInterval(3 * 3600)).lastHour == ChannelCounts())
    }

    @Test func lagIsTheAgeOfWhatThePollerHasSeen() {
        let activity = ChannelActivity(channelID: "imap", type: .email, polls: true, since: Self.start)
        #expect(activity.snapshot(now: Self.start.addingTimeInterval(10)).lagSeconds == 10, "before any poll: since start")

        activity.polled(fetched: 2, newest: Self.start.addingTimeInterval(-300), at: Self.start.addingTimeInterval(20))
        #expect(activity.snapshot(now: Self.start.addingTimeInterval(20)).lagSeconds == 320, "the newest fetched message is 5 min old")

        activity.polled(fetched: 0, newest: nil, at: Self.start.addingTimeInterval(21))
        #expect(activity.snapshot(now: Self.start.addingTimeInterval(21)).lagSeconds == 0, "nothing new: caught up")

        activity.pollFailed("IMAP timeout", at: Self.start.addingTimeInterval(80))
        let failing = activity.snapshot(now: Self.start.addingTimeInterval(90))
        #expect(failing.lagSeconds == 69, "a failed poll leaves the lag growing from the last good one")
        #expect(failing.lastPollAt == Self.start.addingTimeInterval(80))
        #expect(failing.lastError == ChannelError(at: Self.start.addingTimeInterval(80), message: "IMAP timeout"))
    }

    @Test func everyCountedOutcomeReachesTheObserver() {
        let seen = Mutex<[String]>([])
        let activity = ChannelActivity(channelID: "sms", type: .sms, polls: false) { outcome, count in
            seen.withLock { $0.append("\(outcome)x\(count)") }
        }
        activity.stored([Self.receipt(duplicate: false), Self.receipt(duplicate: false), Self.receipt(duplicate: true)])
        activity.rejected(reason: "malformed", message: "text: is required")
        activity.pollFailed("not counted")
        #expect(seen.withLock { $0 } == ["acceptedx2", "duplicatex1", "rejected(reason: \"malformed\")x1"])
    }
}
