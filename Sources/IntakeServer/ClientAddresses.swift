import HTTPTypes
import Hummingbird
import IntakeModel

/// Who a request comes from, for per-address limits: the connection's peer, or, when the peer is one of
/// `server.trusted_proxies`, the nearest address in `X-Forwarded-For` that is not a trusted proxy (read from
/// the right: everything left of it was written by the client and can be forged). Without trusted proxies
/// the header is ignored, so a client cannot escape its limit by sending one.
///
/// The limit key groups an IPv6 client by its /64: one household or phone gets a whole /64 and can pick any
/// address in it.
struct ClientAddresses: Sendable {
    let trusted: [IPNetwork]
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// The key a per-address limit counts `request` under; nil when the peer is unknown.
    func limitKey(_ request: Request, peer: String?) -> String? {
        client(peer: peer, forwardedFor: request.headers[values: Self.forwardedFor]).map(Self.limitKey)
    }

    /// The client's address as text.
    func client(peer: String?, forwardedFor: [String]) -> String? {
        guard let peer, let peerBytes = IPNetwork.addressBytes(peer) else { return peer }
        guard isTrusted(peerBytes) else { return peer }
        // Several headers are one list, in order; the rightmost entries were added by the nearest proxies.
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard let bytes = IPNetwork.addressBytes(hop) else { return hop.isEmpty ? peer : hop }
            if !isTrusted(bytes) { return IPNetwork.text(of: bytes) ?? hop }
        }
        // Every hop is one of ours (or there is no header): the leftmost is as close to the client as we know.
        return hops.first.flatMap { IPNetwork.addressBytes($0).flatMap(IPNetwork.text(of:)) } ?? peer
    }

    private func isTrusted(_ bytes: [UInt8]) -> Bool {
        trusted.contains { $0.contains(bytes) }
    }

    /// An IPv4 address as it is; an IPv6 address as its /64 (`2001:db8:1:2::/64`); anything else as it is.
    static func limitKey(_ address: String) -> String {
        guard let bytes = IPNetwork.addressBytes(address), bytes.count == 16 else { return address }
        let network = Array(bytes[0..<8]) + [UInt8](repeating: 0, count: 8)
        return (IPNetwork.text(of: network) ?? address) + "/64"
    }
}
