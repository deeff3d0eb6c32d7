import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's basics plus the peer's address, which channel
/// families that allow only their provider's hosts (Kannel's `allowed_ips`) need.
public struct IntakeRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection, asked for its peer only when a route needs it.
    private let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Who connected; nil for a connection without an IP peer.
    public var remoteAddress: SocketAddress? { channel.remoteAddress }
}
