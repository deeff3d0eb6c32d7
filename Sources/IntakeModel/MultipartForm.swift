import Foundation

/// A `multipart/form-data` body (RFC 7578) read from its bytes: the fields in order, each with its name,
/// its file name (reduced to a safe base name) and its bytes.
///
/// Pure and byte-based: the boundary comes from the request's `Content-Type`, every part must carry a
/// `Content-Disposition: form-data; name="…"`, and the number of parts and the size of each part's
/// headers are bounded, so a hostile body costs at most one pass over its bytes.
public struct MultipartForm: Sendable, Equatable {
    /// One part of the form.
    public struct Part: Sendable, Equatable {
        /// The field name (`title`, `attachments`).
        public var name: String
        /// The sanitized base name of an uploaded file; nil for a plain field.
        public var fileName: String?
        /// The part's declared `Content-Type`, `text/plain` when it declares none.
        public var contentType: String
        public var body: [UInt8]
        /// Set when the server streamed the part's bytes to disk: `body` is then empty and the bytes are
        /// under this digest (`X-Intake-Stored`), to be matched with `WebhookRequest.spooled`.
        public var stored: StoredPointer?

        /// A part with these values (tests build forms with it).
        public init(name: String, fileName: String? = nil, contentType: String = "text/plain", body: [UInt8], stored: StoredPointer? = nil) {
            self.name = name
            self.fileName = fileName
            self.contentType = contentType
            self.body = body
            self.stored = stored
        }

        /// The size of the file's bytes, wherever they are.
        public var size: Int { stored?.size ?? body.count }

        /// The body as UTF-8 text (invalid sequences replaced).
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Bounds on what a form may declare.
    public struct Limits: Sendable {
        /// The default of `maxFileParts`.
        public static let defaultMaxFileParts = 256

        /// The most plain (non-file) parts a form may have.
        public var maxParts: Int
        /// The most file parts (with a `filename`) a form may have, counted apart from the fields, so a
        /// form with many files is still read and an adapter can say how many it takes.
        public var maxFileParts: Int
        /// The most bytes of headers one part may have.
        public var maxHeaderBytes: Int

        /// Limits; the defaults fit a report form's fields and far more files than a report takes.
        public init(maxParts: Int = 64, maxFileParts: Int = defaultMaxFileParts, maxHeaderBytes: Int = 8192) {
            self.maxParts = maxParts
            self.maxFileParts = maxFileParts
            self.maxHeaderBytes = maxHeaderBytes
        }

        /// Throws when a part of this kind, after `fields` fields and `files` files, is one too many.
        func check(isFile: Bool, fields: Int, files: Int) throws(MultipartFormError) {
            if isFile, files >= maxFileParts { throw .tooManyFiles(limit: maxFileParts) }
            if !isFile, fields >= maxParts { throw .tooManyParts(limit: maxParts) }
        }
    }

    /// The parts in the order they were sent.
    public var parts: [Part]

    /// A form of these parts.
    public init(parts: [Part]) { self.parts = parts }

    /// The text of the first plain (non-file) field called `name`.
    public func value(_ name: String) -> String? {
        parts.first { $0.name == name && $0.fileName == nil }?.text
    }

    /// The file parts called `name`, in order; a file input left empty sends a part with an empty file name
    /// and no bytes, which is not a file.
    public func files(_ name: String) -> [Part] {
        parts.filter { $0.name == name && $0.fileName != nil && !($0.fileName!.isEmpty && $0.size == 0) }
    }

    /// The boundary of a `multipart/form-data` content type, or nil when it is another type or has none.
    public static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "="), piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            // RFC 2046: 1 to 70 characters.
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    /// Parses `body` sent with `contentType`.
    public static func parse(_ body: [UInt8], contentType: String, limits: Limits = Limits()) throws(MultipartFormError) -> MultipartForm {
        guard let boundary = boundary(contentType: contentType) else { throw .notMultipart }
        let delimiter = Array("--\(boundary)".utf8)
        // The first delimiter may open the body directly; every later one follows a CRLF.
        guard let first = find(delimiter, in: body, from: 0), first == 0 || hasCRLF(body, before: first) else {
            throw .missingBoundary
        }
        var parts: [Part] = []
        var files = 0
        var cursor = first + delimiter.count
        let separator = [0x0D, 0x0A] + delimiter
        while true {
            if starts(body, with: [0x2D, 0x2D], at: cursor) { return MultipartForm(parts: parts) }  // "--": the close delimiter
            cursor = skipTransportPadding(body, from: cursor)
            guard starts(body, with: [0x0D, 0x0A], at: cursor) else { throw .malformedDelimiter }
            cursor += 2
            guard let end = find(separator, in: body, from: cursor) else { throw .unterminated }
            let next = try part(body, cursor..<end, index: parts.count, limits: limits)
            try limits.check(isFile: next.fileName != nil, fields: parts.count - files, files: files)
            if next.fileName != nil { files += 1 }
            parts.append(next)
            cursor = end + separator.count
        }
    }

