import Crypto
import Foundation
import IntakeHTTPClient
import IntakeModel
import IntakeStorage
import Testing
import WebFormAdapter

/// Web form uploads streamed to disk as they arrive: the limit holds on received bytes, the journal keeps
/// pointers instead of files, abandoned spool files are swept, and files are still judged by their bytes.
/// Serialized like the web form suite: each test runs a gateway of its own.
@Suite("Streamed uploads", .serialized)
struct StreamedUploadTests {
    static let channels = [
        ChannelConfig(id: "form", type: WebFormAdapter.type, maxBodyBytes: 32 << 20,
                      settings: ["secret": WebFormTests.secret, "attachment_max_bytes": "\(25 << 20)", "attachments_max_bytes": "\(30 << 20)"],
                      burstSeconds: 0),
        ChannelConfig(id: "small", type: WebFormAdapter.type, maxBodyBytes: 64 << 10, settings: ["secret": WebFormTests.secret], burstSeconds: 0),
    ]

    /// A JPEG of `size` bytes whose contents depend on `seed`.
    static func photo(size: Int, seed: UInt8 = 7) -> [UInt8] {
        var bytes = WebFormTests.jpeg
        bytes.reserveCapacity(size)
        var value = seed
        while bytes.count < size {
            value = value &* 31 &+ 17
            bytes.append(value)
        }
        return bytes
    }

    static func data(_ gateway: RunningGateway, _ path: String) -> String { gateway.directory.appending("data/\(path)") }

