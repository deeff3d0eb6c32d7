import Yams

/// A secret as the file writes it: inline, or `env:NAME` so the value stays out of the file and
/// out of version control.
///
/// Nothing here puts a secret's value in an issue: only key paths and variable names.
enum SecretReference {
    /// The prefix that turns a value into a reference to an environment variable.
    static let prefix = "env:"

    /// The secret `node` stands for, read inline or from `environment`; `nil` after reporting when
    /// it is missing, empty or not a scalar.
    static func resolve(
        _ node: Node, at path: ConfigPath, environment: [String: String], log: inout IssueLog
    ) -> String? {
        guard case let .scalar(scalar) = node else {
            // A list or a mapping holds no secret yet, so describing its shape leaks nothing.
            log.report(path, at: node, "expected a string, found \(node.foundDescription)")
            return nil
        }
        let written = scalar.string
        guard written.hasPrefix(prefix) else {
            guard !written.allSatisfy(\.isWhitespace) else {
                log.report(path, at: node, "must not be empty")
                return nil
            }
            return written
        }
        let name = String(written.dropFirst(prefix.count))
        guard isVariableName(name) else {
            // The text after `env:` is not echoed: it might be a pasted secret rather than a name.
            log.report(path, at: node, "'env:' must be followed by an environment variable name (letters, digits and '_')")
            return nil
        }
        guard let value = environment[name] else {
            log.report(path, at: node, "environment variable '\(name)' is not set")
            return nil
        }
        guard !value.allSatisfy(\.isWhitespace) else {
            log.report(path, at: node, "environment variable '\(name)' is empty")
            return nil
        }
        return value
    }

    /// Whether `name` is a portable environment variable name (POSIX: letters, digits, `_`, not starting with a digit).
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }
    }
}
