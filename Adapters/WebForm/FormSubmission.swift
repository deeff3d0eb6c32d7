import Foundation
import IntakeModel

/// A form's fields checked one by one into a message, or the problem of every field that is wrong.
///
/// Field names are shared by the page and the API: `title`, `body`, `incident_date`, `location`, `agency`,
/// `category`, `kind`, `attachments`, `anonymous`, `confidential`, `contact_phone`, `contact_email`.
struct FormSubmission {
    /// The channel's limits on uploaded files.
    struct FileLimits {
        var perFile: Int
        var perMessage: Int
        /// The most files one report takes (`attachments_max_count`).
        var count = WebFormAdapter.defaultAttachmentsMaxCount
    }

    /// A message, or the problem of each wrong field.
    enum Outcome {
        case message(InboundMessage)
        case problems([String: FieldProblem])
    }

    static let titleMaxCharacters = 200
    static let bodyMinCharacters = 20
    static let bodyMaxCharacters = 10_000
    static let shortTextMaxCharacters = 200
    /// The fields a report has (besides `form_token` and the files); other names are ignored.
    static let fieldNames: Set = [
        "title", "body", "incident_date", "location", "agency", "category", "kind", "anonymous", "confidential", "contact_phone", "contact_email",
    ]

    let input: FormInput
    let token: FormToken
    let limits: FileLimits
    let now: Date
    /// The files the server streamed to disk; a part's pointer (`X-Intake-Stored`) must name one of them.
    var spooled: [SpooledFile] = []

    /// The message, or each wrong field's problem (`attachments[1]` for the second file).
    func message(channel: ChannelConfig) -> Outcome {
        var problems: [String: FieldProblem] = [:]
        let title = text("title", max: Self.titleMaxCharacters, required: true, into: &problems)
        let body = text("body", min: Self.bodyMinCharacters, max: Self.bodyMaxCharacters, required: true, into: &problems)
        let location = text("location", max: Self.shortTextMaxCharacters, into: &problems)
        let agency = text("agency", max: Self.shortTextMaxCharacters, into: &problems)
        let category = text("category", max: Self.shortTextMaxCharacters, into: &problems)
        let incidentDate = date(into: &problems)
        let kind = reportKind(into: &problems)
        let anonymous = flag("anonymous", into: &problems)
        let confidential = flag("confidential", into: &problems)
        let contact = reporter(into: &problems)
        let attachments = files(into: &problems)
        // An object or an array where text belongs says more than "required" does.
        for name in input.mistyped where Self.fieldNames.contains(name) { problems[name] = .notText }
        guard problems.isEmpty, let body else { return .problems(problems) }
        var metadata: [String: String] = [:]
        // A second contact (an email beside the phone) is kept for replies only, never handed off.
        if let extra = contact.extra { metadata[InboundMessage.contactEmailKey] = extra }
        return .message(InboundMessage(
            channelID: channel.id, channelType: channel.type, externalID: "form:" + token.idHex, sentAt: now,
            reporter: contact.reporter, anonymous: anonymous, confidential: confidential, kind: kind, title: title, text: body,
            location: location, incidentDate: incidentDate, category: category, agency: agency, attachments: attachments,
            tags: confidential ? ["confidential"] : [], metadata: metadata
        ))
    }