    /// Regular files under `path`, recursively.
    static func files(under path: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: path)
        var found: [String] = []
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(path)/\(name)", isDirectory: &isDirectory), !isDirectory.boolValue { found.append(name) }
        }
        return found
    }

    static func journalRows(_ gateway: RunningGateway) async throws -> [(id: Int64, rawLength: Int64, raw: [UInt8])] {
        try await gateway.server.database.read { connection in
            try connection.query("SELECT id, length(raw), raw FROM journal ORDER BY id").map { ($0.int(0) ?? 0, $0.int(1) ?? 0, $0.bytes(2) ?? []) }
        }
    }

    @Test("a 20 MiB photo is stored by its digest while the journal row keeps only a pointer to it, which resolves to the stored bytes")
    func largeUploadStaysOutOfTheJournal() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let photo = Self.photo(size: 20 << 20)
            let digest = Hex.string(SHA256.hash(data: photo))
            let answer = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token()), files: [("besar.jpg", photo)])
            #expect(answer.status == 200, "\(answer.text)")
            let number = try #require(answer.json["tracking_number"] as? String)
            // The row holds the form's fields and the pointer: a few hundred bytes, not 20 MiB.
            let rows = try await Self.journalRows(gateway)
            #expect(rows.count == 1)
            #expect((rows.first?.rawLength ?? .max) < 4096, "raw is \(rows.first?.rawLength ?? -1) bytes")
            let raw = try #require(rows.first?.raw)
            #expect(String(decoding: raw, as: UTF8.self).contains("X-Intake-Stored: sha256=\(digest); size=\(photo.count)"))
            // The complaint, made from the journal entry behind the answer, has the photo by digest and size.
            try await eventually { try await WebFormTests.complaints(gateway).count == 1 }
            let complaint = try await gateway.get("/api/v1/complaints/\(number)").json
            let attachment = try #require((complaint["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["sha256"] as? String == digest && attachment["size"] as? Int == photo.count)
            #expect(attachment["media_type"] as? String == "image/jpeg" && attachment["state"] as? String == "stored")
            // The journal's raw body parses back, and its pointer leads to the stored bytes.
            let form = try MultipartForm.parse(raw, contentType: "multipart/form-data; boundary=\(Self.boundary(of: raw))")
            let part = try #require(form.files("attachments").first)
            #expect(part.body.isEmpty && part.stored == StoredPointer(sha256: digest, size: photo.count))
            #expect(form.value("title") == "Jalan berlubang")
            let stored = AttachmentStore(directory: Self.data(gateway, "attachments"))
            #expect(stored.bytes(forSHA256: digest).map { Array($0) == photo } == true)
            #expect(Self.files(under: Self.data(gateway, "spool")).isEmpty)
        }
    }

    /// The boundary a rewritten body opens with (`--<boundary>\r\n`).
    static func boundary(of raw: [UInt8]) -> String {
        String(String(decoding: raw.prefix(200), as: UTF8.self).prefix { $0 != "\r\n" }.dropFirst(2))
    }

    @Test("the same photo sent with two forms is stored once and named by both complaints")
    func samePhotoIsStoredOnce() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let photo = Self.photo(size: 300_000, seed: 3)
            for body in [WebFormTests.body, WebFormTests.body + " Sudah dua kali dilaporkan."] {
                let answer = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token(), ["body": body]), files: [("foto.jpg", photo)])
                #expect(answer.status == 200, "\(answer.text)")
            }
            try await eventually { try await WebFormTests.complaints(gateway).count == 2 }
            let digests = try await WebFormTests.complaints(gateway).compactMap { ($0["attachments"] as? [[String: Any]])?.first?["sha256"] as? String }
            #expect(digests.count == 2 && Set(digests) == [Hex.string(SHA256.hash(data: photo))])
            #expect(Self.files(under: Self.data(gateway, "attachments")).count == 1)
            #expect(Self.files(under: Self.data(gateway, "spool")).isEmpty)
        }
    }

    @Test("a program named .jpg is refused by its bytes, and neither the spool nor the attachment store keeps it")
    func disguisedProgramIsRefused() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let program = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01] + [UInt8](repeating: 0x90, count: 200_000)  // ELF
            let answer = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token()), files: [("foto.jpg", program)])
            #expect(answer.status == 422)
            #expect(WebFormTests.errors(answer) == ["attachments[0]": "Jenis berkas tidak diterima: hanya foto, PDF, atau video."])
            #expect(Self.files(under: Self.data(gateway, "spool")).isEmpty)
            #expect(Self.files(under: Self.data(gateway, "attachments")).isEmpty)
            #expect(try await Self.journalRows(gateway).isEmpty)
        }
    }

    @Test("a pointer header sent by the client is dropped: it cannot claim a file stored for someone else")
    func forgedPointerIsIgnored() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let photo = Self.photo(size: 50_000, seed: 9)
            let digest = Hex.string(SHA256.hash(data: photo))
            #expect(try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token()), files: [("a.jpg", photo)]).status == 200)
            let boundary = "----forged1234"
            var body: [UInt8] = []
            for (name, value) in WebFormTests.fields(token: WebFormTests.token(), ["body": WebFormTests.body + " Lagi."]) {
                body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
            }
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"b.jpg\"\r\nX-Intake-Stored: sha256=\(digest); size=\(photo.count)\r\n\r\n\r\n--\(boundary)--\r\n".utf8)
            let answer = try await gateway.client.send(HTTPClientRequest(
                method: "POST", url: gateway.baseURL + "/api/v1/reports", headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: body
            ))
            #expect(answer.status == 422, "\(answer.text)")
            #expect(WebFormTests.errors(answer).keys.contains("attachments[0]"))
        }
    }

    @Test("a chunked body without Content-Length is refused 413 once it crosses the limit, leaving no spool file and no journal row")
    func chunkedOverLimitIsRefused() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let form = WebFormTests.multipart(WebFormTests.fields(token: WebFormTests.token(channel: "small")), files: [("besar.jpg", Self.photo(size: 200_000))])
            let answer = try await RawHTTP.chunked(port: gateway.port, path: "/api/v1/reports?channel=small", contentType: form.type, body: form.body)
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            #expect(Self.files(under: Self.data(gateway, "spool")).isEmpty)
            #expect(try await Self.journalRows(gateway).isEmpty)
            // Within the limit the same route takes a chunked form.
            let small = WebFormTests.multipart(WebFormTests.fields(token: WebFormTests.token(channel: "small")), files: [("kecil.jpg", Self.photo(size: 20_000))])
            let accepted = try await RawHTTP.chunked(port: gateway.port, path: "/api/v1/reports?channel=small", contentType: small.type, body: small.body)
            #expect(accepted.hasPrefix("HTTP/1.1 200"), "\(accepted.prefix(300))")
        }
    }

    @Test("a text field larger than 64 KiB is refused 400 naming it: only files leave memory")
    func hugeTextFieldIsRefused() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let fields = WebFormTests.fields(token: WebFormTests.token(), ["body": String(repeating: "jalan rusak ", count: 7000)])
            let answer = try await WebFormTests.post(gateway, fields: fields)
            #expect(answer.status == 400)
            #expect(answer.json["field"] as? String == "body")
            #expect(try await Self.journalRows(gateway).isEmpty)
        }
    }

    @Test("a spool file left by a crash mid-upload is removed at the next start")
    func abandonedSpoolIsSwept() async throws {
        let directory = try TemporaryDirectory("intake-spool")
        defer { directory.remove() }
        let config = try IntakeBinary.writeConfig(in: directory, extraChannels: """
              - id: form
                type: webform
                secret: \(WebFormTests.secret)
                max_body_bytes: 33554432
                attachment_max_bytes: 26214400
            """)
        let spool = directory.appending("data/spool")
        let server = try await ServerProcess.start(config: config, logPath: directory.appending("first.log"))
        let form = WebFormTests.multipart(WebFormTests.fields(token: WebFormTests.token()), files: [("besar.jpg", Self.photo(size: 4 << 20))])
        // Half the form, then nothing: the server has a spool file open when it is killed.
        let connection = try RawHTTP.open(port: server.port)
        defer { close(connection) }
        RawHTTP.send(connection, Array("POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \(form.type)\r\nContent-Length: \(form.body.count)\r\n\r\n".utf8))
        RawHTTP.send(connection, Array(form.body.prefix(form.body.count / 2)))
        try await eventually { !Self.files(under: spool).isEmpty }
        server.kill()
        _ = await server.terminated()
        #expect(!Self.files(under: spool).isEmpty)
        let restarted = try await ServerProcess.start(config: config, logPath: directory.appending("second.log"))
        defer { _ = restarted.terminate() }
        #expect(Self.files(under: spool).isEmpty)
        #expect(restarted.log.contains("abandoned uploads removed from the spool"))
        _ = await restarted.terminated()
    }

    @Test("the stream reads a form the same whatever the chunk size", arguments: [1, 2, 3, 7, 64, 1000, 1 << 20])
    func streamMatchesWholeParse(chunk: Int) throws {
        let form = WebFormTests.multipart(
            WebFormTests.fields(token: "t"), files: [("a.jpg", Self.photo(size: 3000)), ("b.jpg", Array("\r\n--\r\n".utf8) + Self.photo(size: 100))]
        )
        let whole = try MultipartForm.parse(form.body, contentType: form.type)
        var stream = try MultipartStream(contentType: form.type)
        var parts: [MultipartForm.Part] = []
        for start in stride(from: 0, to: form.body.count, by: chunk) {
            try stream.feed(form.body[start..<min(start + chunk, form.body.count)]) { event in
                switch event {
                case .head(let head): parts.append(MultipartForm.Part(name: head.name, fileName: head.fileName, contentType: head.contentType, body: []))
                case .bytes(let bytes): parts[parts.count - 1].body += bytes
                case .end: break
                }
            }
        }
        try stream.finish()
        #expect(parts == whole.parts)
    }
}

