import Foundation
import IntakeModel

/// How the SMS box's message bytes become text, best effort and never a crash: `charset` (`%C`) when it
/// names one this knows, otherwise `coding` (`%c`): 0 GSM-7 (already converted by Kannel, UTF-8 or Latin-1),
/// 1 8-bit data, 2 UCS-2 big-endian.
enum KannelText {
    static func decode(_ bytes: [UInt8], coding: Int?, charset: String?) -> String {
        switch charset.map(normalizedCharset) {
        case "UTF8": return String(decoding: bytes, as: UTF8.self)
        case "UTF16BE", "UTF16", "UCS2", "UCS2BE", "ISO10646UCS2": return utf16BigEndian(bytes)
        case "ISO88591", "LATIN1": return latin1(bytes)
        case "WINDOWS1252", "CP1252": return String(bytes: bytes, encoding: .windowsCP1252) ?? latin1(bytes)
        default: break
        }
        if coding == 2 { return utf16BigEndian(bytes) }
        // GSM-7 that Kannel converted, or 8-bit data: UTF-8 when it is, otherwise each byte as Latin-1.
        return String(validating: bytes, as: UTF8.self) ?? latin1(bytes)
    }

    /// `UTF-16BE` → `UTF16BE`: upper case, letters and digits only.
    static func normalizedCharset(_ name: String) -> String {
        String(name.uppercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }

    /// UCS-2 / UTF-16 big-endian. A lone surrogate becomes U+FFFD, and so does an odd last byte.
    static func utf16BigEndian(_ bytes: [UInt8]) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = 0
        while index + 1 < bytes.count {
            units.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
            index += 2
        }
        if units.first == 0xFEFF { units.removeFirst() }
        var text = String(decoding: units, as: UTF16.self)
        if bytes.count % 2 == 1 { text.append("\u{FFFD}") }
        return text
    }

    static func latin1(_ bytes: [UInt8]) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}

/// The concatenation element of a User Data Header: IEI 0x00 (8-bit reference) or 0x08 (16-bit reference).
enum UserDataHeader {
    /// The UDH bytes of the `udh` parameter: Kannel's `%U` writes hex, `%u` the URL-encoded bytes themselves
    /// (whose first byte, the header length, is never an ASCII hex digit in practice).
    static func bytes(_ parameter: [UInt8]) -> [UInt8] {
        guard !parameter.isEmpty, parameter.count % 2 == 0, parameter.allSatisfy({ KannelFields.hexValue($0) != nil }) else {
            return parameter
        }
        return stride(from: 0, to: parameter.count, by: 2).map {
            KannelFields.hexValue(parameter[$0])! << 4 | KannelFields.hexValue(parameter[$0 + 1])!
        }
    }

    /// The part this SMS is, when its header says it is one of several; nil otherwise or when the numbers
    /// make no sense (the message is then kept whole).
    static func part(_ udh: [UInt8]) -> MessagePart? {
        guard let length = udh.first else { return nil }
        let end = min(udh.count, 1 + Int(length))
        var index = 1
        while index + 1 < end {
            let identifier = udh[index]
            let dataLength = Int(udh[index + 1])
            let data = index + 2
            guard data + dataLength <= end else { return nil }
            var found: (reference: Int, total: Int, index: Int)?
            if identifier == 0x00, dataLength == 3 {
                found = (Int(udh[data]), Int(udh[data + 1]), Int(udh[data + 2]))
            } else if identifier == 0x08, dataLength == 4 {
                found = (Int(udh[data]) << 8 | Int(udh[data + 1]), Int(udh[data + 2]), Int(udh[data + 3]))
            }
            if let found {
                let part = MessagePart(reference: String(found.reference), index: found.index, total: found.total)
                return part.isValid && part.total > 1 ? part : nil
            }
            index = data + dataLength
        }
        return nil
    }
}

/// The time Kannel gives: `%T` (Unix seconds) or `%t` / `X-Kannel-Time` (`2026-04-07 02:30:00`, UTC).
enum KannelTime {
    static func parse(_ text: String?) -> Date? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.allSatisfy(\.isASCII), let seconds = Int(text), seconds > 0 {
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return Timestamp.parse(text)
    }
}
