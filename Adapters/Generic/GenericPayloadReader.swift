import IntakeModel

/// Reads the generic webhook's body into a `GenericPayload`, byte by byte.
///
/// The body is one JSON object whose known members are strings, booleans or a list of strings; members
/// it does not know are skipped, but must still be valid JSON. Written by hand because `JSONDecoder`
/// (its generic `Codable` machinery, a value tree, then the containers) was the largest single cost of
/// accepting a webhook after HTTP itself. The answers are the decoder's: a body that is not JSON at all
/// is "not valid JSON" (even when a member before the error had the wrong type), and otherwise the first
/// member in declaration order with the wrong type is named.
struct GenericPayloadReader {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// Wrong types seen, by member name; reported only once the whole body proved to be JSON.
    private var mismatches: [String: String] = [:]

    /// Deeper nesting than this (the body's own object counts as one level) is refused.
    static let maximumDepth = 512

    static func read(_ body: [UInt8]) throws(AdapterError) -> GenericPayload {
        var reader = GenericPayloadReader(bytes: body)
        return try reader.payload()
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func payload() throws(AdapterError) -> GenericPayload {
        var payload = GenericPayload()
        guard let parsed = try? document(into: &payload) else {
            throw .malformed(field: nil, message: "body is not valid JSON")
        }
        guard parsed else { throw .malformed(field: nil, message: "body must be one JSON object") }
        for field in GenericPayload.fieldOrder {
            if let message = mismatches[field] { throw .malformed(field: field, message: message) }
        }
        return payload
    }

    /// The whole body; false when it is valid JSON but not an object.
    private mutating func document(into payload: inout GenericPayload) throws(SyntaxError) -> Bool {
        skipWhitespace()
        let isObject = peek() == UInt8(ascii: "{")
        if isObject {
            try object { reader, name throws(SyntaxError) in try reader.member(name, into: &payload) }
        } else {
            try skipValue()
        }
        skipWhitespace()
        guard index == bytes.count else { throw SyntaxError() }
        return isObject
    }

    private mutating func member(_ name: String, into payload: inout GenericPayload) throws(SyntaxError) {
        switch name {
        case "id": payload.id = try stringValue(for: name)
        case "from": payload.from = try stringValue(for: name)
        case "name": payload.name = try stringValue(for: name)
        case "text": payload.text = try stringValue(for: name)
        case "title": payload.title = try stringValue(for: name)
        case "sent_at": payload.sentAt = try stringValue(for: name)
        case "kind": payload.kind = try stringValue(for: name)
        case "location": payload.location = try stringValue(for: name)
        case "incident_date": payload.incidentDate = try stringValue(for: name)
        case "category": payload.category = try stringValue(for: name)
        case "agency": payload.agency = try stringValue(for: name)
        case "anonymous": payload.anonymous = try boolValue(for: name)
        case "confidential": payload.confidential = try boolValue(for: name)
        case "tags": payload.tags = try stringListValue(for: name)
        case "attachments": payload.attachments = try attachmentListValue(for: name)
        case "part": payload.part = try partValue(for: name)
        default: try skipValue()
        }
    }

    /// A string member; null is absent. Any other value is skipped and remembered as a wrong type.
    private mutating func stringValue(for name: String) throws(SyntaxError) -> String? {
        switch peek() {
        case UInt8(ascii: "\""):
            return try string()
        case UInt8(ascii: "n"):
            try literal("null")
            return nil
        default:
            try skipValue()
            mismatches[name] = "must be a string"
            return nil
        }
    }

    private mutating func boolValue(for name: String) throws(SyntaxError) -> Bool? {
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        case UInt8(ascii: "n"):
            try literal("null")
            return nil
        default:
            try skipValue()
            mismatches[name] = "must be true or false"
            return nil
        }
    }

    private mutating func stringListValue(for name: String) throws(SyntaxError) -> [String]? {
        switch peek() {
        case UInt8(ascii: "n"):
            try literal("null")
            return nil
        case UInt8(ascii: "["):
            break
        default:
            try skipValue()
            mismatches[name] = "must be a list of strings"
            return nil
        }
        var values: [String] = []
        try array { reader throws(SyntaxError) in
            if reader.peek() == UInt8(ascii: "\"") {
                values.append(try reader.string())
            } else {
                try reader.skipValue()
                reader.mismatches[name] = "must be a list of strings"
            }
        }
        return values
    }

    /// A list of `{"url", "media_type", "file_name", "expires_at"}` objects, all members strings; null is absent.
    private mutating func attachmentListValue(for name: String) throws(SyntaxError) -> [GenericAttachment]? {
        let wrongType = "must be a list of objects with string members url, media_type, file_name, expires_at"
        switch peek() {
        case UInt8(ascii: "n"):
            try literal("null")
            return nil
        case UInt8(ascii: "["):
            break
        default:
            try skipValue()
            mismatches[name] = wrongType
            return nil
        }
        var values: [GenericAttachment] = []
        try array { reader throws(SyntaxError) in
            guard reader.peek() == UInt8(ascii: "{") else {
                try reader.skipValue()
                reader.mismatches[name] = wrongType
                return
            }
            var attachment = GenericAttachment()
            try reader.object { reader, member throws(SyntaxError) in
                let keyPath: WritableKeyPath<GenericAttachment, String?>? = switch member {
                case "url": \.url
                case "media_type": \.mediaType
                case "file_name": \.fileName
                case "expires_at": \.expiresAt
                default: nil
                }
                guard let keyPath else { return try reader.skipValue() }
                if reader.peek() == UInt8(ascii: "\"") {
                    attachment[keyPath: keyPath] = try reader.string()
                } else {
                    try reader.skipValue()
                    reader.mismatches[name] = wrongType
                }
            }
            values.append(attachment)
        }
        return values
    }