/// HTTP/1.1 by hand on a loopback socket, for what the client library does not send: chunked bodies and
/// requests left half-sent.
enum RawHTTP {
    static func open(port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard descriptor >= 0, connected == 0 else {
            close(descriptor)
            throw ServerProcessError(message: "cannot connect to 127.0.0.1:\(port)")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }

    /// Sends what it can; a peer that stopped reading (and answered) ends the sending quietly.
    static func send(_ descriptor: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    /// POSTs `body` in 16 KiB chunks without a Content-Length; returns the answer's bytes as text.
    static func chunked(port: Int, path: String, contentType: String, body: [UInt8]) async throws -> String {
        try await offThePool {
            let descriptor = try open(port: port)
            defer { close(descriptor) }
            send(descriptor, Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \(contentType)\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".utf8))
            for start in stride(from: 0, to: body.count, by: 16 << 10) {
                let chunk = body[start..<min(start + (16 << 10), body.count)]
                send(descriptor, Array(String(chunk.count, radix: 16).utf8) + [0x0D, 0x0A] + chunk + [0x0D, 0x0A])
            }
            send(descriptor, Array("0\r\n\r\n".utf8))
            var answer: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while answer.count < 1 << 20 {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                guard count > 0 else { break }
                answer += buffer[0..<count]
                if let text = String(bytes: answer, encoding: .utf8), text.contains("\r\n\r\n"), text.contains("}") { break }
            }
            return String(decoding: answer, as: UTF8.self)
        }
    }
}
