import Dispatch
import Hummingbird
import IntakeModel
import IntakeStorage
import NIOCore

/// A `multipart/form-data` body read as it arrives, for channels whose family streams file parts
/// (`WebhookAdapter.streamsFileParts`): each file part goes to a spool file (hashed on the way), text fields
/// stay in memory within `textFieldMaxBytes`, and the channel's limit is enforced on the bytes received, so
/// a sender without a Content-Length, or with a false one, is refused 413 as soon as it crosses it.
///
/// The result's `body` is the form again with each spooled part's bytes replaced by a pointer
/// (`X-Intake-Stored: sha256=…; size=…`, an empty body): what the adapter reads and the journal keeps.
struct StreamedUpload {
    /// The largest text field kept in memory; a report's longest field (10,000 characters) fits easily.
    static let textFieldMaxBytes = 64 << 10

    /// The rewritten body and the spooled files it points at.
    struct Result {
        var body: [UInt8]
        var spooled: [SpooledFile]
    }

    let spool: UploadSpool
    let limit: Int
    let limits: MultipartForm.Limits

    /// Reads `request`'s body; on any failure the files spooled so far are removed before it throws.
    func read(_ request: Request, contentType: String) async throws(HTTPFailure) -> Result {
        var form: Rewriter
        do {
            form = try Rewriter(contentType: contentType, limits: limits, spool: spool)
        } catch {
            throw .adapter(.malformed(field: nil, message: error.description))
        }
        do {
            var received = 0
            for try await buffer in request.body {
                received += buffer.readableBytes
                guard received <= limit else { throw HTTPFailure.bodyTooLarge(limit: limit) }
                try await form.feed(buffer.readableBytesView)
            }
            return try form.finish()
        } catch {
            UploadSpool.remove(form.paths)
            switch error {
            case let failure as HTTPFailure: throw failure
            case let failure as MultipartFormError: throw .adapter(.malformed(field: nil, message: failure.description))
            case let failure as StorageError: throw .storage(failure)
            default: throw .adapter(.malformed(field: nil, message: "the body could not be read"))
            }
        }
    }
}

/// Turns the stream's events into spool files and the rewritten body.
private struct Rewriter {
    var stream: MultipartStream
    let delimiter: [UInt8]
    let spool: UploadSpool
    var body: [UInt8] = []
    var spooled: [SpooledFile] = []
    /// Every spool file created, finished or not: what a failure removes.
    var paths: [String] = []
    private var head: MultipartForm.PartHead?
    private var writer: SpoolWriter?
    private var text: [UInt8] = []
    /// A file part's bytes not yet written: written off the pool once `writeBatchBytes` have come, or at its end.
    private var pending: [UInt8] = []
    static let writeBatchBytes = 64 << 10

    init(contentType: String, limits: MultipartForm.Limits, spool: UploadSpool) throws(MultipartFormError) {
        stream = try MultipartStream(contentType: contentType, limits: limits)
        delimiter = Array("--\(MultipartForm.boundary(contentType: contentType) ?? "")".utf8)
        self.spool = spool
    }

    mutating func feed(_ bytes: some Collection<UInt8>) async throws {
        var events: [MultipartStream.Event] = []
        try stream.feed(bytes) { events.append($0) }
        for event in events { try await handle(event) }
    }

    private mutating func handle(_ event: MultipartStream.Event) async throws {
        switch event {
        case .head(let next):
            head = next
            text = []
        case .bytes(let bytes):
            guard let head else { return }
            if head.fileName != nil {
                pending += bytes
                if pending.count >= Self.writeBatchBytes { try await flush() }
            } else {
                guard text.count + bytes.count <= StreamedUpload.textFieldMaxBytes else {
                    throw HTTPFailure.adapter(.malformed(field: head.name, message: "is larger than \(StreamedUpload.textFieldMaxBytes >> 10) KiB"))
                }
                text += bytes
            }
        case .end:
            try await endPart()
        }
    }

    /// Writes the pending file bytes, each blocking call on a Dispatch thread.
    private mutating func flush() async throws {
        guard !pending.isEmpty else { return }
        if writer == nil {
            // Created at the first byte: an empty file input sends a file part with no bytes.
            let spool = spool
            let created = try await offThePool { try spool.create() }
            paths.append(created.path)
            writer = created
        }
        guard let writer else { return }
        let bytes = pending
        pending = []
        try await offThePool { try writer.write(bytes[...]) }
    }

    /// Writes the finished part: its own headers (a client's pointer header dropped) and its text, or a
    /// pointer to its spooled bytes.
    private mutating func endPart() async throws {
        guard let head else { return }
        var lines = head.lines.filter { !$0.lowercased().hasPrefix(StoredPointer.header.lowercased() + ":") }
        try await flush()
        if let writer {
            let file = try await offThePool { try writer.finish() }
            spooled.append(file)
            lines.append("\(StoredPointer.header): \(StoredPointer(sha256: file.sha256, size: file.size).headerValue)")
        }
        body += delimiter
        body += Array(("\r\n" + lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        if writer == nil { body += text }
        body += [0x0D, 0x0A]
        self.head = nil
        self.writer = nil
        text = []
    }

    mutating func finish() throws -> StreamedUpload.Result {
        try stream.finish()
        body += delimiter + Array("--\r\n".utf8)
        return StreamedUpload.Result(body: body, spooled: spooled)
    }
}

/// Runs blocking file work (creating, writing, closing a spool file) on a Dispatch thread, never on the
/// cooperative pool, as `AttachmentStore.store` does with its fsyncs.
private func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
