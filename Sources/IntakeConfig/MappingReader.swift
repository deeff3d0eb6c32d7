import Yams

/// The entries of one YAML mapping, looked up by key, with typo protection for keys nobody reads.
struct MappingReader {
    /// One `key: value` pair whose key is a plain scalar.
    struct Entry {
        let name: String
        let keyNode: Node
        let value: Node
    }

    /// Where this mapping sits in the document.
    let path: ConfigPath
    /// The line of the mapping itself, for issues about keys that are missing from it.
    let line: Int?
    let entries: [Entry]

    /// Reads `node` as a mapping; an absent or null section reads as an empty one so its defaults apply.
    ///
    /// Returns `nil`, after reporting, when the node is something other than a mapping.
    init?(_ node: Node?, at path: ConfigPath, log: inout IssueLog) {
        self.path = path
        self.line = node?.mark?.line
        guard let node, !node.isNull else {
            entries = []
            return
        }
        guard case let .mapping(mapping) = node else {
            log.report(path, at: node, "expected a mapping, found \(node.foundDescription)")
            return nil
        }
        var entries: [Entry] = []
        for (key, value) in mapping {
            guard case let .scalar(scalar) = key else {
                log.report(path, at: key, "expected a plain key, found \(key.foundDescription)")
                continue
            }
            entries.append(Entry(name: scalar.string, keyNode: key, value: value))
        }
        self.entries = entries
    }

    /// The value of `key`, or `nil` when it is absent or null.
    func value(_ key: String) -> Node? {
        guard let entry = entries.first(where: { $0.name == key }), !entry.value.isNull else { return nil }
        return entry.value
    }

    /// Whether `key` is written at all, even with an empty value.
    func contains(_ key: String) -> Bool {
        entries.contains { $0.name == key }
    }

    /// The line of `key` itself, falling back to the mapping's line when the key is absent.
    func line(of key: String) -> Int? {
        entries.first { $0.name == key }?.keyNode.mark?.line ?? line
    }

    /// Reports every key not in `known`: a misspelt key would otherwise be silently ignored and
    /// its default used, which is the worst kind of configuration bug.
    func reportUnknownKeys(known: [String], log: inout IssueLog, context: String = "") {
        for entry in entries where !known.contains(entry.name) {
            log.report(
                path.key(entry.name), at: entry.keyNode,
                "unknown key '\(entry.name)'\(context); known keys: \(known.joined(separator: ", "))"
            )
        }
    }
}
