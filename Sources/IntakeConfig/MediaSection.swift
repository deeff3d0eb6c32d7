import IntakeModel
import Yams

extension DocumentReader {
    /// The `media:` section: limits, deadline and retries of the media service (`MediaPolicy`).
    func media(_ node: Node?, log: inout IssueLog) -> MediaPolicy {
        let path = ConfigPath.root.key("media")
        var policy = MediaPolicy()
        guard let section = MappingReader(node, at: path, log: &log) else { return policy }
        section.reportUnknownKeys(
            known: ["max_file_bytes", "max_message_bytes", "deadline_seconds", "retry_base_seconds", "retry_max_seconds", "concurrency"],
            log: &log
        )
        func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
            section.value(key).flatMap { log.integer($0, at: path.key(key), in: range) }
        }
        if let value = integer("max_file_bytes", in: 1...(1 << 30)) { policy.maxFileBytes = value }
        if let value = integer("max_message_bytes", in: 1...(4 << 30)) { policy.maxMessageBytes = value }
        if let value = integer("deadline_seconds", in: 1...86_400) { policy.deadlineSeconds = Double(value) }
        if let value = integer("retry_base_seconds", in: 1...3600) { policy.retryBaseSeconds = Double(value) }
        if let value = integer("retry_max_seconds", in: 1...3600) { policy.retryMaxSeconds = Double(value) }
        if let value = integer("concurrency", in: 1...64) { policy.concurrency = value }
        return policy
    }
}
