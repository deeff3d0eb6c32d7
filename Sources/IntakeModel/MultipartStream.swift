import Foundation

/// A `multipart/form-data` body read piece by piece as it arrives, for bodies too large to hold: each part's
/// head is reported once its headers are complete, and its bytes as they come, so a caller can write a file
/// part to disk while the rest of the body is still on the wire.
///
/// The same grammar as `MultipartForm.parse` (which reads a whole body): a first delimiter at the start or
/// after a CRLF, transport padding after delimiters, bounded headers and part count. Memory is bounded by
/// the largest header block plus one delimiter, whatever the parts' sizes.
public struct MultipartStream {
    /// What the stream found in the bytes fed so far.
    public enum Event {
        /// A part begins; its bytes follow.
        case head(MultipartForm.PartHead)
        /// Some of the current part's bytes, in order.
        case bytes(ArraySlice<UInt8>)
        /// The current part is complete.
        case end
    }

    private enum State {
        case preamble, delimiter, headers, body, epilogue
    }

    /// "\r\n--boundary": every delimiter but a first one at the very start follows a line break.
    private let separator: [UInt8]
    private let limits: MultipartForm.Limits
    /// Bytes not yet consumed: at most a header block or a delimiter's length.
    private var buffer: [UInt8]
    private var state = State.preamble
    private var parts = 0
    private var files = 0

    /// A stream for a body sent with `contentType`; throws unless it is `multipart/form-data` with a boundary.
    public init(contentType: String, limits: MultipartForm.Limits = MultipartForm.Limits()) throws(MultipartFormError) {
        guard let boundary = MultipartForm.boundary(contentType: contentType) else { throw .notMultipart }
        separator = Array("\r\n--\(boundary)".utf8)
        self.limits = limits
        // A virtual line break before the body, so a delimiter at its very start is found like any other.
        buffer = [0x0D, 0x0A]
    }

    /// Whether the closing delimiter has been read (what follows it is ignored).
    public var isComplete: Bool { state == .epilogue }

    /// Reads `chunk`, reporting every event it completes to `sink` in order.
    public mutating func feed(_ chunk: some Collection<UInt8>, _ sink: (Event) throws -> Void) throws {
        if state == .epilogue { return }
        buffer.append(contentsOf: chunk)
        var cursor = 0
        defer { buffer.removeSubrange(0..<cursor) }
        while let next = try step(from: cursor, sink) { cursor = next }
    }

    /// One step of the state machine from `cursor`; the new cursor, or nil when more bytes are needed.
    private mutating func step(from cursor: Int, _ sink: (Event) throws -> Void) throws -> Int? {
        switch state {
        case .preamble:
            guard let found = MultipartForm.find(separator, in: buffer, from: cursor) else {
                if buffer.count - cursor > separator.count { return buffer.count - separator.count }
                return nil
            }
            state = .delimiter
            return found + separator.count
        case .delimiter:
            let padded = MultipartForm.skipTransportPadding(buffer, from: cursor)
            guard padded + 2 <= buffer.count else { return nil }
            if MultipartForm.starts(buffer, with: [0x2D, 0x2D], at: cursor) {
                state = .epilogue
                return buffer.count
            }
            guard MultipartForm.starts(buffer, with: [0x0D, 0x0A], at: padded) else { throw MultipartFormError.malformedDelimiter }
            state = .headers
            return padded + 2
        case .headers:
            return try headers(from: cursor, sink)
        case .body:
            if let end = MultipartForm.find(separator, in: buffer, from: cursor) {
                if end > cursor { try sink(.bytes(buffer[cursor..<end])) }
                try sink(.end)
                state = .delimiter
                return end + separator.count
            }
            // Keep what could be the start of a delimiter; the rest is the part's for sure.
            let safe = buffer.count - (separator.count - 1)
            guard safe > cursor else { return nil }
            try sink(.bytes(buffer[cursor..<safe]))
            return safe
        case .epilogue:
            return nil
        }
    }

    /// A part's header block, once its blank line has arrived.
    private mutating func headers(from cursor: Int, _ sink: (Event) throws -> Void) throws -> Int? {
        let index = parts
        let headerEnd: Int
        let bodyStart: Int
        if MultipartForm.starts(buffer, with: [0x0D, 0x0A], at: cursor) {
            headerEnd = cursor
            bodyStart = cursor + 2
        } else if let found = MultipartForm.find([0x0D, 0x0A, 0x0D, 0x0A], in: buffer, from: cursor) {
            headerEnd = found
            bodyStart = found + 4
        } else {
            guard buffer.count - cursor <= limits.maxHeaderBytes + 4 else { throw MultipartFormError.headersTooLarge(part: index) }
            return nil
        }
        guard headerEnd - cursor <= limits.maxHeaderBytes else { throw MultipartFormError.headersTooLarge(part: index) }
        let head = try MultipartForm.PartHead(headerText: String(decoding: buffer[cursor..<headerEnd], as: UTF8.self), index: index)
        try limits.check(isFile: head.fileName != nil, fields: parts - files, files: files)
        parts += 1
        if head.fileName != nil { files += 1 }
        try sink(.head(head))
        state = .body
        return bodyStart
    }

    /// Checks that the body ended with its closing delimiter.
    public func finish() throws(MultipartFormError) {
        guard state == .epilogue else { throw .unterminated }
    }
}
