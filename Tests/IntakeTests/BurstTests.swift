import Foundation
import IntakeConfig
import IntakeModel
import IntakeServer
@testable import IntakeStorage
import Testing

/// Seam 3: consecutive messages from one reporter on one channel within `burst_seconds` are one complaint.
@Suite("A citizen's burst is one complaint", .timeLimit(.minutes(1)))
struct BurstTests {
    /// Unrelated texts, so no dedup rule other than the burst could join them.
    static let texts = [
        "Jalan berlubang di Jl. Kaliurang km 7 Sleman",
        "Lampu penerangan jalan mati total sejak Senin",
        "Sampah di pasar belum diangkut tiga hari",
        // Long enough not to read as a short follow-up, which the dedup rules join for 48 h.
        "Pelayanan pembuatan KTP elektronik di kantor Kecamatan Ngaglik sangat lambat, antrean sejak pukul tujuh pagi "
            + "belum juga dipanggil sampai sore dan petugas loket tidak memberi penjelasan apa pun kepada warga",
    ]

    static func send(
        _ server: GatewayServer, _ text: String, at time: Date, from phone: String = "+6281234567890",
        anonymous: Bool = false, channel: ChannelID = "sms-1708"
    ) async throws -> Receipt {
        try await server.gateway.submit(
            [SampleMessage.sms(channelID: channel, from: phone, text: text, anonymous: anonymous)], raw: [], receivedAt: time
        )[0]
    }

    static func mergeReason(_ journalID: Int64, in server: GatewayServer) async throws -> String? {
        try await server.database.read { connection in
            try connection.query("SELECT dedup_reason FROM journal WHERE id = ?", [.integer(journalID)]).first?.string(0)
        }
    }

    @Test("three messages within the window are one complaint; one after the window starts a new one")
    func burstJoinsAndEnds() async throws {
        let seams = try SeamServer(channels: [ChannelConfig(id: "sms-1708", type: .sms, burstSeconds: 90)])
        defer { seams.remove() }
        try await seams.withOpen { server in
            let start = Date()
            let first = try await Self.send(server, Self.texts[0], at: start)
            // Each message restarts the window: 80 s and 160 s are each within 90 s of the one before.
            let second = try await Self.send(server, Self.texts[1], at: start + 80)
            let third = try await Self.send(server, Self.texts[2], at: start + 160)
            for receipt in [second, third] {
                #expect(receipt.duplicate && receipt.trackingNumber == first.trackingNumber && receipt.complaintID == first.complaintID)
                #expect(try await Self.mergeReason(receipt.journalID, in: server) == "burst: same reporter within 90s")
            }
            let later = try await Self.send(server, Self.texts[3], at: start + 160 + 91)
            #expect(!later.duplicate && later.trackingNumber != first.trackingNumber)
            #expect(try await server.database.complaintTotal() == 2)
            // Another reporter inside the window is not part of anyone's burst.
            let other = try await Self.send(server, Self.texts[1], at: start + 170, from: "+6281299990000")
            #expect(!other.duplicate)
        }
    }

    @Test("burst_seconds 0 keeps every message its own complaint")
    func burstOff() async throws {
        let seams = try SeamServer(channels: [ChannelConfig(id: "sms-1708", type: .sms, burstSeconds: 0)])
        defer { seams.remove() }
        try await seams.withOpen { server in
            let start = Date()
            for (offset, text) in Self.texts.prefix(3).enumerated() {
                let receipt = try await Self.send(server, text, at: start + Double(offset))
                #expect(!receipt.duplicate)
            }
            let total = try await server.database.complaintTotal()
            #expect(total == 3)
        }
    }

    @Test("anonymous reports are never joined into a burst, not even from the same address")
    func anonymousNeverMerged() async throws {
        let seams = try SeamServer(channels: [ChannelConfig(id: "sms-1708", type: .sms, burstSeconds: 90)])
        defer { seams.remove() }
        try await seams.withOpen { server in
            let start = Date()
            let one = try await Self.send(server, Self.texts[0], at: start, anonymous: true)
            let two = try await Self.send(server, Self.texts[1], at: start + 5, anonymous: true)
            let three = try await Self.send(server, Self.texts[2], at: start + 10, from: "+6281299990000", anonymous: true)
            let merged = [one, two, three].filter { $0.duplicate }
            #expect(merged.isEmpty)
            let total = try await server.database.complaintTotal()
            #expect(total == 3)
        }
    }

    @Test("a burst longer than every merge window still keeps its reporter known, so no part of it is deferred alone")
    func backlogCoversTheBurstWindow() async throws {
        // A one-hour merge window and a two-hour burst: the backlog must know the reporter for two hours.
        let seams = try SeamServer(
            channels: [ChannelConfig(id: "sms-1708", type: .sms, burstSeconds: 7200)], dedup: DedupSettings(window: .seconds(3600))
        )
        defer { seams.remove() }
        try await seams.withOpen { server in
            let backlog = try #require(server.gateway.backlog)
            #expect(backlog.window >= 7200)
            backlog.enable()
            let start = Date()
            let first = try await Self.send(server, Self.texts[0], at: start)
            #expect(first.complaintID == nil, "an unknown reporter's first message is deferred")
            try await server.gateway.settle()
            let second = try await Self.send(server, Self.texts[1], at: start + 5000)
            #expect(second.complaintID != nil, "a known reporter is decided before the answer")
            #expect(second.duplicate && second.trackingNumber == first.trackingNumber)
            #expect(try await server.database.complaintTotal() == 1)
        }
    }
}

