import Foundation
import IntakeModel

/// The parameters of one call from Kannel's SMS box, as raw bytes: Kannel URL-encodes the message's own
/// bytes (UCS-2, 8-bit data), so they are percent-decoded here, never through a UTF-8 string first.
///
/// They come from the URL's query (`get-url`, and whatever `post-url`'s URL carries), from a form body
/// (`application/x-www-form-urlencoded`), or, for `post-url`'s plain body, from the body (the text) and
/// Kannel's `X-Kannel-*` headers. A name's first occurrence wins; the query comes first.
struct KannelFields {
    private(set) var values: [String: [UInt8]] = [:]

    init(_ request: WebhookRequest) {
        if let question = request.publicURL.utf8.firstIndex(of: UInt8(ascii: "?")) {
            add(form: Array(request.publicURL.utf8[request.publicURL.utf8.index(after: question)...]))
        }
        guard request.method == "POST" else { return }
        let contentType = request.headers["Content-Type"]?.lowercased() ?? ""
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            add(form: request.body)
            return
        }
        // post-url: the body is the message; the rest is in headers.
        add("text", request.body)
        for (header, name) in Self.kannelHeaders {
            if let value = request.headers[header] { add(name, Array(value.utf8)) }
        }
        if let udh = request.headers["X-Kannel-UDH"] { add("udh", Self.percentDecoded(Array(udh.utf8))) }
        if let charset = Self.charset(of: contentType) { add("charset", Array(charset.utf8)) }
    }

    /// `X-Kannel-*` headers of a `post-url` call and the parameter each stands for.
    static let kannelHeaders = [
        ("X-Kannel-From", "from"), ("X-Kannel-To", "to"), ("X-Kannel-Time", "time"), ("X-Kannel-Coding", "coding"),
        ("X-Kannel-SMSC", "smsc"),
    ]

    /// The raw bytes of `name`, if the call carried it.
    subscript(_ name: String) -> [UInt8]? { values[name] }

    /// `name` as text (invalid UTF-8 replaced), trimmed; nil when absent.
    func text(_ name: String) -> String? {
        values[name].map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    private mutating func add(_ name: String, _ value: [UInt8]) {
        if values[name] == nil { values[name] = value }
    }

    private mutating func add(form: [UInt8]) {
        for pair in form.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(decoding: Self.percentDecoded(Array(parts[0])), as: UTF8.self)
            add(name, parts.count > 1 ? Self.percentDecoded(Array(parts[1])) : [])
        }
    }

    /// `+` is a space and `%XX` a byte, as Kannel's `octstr_url_encode` writes them; a stray `%` stays as it is.
    static func percentDecoded(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The `charset` parameter of a Content-Type (`text/plain; charset="UTF-16BE"`).
    static func charset(of contentType: String) -> String? {
        guard let range = contentType.range(of: "charset=") else { return nil }
        let value = contentType[range.upperBound...].prefix { $0 != ";" }
        let trimmed = value.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        return trimmed.isEmpty ? nil : trimmed
    }
}
