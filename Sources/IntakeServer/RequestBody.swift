import Hummingbird
import NIOCore

extension Request {
    /// The body as bytes, refused before it is read whole when it declares (`declaredLength`, the
    /// Content-Length) or reaches more than `limit` bytes: a channel's limit holds however the sender lies.
    func body(upTo limit: Int, declaredLength: Int?) async throws(HTTPFailure) -> [UInt8] {
        if let declaredLength, declaredLength > limit { throw .bodyTooLarge(limit: limit) }
        do {
            return Array(try await body.collect(upTo: limit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw .bodyTooLarge(limit: limit)
        } catch {
            throw .adapter(.malformed(field: nil, message: "the body could not be read"))
        }
    }
}
