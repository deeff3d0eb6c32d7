import Foundation
@testable import IntakeModel
@testable import IntakeStorage
import Testing

/// Complaints as the API lists and finds them: cursor pages, filters, tracking-number spellings.
@Suite("Complaint listing", .timeLimit(.minutes(2)))
struct ComplaintListingTests {
    @Test func pagesOfFiftyOverOneHundredTwentyComplaints() async throws {
        try await withDatabase { database, _ in
            let stored = try await database.write { connection in try ListingSample.all.map { try ListingSample.store($0, in: connection) } }
            var pages: [ComplaintPage] = []
            var cursor: Int64?
            repeat {
                let after = cursor
                let page = try await database.read { try $0.complaints(ComplaintFilter(), after: after, limit: 50) }
                pages.append(page)
                cursor = page.nextCursor
            } while cursor != nil && pages.count < 10

            #expect(pages.map(\.items.count) == [50, 50, 20])
            #expect(pages.map { $0.nextCursor == nil } == [false, false, true])
            #expect(pages.flatMap(\.items) == stored)
        }
    }

    @Test func exactlyFullLastPageHasNoNextCursor() async throws {
        try await withDatabase { database, _ in
            let stored = try await database.write { connection in
                try ListingSample.all.prefix(100).map { try ListingSample.store($0, in: connection) }
            }
            let second = try await database.read { connection in
                let first = try connection.complaints(ComplaintFilter(), after: nil, limit: 50)
                return try connection.complaints(ComplaintFilter(), after: first.nextCursor, limit: 50)
            }
            #expect(second.items.map(\.id) == stored.suffix(50).map(\.id))
            #expect(second.nextCursor == nil)
        }
    }

    @Test(arguments: ListingFilterCase.all)
    func listingFilterReturnsExactlyTheMatchingComplaints(_ filterCase: ListingFilterCase) async throws {
        try await withDatabase { database, _ in
            let stored = try await database.write { connection in try ListingSample.all.map { try ListingSample.store($0, in: connection) } }
            var listed: [Complaint] = []
            var cursor: Int64?
            repeat {
                let after = cursor
                let page = try await database.read { try $0.complaints(filterCase.filter, after: after, limit: 7) }
                listed += page.items
                cursor = page.nextCursor
            } while cursor != nil && listed.count <= stored.count
            let expected = zip(ListingSample.all, stored).filter { filterCase.matches($0.0) }.map(\.1.id)
            #expect(!expected.isEmpty)
            #expect(listed.map(\.id) == expected)
        }
    }

    enum TrackingNumberSpelling: String, CaseIterable, Sendable {
        case canonical, lowercase, withoutDashes, lowercaseWithoutDashes, symbolsOnly

        func spell(_ number: TrackingNumber) -> String {
            switch self {
            case .canonical: number.description
            case .lowercase: number.description.lowercased()
            case .withoutDashes: number.description.replacingOccurrences(of: "-", with: "")
            case .lowercaseWithoutDashes: number.description.replacingOccurrences(of: "-", with: "").lowercased()
            case .symbolsOnly: number.symbols.lowercased()
            }
        }
    }

    @Test(arguments: TrackingNumberSpelling.allCases)
    func complaintIsFoundByIdAndByTrackingNumber(_ spelling: TrackingNumberSpelling) async throws {
        try await withDatabase { database, _ in
            let stored = try await database.write { connection in try ListingSample.all.prefix(5).map { try ListingSample.store($0, in: connection) } }
            let wanted = stored[2]
            let byID = try await database.read { try $0.complaint(idOrTrackingNumber: wanted.id) }
            let byNumber = try await database.read { try $0.complaint(idOrTrackingNumber: spelling.spell(wanted.trackingNumber)) }
            #expect(byID == wanted)
            #expect(byNumber == wanted)
        }
    }

    @Test func unknownIdAndMistypedTrackingNumberFindNothing() async throws {
        try await withDatabase { database, _ in
            let stored = try await database.write { connection in try ListingSample.store(ListingSample.all[0], in: connection) }
            var symbols = Array(stored.trackingNumber.symbols)
            symbols[7] = symbols[7] == "7" ? "8" : "7"  // A wrong check symbol: never a valid number.
            let mistyped = "LPR-\(String(symbols.prefix(4)))-\(String(symbols.suffix(4)))"
            #expect(try await database.read { try $0.complaint(idOrTrackingNumber: mistyped) } == nil)
            #expect(try await database.read { try $0.complaint(idOrTrackingNumber: ComplaintID.make()) } == nil)
            #expect(try await database.read { try $0.complaint(idOrTrackingNumber: TrackingNumber.random().description) } == nil)
        }
    }
}
