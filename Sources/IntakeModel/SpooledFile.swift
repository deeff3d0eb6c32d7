import Foundation

/// A file part of a streamed upload that the server wrote to a spool file as it arrived, hashed on the way,
/// so that neither the request's memory nor the journal's row ever holds its bytes.
///
/// The server hands the spooled files of a request to its adapter (`WebhookRequest.spooled`); an adapter
/// that keeps one makes it an `InboundAttachment(fileName:mediaType:spooled:)`, and the attachment store
/// moves the file into its content-addressed layout (durably) before the journal row that names it is
/// written. Files nobody kept are removed when the request ends.
public struct SpooledFile: Codable, Sendable, Equatable {
    /// Where the bytes wait until the attachment store takes them.
    public var path: String
    /// Lower-case hex SHA-256 of the bytes: the address they will be stored under.
    public var sha256: String
    /// The number of bytes.
    public var size: Int
    /// The first bytes (at most `headBytes`), so an adapter checks the file's type by its magic numbers
    /// without reading the file (adapters do no I/O).
    public var head: [UInt8]

    /// Enough for every magic number `MediaSniffer` knows and for its description of text.
    public static let headBytes = 512

    /// A spooled file as the server describes it once the part is complete.
    public init(path: String, sha256: String, size: Int, head: [UInt8]) {
        self.path = path
        self.sha256 = sha256
        self.size = size
        self.head = head
    }
}

/// The pointer a streamed body carries in place of a file part's bytes: the part keeps its own headers,
/// gains `X-Intake-Stored: sha256=<hex>; size=<n>` and has an empty body. The journal keeps that small
/// body as the message's raw form; the bytes are in the attachment store under the digest.
public struct StoredPointer: Sendable, Equatable {
    /// The header naming the stored bytes; a client's own header of this name is dropped by the server.
    public static let header = "X-Intake-Stored"

    /// Lower-case hex SHA-256 of the stored bytes.
    public var sha256: String
    /// The number of stored bytes.
    public var size: Int

    /// A pointer to `size` bytes stored under `sha256`.
    public init(sha256: String, size: Int) {
        self.sha256 = sha256
        self.size = size
    }

    /// The header's value: `sha256=<hex>; size=<n>`.
    public var headerValue: String { "sha256=\(sha256); size=\(size)" }

    /// Reads a header value; nil unless it names 64 hex digits and a size.
    public init?(headerValue: String) {
        var digest: String?
        var size: Int?
        for piece in headerValue.split(separator: ";") {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0].lowercased() {
            case "sha256": digest = pair[1].lowercased()
            case "size": size = Int(pair[1])
            default: continue
            }
        }
        guard let digest, digest.utf8.count == 64, digest.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let size, size >= 0
        else { return nil }
        self.init(sha256: digest, size: size)
    }
}
