import Foundation

/// Where the X poller stands, stored as the channel's cursor (JSON) in the transaction of the posts it covers.
///
/// Between bursts only `since_id` is set: the newest post read. A burst larger than one page is read page by
/// page, newest first; while it lasts the cursor keeps the `since_id` the burst started from, the `next_token`
/// of the page still to read and the burst's `newest_id`, which becomes `since_id` only once the last page is
/// committed. A crash mid-burst resumes at the pending page: no post is skipped, none is read twice.
struct XCursor: Codable, Equatable {
    /// The newest post id committed before the current burst; nil before the first post ever.
    var sinceID: String?
    /// The page still to read in the current burst; nil between bursts.
    var nextToken: String?
    /// The newest post id of the current burst (its first page's `meta.newest_id`).
    var newestID: String?
    /// When the channel first polled (RFC 3339), asked as `start_time` until a first post sets `since_id`:
    /// a new channel reads only posts made after it started, not the week recent search holds.
    var startTime: String?

    enum CodingKeys: String, CodingKey {
        case sinceID = "since_id"
        case nextToken = "next_token"
        case newestID = "newest_id"
        case startTime = "start_time"
    }

    init(sinceID: String? = nil, nextToken: String? = nil, newestID: String? = nil, startTime: String? = nil) {
        self.sinceID = sinceID
        self.nextToken = nextToken
        self.newestID = newestID
        self.startTime = startTime
    }

    /// The stored form; nil (start afresh) for anything unreadable.
    init?(stored: String?) {
        guard let stored, let cursor = try? JSONDecoder().decode(XCursor.self, from: Data(stored.utf8)) else { return nil }
        self = cursor
    }

    var stored: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The cursor after `page` was read from this one.
    func after(_ page: XSearchPage) -> XCursor {
        // The burst's newest id is the first page's; later pages are older.
        let newest = nextToken == nil ? page.newestID : (newestID ?? page.newestID)
        if let token = page.nextToken {
            return XCursor(sinceID: sinceID, nextToken: token, newestID: newest, startTime: startTime)
        }
        let since = Self.larger(newest, sinceID)
        return XCursor(sinceID: since, startTime: since == nil ? startTime : nil)
    }

    /// The larger of two post ids (decimal strings of up to 19 digits), nil only when both are.
    static func larger(_ a: String?, _ b: String?) -> String? {
        guard let a else { return b }
        guard let b else { return a }
        return (a.count, a) > (b.count, b) ? a : b
    }
}
