/// A webhook family whose channel is also a page citizens fill in (`type: webform`): the server renders
/// the page, and the family issues the page's tokens, states its limits, and says what a refused
/// submission typed and why, so the page can be shown again with each message next to its field.
public protocol FormPageAdapter: WebhookAdapter {
    /// A fresh signed form token for a page rendered now.
    func issueToken() -> String
    /// The largest file, and the most all files of one report together, in bytes.
    var attachmentLimits: (perFile: Int, perMessage: Int, count: Int) { get }
    /// Whether the page may be served to anyone: false when the channel is for apps only (an app key).
    var servesPage: Bool { get }
    /// What a submission `receive` refused typed, and each refused field's message in `language`
    /// (`id` or `en`). Reads only `request`: the body is never read from the network again.
    func review(_ request: WebhookRequest, language: String) -> FormReview
}

/// A refused form submission as the page shows it again.
public struct FormReview: Sendable, Equatable {
    /// The plain fields as typed (files are not kept: a browser cannot be given them back).
    public var fields: [String: String]
    /// Field name → the message the citizen reads next to it; `attachments[1]` names the second file.
    public var problems: [String: String]
    /// How many files came with the submission.
    public var fileCount: Int
    /// True when the form token itself was refused (missing, forged, expired): the page needs a fresh one.
    public var needsFreshToken: Bool

    /// A review of one refused submission.
    public init(fields: [String: String], problems: [String: String], fileCount: Int, needsFreshToken: Bool) {
        self.fields = fields
        self.problems = problems
        self.fileCount = fileCount
        self.needsFreshToken = needsFreshToken
    }
}
