import Foundation
import Hummingbird
import IntakeCore
import IntakeModel

/// The citizen's pages, server-rendered (the submissions themselves are `WebFormRoutes`'):
///
/// - `GET /lapor`, `GET /lapor/{channel_id}`: the form (the first `webform` channel without an app key, or that one).
/// - `GET /lapor/terima?nomor=`: the receipt: the number, when it was received and its status, nothing else.
/// - `GET /lapor/status[?nomor=]`: the status of a number through the status-question seam, read-only.
/// - `GET /lapor/wilayah?q=`: district and regency suggestions for the location field, as JSON.
///
/// Bahasa Indonesia unless `?lang=en` (or the browser) asks for English. The receipt and the status page
/// show no title, text or contact: anyone can type a number into the address bar. Lookups are limited per
/// client address (`lookupsPerMinute`), so numbers cannot be tried quickly one after another.
struct FormPageRoutes: Sendable {
    static let lookupsPerMinute = 30

    let webhooks: WebhookRoutes
    let pages: FormPages
    /// The channel `/lapor` serves: the first webform channel that has a page.
    var first: ChannelID
    let lookups = SubmissionLimiter()

    func register(on router: Router<IntakeRequestContext>) {
        page("/lapor", on: router) { request, _ in form(request, channelID: first) }
        page("/lapor/terima", on: router) { request, context in
            await lookup(request, address: webhooks.clientKey(request, context), receipt: true)
        }
        page("/lapor/status", on: router) { request, context in
            await lookup(request, address: webhooks.clientKey(request, context), receipt: false)
        }
        page("/lapor/wilayah", on: router) { request, _ in
            let items = pages.wilayah.suggestions(request.uri.queryParameters.get("q") ?? "").map { ["name": $0] }
            return (try? AdminRoutes.json(["items": items])) ?? Response(status: .internalServerError)
        }
        page("/lapor/:channel_id", on: router) { request, context in form(request, channelID: context.parameters.get("channel_id") ?? "") }
    }

    /// Registers `handler` for GET, and for HEAD with the same status and headers and no body (what uptime and
    /// link checkers send): a page that answers GET is not "down" to them.
    private func page(
        _ path: RouterPath, on router: Router<IntakeRequestContext>,
        _ handler: @escaping @Sendable (Request, IntakeRequestContext) async -> Response
    ) {
        router.get(path, use: handler)
        router.head(path) { request, context in
            var response = await handler(request, context)
            let length = response.headers[.contentLength]
            response.body = ResponseBody()
            response.headers[.contentLength] = length
            return response
        }
    }

    /// The page's language: `?lang=`, else the browser's, else the channel's.
    func language(_ request: Request, channel: ChannelConfig? = nil) -> CitizenLanguage {
        CitizenLanguage.of(
            query: request.uri.queryParameters.get("lang"), acceptLanguage: request.headers[.acceptLanguage],
            channelLanguage: channel?.language ?? "id"
        )
    }

    /// The webform channel `id` when its page may be served.
    func pageAdapter(_ id: String) -> (ServedChannel, any FormPageAdapter)? {
        guard let channel = webhooks.channels[id], channel.config.type == WebFormRoutes.type,
              let adapter = channel.webhook as? any FormPageAdapter, adapter.servesPage else { return nil }
        return (channel, adapter)
    }

    /// A blank form, or 404 for a channel that has no page.
    func form(_ request: Request, channelID: String) -> Response {
        guard let found = pageAdapter(channelID) else {
            return notice(404, language: language(request), heading: "not_found_title", message: "unknown_channel", path: "/lapor")
        }
        let (channel, adapter) = found
        var view = FormView(
            channelID: channelID, isFirst: channelID == first, language: language(request, channel: channel.config),
            token: adapter.issueToken(), limits: adapter.attachmentLimits
        )
        view.replyKinds = Set(channel.config.replyVia.keys)
        return render(view)
    }

    func render(_ view: FormView, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        pages.page(
            "form", status: status, language: view.language, switchHref: view.path + "?lang=" + view.language.other.rawValue,
            title: "form_title", context: view.context(regencies: pages.wilayah.regencies), headers: headers
        )
    }

    /// A page with one message: an unknown form, a refused request.
    func notice(_ status: Int, language: CitizenLanguage, heading: String, message: String, values: [String: String] = [:], path: String) -> Response {
        let text = language.text
        return pages.page(
            "notice", status: HTTPResponse.Status(code: status), language: language, switchHref: path + "?lang=" + language.other.rawValue,
            title: heading, context: [
                "heading": text.fill(heading), "message": text.fill(message, values), "back_href": "/lapor?lang=" + language.rawValue,
                "back_label": text.fill("back_to_form"),
            ]
        )
    }
}

extension FormPageRoutes {
    /// The page's answer to a refused submission, or nil to keep the adapter's (a channel with no page).
    /// Field problems come back next to their fields with what was typed; a request refused before it was
    /// read (too large, too many) comes back blank, saying so; a bot's gets a page that says nothing.
    func refusedPage(_ seen: WebhookRequest?, _ failure: HTTPFailure, channelID: String, language: CitizenLanguage) -> Response? {
        guard let (channel, adapter) = pageAdapter(channelID) else { return nil }
        let text = language.text
        let isFirst = channelID == first
        func blank(_ message: String, headers: HTTPFields = [:]) -> Response {
            var view = FormView(channelID: channelID, isFirst: isFirst, language: language, token: adapter.issueToken(),
                                limits: adapter.attachmentLimits, notices: [message, text.fill("typed_lost")])
            view.replyKinds = Set(channel.config.replyVia.keys)
            return render(view, status: failure.status, headers: headers)
        }
        func typedAgain(_ seen: WebhookRequest, notice: String?) -> Response {
            let review = adapter.review(seen, language: language.rawValue)
            var view = FormView(refused: review, channelID: channelID, isFirst: isFirst, language: language,
                                freshToken: adapter.issueToken, limits: adapter.attachmentLimits)
            if let notice { view.notices.insert(notice, at: 0) }
            view.replyKinds = Set(channel.config.replyVia.keys)
            if view.problems.isEmpty && view.notices.isEmpty { view.notices.append(text.fill("unreadable")) }
            return render(view, status: failure.status)
        }
        switch failure {
        case .adapter(.refused(let reason, _)) where reason == "honeypot":
            return notice(400, language: language, heading: "error_title", message: "honeypot", path: "/lapor")
        case .adapter(.refused):
            return seen.map { typedAgain($0, notice: nil) }
        case .storage:
            return seen.map { typedAgain($0, notice: text.fill("unavailable")) } ?? blank(text.fill("unavailable"))
        case .adapter(.malformed):
            return blank(text.fill("unreadable"))
        case .bodyTooLarge(let limit):
            return blank(text.fill("too_large", ["limit": FormPages.size(limit)]))
        case .rateLimited(let wait):
            return blank(text.fill("rate_limited", ["seconds": "\(wait)"]), headers: [.retryAfter: "\(wait)"])
        default:
            return nil
        }
    }
}
