import Foundation

/// Why a configuration was refused: every problem found in one pass, so an admin fixes them all at once.
///
/// Messages name keys, lines and environment variable names, never a secret's value, because the
/// error ends up in terminals and logs.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// The file path (or other label) the configuration came from, used as the prefix of each line.
    public var source: String
    /// The problems, in the order they appear in the file.
    public var issues: [ConfigIssue]

    /// Creates an error from the problems found in `source`.
    public init(source: String, issues: [ConfigIssue]) {
        self.source = source
        self.issues = issues
    }

    /// One line per issue, `source:line: keyPath: message`, the shape compilers use so editors can jump to it.
    public var description: String {
        issues.map { $0.formatted(source: source) }.joined(separator: "\n")
    }
}

extension ConfigError: LocalizedError {
    /// The same text as `description`, so `localizedDescription` is useful too.
    public var errorDescription: String? { description }
}

/// One problem in a configuration: where it is and what is wrong.
public struct ConfigIssue: Sendable, Equatable {
    /// Dotted path of the offending key (`server.port`, `channels[1].secret`); empty for the file as a whole.
    public var keyPath: String
    /// 1-based line in the file, when the problem has a place.
    public var line: Int?
    /// What is wrong, for a human.
    public var message: String

    /// Creates an issue.
    public init(keyPath: String, line: Int?, message: String) {
        self.keyPath = keyPath
        self.line = line
        self.message = message
    }

    /// The issue as one line of `ConfigError.description`.
    func formatted(source: String) -> String {
        var text = source
        if let line { text += ":\(line)" }
        text += ": "
        if !keyPath.isEmpty { text += "\(keyPath): " }
        return text + message
    }
}
