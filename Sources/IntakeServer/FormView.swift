import Foundation
import IntakeModel

/// One rendering of the citizen's form: blank, or again after a refusal with what was typed, each field's
/// message and the summary at the top that links to them.
struct FormView {
    /// The fields the page shows, in order; the summary lists problems in this order.
    static let fields = [
        "title", "body", "kind", "incident_date", "location", "agency", "category", "attachments", "anonymous", "confidential",
        "contact_phone", "contact_email",
    ]

    var channelID: String
    /// Whether the channel is the one `/lapor` serves (its links then omit the id).
    var isFirst: Bool
    var language: CitizenLanguage
    var token: String
    var limits: (perFile: Int, perMessage: Int, count: Int)
    /// What was typed, by field name.
    var values: [String: String] = [:]
    /// Field name (or `attachments[i]`, `form_token`) → message in `language`.
    var problems: [String: String] = [:]
    /// Summary lines that belong to no field (the token, the rate limit, the files not kept).
    var notices: [String] = []
    /// The contact kinds the channel sends news to (`reply_email_via`, `reply_sms_via`): the page promises no other.
    var replyKinds: Set<ReporterKind> = []

    /// `/lapor` or `/lapor/<channel>`.
    var path: String {
        isFirst ? "/lapor" : "/lapor/" + (channelID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? channelID)
    }

    /// The view of a refused submission, from what the adapter made of it.
    init(refused review: FormReview, channelID: String, isFirst: Bool, language: CitizenLanguage, freshToken: () -> String,
         limits: (perFile: Int, perMessage: Int, count: Int)) {
        self.channelID = channelID
        self.isFirst = isFirst
        self.language = language
        self.limits = limits
        let typed = review.fields["form_token"]?.trimmingCharacters(in: .whitespaces) ?? ""
        token = review.needsFreshToken || typed.isEmpty ? freshToken() : typed
        values = review.fields.filter { Self.fields.contains($0.key) }
        problems = review.problems
        if let token = problems.removeValue(forKey: "form_token") { notices.append(token) }
        if review.fileCount > 0 { notices.append(language.text.fill("files_lost")) }
    }

    init(channelID: String, isFirst: Bool, language: CitizenLanguage, token: String, limits: (perFile: Int, perMessage: Int, count: Int), notices: [String] = []) {
        self.channelID = channelID
        self.isFirst = isFirst
        self.language = language
        self.token = token
        self.limits = limits
        self.notices = notices
    }

    /// The messages next to each field: the files' problems are joined under `attachments`.
    var fieldErrors: [String: String] {
        let text = language.text
        var errors: [String: String] = [:]
        let files = problems.keys.filter { $0.hasPrefix("attachments[") }.sorted { Self.index($0) < Self.index($1) }
        for (name, message) in problems where Self.fields.contains(name) { errors[name] = message }
        let fileMessages = files.map { text.fill("file_number", ["n": "\(Self.index($0) + 1)"]) + " " + (problems[$0] ?? "") }
        if !fileMessages.isEmpty {
            errors["attachments"] = ([errors["attachments"]].compactMap { $0 } + fileMessages).joined(separator: " ")
        }
        return errors
    }

    private static func index(_ key: String) -> Int {
        Int(key.dropFirst("attachments[".count).dropLast()) ?? 0
    }

    /// The template's values.
    func context(regencies: [String], now: Date = Date()) -> [String: Any] {
        let text = language.text
        let errors = fieldErrors
        let summary: [[String: String]] = Self.fields.compactMap { name in
            errors[name].map { ["field": name, "message": text.fill(name + "_label") + ": " + $0] }
        }
        let kind = values["kind"]?.lowercased() ?? ReportKind.complaint.rawValue
        let kinds: [[String: Any]] = ReportKind.allCases.map {
            ["value": $0.rawValue, "label": text.fill("kind_" + $0.rawValue), "selected": $0.rawValue == kind]
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 9 * 3600)!
        let day = calendar.dateComponents([.year, .month, .day], from: now)
        return [
            "action": path + "?lang=" + language.rawValue,
            "status_href": "/lapor/status?lang=" + language.rawValue,
            "token": token,
            "values": values,
            "errors": errors,
            "checked": ["anonymous": Self.isOn(values["anonymous"]), "confidential": Self.isOn(values["confidential"])],
            "summary": summary,
            "notices": notices,
            "has_summary": !summary.isEmpty || !notices.isEmpty,
            "kinds": kinds,
            "regencies": regencies,
            "contact_legend": text.fill(replyKinds.isEmpty ? "contact_legend_plain" : "contact_legend"),
            "contact_intro": text.fill(Self.contactIntro(replyKinds)),
            "limits": text.fill("limits", [
                "per_file": FormPages.size(limits.perFile), "per_message": FormPages.size(limits.perMessage), "count": String(limits.count),
            ]),
            "today": String(format: "%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0),
        ]
    }

    /// The contact text's key: news by both, by email or SMS only, or none at all.
    static func contactIntro(_ kinds: Set<ReporterKind>) -> String {
        switch (kinds.contains(.email), kinds.contains(.phone)) {
        case (true, true): "contact_intro"
        case (true, false): "contact_intro_email"
        case (false, true): "contact_intro_phone"
        case (false, false): "contact_intro_none"
        }
    }

    private static func isOn(_ value: String?) -> Bool {
        ["on", "true", "1", "yes", "ya"].contains(value?.lowercased() ?? "")
    }
}
