import AdapterRegistry
import Foundation
import IntakeConfig
import IntakeHTTPClient
import IntakeModel
@testable import IntakeServer
import Testing
import WebFormAdapter

/// Who a web form submission comes from, for its per-address limit: the peer, or behind
/// `server.trusted_proxies` the client `X-Forwarded-For` names; an IPv6 client by its /64.
@Suite("Client addresses behind proxies", .serialized)
struct ClientAddressTests {
    static let proxies = ["127.0.0.1", "10.0.0.0/8", "fd00::/8"].compactMap(IPNetwork.init)

    static let cases: [(label: String, peer: String, forwardedFor: [String], trusted: Bool, client: String)] = [
        ("no trusted proxies: the header is ignored", "127.0.0.1", ["203.0.113.7"], false, "127.0.0.1"),
        ("a trusted peer: the client it names", "127.0.0.1", ["203.0.113.7"], true, "203.0.113.7"),
        ("a forged entry left of ours is not believed", "127.0.0.1", ["198.51.100.1, 203.0.113.7"], true, "203.0.113.7"),
        ("a chain of our proxies is walked from the right", "10.1.2.3", ["203.0.113.7, 10.9.9.9"], true, "203.0.113.7"),
        ("several headers are one list", "10.1.2.3", ["198.51.100.1", "203.0.113.7"], true, "203.0.113.7"),
        ("an untrusted peer is the client whatever it sends", "192.0.2.50", ["203.0.113.7"], true, "192.0.2.50"),
        ("a trusted peer without the header is the client", "127.0.0.1", [], true, "127.0.0.1"),
        ("an IPv4-mapped peer is its IPv4 address", "::ffff:127.0.0.1", ["203.0.113.7"], true, "203.0.113.7"),
        ("IPv6 through an IPv6 proxy", "fd00::1", ["2001:db8:1:2::abcd"], true, "2001:db8:1:2::abcd"),
    ]

    @Test("the client is the nearest untrusted address", arguments: cases)
    func clientBehindProxies(_ example: (label: String, peer: String, forwardedFor: [String], trusted: Bool, client: String)) {
        let addresses = ClientAddresses(trusted: example.trusted ? Self.proxies : [])
        #expect(addresses.client(peer: example.peer, forwardedFor: example.forwardedFor) == example.client, "\(example.label)")
    }

    @Test("an IPv6 client is limited by its /64; an IPv4 client by its address")
    func limitKeys() {
        #expect(ClientAddresses.limitKey("2001:db8:1:2::abcd") == "2001:db8:1:2::/64")
        #expect(ClientAddresses.limitKey("2001:db8:1:2:ffff:ffff:ffff:1") == "2001:db8:1:2::/64")
        #expect(ClientAddresses.limitKey("2001:db8:1:3::1") == "2001:db8:1:3::/64")
        #expect(ClientAddresses.limitKey("203.0.113.7") == "203.0.113.7")
    }

    @Test("networks parse and match", arguments: [
        ("10.0.0.0/8", "10.255.1.2", true), ("10.0.0.0/8", "11.0.0.1", false), ("192.168.1.0/24", "192.168.1.77", true),
        ("127.0.0.1", "127.0.0.1", true), ("127.0.0.1", "127.0.0.2", false), ("fd00::/8", "fdab::1", true),
        ("fd00::/8", "fe80::1", false), ("0.0.0.0/0", "8.8.8.8", true), ("10.0.0.0/8", "fd00::1", false),
    ])
    func networks(_ example: (String, String, Bool)) throws {
        let network = try #require(IPNetwork(example.0))
        let address = try #require(IPNetwork.addressBytes(example.1))
        #expect(network.contains(address) == example.2, "\(example.0) ∋ \(example.1)")
    }

    @Test("malformed networks are refused at load, naming the entry", arguments: ["10.0.0.0/33", "bogus", "10.0.0/8", "fd00::/129", "1.2.3.4/"])
    func badProxyIsRefused(_ entry: String) {
        let yaml = "server:\n  trusted_proxies: [\"127.0.0.1\", \"\(entry)\"]\nchannels:\n  - id: generic\n    type: generic\n    secret: s\n"
        do {
            _ = try ConfigLoader.parse(yaml: yaml, source: "test.yaml", families: AdapterRegistry.families, environment: [:])
            Issue.record("\(entry) was accepted")
        } catch {
            #expect(error.description.contains("server.trusted_proxies[1]"), "\(error.description)")
            #expect(error.description.contains("not an IP address or network"), "\(error.description)")
        }
    }

    @Test("trusted_proxies loads")
    func proxiesLoad() throws {
        let yaml = "server:\n  trusted_proxies: [\"127.0.0.1\", \"10.0.0.0/8\"]\nchannels:\n  - id: generic\n    type: generic\n    secret: s\n"
        let config = try ConfigLoader.parse(yaml: yaml, source: "test.yaml", families: AdapterRegistry.families, environment: [:])
        #expect(config.server.trustedProxies.map(\.description) == ["127.0.0.1/32", "10.0.0.0/8"])
    }

    static let channels = [
        ChannelConfig(id: "form", type: WebFormAdapter.type, settings: ["secret": WebFormTests.secret, "submissions_per_minute": "1"], burstSeconds: 0),
    ]

    static func submit(_ gateway: RunningGateway, forwardedFor: String) async throws -> Int {
        try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token()),
                                    headers: [("X-Forwarded-For", forwardedFor)]).status
    }

    @Test("behind a trusted proxy two citizens have a limit each; the same citizen is limited")
    func citizensBehindAProxyAreApart() async throws {
        let loopback = try #require(IPNetwork("127.0.0.1"))
        try await RunningGateway.with(channels: Self.channels, trustedProxies: [loopback]) { gateway async throws in
            #expect(try await Self.submit(gateway, forwardedFor: "203.0.113.7") == 200)
            #expect(try await Self.submit(gateway, forwardedFor: "203.0.113.8") == 200)
            #expect(try await Self.submit(gateway, forwardedFor: "203.0.113.7") == 429)
            // A forged entry left of the proxy's own does not buy a new limit.
            #expect(try await Self.submit(gateway, forwardedFor: "198.51.100.1, 203.0.113.8") == 429)
        }
    }

    @Test("without trusted proxies a client cannot escape its limit by sending X-Forwarded-For")
    func forgedHeaderIsIgnored() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway async throws in
            #expect(try await Self.submit(gateway, forwardedFor: "203.0.113.7") == 200)
            #expect(try await Self.submit(gateway, forwardedFor: "203.0.113.8") == 429)
        }
    }
}
