import Foundation
import IntakeModel
import Testing

/// `multipart/form-data` read from bytes: well-formed bodies, quirks browsers send, and malformed ones.
@Suite("Multipart form parser")
struct MultipartFormTests {
    static let type = "multipart/form-data; boundary=XyZ"

    /// A body from lines joined with CRLF.
    static func body(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\r\n").utf8) }

    struct Good: CustomTestStringConvertible, Sendable {
        var name: String
        var contentType: String = MultipartFormTests.type
        var body: [UInt8]
        var parts: [MultipartForm.Part]
        var testDescription: String { name }
    }

    static let good: [Good] = [
        Good(name: "two fields", body: body([
            "--XyZ", #"Content-Disposition: form-data; name="title""#, "", "Jalan rusak",
            "--XyZ", #"Content-Disposition: form-data; name="body""#, "", "Baris satu\r\nBaris dua",
            "--XyZ--", "",
        ]), parts: [
            .init(name: "title", body: Array("Jalan rusak".utf8)),
            .init(name: "body", body: Array("Baris satu\r\nBaris dua".utf8)),
        ]),
        Good(name: "a file with its type, a preamble, no final CRLF", body: body([
            "preamble to ignore",
            "--XyZ", #"Content-Disposition: form-data; name="attachments"; filename="foto.jpg""#, "Content-Type: image/jpeg", "", "\u{7F}JPG",
            "--XyZ--",
        ]), parts: [.init(name: "attachments", fileName: "foto.jpg", contentType: "image/jpeg", body: Array("\u{7F}JPG".utf8))]),
        Good(name: "a path in the file name is cut to its base name", body: body([
            "--XyZ", #"Content-Disposition: form-data; name="attachments"; filename="C:\\Users\\ani\\..\\bukti.pdf""#, "", "x",
            "--XyZ--",
        ]), parts: [.init(name: "attachments", fileName: "bukti.pdf", body: Array("x".utf8))]),
        Good(name: "a hidden or traversing file name loses its leading dots", body: body([
            "--XyZ", #"Content-Disposition: form-data; name="attachments"; filename="../../.htaccess""#, "", "x",
            "--XyZ--",
        ]), parts: [.init(name: "attachments", fileName: "htaccess", body: Array("x".utf8))]),
        Good(name: "quoted boundary and parameters in any case", contentType: #"Multipart/Form-Data; charset=utf-8; Boundary="XyZ""#, body: body([
            "--XyZ", #"content-disposition: FORM-DATA; NAME="kind""#, "", "aspiration",
            "--XyZ--",
        ]), parts: [.init(name: "kind", body: Array("aspiration".utf8))]),
        Good(name: "an empty field and an empty file input", body: body([
            "--XyZ", #"Content-Disposition: form-data; name="website""#, "", "",
            "--XyZ", #"Content-Disposition: form-data; name="attachments"; filename="""#, "Content-Type: application/octet-stream", "", "",
            "--XyZ--",
        ]), parts: [
            .init(name: "website", body: []),
            .init(name: "attachments", fileName: "", contentType: "application/octet-stream", body: []),
        ]),
        Good(name: "a body containing the boundary text without CRLF before it", body: body([
            "--XyZ", #"Content-Disposition: form-data; name="body""#, "", "kata --XyZ di tengah",
            "--XyZ--",
        ]), parts: [.init(name: "body", body: Array("kata --XyZ di tengah".utf8))]),
    ]

    @Test("well-formed bodies give their parts", arguments: good)
    func parsesGoodBodies(_ example: Good) throws {
        let form = try MultipartForm.parse(example.body, contentType: example.contentType)
        #expect(form.parts == example.parts)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        var name: String
        var contentType: String = MultipartFormTests.type
        var body: [UInt8]
        var error: MultipartFormError
        var testDescription: String { name }
    }

    static let bad: [Bad] = [
        Bad(name: "not multipart", contentType: "application/x-www-form-urlencoded", body: Array("title=x".utf8), error: .notMultipart),
        Bad(name: "no boundary parameter", contentType: "multipart/form-data", body: body(["--XyZ--"]), error: .notMultipart),
        Bad(name: "boundary longer than 70", contentType: "multipart/form-data; boundary=" + String(repeating: "a", count: 71), body: [], error: .notMultipart),
        Bad(name: "another boundary in the body", body: body(["--Other", #"Content-Disposition: form-data; name="a""#, "", "x", "--Other--"]), error: .missingBoundary),
        Bad(name: "empty body", body: [], error: .missingBoundary),
        Bad(name: "cut off before the closing boundary", body: body(["--XyZ", #"Content-Disposition: form-data; name="a""#, "", "x"]), error: .unterminated),
        Bad(name: "delimiter followed by garbage", body: body(["--XyZjunk", #"Content-Disposition: form-data; name="a""#, "", "x", "--XyZ--"]), error: .malformedDelimiter),
        Bad(name: "no blank line after the headers", body: body(["--XyZ", #"Content-Disposition: form-data; name="a""#, "--XyZ--"]), error: .missingHeaders(part: 0)),
        Bad(name: "a header line without a colon", body: body(["--XyZ", "Content-Disposition form-data", "", "x", "--XyZ--"]), error: .malformedHeader(part: 0)),
        Bad(name: "no Content-Disposition", body: body(["--XyZ", "Content-Type: text/plain", "", "x", "--XyZ--"]), error: .missingDisposition(part: 0)),
        Bad(name: "no headers at all", body: body(["--XyZ", "", "x", "--XyZ--"]), error: .missingDisposition(part: 0)),
        Bad(name: "a disposition without a name", body: body(["--XyZ", "Content-Disposition: form-data", "", "x", "--XyZ--"]), error: .missingDisposition(part: 0)),
        Bad(name: "attachment instead of form-data", body: body(["--XyZ", #"Content-Disposition: attachment; name="a""#, "", "x", "--XyZ--"]), error: .missingDisposition(part: 0)),
        Bad(name: "headers larger than the limit", body: body(["--XyZ", "X-Padding: " + String(repeating: "p", count: 9000), #"Content-Disposition: form-data; name="a""#, "", "x", "--XyZ--"]), error: .headersTooLarge(part: 0)),
        Bad(name: "more parts than the limit", body: body(Array(repeating: ["--XyZ", #"Content-Disposition: form-data; name="a""#, "", "x"], count: 65).flatMap { $0 } + ["--XyZ--"]), error: .tooManyParts(limit: 64)),
        Bad(name: "more files than the limit", body: manyFiles(257), error: .tooManyFiles(limit: 256)),
    ]

    @Test("malformed bodies are refused with the reason", arguments: bad)
    func refusesBadBodies(_ example: Bad) {
        #expect(throws: example.error) { try MultipartForm.parse(example.body, contentType: example.contentType) }
    }

    @Test("random cuts of a valid body never crash the parser")
    func truncationsAreSafe() {
        let full = Self.body([
            "--XyZ", #"Content-Disposition: form-data; name="title""#, "", "Jalan rusak",
            "--XyZ", #"Content-Disposition: form-data; name="attachments"; filename="a.jpg""#, "Content-Type: image/jpeg", "", "bytes",
            "--XyZ--",
        ])
        for length in 0..<full.count {
            // Every prefix either parses or throws; none may trap.
            _ = try? MultipartForm.parse(Array(full.prefix(length)), contentType: Self.type)
        }
        #expect((try? MultipartForm.parse(full, contentType: Self.type))?.parts.count == 2)
    }

    @Test("files() skips an empty file input and value() skips files")
    func accessors() throws {
        let form = try MultipartForm.parse(Self.body([
            "--XyZ", #"Content-Disposition: form-data; name="attachments"; filename="""#, "", "",
            "--XyZ", #"Content-Disposition: form-data; name="attachments"; filename="a.png""#, "", "png",
            "--XyZ", #"Content-Disposition: form-data; name="title""#, "", "Judul",
            "--XyZ--",
        ]), contentType: Self.type)
        #expect(form.files("attachments").map(\.fileName) == ["a.png"])
        #expect(form.value("title") == "Judul")
        #expect(form.value("attachments") == nil)
    }

    /// A `filename` as a browser sends it and the name kept.
    static let fileNames: [(sent: String, kept: String)] = [
        (#"C:\fakepath\x.jpg"#, "x.jpg"),
        (#"..\..\windows\win.ini"#, "win.ini"),
        (#"C:\Users\ani\Foto\"#, ""),
        ("../../etc/passwd", "passwd"),
        ("..", ""),
        ("foto%22lubang%22.jpg", "fotolubang.jpg"),
        ("baris%0D%0Abaru.jpg", "barisbaru.jpg"),
        ("baris%0abaru.jpg", "barisbaru.jpg"),
        ("diskon 50%.jpg", "diskon 50%.jpg"),
        ("100%25 bukti.pdf", "100%25 bukti.pdf"),
        ("foto\tjalan.jpg", "fotojalan.jpg"),
        ("\u{202E}gpj.exe", "gpj.exe"),
        ("Jalan Rusak 写真.jpg", "Jalan Rusak 写真.jpg"),
        (String(repeating: "a", count: 300) + ".jpeg", String(repeating: "a", count: 123) + ".jpeg"),
    ]

    @Test("file names are read as browsers send them, the same by the whole-body and the streaming parser", arguments: fileNames)
    func browserFileNames(_ example: (sent: String, kept: String)) throws {
        let body = Self.body([
            "--XyZ", #"Content-Disposition: form-data; name="attachments"; filename="\#(example.sent)""#, "Content-Type: image/jpeg", "", "x",
            "--XyZ--",
        ])
        #expect(try MultipartForm.parse(body, contentType: Self.type).parts.map(\.fileName) == [example.kept])
        for chunk in [1, body.count] {
            var stream = try MultipartStream(contentType: Self.type)
            var names: [String?] = []
            for start in stride(from: 0, to: body.count, by: chunk) {
                try stream.feed(body[start..<min(start + chunk, body.count)]) { if case .head(let head) = $0 { names.append(head.fileName) } }
            }
            try stream.finish()
            #expect(names == [example.kept], "chunks of \(chunk)")
        }
    }

    /// 60 fields and `count` file parts.
    static func manyFiles(_ count: Int) -> [UInt8] {
        let fields = (0..<60).flatMap { ["--XyZ", #"Content-Disposition: form-data; name="f\#($0)""#, "", "x"] }
        let files = (0..<count).flatMap { ["--XyZ", #"Content-Disposition: form-data; name="attachments"; filename="\#($0).jpg""#, "", "x"] }
        return body(fields + files + ["--XyZ--"])
    }

    @Test("files are counted apart from fields, the same by the whole-body and the streaming parser")
    func filesAreCountedApart() throws {
        let full = Self.manyFiles(256)
        #expect(try MultipartForm.parse(full, contentType: Self.type).parts.count == 316)
        var heads = 0
        var stream = try MultipartStream(contentType: Self.type)
        try stream.feed(full) { if case .head = $0 { heads += 1 } }
        try stream.finish()
        #expect(heads == 316)
        for (body, error) in [(Self.manyFiles(257), MultipartFormError.tooManyFiles(limit: 256)), (Self.bad.first { $0.name == "more parts than the limit" }!.body, .tooManyParts(limit: 64))] {
            var refusing = try MultipartStream(contentType: Self.type)
            #expect(throws: error) { try refusing.feed(body) { _ in } }
        }
    }
}
