import Foundation

/// How a reporter can be reached again, which also decides how their address is normalized.
public enum ReporterKind: String, Codable, Sendable, CaseIterable {
    /// A phone number, stored in E.164 (`+628123456789`).
    case phone
    /// An email address, stored in lower case.
    case email
    /// A social-media account (X handle, Telegram or WhatsApp user id), stored without `@`, in lower case.
    case social
    /// A web-form account or session id, stored as given.
    case web
}

/// The person who sent a message, as far as the channel tells.
public struct Reporter: Hashable, Codable, Sendable {
    public var kind: ReporterKind
    /// The normalized address; two messages from one person on one kind of channel share it.
    public var address: String
    /// The name the channel shows, if any.
    public var name: String?

    public init(kind: ReporterKind, address: String, name: String? = nil) {
        self.kind = kind
        self.address = address
        self.name = name
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(address, forKey: .address)
        try container.encode(name, forKey: .name)
    }

    enum CodingKeys: String, CodingKey { case kind, address, name }

    /// Normalizes `raw` for `kind`; nil when it is not a valid address of that kind.
    public init?(kind: ReporterKind, raw: String, name: String? = nil, defaultCountryCode: String = "62") {
        let normalized: String?
        switch kind {
        case .phone: normalized = PhoneNumber.e164(raw, defaultCountryCode: defaultCountryCode)
        case .email: normalized = EmailAddress.normalize(raw)
        case .social: normalized = Self.normalizeHandle(raw)
        case .web:
            let trimmed = raw.trimmed
            normalized = trimmed.isEmpty ? nil : trimmed
        }
        guard let normalized else { return nil }
        let trimmedName = name?.trimmed
        self.init(kind: kind, address: normalized, name: trimmedName?.isEmpty == false ? trimmedName : nil)
    }

    /// Guesses the kind from the address itself, for channels that carry any of them (the generic webhook).
    public init?(inferringFrom raw: String, name: String? = nil) {
        let trimmed = raw.trimmed
        let kind: ReporterKind
        if trimmed.hasPrefix("@") {
            kind = .social
        } else if trimmed.contains(Character("@")) {
            kind = .email
        } else if PhoneNumber.looksLikePhone(trimmed) {
            kind = .phone
        } else {
            kind = .web
        }
        self.init(kind: kind, raw: trimmed, name: name)
    }

    /// A form safe for logs: enough to tell reporters apart by eye, never the full address.
    public var redactedAddress: String {
        switch kind {
        case .phone:
            // Country and operator prefix and the last two digits: enough to tell reporters apart in a log,
            // with at least half the number hidden whatever its length.
            let shown = min(5, address.count / 3)
            let tail = address.count >= 10 ? 2 : 0
            return String(address.prefix(shown)) + String(repeating: "*", count: address.count - shown - tail) + String(address.suffix(tail))
        case .email:
            guard let at = address.firstIndex(of: "@") else { return "***" }
            // A one- or two-letter local part would be given away by its first letter.
            let local = address[..<at]
            return (local.count > 2 ? String(local.prefix(1)) : "") + "***" + String(address[at...])
        case .social, .web:
            // A short handle would be shown whole.
            guard address.count > 4 else { return "***" }
            return String(address.prefix(2)) + "***"
        }
    }

    static func normalizeHandle(_ raw: String) -> String? {
        var handle = raw.trimmed
        if handle.hasPrefix("@") { handle.removeFirst() }
        guard !handle.isEmpty, !handle.contains(where: \.isWhitespace) else { return nil }
        return handle.lowercased()
    }
}

/// E.164 normalization for the numbers Indonesian citizens and SMS aggregators write.
public enum PhoneNumber {
    /// `0812-3456-7890`, `+62 812 3456 7890`, `62812…`, `0062812…` all become `+6281234567890`.
    /// Numbers written without a country code take `defaultCountryCode`. Nil for anything that is not a number.
    public static func e164(_ raw: String, defaultCountryCode: String = "62") -> String? {
        let trimmed = raw.trimmed
        guard looksLikePhone(trimmed) else { return nil }
        // From here on the text is ASCII (digits, "+" and the separators `looksLikePhone` allows): bytes.
        let text = Array(trimmed.utf8)
        let digits = text.filter(\.isASCIIDigit)
        let country = Array(defaultCountryCode.utf8)
        let zero = UInt8(ascii: "0")
        var international: [UInt8]
        if text.first(where: { $0 != UInt8(ascii: "(") }) == UInt8(ascii: "+") {
            international = digits
        } else if digits.starts(with: [zero, zero]) {
            international = Array(digits.dropFirst(2))
        } else if digits.first == zero {
            international = country + digits.dropFirst()
        } else if digits.starts(with: country) && digits.count >= 10 {
            international = digits
        } else if defaultCountryCode == "62" && digits.first == UInt8(ascii: "8") && (9...12).contains(digits.count) {
            // Mobile numbers written without the trunk 0, as some forms store them.
            international = Self.indonesia + digits
        } else {
            return nil
        }
        // "+62 (0) 812…", "+62 0812…", "620812…": the trunk 0 people keep after the country code.
        if international.starts(with: Self.indonesia + [zero]) { international = Self.indonesia + international.dropFirst(3) }
        // E.164 allows at most 15 digits; fewer than 8 is a short code or a typo, not a person.
        guard (8...15).contains(international.count), international.first != zero else { return nil }
        if international.starts(with: Self.indonesia) {
            // Indonesia's numbering plan (as libphonenumber has it): 7–11 digits after +62, 9–12 for mobiles (8…).
            let national = international.dropFirst(2)
            guard (national.first == UInt8(ascii: "8") ? 9...12 : 7...11).contains(national.count) else { return nil }
        }
        return "+" + String(decoding: international, as: UTF8.self)
    }

    private static let indonesia: [UInt8] = Array("62".utf8)

    /// Digits with at most the separators people write ("+62 812-3456-7890", "(0274) 123456"), and enough of them.
    public static func looksLikePhone(_ text: String) -> Bool {
        // Any byte outside ASCII belongs to a character that is neither a digit nor an allowed separator.
        var digitCount = 0
        var onlyBrackets = true
        for byte in text.utf8 {
            if byte.isASCIIDigit {
                digitCount += 1
            } else if byte == UInt8(ascii: "+") {
                // Leading, or just inside a bracket as in "(+62) 812…".
                guard onlyBrackets else { return false }
            } else if !(byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                        || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")")) {
                return false
            }
            if byte != UInt8(ascii: "(") { onlyBrackets = false }
        }
        return digitCount >= 6
    }
}

/// Email address normalization for identity matching.
public enum EmailAddress {
    /// Trims, strips a `Name <addr>` wrapper and lower-cases; nil when it is not a plausible address.
    public static func normalize(_ raw: String) -> String? {
        var text = raw.trimmed
        if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
            text = String(text[text.index(after: open)..<close])
        }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(Character(".")),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !text.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" })
        else { return nil }
        return text.lowercased()
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
