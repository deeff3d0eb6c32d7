import Foundation

/// The language a citizen reads the web form's pages and answers in: Bahasa Indonesia unless they ask for
/// English. One rule for the server's pages and the web-form adapter's JSON answers and acknowledgments.
public enum CitizenLanguage: String, Sendable, CaseIterable {
    /// Bahasa Indonesia, the default.
    case indonesian = "id"
    /// English.
    case english = "en"

    /// A language code as a page or a channel writes it: English for `en` and `en-…`, else Bahasa Indonesia.
    public init(code: String) {
        self = code.lowercased().hasPrefix("en") ? .english : .indonesian
    }

    /// The language of a request: `query` (the `lang` query parameter, which a page's links and form action
    /// carry once the citizen chose) when it is `id` or `en`, else the first `Accept-Language` tag when it is
    /// Indonesian or English, else the channel's `language`.
    public static func of(query: String? = nil, acceptLanguage: String?, channelLanguage: String = "id") -> CitizenLanguage {
        switch query?.lowercased() {
        case "en": return .english
        case "id": return .indonesian
        default: break
        }
        if let header = acceptLanguage {
            let first = header.split(separator: ",").first?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            if first == "en" || first.hasPrefix("en-") { return .english }
            if first == "id" || first.hasPrefix("id-") || first == "in" { return .indonesian }
        }
        return CitizenLanguage(code: channelLanguage)
    }

    /// The other language, for the page's language switch.
    public var other: CitizenLanguage { self == .english ? .indonesian : .english }
}
