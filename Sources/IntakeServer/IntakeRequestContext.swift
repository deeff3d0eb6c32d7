import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's basics plus the peer's address, which channel
/// families that allow only their provider's hosts (Kannel's `allowed_ips`) need.
public struct IntakeRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who connected; nil for a connection without an IP peer.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