    /// One part: headers, a blank line, the body.
    private static func part(_ body: [UInt8], _ bytes: Range<Int>, index: Int, limits: Limits) throws(MultipartFormError) -> Part {
        let blank: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        let headerEnd: Int
        let bodyStart: Int
        if starts(body, with: [0x0D, 0x0A], at: bytes.startIndex) {
            // No headers at all: the disposition is missing, reported below.
            headerEnd = bytes.startIndex
            bodyStart = bytes.startIndex + 2
        } else {
            guard let found = find(blank, in: body, from: bytes.startIndex, before: bytes.endIndex) else { throw .missingHeaders(part: index) }
            headerEnd = found
            bodyStart = found + 4
        }
        guard headerEnd - bytes.startIndex <= limits.maxHeaderBytes else { throw .headersTooLarge(part: index) }
        let headerText = String(decoding: body[bytes.startIndex..<headerEnd], as: UTF8.self)
        let head = try PartHead(headerText: headerText, index: index)
        let stored = head.value(of: StoredPointer.header).flatMap(StoredPointer.init(headerValue:))
        return Part(
            name: head.name, fileName: head.fileName, contentType: head.contentType, body: Array(body[bodyStart..<bytes.endIndex]), stored: stored
        )
    }

    /// A part's header lines read: its field name, file name and declared type.
    public struct PartHead: Sendable, Equatable {
        /// The header lines as sent, without their line breaks.
        public var lines: [String]
        /// The field name.
        public var name: String
        /// The sanitized file name when the disposition has a `filename` parameter (a file part), else nil.
        public var fileName: String?
        /// The declared `Content-Type`, `text/plain` when none.
        public var contentType: String

        /// Reads the header block of part `index` (lines separated by CRLF).
        public init(headerText: String, index: Int) throws(MultipartFormError) {
            var disposition: String?
            var contentType = "text/plain"
            // Split as Characters ("\r\n" is one), not through NSString: this runs for every part of every form.
            lines = headerText.split(separator: "\r\n").map(String.init)
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { throw .malformedHeader(part: index) }
                let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if name == "content-disposition" { disposition = value }
                if name == "content-type" { contentType = value }
            }
            guard let disposition else { throw .missingDisposition(part: index) }
            let parameters = MultipartForm.dispositionParameters(disposition)
            guard parameters.type == "form-data", let name = parameters.values["name"], !name.isEmpty else {
                throw .missingDisposition(part: index)
            }
            self.name = name
            self.fileName = parameters.values["filename"].map(MultipartForm.safeFileName)
            self.contentType = contentType
        }

