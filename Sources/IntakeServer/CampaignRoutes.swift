import CoreMetrics
import Foundation
import Hummingbird
import IntakeConfig
import IntakeCore
import IntakeModel
import IntakeStorage

/// `GET /api/v1/campaigns/{id}/stats` (admin token): a campaign's complaints per channel and hour.
struct CampaignRoutes: Sendable {
    let database: Database
    let gateway: Gateway
    let config: GatewayConfig
    let authorization: AdminAuthorization
    let metrics: ServerMetrics

    func register(on router: Router<IntakeRequestContext>) {
        router.get("/api/v1/campaigns/:id/stats") { request, context in
            if let refusal = authorization.refusal(request, metrics: metrics) { return refusal }
            do {
                return try await stats(id: context.parameters.get("id") ?? "")
            } catch let failure as HTTPFailure {
                return failure.response
            } catch {
                return HTTPFailure.storage(error).response
            }
        }
    }

    private func stats(id: String) async throws -> Response {
        guard config.campaignIDs.contains(id) else { throw HTTPFailure.notFound("campaign '\(id)'") }
        // What was acknowledged before this request is counted (read-your-writes, as the complaints API).
        try await gateway.settle()
        let rows = try await database.read { try $0.campaignCounts(id) }
        let campaign = config.campaigns.first { $0.id == id }
        let stats = CampaignStats(
            campaign: id, name: campaign?.name ?? id,
            starts: campaign.map { Timestamp.format($0.starts) }, ends: campaign.map { Timestamp.format($0.ends) },
            total: rows.reduce(0) { $0 + $1.count },
            byChannel: Dictionary(rows.map { ($0.channelID, $0.count) }, uniquingKeysWith: +),
            hours: rows.map { CampaignStats.Hour(hour: Timestamp.format(Date(timeIntervalSince1970: TimeInterval($0.hour))), channel: $0.channelID, complaints: $0.count) }
        )
        return try AdminRoutes.json(stats)
    }
}

/// The stats answer: totals, per channel, and per channel and hour (UTC hour starts), oldest first.
struct CampaignStats: Encodable {
    struct Hour: Encodable {
        var hour: String
        var channel: String
        var complaints: Int
    }

    var campaign: String
    var name: String
    var starts: String?
    var ends: String?
    var total: Int
    var byChannel: [String: Int]
    var hours: [Hour]

    enum CodingKeys: String, CodingKey {
        case campaign, name, starts, ends, total, hours
        case byChannel = "by_channel"
    }
}

extension ServerMetrics {
    /// Counts a new complaint of a campaign: `intake_campaign_complaints_total{campaign, channel}`.
    func created(_ complaint: Complaint) {
        guard let campaign = complaint.campaign else { return }
        Counter(label: "intake_campaign_complaints_total", dimensions: [("campaign", campaign), ("channel", complaint.channelID)], factory: factory)
            .increment()
    }
}
