import Foundation

/// ISO-8601 times as the API writes and reads them.
public enum Timestamp {
    /// `2026-04-07T09:30:00.123Z`, always UTC with milliseconds. Written by hand: it runs several times
    /// for every message, and the general formatter costs more than the rest of the JSON.
    public static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = milliseconds.floorDivided(by: 1000)
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var utf8: [UInt8] = []
        utf8.reserveCapacity(24)
        func append(_ value: Int, width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                utf8.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        append(Int(parts.tm_year) + 1900, width: 4)
        utf8.append(UInt8(ascii: "-"))
        append(Int(parts.tm_mon) + 1, width: 2)
        utf8.append(UInt8(ascii: "-"))
        append(Int(parts.tm_mday), width: 2)
        utf8.append(UInt8(ascii: "T"))
        append(Int(parts.tm_hour), width: 2)
        utf8.append(UInt8(ascii: ":"))
        append(Int(parts.tm_min), width: 2)
        utf8.append(UInt8(ascii: ":"))
        append(Int(parts.tm_sec), width: 2)
        utf8.append(UInt8(ascii: "."))
        append(Int(milliseconds - seconds * 1000), width: 3)
        utf8.append(UInt8(ascii: "Z"))
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Accepts times with or without fractional seconds and with `Z` or an offset (`+07:00` for WIB).
    public static func parse(_ text: String) -> Date? {
        if let date = parseCommon(text) { return date }
        let strategies: [Date.ISO8601FormatStyle] = [
            .iso8601,
            Date.ISO8601FormatStyle(includingFractionalSeconds: true),
        ]
        for strategy in strategies {
            if let date = try? strategy.parse(text) { return date }
        }
        return nil
    }
}

extension Timestamp {
    /// The shape nearly every sender uses, `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`, read by hand: the
    /// format styles cost more than the rest of a webhook's parsing. Anything else (and any field out of
    /// range) returns nil and is left to the format styles, so both paths accept exactly the same times.
    static func parseCommon(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { utf8 -> Date? in
            func number(_ start: Int, _ count: Int) -> Int? {
                guard start + count <= utf8.count else { return nil }
                var value = 0
                for index in start..<(start + count) {
                    let digit = utf8[index] &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int(digit)
                }
                return value
            }
            guard utf8.count >= 20, utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-"), utf8[10] == UInt8(ascii: "T"),
                  utf8[13] == UInt8(ascii: ":"), utf8[16] == UInt8(ascii: ":"),
                  let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                  let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                  (1...12).contains(month), (1...28).contains(day), hour < 24, minute < 60, second < 60
            else { return nil }
            var index = 19
            var fraction = 0.0
            if utf8[index] == UInt8(ascii: ".") {
                index += 1
                var digits = 0
                var scale = 1.0
                let start = index
                while index < utf8.count, case let digit = utf8[index] &- UInt8(ascii: "0"), digit < 10 {
                    if index - start < 9 {
                        digits = digits * 10 + Int(digit)
                        scale *= 10
                    }
                    index += 1
                }
                guard index > start, index < utf8.count else { return nil }
                fraction = Double(digits) / scale
            }
            var offset = 0
            switch utf8[index] {
            case UInt8(ascii: "Z"):
                guard index + 1 == utf8.count else { return nil }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard index + 6 == utf8.count, utf8[index + 3] == UInt8(ascii: ":"),
                      let hours = number(index + 1, 2), let minutes = number(index + 4, 2), hours < 24, minutes < 60
                else { return nil }
                offset = (hours * 60 + minutes) * 60 * (utf8[index] == UInt8(ascii: "-") ? -1 : 1)
            default:
                return nil
            }
            // Days past the 28th are left to the format styles, which know each month's length.
            var parts = tm()
            parts.tm_year = Int32(year - 1900)
            parts.tm_mon = Int32(month - 1)
            parts.tm_mday = Int32(day)
            parts.tm_hour = Int32(hour)
            parts.tm_min = Int32(minute)
            parts.tm_sec = Int32(second)
            let seconds = timegm(&parts)
            return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
        }
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, so times before 1970 split into seconds correctly.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