    /// `{"reference": "…", "index": 2, "total": 3}`; null is absent. A wrong shape is remembered as a mismatch.
    private mutating func partValue(for name: String) throws(SyntaxError) -> GenericPayload.Part? {
        switch peek() {
        case UInt8(ascii: "n"):
            try literal("null")
            return nil
        case UInt8(ascii: "{"):
            break
        default:
            try skipValue()
            mismatches[name] = "must be an object with reference, index and total"
            return nil
        }
        var part = GenericPayload.Part()
        try object { reader, member throws(SyntaxError) in
            switch member {
            case "reference":
                if reader.peek() == UInt8(ascii: "\"") { part.reference = try reader.string() } else { try reader.skipValue() }
            case "index": part.index = try reader.integerValue()
            case "total": part.total = try reader.integerValue()
            default: try reader.skipValue()
            }
        }
        return part
    }

    /// A small non-negative integer at the cursor; anything else is skipped and read as nil.
    private mutating func integerValue() throws(SyntaxError) -> Int? {
        let start = index
        try skipValue()
        guard index - start <= 9, let text = String(bytes: bytes[start..<index], encoding: .utf8) else { return nil }
        return Int(text)
    }

    // MARK: - JSON grammar

    private mutating func skipValue() throws(SyntaxError) {
        switch peek() {
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "{"):
            try object { reader, _ throws(SyntaxError) in try reader.skipValue() }
        case UInt8(ascii: "["):
            try array { reader throws(SyntaxError) in try reader.skipValue() }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    /// An object at the cursor: `member` reads each value, the cursor on its first byte, given its name.
    private mutating func object(
        _ member: (inout GenericPayloadReader, String) throws(SyntaxError) -> Void
    ) throws(SyntaxError) {
        try enclosed(closing: UInt8(ascii: "}")) { reader throws(SyntaxError) in
            let name = try reader.string()
            reader.skipWhitespace()
            try reader.expect(UInt8(ascii: ":"))
            reader.skipWhitespace()
            try member(&reader, name)
        }
    }

    /// An array at the cursor: `element` reads each value, the cursor on its first byte.
    private mutating func array(_ element: (inout GenericPayloadReader) throws(SyntaxError) -> Void) throws(SyntaxError) {
        try enclosed(closing: UInt8(ascii: "]"), element)
    }

    /// The comma-separated items between the opening byte at the cursor and `closing`, one nesting level deeper.
    private mutating func enclosed(
        closing: UInt8, _ item: (inout GenericPayloadReader) throws(SyntaxError) -> Void
    ) throws(SyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw SyntaxError() }
        index += 1
        skipWhitespace()
        if peek() == closing {
            index += 1
        } else {
            while true {
                skipWhitespace()
                try item(&self)
                skipWhitespace()
                let separator = next()
                if separator == closing { break }
                guard separator == UInt8(ascii: ",") else { throw SyntaxError() }
            }
        }
        depth -= 1
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func number() throws(SyntaxError) {
        if peek() == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "0") {
            index += 1
        } else {
            guard digits() > 0 else { throw SyntaxError() }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw SyntaxError() }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw SyntaxError() }
        }
    }

    private mutating func digits() -> Int {
        let start = index
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }

    /// A string token, unescaped. Raw bytes are copied in runs; the result must be valid UTF-8.
    private mutating func string() throws(SyntaxError) -> String {
        try expect(UInt8(ascii: "\""))
        var start = index
        var unescaped: [UInt8] = []
        var escaped = false
        while true {
            guard let byte = next() else { throw SyntaxError() }
            switch byte {
            case UInt8(ascii: "\""):
                let text: String?
                if escaped {
                    unescaped.append(contentsOf: bytes[start..<(index - 1)])
                    text = String(validating: unescaped, as: UTF8.self)
                } else {
                    text = String(validating: bytes[start..<(index - 1)], as: UTF8.self)
                }
                guard let text else { throw SyntaxError() }
                return text
            case UInt8(ascii: "\\"):
                unescaped.append(contentsOf: bytes[start..<(index - 1)])
                escaped = true
                try escape(into: &unescaped)
                start = index
            case ..<0x20:
                throw SyntaxError()
            default:
                continue
            }
        }
    }

    private mutating func escape(into output: inout [UInt8]) throws(SyntaxError) {
        guard let byte = next() else { throw SyntaxError() }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(byte)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0c)
        case UInt8(ascii: "n"): output.append(0x0a)
        case UInt8(ascii: "r"): output.append(0x0d)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hexQuad()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low one.
                guard next() == UInt8(ascii: "\\"), next() == UInt8(ascii: "u") else { throw SyntaxError() }
                let low = try hexQuad()
                guard (0xDC00...0xDFFF).contains(low) else { throw SyntaxError() }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw SyntaxError() }
            output.append(contentsOf: UTF8.encode(unicode)!)
        default:
            throw SyntaxError()
        }
    }

    private mutating func hexQuad() throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = next(), let digit = Hex.value(of: byte) else { throw SyntaxError() }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func literal(_ word: StaticString) throws(SyntaxError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw SyntaxError() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw SyntaxError()
        }
        index += count
    }

    private mutating func expect(_ byte: UInt8) throws(SyntaxError) {
        guard next() == byte else { throw SyntaxError() }
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 { index += 1 }
    }

    /// The body is not JSON; where exactly does not matter to the sender's answer.
    private struct SyntaxError: Error {}
}
