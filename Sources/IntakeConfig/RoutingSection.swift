import Foundation
import Yams

/// The `routing:` section: where `intake serve` pushes handoff events. Absent, events are only pulled
/// (`GET /api/v1/events`).
public struct RoutingSettings: Sendable, Equatable {
    /// The routing core's endpoint: every event is POSTed here.
    public var url: String
    /// The HMAC-SHA256 key of `X-Intake-Signature`.
    public var secret: String
    /// The limit of one delivery, connecting included.
    public var timeoutSeconds: Int

    /// The timeout used when `routing.timeout_seconds` is absent.
    public static let defaultTimeoutSeconds = 10
    /// Accepted timeouts.
    public static let timeoutRange = 1...300
    /// Shortest secret accepted: anything shorter can be guessed.
    public static let minimumSecretLength = 16

    /// Settings as validated by the loader.
    public init(url: String, secret: String, timeoutSeconds: Int = defaultTimeoutSeconds) {
        self.url = url
        self.secret = secret
        self.timeoutSeconds = timeoutSeconds
    }
}

extension DocumentReader {
    /// Reads `routing:`; nil when absent or empty. `url` (http or https) and `secret` are required together.
    func routing(_ node: Node?, log: inout IssueLog) -> RoutingSettings? {
        let path = ConfigPath.root.key("routing")
        guard let section = MappingReader(node, at: path, log: &log), !section.entries.isEmpty else { return nil }
        section.reportUnknownKeys(known: ["url", "secret", "timeout_seconds"], log: &log)
        let url = section.value("url").flatMap { routingURL($0, at: path.key("url"), log: &log) }
        if section.value("url") == nil {
            log.report(path.key("url"), line: section.line(of: "url"), "is required in the routing section: the routing core's http or https URL")
        }
        var secret: String?
        if let node = section.value("secret") {
            secret = SecretReference.resolve(node, at: path.key("secret"), environment: environment, log: &log)
            if let value = secret, value.count < RoutingSettings.minimumSecretLength {
                log.report(path.key("secret"), at: node, "must be at least \(RoutingSettings.minimumSecretLength) characters long")
                secret = nil
            }
        } else {
            log.report(path.key("secret"), line: section.line(of: "secret"), "is required with routing.url: it signs every event (X-Intake-Signature)")
        }
        let timeout = section.value("timeout_seconds").flatMap {
            log.integer($0, at: path.key("timeout_seconds"), in: RoutingSettings.timeoutRange)
        }
        guard let url, let secret else { return nil }
        return RoutingSettings(url: url, secret: secret, timeoutSeconds: timeout ?? RoutingSettings.defaultTimeoutSeconds)
    }

    /// An absolute http(s) URL with a host.
    private func routingURL(_ node: Node, at path: ConfigPath, log: inout IssueLog) -> String? {
        guard let text = log.nonEmptyString(node, at: path)?.trimmingCharacters(in: .whitespaces) else { return nil }
        guard let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else {
            log.report(path, at: node, "expected an absolute http or https URL such as https://routing.example.go.id/events, found \(node.foundDescription)")
            return nil
        }
        return text
    }
}
