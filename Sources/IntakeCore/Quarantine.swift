import Foundation

/// A directory of refused bytes an operator inspects or replays (`intake ingest-email FILE`): mail that is
/// not a message at all, pushed by an MTA or fetched by a poller. Files, not a table, so a command that
/// never opens the database can keep them, and nothing here can corrupt the store.
public struct Quarantine: Sendable {
    /// `<storage path>/quarantine/<kind>`.
    public let directory: URL

    /// The quarantine for `kind` (`email`) under the storage directory.
    public init(storagePath: String, kind: String) {
        directory = URL(fileURLWithPath: storagePath).appendingPathComponent("quarantine").appendingPathComponent(kind)
    }

    /// Writes `raw` atomically as `<milliseconds>-<label>.<fileExtension>` (`eml` unless told) and returns the
    /// path relative to the storage directory (`quarantine/email/…`). `label` names where it came from and must
    /// hold no personal data.
    /// The same bytes under the same label are kept once: a poll retried after a failed commit writes no second file.
    public func keep(_ raw: [UInt8], label: String, fileExtension: String = "eml") throws -> String {
        let safe = String(label.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        let suffix = String(fileExtension.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(8))
        let tail = "-\(safe).\(suffix.isEmpty ? "eml" : suffix)"
        let earlier = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(tail) } ?? []
        if let same = earlier.first(where: { FileManager.default.contents(atPath: directory.appendingPathComponent($0).path) == Data(raw) }) {
            return "quarantine/\(directory.lastPathComponent)/\(same)"
        }
        let name = "\(Int(Date().timeIntervalSince1970 * 1000))\(tail)"
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(raw).write(to: directory.appendingPathComponent(name), options: .atomic)
        return "quarantine/\(directory.lastPathComponent)/\(name)"
    }
}