    /// A trimmed text field; nil when absent or blank.
    private func text(_ name: String, min: Int = 0, max: Int, required: Bool = false, into problems: inout [String: FieldProblem]) -> String? {
        guard let value = input.fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            if required { problems[name] = .required }
            return nil
        }
        if value.count > max { problems[name] = .tooLong(max) } else if value.count < min { problems[name] = .tooShort(min) }
        return value
    }

    /// `incident_date`: a calendar date, not after today anywhere in Indonesia (WIT, UTC+9).
    private func date(into problems: inout [String: FieldProblem]) -> String? {
        guard let value = input.fields["incident_date"]?.trimmed, !value.isEmpty else { return nil }
        let shape = value.utf8.count == 10 && value.enumerated().allSatisfy { $0.offset == 4 || $0.offset == 7 ? $0.element == "-" : $0.element.isASCII && $0.element.isNumber }
        guard shape, (try? Date.ISO8601FormatStyle().year().month().day().parse(value)) != nil else {
            problems["incident_date"] = .notADate
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 9 * 3600)!
        let today = calendar.dateComponents([.year, .month, .day], from: now)
        let todayText = String(format: "%04d-%02d-%02d", today.year ?? 0, today.month ?? 0, today.day ?? 0)
        if value > todayText { problems["incident_date"] = .futureDate }
        return value
    }

    private func reportKind(into problems: inout [String: FieldProblem]) -> ReportKind {
        guard let value = input.fields["kind"]?.trimmed.lowercased(), !value.isEmpty else { return .complaint }
        guard let kind = ReportKind(rawValue: value) else {
            problems["kind"] = .notAKind
            return .complaint
        }
        return kind
    }

    /// A checkbox (`on`), or a boolean from an app (`true`, `1`, `ya`); absent is false.
    private func flag(_ name: String, into problems: inout [String: FieldProblem]) -> Bool {
        guard let value = input.fields[name]?.trimmed.lowercased(), !value.isEmpty else { return false }
        switch value {
        case "on", "true", "1", "yes", "ya": return true
        case "off", "false", "0", "no", "tidak": return false
        default:
            problems[name] = .notABoolean
            return false
        }
    }

    /// The reporter: the contact phone or email when one is given (parsed as the other channels parse
    /// them), otherwise the form itself, so two forms are never taken for one person.
    private func reporter(into problems: inout [String: FieldProblem]) -> (reporter: Reporter, extra: String?) {
        var phone: Reporter?
        var email: Reporter?
        if let raw = input.fields["contact_phone"]?.trimmed, !raw.isEmpty {
            phone = Reporter(kind: .phone, raw: raw)
            if phone == nil { problems["contact_phone"] = .notAPhone }
        }
        if let raw = input.fields["contact_email"]?.trimmed, !raw.isEmpty {
            email = Reporter(kind: .email, raw: raw)
            if email == nil { problems["contact_email"] = .notAnEmail }
        }
        let form = Reporter(kind: .web, address: "form-" + token.idHex)
        return (phone ?? email ?? form, phone != nil ? email?.address : nil)
    }

    /// The uploaded files, each checked by its bytes (the first bytes of a streamed one, kept by the server):
    /// images, PDF and video only, within the channel's limits; more files than it takes are refused as a whole.
    private func files(into problems: inout [String: FieldProblem]) -> [InboundAttachment] {
        guard input.files.count <= limits.count else {
            problems["attachments"] = .tooManyFiles(limits.count)
            return []
        }
        var kept: [InboundAttachment] = []
        var total = 0
        for (index, file) in input.files.enumerated() {
            let field = "attachments[\(index)]"
            total += file.size
            guard file.size <= limits.perFile else {
                problems[field] = .fileTooLarge(limits.perFile)
                continue
            }
            // A pointer is real only when the server spooled those bytes for this request.
            let upload = file.stored.flatMap { pointer in spooled.first { $0.sha256 == pointer.sha256 && $0.size == pointer.size } }
            guard file.stored == nil || upload != nil, let type = MediaSniffer.sniff(upload?.head ?? file.body), Self.accepts(type) else {
                problems[field] = .fileType
                continue
            }
            let given = (file.fileName ?? "").isEmpty ? "lampiran-\(index + 1)" : file.fileName!
            let name = MediaSniffer.name(given, matching: type)
            kept.append(upload.map { InboundAttachment(fileName: name, mediaType: type, spooled: $0) }
                ?? InboundAttachment(fileName: name, mediaType: type, bytes: Data(file.body)))
        }
        if total > limits.perMessage { problems["attachments"] = .filesTooLarge(limits.perMessage) }
        return kept
    }

    /// Photos, PDF documents and video; sound and everything else is refused.
    static func accepts(_ type: String) -> Bool {
        type.hasPrefix("image/") || type.hasPrefix("video/") || type == "application/pdf"
    }
}
