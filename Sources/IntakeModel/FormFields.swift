/// `application/x-www-form-urlencoded` fields (a form body or a URL's query), decoded best-effort: `+` is a
/// space, `%XX` a byte, a stray `%` stays as it is, and bytes that are not UTF-8 become U+FFFD. Never fails,
/// so a provider's odd encoding reaches the adapter as text rather than as a crash.
public enum FormFields {
    /// The name-value pairs of `bytes`, in order; a name without `=` has an empty value.
    public static func decode(_ bytes: some Collection<UInt8>) -> [(name: String, value: String)] {
        // One concrete copy: generic collection code from another module is not specialized, and a form is
        // decoded on every SMS webhook.
        Array(bytes).withUnsafeBufferPointer(decode(buffer:))
    }

    private static func decode(buffer: UnsafeBufferPointer<UInt8>) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        var start = 0
        while start < buffer.count {
            var end = start
            while end < buffer.count && buffer[end] != UInt8(ascii: "&") { end += 1 }
            if end > start {
                var equals = start
                while equals < end && buffer[equals] != UInt8(ascii: "=") { equals += 1 }
                let name = unescape(buffer: UnsafeBufferPointer(rebasing: buffer[start..<equals]))
                let value = equals < end ? unescape(buffer: UnsafeBufferPointer(rebasing: buffer[(equals + 1)..<end])) : ""
                fields.append((name, value))
            }
            start = end + 1
        }
        return fields
    }

    /// The query of `url` (after the first `?`, before any `#`) decoded as form fields.
    public static func query(of url: String) -> [(name: String, value: String)] {
        let utf8 = Array(url.utf8)
        guard let mark = utf8.firstIndex(of: UInt8(ascii: "?")) else { return [] }
        let rest = utf8[(mark + 1)...]
        return decode(rest.prefix { $0 != UInt8(ascii: "#") })
    }

    /// One percent-encoded component as text.
    public static func unescape(_ component: some Collection<UInt8>) -> String {
        Array(component).withUnsafeBufferPointer(unescape(buffer:))
    }

    private static func unescape(buffer: UnsafeBufferPointer<UInt8>) -> String {
        // Most names and many values need no decoding at all.
        if !buffer.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) {
            return String(decoding: buffer, as: UTF8.self)
        }
        var output: [UInt8] = []
        output.reserveCapacity(buffer.count)
        var index = 0
        while index < buffer.count {
            let byte = buffer[index]
            index += 1
            switch byte {
            case UInt8(ascii: "+"):
                output.append(0x20)
            case UInt8(ascii: "%"):
                if index + 1 < buffer.count, let high = Hex.value(of: buffer[index]), let low = Hex.value(of: buffer[index + 1]) {
                    output.append(high << 4 | low)
                    index += 2
                } else {
                    output.append(byte)
                }
            default:
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension FormFields {
    private static let unreserved = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

    /// `fields` as a form body: every byte but the unreserved ones percent-encoded.
    public static func encode(_ fields: [(name: String, value: String)]) -> [UInt8] {
        var output: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { output.append(UInt8(ascii: "&")) }
            escape(field.name, into: &output)
            output.append(UInt8(ascii: "="))
            escape(field.value, into: &output)
        }
        return output
    }

    private static func escape(_ text: String, into output: inout [UInt8]) {
        let digits = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                output.append(byte)
            } else {
                output.append(contentsOf: [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
            }
        }
    }
}
