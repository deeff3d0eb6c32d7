import CEtpan
import Foundation

/// The one place libetpan is called: parses a message into Swift values and frees every C
/// structure before returning.
///
/// libetpan's MIME tree points into the input buffer rather than copying it, so everything is
/// copied out while the buffer is pinned, and no C pointer escapes this file. Parsing is pure
/// computation on memory (no I/O), so it runs on the caller's thread.
enum EtpanParser {
    /// Deeper nesting than this is no real mail client's doing; stopping keeps a hostile message
    /// from exhausting the stack.
    private static let maximumDepth = 32
    /// libetpan recurses once per nested multipart or message part, with no limit of its own, so a message nesting
    /// thousands of them overflows the stack; more container declarations than this are refused before it parses.
    static let maximumContainers = 64

    /// Parses `raw` into a ``MIMEMessage``.
    static func message(from raw: [UInt8]) throws(MIMEError) -> MIMEMessage {
        let message = withoutMboxSeparator(raw)
        guard !message.isEmpty else { throw MIMEError.emptyMessage }
        guard containerDeclarations(in: message, upTo: maximumContainers + 1) <= maximumContainers else {
            throw MIMEError.tooManyContainers(limit: maximumContainers)
        }
        let result = message.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { text in
                parse(text.baseAddress!, length: text.count)
            }
        }
        return try result.get()
    }

    /// `raw` after an mbox `From ` separator line (RFC 4155), which mbox files and Postfix's `pipe` with flag `F`
    /// put before the header: it is not a header field, and libetpan would refuse the whole message for it.
    static func withoutMboxSeparator(_ raw: [UInt8]) -> ArraySlice<UInt8> {
        guard raw.starts(with: "From ".utf8), let newline = raw.firstIndex(of: UInt8(ascii: "\n")) else { return raw[...] }
        return raw[(newline + 1)...]
    }

    private static func parse(_ text: UnsafePointer<CChar>, length: Int) -> Result<MIMEMessage, MIMEError> {
        var index = 0
        var root: UnsafeMutablePointer<mailmime>?
        let status = Int(mailmime_parse(text, length, &index, &root))
        guard status == MAILIMF_NO_ERROR, let root else {
            return .failure(status == MAILIMF_ERROR_MEMORY ? .outOfMemory : .unparsable(code: status))
        }
        defer { mailmime_free(root) }

        var message = MIMEMessage(headers: rawHeaders(text, length: length), subject: nil, messageID: nil, from: [], date: nil, parts: [])
        // mailmime_parse wraps the whole input in a MESSAGE node holding the envelope fields.
        if Int(root.pointee.mm_type) == MAILMIME_MESSAGE {
            readEnvelope(root.pointee.mm_data.mm_message.mm_fields, into: &message)
            if let body = root.pointee.mm_data.mm_message.mm_msg_mime {
                collectLeaves(body, depth: 0, into: &message.parts)
            }
        } else {
            collectLeaves(root, depth: 0, into: &message.parts)
        }
        if message.messageID == nil, let raw = message.header("Message-ID") {
            // libetpan drops a Message-ID that breaks the RFC grammar; dedup still wants it.
            message.messageID = raw.trimmingCharacters(in: CharacterSet(charactersIn: "<> \t"))
        }
        return .success(message)
    }

    /// Every top-level header, read as unstructured name/value pairs so none is lost to parsing.
    private static func rawHeaders(_ text: UnsafePointer<CChar>, length: Int) -> [(name: String, value: String)] {
        var index = 0
        var fields: UnsafeMutablePointer<mailimf_fields>?
        guard Int(mailimf_optional_fields_parse(text, length, &index, &fields)) == MAILIMF_NO_ERROR, let fields else { return [] }
        defer { mailimf_fields_free(fields) }
        return elements(of: fields.pointee.fld_list, as: mailimf_field.self).compactMap { field in
            guard Int(field.pointee.fld_type) == MAILIMF_FIELD_OPTIONAL_FIELD,
                  let optional = field.pointee.fld_data.fld_optional_field,
                  let name = optional.pointee.fld_name, let value = optional.pointee.fld_value
            else { return nil }
            return (String(cString: name), unfold(value))
        }
    }

    /// Fills subject, message id, sender and date from the parsed envelope; the first of each wins.
    private static func readEnvelope(_ fields: UnsafeMutablePointer<mailimf_fields>?, into message: inout MIMEMessage) {
        guard let fields else { return }
        for field in elements(of: fields.pointee.fld_list, as: mailimf_field.self) {
            let data = field.pointee.fld_data
            switch Int(field.pointee.fld_type) {
            case MAILIMF_FIELD_SUBJECT where message.subject == nil:
                if let value = data.fld_subject?.pointee.sbj_value {
                    message.subject = decodeEncodedWords(unfold(value))
                }
            case MAILIMF_FIELD_MESSAGE_ID where message.messageID == nil:
                if let value = data.fld_message_id?.pointee.mid_value { message.messageID = String(cString: value) }
            case MAILIMF_FIELD_FROM where message.from.isEmpty:
                if let list = data.fld_from?.pointee.frm_mb_list { message.from = mailboxes(list) }
            case MAILIMF_FIELD_ORIG_DATE where message.date == nil:
                if let stamp = data.fld_orig_date?.pointee.dt_date_time { message.date = date(stamp.pointee) }
            default:
                break
            }
        }
    }

    private static func mailboxes(_ list: UnsafeMutablePointer<mailimf_mailbox_list>) -> [MailAddress] {
        elements(of: list.pointee.mb_list, as: mailimf_mailbox.self).compactMap { mailbox in
            guard let address = mailbox.pointee.mb_addr_spec else { return nil }
            let name = mailbox.pointee.mb_display_name.map { decodeEncodedWords(unfold($0)) }
            return MailAddress(displayName: name?.isEmpty == false ? name : nil, address: String(cString: address))
        }
    }

    /// The instant of an RFC 5322 date, or nil when its fields are out of range.
    private static func date(_ stamp: mailimf_date_time) -> Date? {
        var year = Int(stamp.dt_year)
        // RFC 5322 section 4.3: two-digit years below 50 are 20xx, three-digit ones add 1900.
        if year < 50 { year += 2000 } else if year < 1000 { year += 1900 }
        guard (1...12).contains(stamp.dt_month), (1...31).contains(stamp.dt_day),
              (0...23).contains(stamp.dt_hour), (0...59).contains(stamp.dt_min), (0...60).contains(stamp.dt_sec)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let components = DateComponents(
            year: year, month: Int(stamp.dt_month), day: Int(stamp.dt_day),
            hour: Int(stamp.dt_hour), minute: Int(stamp.dt_min), second: Int(stamp.dt_sec)
        )
        guard let wallClock = calendar.date(from: components) else { return nil }
        // libetpan gives the zone as written: +0700 arrives as 700.
        let zone = Int(stamp.dt_zone)
        let offset = zone.signum() * ((abs(zone) / 100) * 3600 + (abs(zone) % 100) * 60)
        return wallClock.addingTimeInterval(TimeInterval(-offset))
    }

    /// Appends the leaves under `node` in document order.
    private static func collectLeaves(_ node: UnsafeMutablePointer<mailmime>, depth: Int, into parts: inout [MIMEPart]) {
        guard depth < maximumDepth else { return }
        if Int(node.pointee.mm_type) == MAILMIME_MULTIPLE {
            for child in elements(of: node.pointee.mm_data.mm_multipart.mm_mp_list, as: mailmime.self) {
                collectLeaves(child, depth: depth + 1, into: &parts)
            }
        } else {
            // Single parts and attached messages alike: an attached message's body is the whole
            // message, which the adapter can parse again if it cares.
            parts.append(leaf(node))
        }
    }

    private static func leaf(_ node: UnsafeMutablePointer<mailmime>) -> MIMEPart {
        var fields = mailmime_single_fields()
        mailmime_single_fields_init(&fields, node.pointee.mm_mime_fields, node.pointee.mm_content_type)
        let disposition = fields.fld_disposition?.pointee
        let isAttachment = disposition?.dsp_type.map { Int($0.pointee.dsp_type) == MAILMIME_DISPOSITION_TYPE_ATTACHMENT } ?? false
        let fileName = fields.fld_disposition_filename.map { decodeEncodedWords(String(cString: $0)) }
            ?? disposition.flatMap { extendedFileName($0.dsp_parms) }
            ?? fields.fld_content_name.map { decodeEncodedWords(String(cString: $0)) }
        return MIMEPart(
            mediaType: mediaType(node.pointee.mm_content_type),
            charset: fields.fld_content_charset.map { String(cString: $0) },
            fileName: fileName,
            contentID: fields.fld_id.map { String(cString: $0) },
            isAttachment: isAttachment,
            body: decodedBody(node.pointee.mm_body)
        )
    }

    /// `type/subtype` in lower case; `text/plain` when the part has no usable type, as RFC 2045 says.
    private static func mediaType(_ content: UnsafeMutablePointer<mailmime_content>?) -> String {
        guard let content, let type = content.pointee.ct_type, let subtype = content.pointee.ct_subtype else { return "text/plain" }
        let major: String? = switch Int(type.pointee.tp_type) {
        case MAILMIME_TYPE_DISCRETE_TYPE:
            type.pointee.tp_data.tp_discrete_type.flatMap { discrete in
                switch Int(discrete.pointee.dt_type) {
                case MAILMIME_DISCRETE_TYPE_TEXT: "text"
                case MAILMIME_DISCRETE_TYPE_IMAGE: "image"
                case MAILMIME_DISCRETE_TYPE_AUDIO: "audio"
                case MAILMIME_DISCRETE_TYPE_VIDEO: "video"
                case MAILMIME_DISCRETE_TYPE_APPLICATION: "application"
                default: discrete.pointee.dt_extension.map { String(cString: $0) }
                }
            }
        case MAILMIME_TYPE_COMPOSITE_TYPE:
            type.pointee.tp_data.tp_composite_type.flatMap { composite in
                switch Int(composite.pointee.ct_type) {
                case MAILMIME_COMPOSITE_TYPE_MESSAGE: "message"
                case MAILMIME_COMPOSITE_TYPE_MULTIPART: "multipart"
                default: composite.pointee.ct_token.map { String(cString: $0) }
                }
            }
        default:
            nil
        }
        guard let major else { return "text/plain" }
        return "\(major)/\(String(cString: subtype))".lowercased()
    }

    /// An RFC 2231 `filename*=charset'language'percent-encoded` parameter, or its continuations
    /// (`filename*0*=`, `filename*1=`, …), which libetpan passes through as separate, undecoded parameters.
    private static func extendedFileName(_ parameters: UnsafeMutablePointer<clist>?) -> String? {
        var pairs: [(name: String, value: String)] = []
        for parameter in elements(of: parameters, as: mailmime_disposition_parm.self)
        where Int(parameter.pointee.pa_type) == MAILMIME_DISPOSITION_PARM_PARAMETER {
            guard let pair = parameter.pointee.pa_data.pa_parameter, let name = pair.pointee.pa_name, let value = pair.pointee.pa_value
            else { continue }
            pairs.append((String(cString: name).lowercased(), String(cString: value)))
        }
        return rfc2231Value(named: "filename", in: pairs)
    }

    /// The RFC 2231 value of parameter `base` from its `base*`, `base*N` and `base*N*` sections: sections in
    /// order, encoded ones percent-decoded, the whole in the first section's charset; nil when there are none.
    static func rfc2231Value(named base: String, in pairs: [(name: String, value: String)]) -> String? {
        var sections: [(index: Int, encoded: Bool, value: String)] = []
        for (name, value) in pairs where name.hasPrefix(base + "*") {
            var rest = name.dropFirst(base.count + 1)
            let encoded = rest.isEmpty || rest.hasSuffix("*")
            if rest.hasSuffix("*") { rest = rest.dropLast() }
            guard let index = rest.isEmpty ? 0 : Int(rest), index < 256 else { continue }
            sections.append((index, encoded, value))
        }
        guard !sections.isEmpty else { return nil }
        sections.sort { $0.index < $1.index }
        var charset: String?
        var bytes: [UInt8] = []
        for (position, section) in sections.enumerated() {
            var value = Substring(section.value)
            if position == 0, section.encoded {
                let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if pieces.count == 3 {
                    charset = pieces[0].isEmpty ? nil : String(pieces[0])
                    value = pieces[2]
                }
            }
            if section.encoded {
                guard let decoded = percentDecoded(value) else { return nil }
                bytes += decoded
            } else {
                bytes += Array(value.utf8)
            }
        }
        return utf8Text(bytes, charset: charset)
    }

    private static func percentDecoded(_ text: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    /// The part's bytes with its Content-Transfer-Encoding undone.
    private static func decodedBody(_ data: UnsafeMutablePointer<mailmime_data>?) -> [UInt8] {
        guard let data, Int(data.pointee.dt_type) == MAILMIME_DATA_TEXT,
              let start = data.pointee.dt_data.dt_text.dt_data
        else { return [] }
        let length = data.pointee.dt_data.dt_text.dt_length
        guard data.pointee.dt_encoded != 0 else { return copy(start, length) }
        var index = 0
        var decoded: UnsafeMutablePointer<CChar>?
        var decodedLength = 0
        let status = Int(mailmime_part_parse(start, length, &index, data.pointee.dt_encoding, &decoded, &decodedLength))
        guard status == MAILIMF_NO_ERROR, let decoded else { return copy(start, length) }
        defer { mailmime_decoded_part_free(decoded) }
        return copy(decoded, decodedLength)
    }

    /// `bytes` in `charset` as a Swift string; see ``MIMEPart/text()`` for the fallbacks.
    static func utf8Text(_ bytes: [UInt8], charset: String?) -> String {
        let label = charset?.lowercased() ?? "utf-8"
        if bytes.isEmpty || ["utf-8", "utf8", "us-ascii", "ascii"].contains(label) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var converted: UnsafeMutablePointer<CChar>?
        var convertedLength = 0
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { text in
                Int(charconv_buffer("utf-8", label, text.baseAddress, text.count, &converted, &convertedLength))
            }
        }
        guard status == MAIL_CHARCONV_NO_ERROR, let converted else { return bestEffortText(bytes) }
        defer { charconv_buffer_free(converted) }
        return String(decoding: copy(converted, convertedLength), as: UTF8.self)
    }

    /// Bytes in a charset iconv does not know: UTF-8 when they are valid UTF-8, else each byte as its
    /// Windows-1252/Latin-1 character (the commonest unlabelled 8-bit mail), so no text is lost.
    static func bestEffortText(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.lazy.map { Unicode.Scalar($0) })
        return String(scalars)
    }

    /// `value` with RFC 2047 encoded words decoded; 8-bit text outside them is taken as UTF-8.
    static func decodeEncodedWords(_ value: String) -> String {
        var index = 0
        var decoded: UnsafeMutablePointer<CChar>?
        let status = value.withCString { text in
            Int(mailmime_encoded_phrase_parse("utf-8", text, strlen(text), &index, "utf-8", &decoded))
        }
        guard status == MAILIMF_NO_ERROR, let decoded else { return value }
        defer { free(decoded) }
        return String(cString: decoded)
    }

    /// A header value with its folding line breaks removed (RFC 5322 section 2.2.3) and blanks trimmed at both
    /// ends; libetpan returns unstructured values with the folds still in. Works on the bytes: a header of
    /// hundreds of kilobytes costs one pass, not a walk through Unicode scalars and Foundation's trimming.
    static func unfold(_ value: UnsafePointer<CChar>) -> String {
        let bytes = UnsafeRawBufferPointer(start: value, count: strlen(value))
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = 0, end = bytes.count
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        let trimmed = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        let folded = end > start && (memchr(value + start, 0x0D, end - start) != nil || memchr(value + start, 0x0A, end - start) != nil)
        guard folded else { return String(decoding: trimmed, as: UTF8.self) }
        return String(decoding: trimmed.filter { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
    }

    private static func copy(_ start: UnsafePointer<CChar>, _ length: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: start, count: length))
    }

    /// The elements of a clist, which libetpan uses for every list, typed as `T`.
    private static func elements<T>(of list: UnsafeMutablePointer<clist>?, as type: T.Type) -> [UnsafeMutablePointer<T>] {
        var result: [UnsafeMutablePointer<T>] = []
        var cursor = intake_clist_begin(list)
        while let current = cursor {
            if let content = intake_clist_content(current) { result.append(content.assumingMemoryBound(to: T.self)) }
            cursor = intake_clist_next(current)
        }
        return result
    }
}
