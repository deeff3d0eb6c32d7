// swift-tools-version:6.2
import PackageDescription

/// Module map: dependencies point inward to `IntakeModel`, which imports neither Hummingbird nor SQLite.
/// C libraries live in system-library targets and are imported by exactly one Swift module each.
let package = Package(
    name: "intake",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "intake", targets: ["intake"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // The citizen's web form pages (issue 19), rendered on the server.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // C libraries: one system-library target each, with a tiny shim header.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", providers: [.apt(["libcurl4-gnutls-dev"])]),
        .systemLibrary(name: "CEtpan", path: "Sources/CEtpan", providers: [.apt(["libetpan-dev", "libgnutls28-dev"])]),

        // The common complaint model and the adapter protocols. Foundation only.
        .target(name: "IntakeModel"),

        // Safe Swift wrappers around the C libraries.
        .target(
            name: "IntakeStorage",
            dependencies: ["IntakeModel", "CSQLite", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "IntakeHTTPClient", dependencies: ["CCurl"]),
        // MIME parsing over libetpan: the email families' first piece (issue 18).
        .target(name: "IntakeMIME", dependencies: ["CEtpan"]),
        // An IMAP client over libetpan's mailimap, on threads of its own (issue 18).
        .target(name: "IntakeIMAP", dependencies: ["CEtpan"]),

        // Near-duplicate detection: Indonesian text normalization, the gazetteer, the LSH index. Model only.
        .target(
            name: "IntakeDedup", dependencies: ["IntakeModel"],
            resources: [.copy("Resources/gazetteer.tsv"), .copy("Resources/GAZETTEER-NOTICE.md")],
            // The index's verification loop reads its flat arrays millions of times a second; each index is
            // owned by one caller (a Mutex in the server), so run-time exclusivity checks only cost time.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),

        // Pipeline: journal -> normalize -> dedup -> store -> outbox, and the long-running services.
        .target(
            name: "IntakeCore",
            dependencies: [
                "IntakeModel", "IntakeStorage", "IntakeDedup",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "IntakeConfig",
            dependencies: ["IntakeModel", "IntakeDedup", .product(name: "Yams", package: "Yams")]
        ),

        // Channel adapters: one folder per channel family; each depends on the model alone (plus crypto for signatures).
        // What every family that checks a signature or a shared secret needs: HMAC keys and constant-time compares.
        .target(
            name: "ProviderSigning",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Adapters/Signing"
        ),
        .target(
            name: "GenericAdapter",
            dependencies: ["IntakeModel", "ProviderSigning", .product(name: "Crypto", package: "swift-crypto")],
            path: "Adapters/Generic"
        ),
        .target(
            name: "TwilioAdapter",
            dependencies: ["IntakeModel", "ProviderSigning", .product(name: "Crypto", package: "swift-crypto")],
            path: "Adapters/Twilio"
        ),
        .target(
            name: "VonageAdapter",
            dependencies: ["IntakeModel", "ProviderSigning", .product(name: "Crypto", package: "swift-crypto")],
            path: "Adapters/Vonage"
        ),

        .target(
            name: "InfobipAdapter",
            dependencies: ["IntakeModel", "ProviderSigning", .product(name: "Crypto", package: "swift-crypto")],
            path: "Adapters/Infobip"
        ),
        .target(
            name: "KannelAdapter",
            dependencies: ["IntakeModel", "ProviderSigning", .product(name: "Crypto", package: "swift-crypto")],
            path: "Adapters/Kannel"
        ),
        .target(
            name: "WhatsAppAdapter",
            dependencies: ["IntakeModel", "ProviderSigning", .product(name: "Crypto", package: "swift-crypto")],
            path: "Adapters/WhatsApp"
        ),
        // Email pushed by an MTA (issue 18): MIME to complaint over IntakeMIME, shared by the IMAP poller.
        .target(
            name: "EmailAdapter",
            dependencies: ["IntakeModel", "IntakeMIME", "ProviderSigning", .product(name: "Crypto", package: "swift-crypto")],
            path: "Adapters/Email"
        ),
        // IMAP polling (`type: imap`): the client is IntakeIMAP; each message goes through the email family's parser.
        .target(name: "IMAPAdapter", dependencies: ["IntakeModel", "IntakeIMAP", "EmailAdapter"], path: "Adapters/IMAP"),
        // The citizen's web form and the reports API for apps (`type: webform`, issue 19): signed form tokens, multipart.
        .target(
            name: "WebFormAdapter",
            dependencies: ["IntakeModel", "ProviderSigning", .product(name: "Crypto", package: "swift-crypto")],
            path: "Adapters/WebForm"
        ),

        // X API v2 recent search (`type: x`, issue 20): a poller over IntakeHTTPClient.
        .target(name: "XAdapter", dependencies: ["IntakeModel", "IntakeHTTPClient"], path: "Adapters/X"),
        // Telegram bots (`type: telegram`, issue 20): getUpdates long polling over libcurl, or the webhook.
        .target(
            name: "TelegramAdapter",
            dependencies: ["IntakeModel", "IntakeHTTPClient", "ProviderSigning"],
            path: "Adapters/Telegram"
        ),

        // The list of adapter families the executable serves; the only place that names them all.
        .target(
            name: "AdapterRegistry",
            dependencies: ["IntakeModel", "GenericAdapter", "TwilioAdapter", "VonageAdapter", "InfobipAdapter", "KannelAdapter", "WhatsAppAdapter",
                           "EmailAdapter", "IMAPAdapter", "WebFormAdapter",
                           "XAdapter", "TelegramAdapter"],
            path: "Adapters/Registry"
        ),

        // HTTP server: webhooks, the complaints API, health and metrics.
        .target(
            name: "IntakeServer",
            dependencies: [
                "IntakeModel", "IntakeCore", "IntakeStorage", "IntakeConfig", "IntakeHTTPClient", "IntakeDedup",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            // The web form's page templates, loaded once at start.
            resources: [.copy("Templates")]
        ),

        // The executable: argument parsing and wiring, nothing else.
        .executableTarget(
            name: "intake",
            dependencies: [
                "IntakeServer", "IntakeCore", "IntakeStorage", "IntakeConfig", "IntakeModel", "IntakeDedup", "AdapterRegistry",
                "IntakeHTTPClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(
            name: "IntakeTests",
            dependencies: [
                "IntakeModel", "IntakeStorage", "IntakeCore", "IntakeConfig", "IntakeServer",
                "IntakeHTTPClient", "IntakeMIME", "IntakeDedup", "GenericAdapter", "AdapterRegistry",
                "TwilioAdapter", "VonageAdapter",
                "InfobipAdapter", "KannelAdapter",
                "WhatsAppAdapter",
                "EmailAdapter",
                "IMAPAdapter", "IntakeIMAP",
                "WebFormAdapter",
                "XAdapter",
                "TelegramAdapter",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/IntakeTests",
            resources: [.copy("../../fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
