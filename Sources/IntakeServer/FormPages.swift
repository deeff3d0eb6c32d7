import Foundation
import Hummingbird
import IntakeDedup
import IntakeModel
import Mustache
import NIOCore

/// Why the pages' templates could not be loaded: the gateway does not start without them.
enum PageTemplateError: Error, CustomStringConvertible {
    case missingDirectory
    case missing(String)
    case invalid(String, any Error)

    var description: String {
        switch self {
        case .missingDirectory: "the page templates directory is missing from the IntakeServer resources"
        case .missing(let name): "the page template \(name).mustache is missing"
        case .invalid(let name, let error): "the page template \(name).mustache does not parse: \(error)"
        }
    }
}

/// The citizen's pages (the form, its receipt, the status page), rendered from the `.mustache` templates
/// shipped in `Templates/`, loaded once at start; and the place names the form suggests.
struct FormPages: Sendable {
    /// Every template the pages use: a missing one is a start-up error, not a 500 later.
    static let templateNames = ["head", "foot", "form", "receipt", "status", "notice"]

    let library: MustacheLibrary
    let wilayah: Wilayah

    /// Reads and parses every template from `directory` (by default the module's `Templates` resource).
    static func load(directory: URL? = nil, gazetteer: Gazetteer = .shipped) throws(PageTemplateError) -> FormPages {
        guard let directory = directory ?? Bundle.module.url(forResource: "Templates", withExtension: nil) else { throw .missingDirectory }
        var templates: [String: MustacheTemplate] = [:]
        for name in templateNames {
            guard let text = try? String(contentsOf: directory.appendingPathComponent(name + ".mustache"), encoding: .utf8) else {
                throw .missing(name)
            }
            do {
                templates[name] = try MustacheTemplate(string: text)
            } catch {
                throw .invalid(name, error)
            }
        }
        return FormPages(library: MustacheLibrary(templates: templates), wilayah: Wilayah(gazetteer))
    }

    /// `template` rendered with `context` and the page frame's values, as an HTML response.
    func page(
        _ template: String, status: HTTPResponse.Status = .ok, language: CitizenLanguage, switchHref: String, title: String,
        context: [String: Any], headers: HTTPFields = [:]
    ) -> Response {
        var values = context
        let text = language.text
        values["lang"] = language.rawValue
        values["other_lang"] = language.other.rawValue
        values["t"] = text
        values["lang_switch_href"] = switchHref
        values["page_title"] = text[title] ?? title
        let html = library.render(values, withTemplate: template) ?? ""
        return Self.html(html, status: html.isEmpty ? .internalServerError : status, headers: headers)
    }

    /// An HTML answer no cache keeps (forms carry tokens, receipts numbers), loading nothing from elsewhere.
    static func html(_ text: String, status: HTTPResponse.Status, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            HTTPFields.Element.Name("Content-Security-Policy")!: "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            HTTPFields.Element.Name("X-Content-Type-Options")!: "nosniff",
            HTTPFields.Element.Name("Referrer-Policy")!: "no-referrer",
        ]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A limit as the citizen reads it: `10 MB`, `64 KB`, `500 B` (as the backend's messages write it).
    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MB" : bytes >= 1 << 10 ? "\(bytes >> 10) KB" : "\(bytes) B"
    }

    /// `date` in Western Indonesian Time, as the citizen reads it: `5 Desember 2026, 08.36 WIB`.
    static func received(_ date: Date, language: CitizenLanguage) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 7 * 3600)!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let months = (language.text["months"] ?? "").split(separator: " ")
        let month = months.indices.contains((parts.month ?? 1) - 1) ? String(months[(parts.month ?? 1) - 1]) : "\(parts.month ?? 0)"
        let separator = language == .english ? ":" : "."
        let time = String(format: "%02d%@%02d", parts.hour ?? 0, separator, parts.minute ?? 0)
        return "\(parts.day ?? 0) \(month) \(parts.year ?? 0), \(time) WIB"
    }
}
