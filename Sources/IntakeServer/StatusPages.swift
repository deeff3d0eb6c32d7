import Foundation
import Hummingbird
import IntakeCore
import IntakeModel

/// The receipt (`/lapor/terima`) and the status page (`/lapor/status`): the same read-only lookup, shown as a
/// printable receipt or as the answer under a one-field form. Neither shows anything personal.
extension FormPageRoutes {
    func lookup(_ request: Request, address: String?, receipt: Bool) async -> Response {
        let language = self.language(request)
        let explicit = request.uri.queryParameters.get("lang") != nil
        let typed: String? = request.uri.queryParameters.get("nomor").map { String($0) }
        let path = receipt ? "/lapor/terima" : "/lapor/status"
        let switchHref = path + "?" + ((typed?.isEmpty ?? true) ? "" : "nomor=\(Self.escape(typed ?? ""))&") + "lang=" + language.other.rawValue
        // An empty status form is free; each number looked up counts against the address.
        guard let typed, !typed.trimmingCharacters(in: .whitespaces).isEmpty else {
            if receipt { return notice(400, language: language, heading: "receipt_title", message: "status_empty", path: path) }
            return statusPage(language: language, explicit: explicit, switchHref: switchHref, typed: "", answer: nil)
        }
        if let wait = lookups.admit(key: "lookup \(address ?? "-")", perMinute: Self.lookupsPerMinute, now: .now) {
            let headers: HTTPFields = [.retryAfter: "\(wait)"]
            let text = language.text.fill("status_limited", ["seconds": "\(wait)"])
            return statusPage(language: language, explicit: explicit, switchHref: switchHref, typed: typed, answer: (text, true), status: .tooManyRequests, headers: headers)
        }
        let found: StatusLookup
        do {
            found = try await webhooks.gateway.lookUpStatus(typed, language: language.reply)
        } catch {
            webhooks.logger.error("status lookup failed", metadata: ["error": "\(error)"])
            return notice(503, language: language, heading: "receipt_status", message: "unavailable", path: path)
        }
        let text = language.text
        let (status, message): (HTTPResponse.Status, String) = switch found {
        case .found(let number, let words, _): (.ok, text.fill("status_found", ["number": number, "status": words]))
        case .notFound(let number): (.notFound, text.fill("status_not_found", ["number": number]))
        case .mistyped(let typed): (.badRequest, text.fill("status_mistyped", ["number": typed.uppercased()]))
        case .empty: (.badRequest, text.fill("status_empty"))
        }
        if receipt, case .found(let number, let words, let receivedAt) = found {
            return receiptPage(language: language, switchHref: switchHref, number: number, words: words, receivedAt: receivedAt)
        }
        if receipt {
            return pages.page("notice", status: status, language: language, switchHref: switchHref, title: "receipt_title", context: [
                "heading": text.fill("receipt_title"), "message": message,
                "back_href": "/lapor/status?lang=" + language.rawValue, "back_label": text.fill("status_title"),
            ])
        }
        return statusPage(language: language, explicit: explicit, switchHref: switchHref, typed: typed, answer: (message, status != .ok), status: status)
    }

    func receiptPage(language: CitizenLanguage, switchHref: String, number: String, words: String, receivedAt: Date?) -> Response {
        let text = language.text
        var context: [String: Any] = [
            "number": number, "status": words,
            "status_href": "/lapor/status?nomor=\(Self.escape(number))&lang=\(language.rawValue)",
            "form_href": "/lapor?lang=" + language.rawValue,
            // In words too: a printed receipt must say where to check (links print as plain text).
            "status_at": text.fill("receipt_check_at", ["url": webhooks.publicURL + "/lapor/status"]),
        ]
        if let receivedAt {
            context["received"] = FormPages.received(receivedAt, language: language)
            context["received_iso"] = Timestamp.format(receivedAt)
        }
        return pages.page("receipt", language: language, switchHref: switchHref, title: "receipt_title", context: context)
    }

    func statusPage(
        language: CitizenLanguage, explicit: Bool, switchHref: String, typed: String, answer: (text: String, problem: Bool)?,
        status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) -> Response {
        var context: [String: Any] = [
            "nomor": String(typed.prefix(40)), "explicit_lang": explicit, "form_href": "/lapor?lang=" + language.rawValue,
        ]
        if let answer { context["answer"] = ["text": answer.text, "problem": answer.problem] as [String: Any] }
        return pages.page("status", status: status, language: language, switchHref: switchHref, title: "status_title", context: context, headers: headers)
    }

    /// A query value, percent-encoded.
    static func escape(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
