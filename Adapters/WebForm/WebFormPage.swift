import Foundation
import IntakeModel

/// What the server's page needs from the family: tokens to render, the limits to state, and a refused
/// submission's typed fields and messages, so the page comes back with each message next to its field.
extension WebFormAdapter: FormPageAdapter {
    /// The limits that really apply: a body larger than `max_body_bytes` is refused before any file is weighed.
    public var attachmentLimits: (perFile: Int, perMessage: Int, count: Int) {
        let perMessage = min(limits.perMessage, channel.maxBodyBytes)
        return (min(limits.perFile, perMessage), perMessage, limits.count)
    }

    /// A channel with an app key is for apps only: its page is not served.
    public var servesPage: Bool { appKey == nil }

    /// Checks `request` again as `receive` did (the same token and field rules), keeping what was typed.
    /// A token refused only for being sent too fast is still the form's own, so its fields are checked too.
    public func review(_ request: WebhookRequest, language code: String) -> FormReview {
        let language = CitizenLanguage(code: code)
        guard let input = try? FormInput.read(request.body, contentType: request.headers["Content-Type"]) else {
            return FormReview(fields: [:], problems: [:], fileCount: 0, needsFreshToken: false)
        }
        var problems: [String: FieldProblem] = [:]
        var token: FormToken?
        var fresh = false
        switch tokenCheck(input.fields["form_token"]) {
        case .success(let valid):
            token = valid
        case .failure(let error):
            problems["form_token"] = Self.problem(error)
            fresh = error != .tooFast
            if error == .tooFast, let text = input.fields["form_token"]?.trimmed {
                token = try? FormToken.decode(text, secret: secret, channel: channel.id)
            }
        }
        if let token, case .problems(let found) = FormSubmission(input: input, token: token, limits: limits, now: now(), spooled: request.spooled).message(channel: channel) {
            problems.merge(found) { first, _ in first }
        }
        return FormReview(
            fields: input.fields, problems: problems.mapValues { $0.text(in: language) }, fileCount: input.files.count, needsFreshToken: fresh
        )
    }
}
