import Foundation
import IntakeModel
import Yams

/// Reads the gateway's YAML configuration and validates all of it before anything starts.
public enum ConfigLoader {
    /// Loads and validates the configuration file at `path`.
    ///
    /// - Parameters:
    ///   - families: the adapter families known to the binary; a channel whose type is not among
    ///     them is an error listing the known types.
    ///   - environment: where `env:NAME` secrets are looked up, normally `ProcessInfo.processInfo.environment`.
    /// - Throws: `ConfigError` with every problem found, or one naming the path when the file cannot be read.
    public static func load(
        contentsOf path: String, families: [AdapterFamily], environment: [String: String]
    ) throws(ConfigError) -> GatewayConfig {
        let yaml: String
        do {
            yaml = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(source: path, issues: [readIssue(path: path, error: error)])
        }
        return try parse(yaml: yaml, source: path, families: families, environment: environment)
    }

    /// Parses and validates configuration text.
    ///
    /// - Parameters:
    ///   - source: the label issues are reported under, usually the file path.
    ///   - families: the adapter families known to the binary; a channel whose type is not among
    ///     them is an error listing the known types.
    ///   - environment: where `env:NAME` secrets are looked up.
    /// - Throws: `ConfigError` with every problem found, in file order.
    public static func parse(
        yaml: String, source: String, families: [AdapterFamily], environment: [String: String]
    ) throws(ConfigError) -> GatewayConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(source: source, issues: [syntaxIssue(error, yaml: yaml)])
        }
        var log = IssueLog()
        let config = DocumentReader(families: families, environment: environment).read(root, log: &log)
        guard log.issues.isEmpty else {
            throw ConfigError(source: source, issues: log.sortedIssues)
        }
        return config
    }

    // MARK: - Errors from below

    private static func readIssue(path: String, error: any Error) -> ConfigIssue {
        let missing = !FileManager.default.fileExists(atPath: path)
        let message = missing
            ? "configuration file '\(path)' not found"
            : "cannot read configuration file '\(path)': \((error as NSError).localizedDescription)"
        return ConfigIssue(keyPath: "", line: nil, message: message)
    }

    /// A YAML syntax error as an issue.
    ///
    /// Built from the parts of `YamlError` rather than its `description`, which quotes the offending
    /// line, or for duplicate keys the whole file: either may hold an inline secret.
    static func syntaxIssue(_ error: any Error, yaml: String) -> ConfigIssue {
        guard let error = error as? YamlError else {
            return ConfigIssue(keyPath: "", line: nil, message: "invalid YAML")
        }
        switch error {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let during = context.map { " (\($0.text) on line \($0.mark.line))" } ?? ""
            return ConfigIssue(keyPath: "", line: mark.line, message: "invalid YAML: \(problem)\(during)")
        case let .reader(problem, offset, _, _):
            let line = offset.map { offset in yaml.prefix(offset).reduce(1) { $1 == "\n" ? $0 + 1 : $0 } }
            return ConfigIssue(keyPath: "", line: line, message: "invalid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ConfigIssue(keyPath: "", line: context.mark.line, message: "invalid YAML: duplicate key \(keys)")
        default:
            return ConfigIssue(keyPath: "", line: nil, message: "invalid YAML")
        }
    }
}
