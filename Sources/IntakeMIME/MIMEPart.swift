/// One leaf of a MIME tree: a body text, an alternative rendering, or an attachment.
public struct MIMEPart: Sendable {
    /// The media type in lower case without parameters, such as `text/plain` or `image/jpeg`.
    public var mediaType: String
    /// The `charset` parameter as written (`UTF-8`, `ISO-8859-1`); nil when absent.
    public var charset: String?
    /// The file name from `Content-Disposition` (RFC 2231 or RFC 2047 encoded forms decoded), else
    /// the `name` parameter of `Content-Type`; nil for parts that carry none.
    public var fileName: String?
    /// The `Content-ID` without angle brackets, which HTML bodies use to point at inline images.
    public var contentID: String?
    /// Whether the sender marked the part `Content-Disposition: attachment`.
    public var isAttachment: Bool
    /// The content with base64 or quoted-printable undone, still in its own charset.
    public var body: [UInt8]

    /// A part; the parser builds these, tests may too.
    public init(
        mediaType: String,
        charset: String? = nil,
        fileName: String? = nil,
        contentID: String? = nil,
        isAttachment: Bool = false,
        body: [UInt8]
    ) {
        self.mediaType = mediaType
        self.charset = charset
        self.fileName = fileName
        self.contentID = contentID
        self.isAttachment = isAttachment
        self.body = body
    }

    /// Whether the part is textual (`text/*`), the only kind ``text()`` reads.
    public var isText: Bool { mediaType.hasPrefix("text/") }

    /// The body converted from ``charset`` to UTF-8 with `\n` line endings; nil for non-text parts.
    ///
    /// A missing charset is read as UTF-8, a superset of the RFC's US-ASCII default that also
    /// matches what unlabelled mail usually is; an unknown charset or invalid bytes degrade to
    /// replacement characters rather than losing the citizen's text.
    public func text() -> String? {
        guard isText else { return nil }
        let decoded = EtpanParser.utf8Text(body, charset: charset)
        // CRLF to LF on the UTF-8 bytes: a CR is one byte there, and this is a copy where replacing took a search.
        let utf8 = decoded.utf8
        guard utf8.contains(0x0D) else { return decoded }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var previousCR = false
        for byte in utf8 {
            if previousCR && byte != 0x0A { bytes.append(0x0D) }
            previousCR = byte == 0x0D
            if !previousCR { bytes.append(byte) }
        }
        if previousCR { bytes.append(0x0D) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
