import Foundation
import IntakeHTTPClient
import IntakeStorage
import Testing

/// The real `intake serve` with an X channel, SIGKILLed in the middle of a three-page burst.
@Suite("X poller crash mid-burst", .serialized)
struct XCrashTests {
    static func yaml(_ x: XAPIStandIn) -> String {
        """
          - id: x-lapor
            type: x
            bearer_token: \(XPollerTests.bearer)
            query: "@lapor1708 OR #MudikLAPOR"
            poll_seconds: 1
            account_id: "\(XPollerTests.ownAccount)"
            api_base: \(x.baseURL)
            burst_seconds: 0
        """
    }

    static func stored(_ directory: TemporaryDirectory) async throws -> (journal: Int, cursor: String?) {
        let database = try Database(directory: directory.appending("data"))
        defer { database.close() }
        return (try await database.journalTotal(), try await database.read { try $0.cursor(for: XPollerTests.channelID) })
    }

    @Test("SIGKILL while the third page of a burst is on its way: after a restart every post arrives exactly once")
    func killMidBurst() async throws {
        let x = try XAPIStandIn(pages: XPollerTests.burst)
        let directory = try TemporaryDirectory("intake-x-crash")
        defer {
            x.stop()
            directory.remove()
        }
        let config = try IntakeBinary.writeConfig(in: directory, extraChannels: Self.yaml(x))
        x.hold("next:\(XPollerTests.pageThree)")
        let first = try await ServerProcess.start(config: config, logPath: directory.appending("first.log"))
        do {
            try await waitUntil(timeout: .seconds(15)) { x.heldCount >= 1 }
        } catch {
            first.kill()
            Issue.record("the third page was never asked for; log:\n\(first.log)")
            throw error
        }
        first.kill()
        let afterKill = try await Self.stored(directory)
        #expect(afterKill.journal == 6, "pages one and two were committed")
        #expect(afterKill.cursor?.contains(XPollerTests.pageThree) == true && afterKill.cursor?.contains("since_id") == false, "\(afterKill)")
        #expect(!first.log.contains(XPollerTests.bearer), "the bearer token is never logged")

        x.hold(nil)
        let second = try await ServerProcess.start(config: config, logPath: directory.appending("second.log"))
        do {
            var complaints: [[String: Any]] = []
            try await eventually(timeout: .seconds(15)) {
                complaints = try await CrashTests.allComplaints(port: second.port, client: HTTPClient())
                return complaints.count >= 8
            }
            let ids = complaints.compactMap { $0["external_id"] as? String }.sorted()
            #expect(ids == (1...8).map(XPollerTests.id), "every post once: \(ids)")
            try await waitUntil(timeout: .seconds(10)) { x.searches.contains { $0.parameter("since_id") == XPollerTests.id(8) } }
        } catch {
            _ = try? await offThePool { second.terminate() }
            throw error
        }
        #expect(try await offThePool { second.terminate() } == 0)
        let final = try await Self.stored(directory)
        #expect(final.journal == 8, "nothing journaled twice")
        #expect(final.cursor == #"{"since_id":"\#(XPollerTests.id(8))"}"#)
        // The resumed burst asked for page three, never page one again.
        #expect(x.searches.filter { $0.parameter("next_token") == nil && $0.parameter("since_id") == nil }.count == 1)
    }
}
