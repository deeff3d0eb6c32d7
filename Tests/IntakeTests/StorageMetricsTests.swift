import Foundation
import IntakeStorage
import Testing

/// `/metrics` shows what the storage threads did (`Database.statistics`), so an operator and the bench can see
/// batches, flushes and checkpoints without a profiler.
@Suite("StorageMetricsTests")
struct StorageMetricsTests {
    static let series = [
        "intake_storage_transactions_total", "intake_storage_jobs_total", "intake_storage_flushes_total",
        "intake_storage_flush_seconds_total", "intake_storage_flush_seconds_max", "intake_storage_checkpoints_total",
        "intake_storage_checkpoint_seconds_total",
    ]

    /// The values of the unlabelled series in a Prometheus text exposition, by name.
    static func values(_ exposition: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        return values
    }

    @Test("after N acknowledged webhooks /metrics shows at least N storage jobs and a flush")
    func scrapeShowsTheWritersWork() async throws {
        let count = 5
        try await RunningGateway.with { gateway in
            for index in 0..<count {
                let response = try await gateway.postMessage([
                    "id": "SM-M\(index)", "from": "0813-1111-200\(index)",
                    "text": "Jalan di depan sekolah berlubang besar nomor \(index), mohon segera diperbaiki.",
                ])
                #expect(response.status == 200)
            }
            let values = Self.values(try await gateway.get("/metrics", token: nil).text)
            for name in Self.series {
                #expect(values[name] != nil, "missing series \(name)")
            }
            #expect(values["intake_storage_jobs_total", default: 0] >= Double(count))
            #expect(values["intake_storage_transactions_total", default: 0] >= 1)
            #expect(values["intake_storage_flushes_total", default: 0] >= 1)
            #expect(values["intake_storage_flush_seconds_total", default: 0] > 0)
            #expect(values["intake_storage_flush_seconds_max", default: 0] > 0)
        }
    }

    @Test("scraping again does not count the same work twice")
    func repeatedScrapesMatchTheDatabase() async throws {
        try await RunningGateway.with { gateway in
            let response = try await gateway.postMessage([
                "id": "SM-R1", "from": "0813-1111-3001", "text": "Lampu lalu lintas di perempatan pasar mati sejak kemarin.",
            ])
            #expect(response.status == 200)
            for _ in 0..<3 {
                let before = gateway.server.database.statistics
                let values = Self.values(try await gateway.get("/metrics", token: nil).text)
                let after = gateway.server.database.statistics
                // The writer may run more work between the reads, never less than `before` nor more than `after`.
                let jobs = values["intake_storage_jobs_total", default: -1]
                #expect(jobs >= Double(before.jobs) && jobs <= Double(after.jobs))
                let flushes = values["intake_storage_flushes_total", default: -1]
                #expect(flushes >= Double(before.flushes) && flushes <= Double(after.flushes))
                let transactions = values["intake_storage_transactions_total", default: -1]
                #expect(transactions >= Double(before.transactions) && transactions <= Double(after.transactions))
            }
        }
    }
}
