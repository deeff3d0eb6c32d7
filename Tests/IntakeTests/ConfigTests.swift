import Foundation
import IntakeConfig
import IntakeModel
import Testing

/// The families these tests validate against; the real adapters are built elsewhere.
private let genericFamily = AdapterFamily(type: .generic, settingKeys: [ChannelSettingKey("secret", required: true, secret: true)])
private let smsFamily = AdapterFamily(type: .sms, settingKeys: [
    ChannelSettingKey("provider", required: true),
    ChannelSettingKey("api_key", required: true, secret: true),
    ChannelSettingKey("sender"),
])
private let families = [genericFamily, smsFamily]

/// A channel list that is valid on its own, appended to configurations that test other sections.
private let oneChannel = """
    channels:
      - id: web
        type: generic
        secret: inline-secret-value
    """

private func parse(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> GatewayConfig {
    try ConfigLoader.parse(yaml: yaml, source: "test.yaml", families: families, environment: environment)
}

/// The issues `yaml` is refused with; records a failure if it is accepted.
private func issues(of yaml: String, environment: [String: String] = [:]) -> [ConfigIssue] {
    do {
        _ = try parse(yaml, environment: environment)
        Issue.record("expected the configuration to be refused")
        return []
    } catch {
        return error.issues
    }
}

/// One configuration with exactly one problem, and where that problem must be reported.
struct ConfigErrorCase: CustomTestStringConvertible, Sendable {
    let name: String
    let yaml: String
    let keyPath: String
    let line: Int?
    let message: String
    var environment: [String: String] = [:]

    var testDescription: String { name }
}

private let errorCases: [ConfigErrorCase] = [
    ConfigErrorCase(name: "port not an integer", yaml: "server:\n  port: abc\n" + oneChannel,
                    keyPath: "server.port", line: 2, message: "expected an integer, found 'abc'"),
    ConfigErrorCase(name: "port out of range", yaml: "server:\n  port: 70000\n" + oneChannel,
                    keyPath: "server.port", line: 2, message: "must be between 1 and 65535, found 70000"),
    ConfigErrorCase(name: "misspelt top-level key", yaml: "sever:\n  port: 8080\n" + oneChannel,
                    keyPath: "sever", line: 1, message: "unknown key 'sever'; known keys: server, storage, admin_token, dedup, log, routing, channels, media, campaigns"),
    ConfigErrorCase(name: "misspelt section key", yaml: "server:\n  prot: 8080\n" + oneChannel,
                    keyPath: "server.prot", line: 2, message: "unknown key 'prot'; known keys: host, port, public_url, shutdown_seconds, trusted_proxies"),
    ConfigErrorCase(name: "shutdown deadline of zero", yaml: "server:\n  shutdown_seconds: 0\n" + oneChannel,
                    keyPath: "server.shutdown_seconds", line: 2, message: "must be between 1 and 3600, found 0"),
    ConfigErrorCase(name: "section not a mapping", yaml: "server: 8080\n" + oneChannel,
                    keyPath: "server", line: 1, message: "expected a mapping, found '8080'"),
    ConfigErrorCase(name: "empty host", yaml: "server:\n  host: ''\n" + oneChannel,
                    keyPath: "server.host", line: 2, message: "must not be empty"),
    ConfigErrorCase(name: "public URL not http", yaml: "server:\n  public_url: ftp://example.org\n" + oneChannel,
                    keyPath: "server.public_url", line: 2,
                    message: "expected an absolute http or https URL such as https://intake.example.org, found 'ftp://example.org'"),
    ConfigErrorCase(name: "public URL relative", yaml: "server:\n  public_url: /intake\n" + oneChannel,
                    keyPath: "server.public_url", line: 2,
                    message: "expected an absolute http or https URL such as https://intake.example.org, found '/intake'"),
    ConfigErrorCase(name: "public URL with query", yaml: "server:\n  public_url: https://example.org/?a=1\n" + oneChannel,
                    keyPath: "server.public_url", line: 2, message: "must not contain a query or fragment"),
    ConfigErrorCase(name: "unknown synchronous level", yaml: "storage:\n  synchronous: fast\n" + oneChannel,
                    keyPath: "storage.synchronous", line: 2, message: "expected one of full, normal; found 'fast'"),
    ConfigErrorCase(name: "dedup window zero", yaml: "dedup:\n  window_hours: 0\n" + oneChannel,
                    keyPath: "dedup.window_hours", line: 2, message: "must be between 1 and 8760, found 0"),
    ConfigErrorCase(name: "dedup window over a year", yaml: "dedup:\n  window_hours: 8761\n" + oneChannel,
                    keyPath: "dedup.window_hours", line: 2, message: "must be between 1 and 8760, found 8761"),
    ConfigErrorCase(name: "unknown log level", yaml: "log:\n  level: verbose\n" + oneChannel,
                    keyPath: "log.level", line: 2,
                    message: "expected one of trace, debug, info, notice, warning, error, critical; found 'verbose'"),
    ConfigErrorCase(name: "short admin token", yaml: "admin_token: short\n" + oneChannel,
                    keyPath: "admin_token", line: 1, message: "must be at least 16 characters long"),
    ConfigErrorCase(name: "admin token from unset variable", yaml: "admin_token: env:INTAKE_ADMIN_TOKEN\n" + oneChannel,
                    keyPath: "admin_token", line: 1, message: "environment variable 'INTAKE_ADMIN_TOKEN' is not set"),
    ConfigErrorCase(name: "admin token from empty variable", yaml: "admin_token: env:TOKEN\n" + oneChannel,
                    keyPath: "admin_token", line: 1, message: "environment variable 'TOKEN' is empty", environment: ["TOKEN": ""]),
    ConfigErrorCase(name: "env reference without a name", yaml: "admin_token: 'env:'\n" + oneChannel,
                    keyPath: "admin_token", line: 1,
                    message: "'env:' must be followed by an environment variable name (letters, digits and '_')"),
    ConfigErrorCase(name: "no channels key", yaml: "server:\n  port: 8080\n",
                    keyPath: "channels", line: nil, message: "at least one channel is required"),
    ConfigErrorCase(name: "empty channel list", yaml: "channels: []\n",
                    keyPath: "channels", line: 1, message: "at least one channel is required"),
    ConfigErrorCase(name: "channels key without value", yaml: "log:\n  level: info\nchannels:\n",
                    keyPath: "channels", line: 3, message: "at least one channel is required"),
    ConfigErrorCase(name: "channels not a list", yaml: "channels:\n  id: web\n",
                    keyPath: "channels", line: 2, message: "expected a list of channels, found a mapping"),
    ConfigErrorCase(name: "channel without id", yaml: "channels:\n  - type: generic\n    secret: abc\n",
                    keyPath: "channels[0].id", line: 2, message: "is required"),
    ConfigErrorCase(name: "channel id with capitals", yaml: "channels:\n  - id: Web\n    type: generic\n    secret: abc\n",
                    keyPath: "channels[0].id", line: 2,
                    message: "expected 1 to 63 of a-z, 0-9, '_' and '-', starting with a letter or digit; found 'Web'"),
    ConfigErrorCase(name: "channel id starting with a dash", yaml: "channels:\n  - id: -web\n    type: generic\n    secret: abc\n",
                    keyPath: "channels[0].id", line: 2,
                    message: "expected 1 to 63 of a-z, 0-9, '_' and '-', starting with a letter or digit; found '-web'"),
    ConfigErrorCase(name: "channel without type", yaml: "channels:\n  - id: web\n    secret: abc\n",
                    keyPath: "channels[0].type", line: 2, message: "is required; known types: generic, sms"),
    ConfigErrorCase(name: "channel without its required secret", yaml: "channels:\n  - id: web\n    type: generic\n",
                    keyPath: "channels[0].secret", line: 2, message: "is required for channel type generic"),
    ConfigErrorCase(name: "channel with empty secret", yaml: "channels:\n  - id: web\n    type: generic\n    secret: ''\n",
                    keyPath: "channels[0].secret", line: 4, message: "must not be empty"),
    ConfigErrorCase(name: "misspelt channel key", yaml: "channels:\n  - id: web\n    type: generic\n    secret: abc\n    secrt: abc\n",
                    keyPath: "channels[0].secrt", line: 5,
                    message: "unknown key 'secrt' for channel type generic; known keys: id, type, max_body_bytes, campaign, tags, burst_seconds, parts_timeout_seconds, language, reply_template, replies_per_second, replies_per_address_per_hour, reply_email_via, reply_sms_via, secret"),
    ConfigErrorCase(name: "negative burst window", yaml: "channels:\n  - id: web\n    type: generic\n    secret: abc\n    burst_seconds: -5\n",
                    keyPath: "channels[0].burst_seconds", line: 5, message: "must be between 0 and 86400, found -5"),
    ConfigErrorCase(name: "reply language nobody speaks here", yaml: "channels:\n  - id: web\n    type: generic\n    secret: abc\n    language: fr\n",
                    keyPath: "channels[0].language", line: 5, message: "expected one of id, en; found 'fr'"),
    ConfigErrorCase(name: "channel secret from unset variable",
                    yaml: "channels:\n  - id: web\n    type: generic\n    secret: env:WEB_SECRET\n",
                    keyPath: "channels[0].secret", line: 4, message: "environment variable 'WEB_SECRET' is not set"),
    ConfigErrorCase(name: "channel body limit zero",
                    yaml: "channels:\n  - id: web\n    type: generic\n    secret: abc\n    max_body_bytes: 0\n",
                    keyPath: "channels[0].max_body_bytes", line: 5, message: "must be between 1 and 67108864, found 0"),
    ConfigErrorCase(name: "channel body limit over 64 MiB",
                    yaml: "channels:\n  - id: web\n    type: generic\n    secret: abc\n    max_body_bytes: 67108865\n",
                    keyPath: "channels[0].max_body_bytes", line: 5, message: "must be between 1 and 67108864, found 67108865"),
    ConfigErrorCase(name: "channel tags not a list",
                    yaml: "channels:\n  - id: web\n    type: generic\n    secret: abc\n    tags: mudik\n",
                    keyPath: "channels[0].tags", line: 5, message: "expected a list of strings, found 'mudik'"),
    ConfigErrorCase(name: "channel tag that is a mapping",
                    yaml: "channels:\n  - id: web\n    type: generic\n    secret: abc\n    tags:\n      - a\n      - b: c\n",
                    keyPath: "channels[0].tags[1]", line: 7, message: "expected a string, found a mapping"),
    ConfigErrorCase(name: "channel secret that is a list",
                    yaml: "channels:\n  - id: web\n    type: generic\n    secret: [a, b]\n",
                    keyPath: "channels[0].secret", line: 4, message: "expected a string, found a list"),
    ConfigErrorCase(name: "channel entry not a mapping", yaml: "channels:\n  - web\n",
                    keyPath: "channels[0]", line: 2, message: "expected a mapping, found 'web'"),
    ConfigErrorCase(name: "top level not a mapping", yaml: "- a\n- b\n",
                    keyPath: "", line: 1, message: "expected a mapping, found a list"),
    ConfigErrorCase(name: "YAML syntax error", yaml: "server:\n  port: 8080\n   host: x\n" + oneChannel,
                    keyPath: "", line: 3, message: "invalid YAML: mapping values are not allowed in this context"),
    ConfigErrorCase(name: "YAML unclosed flow list", yaml: "channels: [a\nserver:\n  port: 1\n",
                    keyPath: "", line: 2,
                    message: "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence on line 1)"),
    ConfigErrorCase(name: "routing URL not http", yaml: "routing:\n  url: ftp://core.example.org\n  secret: routing-secret-0123456789\n" + oneChannel,
                    keyPath: "routing.url", line: 2,
                    message: "expected an absolute http or https URL such as https://routing.example.go.id/events, found 'ftp://core.example.org'"),
    ConfigErrorCase(name: "routing URL without secret", yaml: "routing:\n  url: https://core.example.org/events\n" + oneChannel,
                    keyPath: "routing.secret", line: 2, message: "is required with routing.url: it signs every event (X-Intake-Signature)"),
    ConfigErrorCase(name: "routing secret without URL", yaml: "routing:\n  secret: routing-secret-0123456789\n" + oneChannel,
                    keyPath: "routing.url", line: 2, message: "is required in the routing section: the routing core's http or https URL"),
    ConfigErrorCase(name: "routing timeout zero",
                    yaml: "routing:\n  url: http://127.0.0.1:9000\n  secret: routing-secret-0123456789\n  timeout_seconds: 0\n" + oneChannel,
                    keyPath: "routing.timeout_seconds", line: 4, message: "must be between 1 and 300, found 0"),
    ConfigErrorCase(name: "routing timeout over five minutes",
                    yaml: "routing:\n  url: http://127.0.0.1:9000\n  secret: routing-secret-0123456789\n  timeout_seconds: 301\n" + oneChannel,
                    keyPath: "routing.timeout_seconds", line: 4, message: "must be between 1 and 300, found 301"),
    ConfigErrorCase(name: "short routing secret", yaml: "routing:\n  url: http://127.0.0.1:9000\n  secret: short\n" + oneChannel,
                    keyPath: "routing.secret", line: 3, message: "must be at least 16 characters long"),
    ConfigErrorCase(name: "YAML duplicate key", yaml: "server:\n  port: 8080\n  port: 9090\n" + oneChannel,
                    keyPath: "", line: 2, message: "invalid YAML: duplicate key 'port'"),
]

@Suite("ConfigTests")
struct ConfigTests {
    @Test("each kind of mistake is reported with its key path and line", arguments: errorCases)
    func mistakeIsReportedAtItsKeyPathAndLine(_ errorCase: ConfigErrorCase) {
        let found = issues(of: errorCase.yaml, environment: errorCase.environment)
        #expect(found == [ConfigIssue(keyPath: errorCase.keyPath, line: errorCase.line, message: errorCase.message)])
    }

    @Test func fullConfigurationIsReadIntoEveryField() throws {
        let yaml = """
            server:
              host: 127.0.0.1
              port: 9090
              public_url: https://intake.example.org/gateway/
              shutdown_seconds: 25
            storage:
              path: /var/lib/intake
              synchronous: normal
            admin_token: 0123456789abcdef-admin
            dedup:
              window_hours: 24
            log:
              level: debug
            channels:
              - id: partner-api
                type: generic
                secret: inline-generic-secret
                max_body_bytes: 2048
                campaign: mudik-2025
                tags: [mudik, partner]
              - id: sms_1708
                type: sms
                provider: telkomsel
                api_key: inline-api-key
                sender: 1708
            """
        let config = try parse(yaml)
        let expected = GatewayConfig(
            server: ServerSettings(host: "127.0.0.1", port: 9090, publicURL: "https://intake.example.org/gateway", shutdownSeconds: 25),
            storage: StorageSettings(path: "/var/lib/intake", synchronous: .normal),
            adminToken: "0123456789abcdef-admin",
            dedup: DedupSettings(window: .seconds(24 * 3600)),
            log: LogSettings(level: "debug"),
            channels: [
                ChannelConfig(id: "partner-api", type: .generic, maxBodyBytes: 2048, campaign: "mudik-2025",
                              tags: ["mudik", "partner"], settings: ["secret": "inline-generic-secret"]),
                ChannelConfig(id: "sms_1708", type: .sms,
                              settings: ["provider": "telkomsel", "api_key": "inline-api-key", "sender": "1708"]),
            ]
        )
        #expect(config == expected)
    }

    @Test func absentSectionsTakeTheirDefaults() throws {
        let config = try parse(oneChannel)
        #expect(config.server == ServerSettings(host: "0.0.0.0", port: 8080, publicURL: "http://localhost:8080"))
        #expect(config.storage == StorageSettings(path: "./data", synchronous: .full))
        #expect(config.adminToken == nil)
        #expect(config.dedup.window == .seconds(72 * 3600))
        #expect(config.log.level == "info")
        #expect(config.channels == [
            ChannelConfig(id: "web", type: .generic, maxBodyBytes: ChannelConfig.defaultMaxBodyBytes,
                          settings: ["secret": "inline-secret-value"]),
        ])
    }

    @Test func emptySectionsTakeTheirDefaults() throws {
        let config = try parse("server:\nstorage:\ndedup:\nlog:\n" + oneChannel)
        #expect(config.server == ServerSettings())
        #expect(config.storage == StorageSettings())
        #expect(config.dedup == DedupSettings())
        #expect(config.log == LogSettings())
    }

    @Test("the default public URL follows the configured port")
    func defaultPublicURLFollowsPort() throws {
        let config = try parse("server:\n  port: 9000\n" + oneChannel)
        #expect(config.server.publicURL == "http://localhost:9000")
    }

    @Test("public URLs lose their trailing slashes", arguments: [
        ("https://intake.example.org/", "https://intake.example.org"),
        ("http://10.0.0.5:8080//", "http://10.0.0.5:8080"),
        ("HTTPS://intake.example.org/prefix/", "HTTPS://intake.example.org/prefix"),
        ("https://intake.example.org", "https://intake.example.org"),
    ])
    func publicURLLosesTrailingSlashes(written: String, expected: String) throws {
        let config = try parse("server:\n  public_url: \(written)\n" + oneChannel)
        #expect(config.server.publicURL == expected)
    }

    @Test func envSecretsAreResolvedFromTheEnvironment() throws {
        let yaml = """
            admin_token: env:INTAKE_ADMIN_TOKEN
            channels:
              - id: web
                type: generic
                secret: env:INTAKE_GENERIC_SECRET
              - id: sms
                type: sms
                provider: env:NOT_A_SECRET
                api_key: env:SMS_KEY
            """
        let environment = [
            "INTAKE_ADMIN_TOKEN": "admin-token-from-environment",
            "INTAKE_GENERIC_SECRET": "generic-from-environment",
            "SMS_KEY": "sms-key-from-environment",
        ]
        let config = try parse(yaml, environment: environment)
        #expect(config.adminToken == "admin-token-from-environment")
        #expect(config.channels[0].settings == ["secret": "generic-from-environment"])
        // Only secret keys are references; other values are taken as written.
        #expect(config.channels[1].settings == ["provider": "env:NOT_A_SECRET", "api_key": "sms-key-from-environment"])
    }

    @Test func everyIssueIsCollectedInFileOrder() {
        let yaml = """
            server:
              port: abc
            log:
              level: loud
            channels:
              - id: web
                type: generic
              - id: Bad
                type: generic
                secret: env:MISSING
            """
        let found = issues(of: yaml)
        #expect(found.map(\.keyPath) == ["server.port", "log.level", "channels[0].secret", "channels[1].id", "channels[1].secret"])
        #expect(found.map(\.line) == [2, 4, 6, 8, 10])
    }

    @Test func duplicateChannelIDIsReportedAtTheSecondOne() {
        let yaml = """
            channels:
              - id: web
                type: generic
                secret: one
              - id: other
                type: generic
                secret: two
              - id: web
                type: generic
                secret: three
            """
        #expect(issues(of: yaml) == [
            ConfigIssue(keyPath: "channels[2].id", line: 8, message: "duplicate channel id 'web' (first defined on line 2)"),
        ])
    }

    @Test func unknownChannelTypeListsTheKnownTypes() {
        let yaml = "channels:\n  - id: tg\n    type: telegram\n    token: abc\n"
        #expect(issues(of: yaml) == [
            ConfigIssue(keyPath: "channels[0].type", line: 3, message: "unknown channel type 'telegram'; known types: generic, sms"),
        ])
    }

    @Test("secret values never appear in the error description", arguments: [
        "admin_token: TOPSECRET\n" + oneChannel,
        "admin_token: env:SHORT_TOKEN\n" + oneChannel,
        "admin_token: env:TOPSECRET value\n" + oneChannel,
        "channels:\n  - id: web\n    type: generic\n    secrt: TOPSECRET\n",
        "channels:\n  - id: web\n    type: generic\n    secret: TOPSECRET\n    secret: TOPSECRET\n",
        "channels:\n  - id: web\n    type: generic\n    secret: TOPSECRET: x\n",
        "channels:\n  - id: web\n    type: unknown\n    secret: TOPSECRET\n",
        "channels:\n  - id: web\n    type: sms\n    api_key: TOPSECRET\n    sender: [x]\n",
        "server:\n  port: x\nchannels:\n  - id: web\n    type: generic\n    secret: \"TOPSECRET\n",
    ])
    func secretValuesNeverAppearInDescription(yaml: String) {
        do {
            _ = try parse(yaml, environment: ["SHORT_TOKEN": "TOPSECRET"])
            Issue.record("expected the configuration to be refused")
        } catch {
            #expect(!error.issues.isEmpty)
            #expect(!error.description.contains("TOPSECRET"))
        }
    }

    @Test func descriptionHasOneCompilerStyleLinePerIssue() {
        let error = ConfigError(source: "intake.yaml", issues: [
            ConfigIssue(keyPath: "server.port", line: 2, message: "expected an integer, found 'abc'"),
            ConfigIssue(keyPath: "", line: 7, message: "invalid YAML: oops"),
            ConfigIssue(keyPath: "channels", line: nil, message: "at least one channel is required"),
        ])
        #expect(error.description == """
            intake.yaml:2: server.port: expected an integer, found 'abc'
            intake.yaml:7: invalid YAML: oops
            intake.yaml: channels: at least one channel is required
            """)
    }

    @Test func missingFileIsReportedByPath() {
        let path = "/nonexistent/intake-\(UUID().uuidString).yaml"
        #expect(throws: ConfigError(source: path, issues: [
            ConfigIssue(keyPath: "", line: nil, message: "configuration file '\(path)' not found"),
        ])) {
            try ConfigLoader.load(contentsOf: path, families: families, environment: [:])
        }
    }

    @Test func emptyFileStillNeedsAChannel() {
        #expect(issues(of: "") == [ConfigIssue(keyPath: "channels", line: nil, message: "at least one channel is required")])
        #expect(issues(of: "# only a comment\n") == [ConfigIssue(keyPath: "channels", line: nil, message: "at least one channel is required")])
    }

    @Test func exampleFileInFixturesLoads() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "fixtures", withExtension: nil))
        let path = fixtures.appendingPathComponent("config/example.yaml").path
        let config = try ConfigLoader.load(contentsOf: path, families: [genericFamily], environment: [
            "INTAKE_ADMIN_TOKEN": "example-admin-token-0123",
            "INTAKE_GENERIC_SECRET": "example-generic-secret",
        ])
        #expect(config.server.publicURL == "https://intake.example.org")
        #expect(config.adminToken == "example-admin-token-0123")
        #expect(config.channels == [
            ChannelConfig(id: "generic", type: .generic, tags: ["partner-api"], settings: ["secret": "example-generic-secret"]),
        ])
        #expect(config.campaigns.map(\.id) == ["mudik-2026"] && config.dedup.campaignWindows["mudik-2026"] == .seconds(24 * 3600))
    }

    @Test func embeddedDefaultServesOneGenericChannelFromDotData() {
        let config = GatewayConfig.embeddedDefault(genericSecret: "generated-secret", adminToken: "generated-admin-token")
        #expect(config.server == ServerSettings(host: "0.0.0.0", port: 8080, publicURL: "http://localhost:8080"))
        #expect(config.storage.path == "./data")
        #expect(config.adminToken == "generated-admin-token")
        #expect(config.channels == [ChannelConfig(id: "generic", type: .generic, settings: ["secret": "generated-secret"])])
    }
}
