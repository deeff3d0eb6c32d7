import AdapterRegistry
import Foundation
import IntakeConfig
import IntakeModel
import IntakeServer
import Logging
import Testing

/// A campaign's merge window applies to its messages whether the message names the campaign or its
/// channel is configured for it.
@Suite("Campaign merge windows", .timeLimit(.minutes(1)))
struct CampaignWindowTests {
    enum Source: String, CaseIterable, Sendable {
        case message = "the message names the campaign"
        case channel = "the channel is configured for the campaign"
    }

    @Test(arguments: Source.allCases)
    func campaignWindowDecidesWhetherAResendMerges(_ source: Source) async throws {
        let directory = try TemporaryDirectory("intake-campaign-window")
        defer { directory.remove() }
        var logger = Logger(label: "intake-test")
        logger.logLevel = .warning
        let server = try GatewayServer(
            config: GatewayConfig(
                storage: StorageSettings(path: directory.appending("data")),
                // A zero window: during the campaign every message is its own complaint, however alike.
                dedup: DedupSettings(campaignWindows: ["mudik-2026": .zero]),
                // Bursts off: this is about merge windows (BurstTests covers bursts).
                channels: [
                    ChannelConfig(id: "sms-1708", type: .sms, burstSeconds: 0),
                    ChannelConfig(id: "sms-mudik", type: .sms, campaign: "mudik-2026", burstSeconds: 0),
                ]
            ),
            families: AdapterRegistry.families, logger: logger
        )
        defer { server.database.close() }
        let text = "Antrean kendaraan di Pelabuhan Merak dermaga 3 sudah enam jam tidak bergerak"
        func send(_ id: String, channel: ChannelID, campaign: String?, from phone: String = "+6281234500001") async throws -> Receipt {
            try await server.gateway.submit([SampleMessage.sms(externalID: id, channelID: channel, from: phone, text: text, campaign: campaign)], raw: [])[0]
        }

        let (channel, campaign): (ChannelID, String?) = source == .message ? ("sms-1708", "mudik-2026") : ("sms-mudik", nil)
        let first = try await send("c-1", channel: channel, campaign: campaign)
        let again = try await send("c-2", channel: channel, campaign: campaign)
        #expect(!again.duplicate && again.trackingNumber != first.trackingNumber, "the campaign's window, not the default 72 h")

        let plain = try await send("p-1", channel: "sms-1708", campaign: nil, from: "+6281234500002")
        let plainAgain = try await send("p-2", channel: "sms-1708", campaign: nil, from: "+6281234500002")
        #expect(plainAgain.duplicate && plainAgain.trackingNumber == plain.trackingNumber, "outside the campaign the default window merges")
    }
}
