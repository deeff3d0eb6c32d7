import Yams

/// A key path as issues show it: `server.port`, `channels[1].secret`.
struct ConfigPath: CustomStringConvertible {
    let description: String

    /// The document itself; its children have no leading dot.
    static let root = ConfigPath(description: "")

    /// The path of `name` inside this mapping.
    func key(_ name: String) -> ConfigPath {
        ConfigPath(description: description.isEmpty ? name : "\(description).\(name)")
    }

    /// The path of element `index` of this list.
    func index(_ index: Int) -> ConfigPath {
        ConfigPath(description: "\(description)[\(index)]")
    }
}

/// The issues found so far.
///
/// Readers append here and return `nil` instead of throwing, so one load reports every problem
/// rather than making the admin fix them one restart at a time.
struct IssueLog {
    private(set) var issues: [ConfigIssue] = []

    /// Records a problem at `path`, placed at the line of `node` when there is one.
    mutating func report(_ path: ConfigPath, at node: Node?, _ message: String) {
        report(path, line: node?.mark?.line, message)
    }

    /// Records a problem at `path` on `line`.
    mutating func report(_ path: ConfigPath, line: Int?, _ message: String) {
        issues.append(ConfigIssue(keyPath: path.description, line: line, message: message))
    }

    /// The issues in file order; issues without a line (the file as a whole) come first.
    var sortedIssues: [ConfigIssue] {
        // Enumerated so equal lines keep the order they were found in: sort is not stable.
        issues.enumerated()
            .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            .map(\.element)
    }
}

// MARK: - Typed values

extension IssueLog {
    /// A scalar as text; lists and mappings are refused.
    mutating func string(_ node: Node, at path: ConfigPath) -> String? {
        guard case let .scalar(scalar) = node else {
            report(path, at: node, "expected a string, found \(node.foundDescription)")
            return nil
        }
        return scalar.string
    }

    /// A scalar with something other than blanks in it.
    mutating func nonEmptyString(_ node: Node, at path: ConfigPath) -> String? {
        guard let text = string(node, at: path) else { return nil }
        guard !text.allSatisfy(\.isWhitespace) else {
            report(path, at: node, "must not be empty")
            return nil
        }
        return text
    }

    /// A decimal integer within `range`.
    mutating func integer(_ node: Node, at path: ConfigPath, in range: ClosedRange<Int>) -> Int? {
        // Parsed by hand rather than with Yams's constructor, which also takes octal `0o17`,
        // hex and sexagesimal `1:30`: in a port or a size those are typos, not intent.
        guard case let .scalar(scalar) = node, let value = Int(scalar.string) else {
            report(path, at: node, "expected an integer, found \(node.foundDescription)")
            return nil
        }
        guard range.contains(value) else {
            report(path, at: node, "must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    /// One of a fixed set of words, compared exactly.
    mutating func choice(_ node: Node, at path: ConfigPath, from options: [String]) -> String? {
        guard let text = string(node, at: path) else { return nil }
        guard options.contains(text) else {
            report(path, at: node, "expected one of \(options.joined(separator: ", ")); found \(node.foundDescription)")
            return nil
        }
        return text
    }

    /// A list of non-empty strings.
    mutating func stringList(_ node: Node, at path: ConfigPath) -> [String]? {
        guard case let .sequence(sequence) = node else {
            report(path, at: node, "expected a list of strings, found \(node.foundDescription)")
            return nil
        }
        var values: [String] = []
        var valid = true
        for (index, element) in sequence.enumerated() {
            if let text = nonEmptyString(element, at: path.index(index)) {
                values.append(text)
            } else {
                valid = false
            }
        }
        return valid ? values : nil
    }
}

// MARK: - Nodes

extension Node {
    /// Whether the node is YAML null (`key:` with nothing, `~`, `null`), which the loader treats as absent.
    var isNull: Bool {
        guard case let .scalar(scalar) = self, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How the node reads in a "found …" message.
    ///
    /// Only used for values of non-secret keys: a secret key accepts any scalar, so its value
    /// never reaches a type error.
    var foundDescription: String {
        switch self {
        case let .scalar(scalar):
            let text = scalar.string
            return text.count > 40 ? "'\(text.prefix(40))…'" : "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
