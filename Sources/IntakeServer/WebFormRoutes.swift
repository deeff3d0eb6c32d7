import Foundation
import Hummingbird
import IntakeModel
import Synchronization

/// The web form's doors, which lead to the `webform` channel's adapter through the ordinary webhook path
/// (so a submission is journaled durably before it is answered):
///
/// - `GET /api/v1/reports/token[?channel=<id>]`: a fresh form token (`{"form_token", "expires_at", …}`).
/// - `POST /api/v1/reports[?channel=<id>]`: a report from an app, answered in JSON.
/// - `POST /lapor`, `POST /lapor/{channel_id}`: the page's form; a stored report is answered 303 to
///   `/lapor/terima?nomor=<tracking number>`, a refused one with the form again in HTML (`FormPageRoutes`).
///
/// Without `channel` the API's doors serve the first configured channel of `type: webform`; `/lapor` serves the
/// first one that has a page (no `app_key`). Submissions are limited per
/// client address and channel (the channel's `submissions_per_minute`, default 10) in memory by
/// `FormSubmissionGate`, which `POST /webhooks/{channel_id}` shares: a restart forgets the counts. Behind a
/// reverse proxy named in `server.trusted_proxies` the client is the one `X-Forwarded-For` names
/// (`ClientAddresses`); an IPv6 client counts by its /64.
struct WebFormRoutes: Sendable {
    static let type = ChannelType("webform")
    static let defaultPerMinute = 10

    let webhooks: WebhookRoutes
    let refusal: Refusal
    /// Channel ids in configuration order: "the first webform channel" is the first one configured.
    let order: [ChannelID]
    /// The citizen's pages, whose routes this registers too.
    let pages: FormPages

    /// The status page's address under `publicURL` when `channels` include a web form (which serves it), for
    /// acknowledgments that arrive where `CEK` cannot be asked (`ReplyOutbox.statusPage`).
    static func statusPage(publicURL: String, channels: [ChannelConfig]) -> String? {
        channels.contains { $0.type == type } ? publicURL + "/lapor/status" : nil
    }

    func register(on router: Router<IntakeRequestContext>) {
        guard let first = order.first(where: { webhooks.channels[$0]?.config.type == Self.type }) else { return }
        // The page doors serve the first webform channel that has a page (no app key); the API's default stays `first`.
        var probe = FormPageRoutes(webhooks: webhooks, pages: pages, first: first)
        probe.first = order.first { probe.pageAdapter($0) != nil } ?? first
        let pageRoutes = probe
        pageRoutes.register(on: router)
        @Sendable func named(_ request: Request) -> String { request.uri.queryParameters.get("channel") ?? first }
        router.get("/api/v1/reports/token") { request, _ in
            let id = named(request)
            guard webhooks.channels[id]?.config.type == Self.type else { return refusal.respond(.unknownChannel(id), channel: nil, id: id) }
            return await webhooks.handle(request, channelID: id)
        }
        router.post("/api/v1/reports") { request, context in
            await submit(request, channelID: named(request), address: webhooks.clientKey(request, context), page: nil)
        }
        router.post("/lapor") { request, context in
            await submit(request, channelID: pageRoutes.first, address: webhooks.clientKey(request, context), page: pageRoutes)
        }
        router.post("/lapor/:channel_id") { request, context in
            await submit(request, channelID: context.parameters.get("channel_id") ?? "", address: webhooks.clientKey(request, context), page: pageRoutes)
        }
    }

