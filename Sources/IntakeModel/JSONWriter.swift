import Foundation

/// Writes JSON straight into bytes, for the two documents stored with every message.
///
/// Foundation's `JSONEncoder` goes through `Codable`'s containers and boxes every value, which made it
/// the largest cost of accepting a message. The documents it writes decode with the ordinary `Codable`
/// decoders (tests check both directions), so reading paths keep using `JSONDecoder`.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    /// The written document as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// An object key; the value written next belongs to it.
    public mutating func key(_ name: String) {
        separate()
        writeString(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        writeString(value)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        raw(value ? "true" : "false")
    }

    public mutating func integer(_ value: Int64) {
        raw(String(value))
    }

    /// A double in its shortest form that reads back exactly; `null` for NaN and infinities, which JSON lacks.
    public mutating func double(_ value: Double) {
        raw(value.isFinite ? value.description : "null")
    }

    public mutating func null() {
        raw("null")
    }

    /// `key: value`, or `key: null` when the value is nil.
    public mutating func field(_ name: String, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    /// `key: true|false`.
    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// `key: value` only when the value is present, as synthesized `Codable` writes optionals.
    public mutating func fieldIfPresent(_ name: String, _ value: String?) {
        if let value { field(name, value) }
    }

    /// A list of strings.
    public mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// Continues an object another writer began: the next key is preceded by a comma.
    public mutating func continueObject() {
        needsComma = true
    }

    /// A whole JSON value another writer produced (a complaint's document), as the next value.
    public mutating func value(_ written: [UInt8]) {
        separate()
        bytes.append(contentsOf: written)
        needsComma = true
    }

    /// Bytes another writer produced, appended as they are; they must leave the document well formed.
    public mutating func appendRaw(_ written: [UInt8]) {
        bytes.append(contentsOf: written)
        needsComma = written.last.map { $0 != UInt8(ascii: "{") && $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: ":") } ?? false
    }

    private mutating func raw(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func writeString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            // Copy runs of bytes that need no escaping in one go; most text is all one run.
            var runStart = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0x0f)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension Complaint {
    /// The complaint's JSON: the one encoding of a complaint, stored as its document and sent as it is by
    /// the API and the handoff. Absent values are `null`, never left out: the contract lists every key.
    /// `Complaint`'s `Decodable` form reads it back.
    public var document: String { documentParts.text(dedup: dedup) }

    /// `document` as UTF-8 bytes, for writing into a larger answer.
    public var documentBytes: [UInt8] { documentParts.bytes(dedup: dedup) }

    /// The document around its `dedup` object. The dedup decision is made after everything else is
    /// written (on the writer thread, where every microsecond holds up other requests), so it is spliced
    /// in rather than the whole document written again.
    public var documentParts: DocumentParts {
        var json = JSONWriter()
        json.beginObject()
        json.field("id", id)
        json.field("tracking_number", trackingNumber.description)
        json.field("channel_id", channelID)
        json.field("channel_type", channelType.rawValue)
        json.field("external_id", externalID)
        json.field("received_at", Timestamp.format(receivedAt))
        json.field("sent_at", sentAt.map(Timestamp.format))
        json.key("reporter")
        reporter.write(into: &json)
        json.field("anonymous", anonymous)
        json.field("confidential", confidential)
        json.field("kind", kind.rawValue)
        json.field("title", title)
        json.field("body", body)
        json.field("original_text", originalText)
        json.field("location", location)
        json.field("incident_date", incidentDate)
        json.field("category", category)
        json.field("agency", agency)
        json.key("attachments")
        json.beginArray()
        for attachment in attachments { attachment.write(into: &json) }
        json.endArray()
        json.key("tags")
        json.strings(tags)
        json.field("campaign", campaign)
        json.key("dedup")
        let head = json.bytes
        var tail = JSONWriter(capacity: 64)
        tail.continueObject()
        tail.field("status", status.rawValue)
        tail.key("journal_id")
        tail.integer(journalID)
        tail.endObject()
        return DocumentParts(head: head, tail: tail.bytes)
    }

    /// A complaint's document without its `dedup` value; `text(dedup:)` completes it.
    public struct DocumentParts: Sendable {
        let head: [UInt8]
        let tail: [UInt8]

        /// The whole document with `dedup` as its dedup object.
        public func text(dedup: DedupOutcome) -> String {
            String(decoding: bytes(dedup: dedup), as: UTF8.self)
        }

        /// The whole document with `dedup` as its dedup object, as UTF-8.
        public func bytes(dedup: DedupOutcome) -> [UInt8] {
            var json = JSONWriter(capacity: head.count + tail.count + 128)
            json.appendRaw(head)
            json.beginObject()
            json.field("merged_into", dedup.mergedInto)
            json.field("cluster_id", dedup.clusterID)
            json.key("score")
            if let score = dedup.score { json.double(score) } else { json.null() }
            json.field("reason", dedup.reason)
            json.endObject()
            json.appendRaw(tail)
            return json.bytes
        }
    }
}

extension Reporter {
    func write(into json: inout JSONWriter) {
        json.beginObject()
        json.field("kind", kind.rawValue)
        json.field("address", address)
        json.field("name", name)
        json.endObject()
    }
}

extension Attachment {
    /// Writes the attachment as its `Codable` form does. The complaint document leaves the reference out
    /// (a provider's media URL is no business of the agency); the journal keeps it (`withReference`).
    public func write(into json: inout JSONWriter, withReference: Bool = false) {
        json.beginObject()
        json.field("file_name", fileName)
        json.field("media_type", mediaType)
        json.key("size")
        json.integer(Int64(size))
        json.field("sha256", sha256)
        json.field("state", state.rawValue)
        json.field("reason", reason)
        if withReference, let reference {
            json.key("reference")
            json.beginObject()
            json.field("location", reference.location)
            json.field("credentials", reference.credentials)
            if let expiresAt = reference.expiresAt {
                json.key("expiresAt")
                json.double(expiresAt.timeIntervalSinceReferenceDate)
            }
            json.endObject()
        }
        json.endObject()
    }
}

extension InboundMessage {
    /// Writes the message as its synthesized `Codable` form does with a default `JSONEncoder`: property
    /// names as keys, nil fields left out, dates as seconds since 2001 (which read back exactly).
    /// Attachment bytes are never journaled inline, so the list is written empty.
    public func write(into json: inout JSONWriter) {
        json.beginObject()
        json.field("channelID", channelID)
        json.field("channelType", channelType.rawValue)
        json.field("externalID", externalID)
        if let sentAt {
            json.key("sentAt")
            json.double(sentAt.timeIntervalSinceReferenceDate)
        }
        json.key("reporter")
        reporter.write(into: &json)
        json.field("anonymous", anonymous)
        json.field("confidential", confidential)
        json.field("kind", kind.rawValue)
        json.fieldIfPresent("title", title)
        json.field("text", text)
        json.fieldIfPresent("location", location)
        json.fieldIfPresent("incidentDate", incidentDate)
        json.fieldIfPresent("category", category)
        json.fieldIfPresent("agency", agency)
        json.key("attachments")
        json.beginArray()
        json.endArray()
        json.key("tags")
        json.strings(tags)
        json.fieldIfPresent("campaign", campaign)
        json.fieldIfPresent("replyTo", replyTo)
        json.key("metadata")
        json.beginObject()
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) { json.field(name, value) }
        json.endObject()
        if let part {
            json.key("part")
            json.beginObject()
            json.field("reference", part.reference)
            json.key("index")
            json.double(Double(part.index))
            json.key("total")
            json.double(Double(part.total))
            json.endObject()
        }
        json.fieldIfPresent("statusQuestion", statusQuestion)
        if let editedAt {
            json.key("editedAt")
            json.double(editedAt.timeIntervalSinceReferenceDate)
        }
        if let asksHowToReport { json.field("asksHowToReport", asksHowToReport) }
        json.endObject()
    }
}