        /// The value of the first header line called `name` (any case).
        public func value(of name: String) -> String? {
            for line in lines {
                guard let colon = line.firstIndex(of: ":"), line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased() else { continue }
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
    }

    /// `form-data; name="title"; filename="a.jpg"` as its type and parameters. A quoted value is read as
    /// browsers write it (WHATWG multipart/form-data): `\` is an ordinary character (a Windows path), and
    /// `"`, CR and LF arrive as `%22`, `%0D`, `%0A`, which are decoded.
    static func dispositionParameters(_ value: String) -> (type: String, values: [String: String]) {
        var values: [String: String] = [:]
        var characters = Substring(value)
        let type = characters.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        characters = characters.drop { $0 != ";" }
        while characters.first == ";" {
            characters = characters.dropFirst().drop { $0 == " " || $0 == "\t" }
            let key = characters.prefix { $0 != "=" && $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
            characters = characters.dropFirst(characters.prefix { $0 != "=" && $0 != ";" }.count)
            guard characters.first == "=" else { continue }
            characters = characters.dropFirst()
            var text = ""
            if characters.first == "\"" {
                characters = characters.dropFirst()
                text = String(characters.prefix { $0 != "\"" })
                characters = characters.drop { $0 != "\"" }.dropFirst().drop { $0 != ";" }
                text = browserUnescaped(text)
            } else {
                text = characters.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
                characters = characters.drop { $0 != ";" }
            }
            if values[key] == nil { values[key] = text }
        }
        return (type, values)
    }

    /// `%22`, `%0D` and `%0A` (either case) as the characters a browser escaped with them; any other `%` stays.
    static func browserUnescaped(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var result = ""
        var rest = Substring(text)
        while let percent = rest.firstIndex(of: "%") {
            result += rest[..<percent]
            let code = rest[percent...].dropFirst().prefix(2).uppercased()
            let decoded: Character? = code == "22" ? "\"" : code == "0D" ? "\r" : code == "0A" ? "\n" : nil
            if let decoded {
                result.append(decoded)
                rest = rest[percent...].dropFirst(3)
            } else {
                result.append("%")
                rest = rest[percent...].dropFirst()
            }
        }
        return result + rest
    }

    /// The most characters a file name keeps (its extension kept when it is cut).
    public static let fileNameMaxCharacters = 128

    /// A file name as a safe base name: what follows the last `/` or `\` (a browser on Windows may send
    /// `C:\fakepath\x.jpg`), without control characters, `:` or `"`, without leading dots, at most
    /// `fileNameMaxCharacters`; empty when nothing is left (the caller names the file).
    public static func safeFileName(_ raw: String) -> String {
        // By scalars: a combining mark after a `/` makes one Character that is not a `/`.
        let scalars = raw.unicodeScalars
        let start = scalars.lastIndex { $0 == "/" || $0 == "\\" }.map(scalars.index(after:)) ?? scalars.startIndex
        let cleaned = scalars[start...].filter { !CharacterSet.controlCharacters.contains($0) && $0 != ":" && $0 != "\"" }
        var name = String(String.UnicodeScalarView(cleaned)).trimmingCharacters(in: .whitespaces)
        while name.hasPrefix(".") { name.removeFirst() }
        guard name.count > fileNameMaxCharacters else { return name }
        let dot = name.lastIndex(of: ".").map { String(name[$0...]) }
        let suffix = dot.map { $0.count <= 16 ? $0 : "" } ?? ""
        return String(name.prefix(fileNameMaxCharacters - suffix.count)).trimmingCharacters(in: .whitespaces) + suffix
    }

    private static func hasCRLF(_ bytes: [UInt8], before index: Int) -> Bool {
        index >= 2 && bytes[index - 2] == 0x0D && bytes[index - 1] == 0x0A
    }

    /// RFC 2046 allows blanks between a delimiter and its CRLF.
    static func skipTransportPadding(_ bytes: [UInt8], from index: Int) -> Int {
        var cursor = index
        while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x09 { cursor += 1 }
        return cursor
    }

    static func starts(_ bytes: [UInt8], with prefix: [UInt8], at index: Int) -> Bool {
        guard index >= 0, index + prefix.count <= bytes.count else { return false }
        for offset in 0..<prefix.count where bytes[index + offset] != prefix[offset] { return false }
        return true
    }

    /// The first index at or after `start` where `needle` occurs, ending before `limit`.
    static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int, before limit: Int? = nil) -> Int? {
        let end = (limit ?? bytes.count) - needle.count
        guard let head = needle.first, start >= 0, start <= end else { return nil }
        // memchr finds the candidates: a file part is mostly bytes that cannot start a delimiter.
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            var index = start
            while index <= end {
                guard let hit = memchr(base + index, Int32(head), end - index + 1) else { return nil }
                index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if starts(bytes, with: needle, at: index) { return index }
                index += 1
            }
            return nil
        }
    }
}

/// Why a body is not a readable `multipart/form-data` form.
public enum MultipartFormError: Error, Equatable, CustomStringConvertible {
    case notMultipart
    case missingBoundary
    case malformedDelimiter
    case unterminated
    case missingHeaders(part: Int)
    case malformedHeader(part: Int)
    case missingDisposition(part: Int)
    case headersTooLarge(part: Int)
    case tooManyParts(limit: Int)
    case tooManyFiles(limit: Int)

    public var description: String {
        switch self {
        case .notMultipart: "Content-Type must be multipart/form-data with a boundary of 1 to 70 characters"
        case .missingBoundary: "the body does not start with the boundary the Content-Type declares"
        case .malformedDelimiter: "a boundary line is not followed by a line break"
        case .unterminated: "the body ends before the closing boundary"
        case .missingHeaders(let part): "part \(part + 1) has no blank line after its headers"
        case .malformedHeader(let part): "part \(part + 1) has a header line without a colon"
        case .missingDisposition(let part): "part \(part + 1) has no Content-Disposition: form-data with a name"
        case .headersTooLarge(let part): "part \(part + 1) has headers larger than allowed"
        case .tooManyParts(let limit): "the form has more than \(limit) fields"
        case .tooManyFiles(let limit): "the form has more than \(limit) files"
        }
    }
}