    /// Counts the address against its limit, then hands the request to the channel's adapter. With `page`, the
    /// answer is the page's: a redirect to the receipt, or the form again in the citizen's language.
    func submit(_ request: Request, channelID: String, address: String?, page: FormPageRoutes?) async -> Response {
        // Only webform channels answer here: the form's doors must not reach a provider's webhook.
        guard let channel = webhooks.channels[channelID], channel.config.type == Self.type else {
            let answer = refusal.respond(.unknownChannel(channelID), channel: nil, id: channelID)
            guard let page else { return answer }
            return page.notice(404, language: page.language(request), heading: "not_found_title", message: "unknown_channel", path: "/lapor")
        }
        let language = page?.language(request, channel: channel.config)
        if let page, let language, !Self.isOwnPage(request, publicURL: webhooks.publicURL) {
            return page.notice(403, language: language, heading: "error_title", message: "cross_site", path: "/lapor")
        }
        if let wait = webhooks.formGate?.wait(channel, id: channelID, address: address) {
            let answer = refusal.respond(.rateLimited(retryAfter: wait), channel: channel, id: channelID)
            guard let page, let language else { return answer }
            return page.refusedPage(nil, .rateLimited(retryAfter: wait), channelID: channelID, language: language) ?? answer
        }
        // The page's form is answered with a redirect to its receipt; the API with the adapter's JSON.
        guard let page, let language else { return await webhooks.handle(request, channelID: channelID) }
        let lang = request.uri.queryParameters.get("lang") == nil ? "" : "&lang=" + language.rawValue
        return await webhooks.handle(request, channelID: channelID, seeOther: { "/lapor/terima?nomor=\($0.trackingNumber)\(lang)" }) {
            page.refusedPage($0, $1, channelID: channelID, language: language)
        }
    }
}

extension WebFormRoutes {
    /// Whether a page POST comes from the gateway's own pages: not `Sec-Fetch-Site: cross-site`, and an `Origin`
    /// (when the browser sends one) that is `public_url`'s or the request's own host. `Origin: null` (what a
    /// `no-referrer` page sends) is left to `Sec-Fetch-Site`. The JSON API is for apps and is not asked this.
    static func isOwnPage(_ request: Request, publicURL: String) -> Bool {
        if request.headers[HTTPFields.Element.Name("Sec-Fetch-Site")!]?.lowercased() == "cross-site" { return false }
        guard let origin = request.headers[HTTPFields.Element.Name("Origin")!]?.lowercased(), origin != "null" else { return true }
        let own = publicURL.lowercased()
        if own == origin || own.hasPrefix(origin + "/") { return true }
        guard let host = request.head.authority?.lowercased(), let separator = origin.range(of: "://") else { return false }
        return origin[separator.upperBound...] == host
    }
}

/// The per-address limit of web-form submissions, one count per channel and address whichever door a
/// submission takes (`/lapor`, `/api/v1/reports`, `/webhooks/{channel_id}`).
struct FormSubmissionGate: Sendable {
    let refusal: Refusal
    /// Who a request comes from (`server.trusted_proxies`).
    var clients = ClientAddresses(trusted: [])
    let limiter = SubmissionLimiter()

    /// The 429 answer (with `Retry-After`) when `address` is past `channel`'s `submissions_per_minute`, counting
    /// this submission otherwise; nil for a channel of another type.
    func refuse(_ channel: ServedChannel, id: ChannelID, address: String?) -> Response? {
        guard let wait = wait(channel, id: id, address: address) else { return nil }
        return refusal.respond(.rateLimited(retryAfter: wait), channel: channel, id: id)
    }

    /// The seconds `address` must wait when it is past `channel`'s `submissions_per_minute`, counting this
    /// submission otherwise (nil); nil for a channel of another type. The caller answers the refusal.
    func wait(_ channel: ServedChannel, id: ChannelID, address: String?) -> Int? {
        guard channel.config.type == WebFormRoutes.type else { return nil }
        let perMinute = channel.config.settings["submissions_per_minute"].flatMap(Int.init) ?? WebFormRoutes.defaultPerMinute
        return limiter.admit(key: "\(id) \(address ?? "-")", perMinute: perMinute, now: ContinuousClock.now)
    }
}

/// Submissions per client address in a sliding minute, in memory.
final class SubmissionLimiter: Sendable {
    private let recent = Mutex<[String: [ContinuousClock.Instant]]>([:])
    /// Past this many addresses, those with nothing in the last minute are forgotten.
    private static let pruneAbove = 10_000

    /// Nil when `key` may submit now (and the submission is counted); otherwise the seconds until it may.
    func admit(key: String, perMinute: Int, now: ContinuousClock.Instant) -> Int? {
        let window = Duration.seconds(60)
        return recent.withLock { recent in
            if recent.count > Self.pruneAbove {
                recent = recent.filter { _, times in times.last.map { now - $0 < window } ?? false }
            }
            var times = (recent[key] ?? []).filter { now - $0 < window }
            defer { recent[key] = times }
            guard times.count < max(1, perMinute) else {
                let wait = window - (now - times[0])
                return max(1, Int(wait.components.seconds) + 1)
            }
            times.append(now)
            return nil
        }
    }
}
