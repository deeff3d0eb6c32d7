import AdapterRegistry
import Foundation
import GenericAdapter
import IntakeConfig
@testable import IntakeCore
import IntakeModel
import IntakeServer
import IntakeStorage
import Logging
import Testing

/// The pieces of media by reference: the media type check, the stored form of attachments, the generic
/// webhook's attachment URLs, the `media:` section, and the two orders of fetching and processing.
@Suite("Media seam", .timeLimit(.minutes(2)))
struct MediaSeamTests {
    struct SniffCase: CustomTestStringConvertible, Sendable {
        var testDescription: String
        var bytes: [UInt8]
        var type: String?
    }

    static func ascii(_ text: String, padTo count: Int = 16) -> [UInt8] {
        Array(text.utf8) + [UInt8](repeating: 0, count: max(0, count - text.utf8.count))
    }

    static let sniffCases: [SniffCase] = [
        SniffCase(testDescription: "JPEG", bytes: [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], type: "image/jpeg"),
        SniffCase(testDescription: "PNG", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0], type: "image/png"),
        SniffCase(testDescription: "GIF", bytes: ascii("GIF89a"), type: "image/gif"),
        SniffCase(testDescription: "WebP", bytes: ascii("RIFF\u{1}\0\0\0WEBPVP8 "), type: "image/webp"),
        SniffCase(testDescription: "PDF", bytes: ascii("%PDF-1.4\n"), type: "application/pdf"),
        SniffCase(testDescription: "MP4", bytes: ascii("\0\0\0\u{18}ftypisom"), type: "video/mp4"),
        SniffCase(testDescription: "3GP", bytes: ascii("\0\0\0\u{14}ftyp3gp4"), type: "video/3gpp"),
        SniffCase(testDescription: "M4A", bytes: ascii("\0\0\0\u{1C}ftypM4A "), type: "audio/mp4"),
        SniffCase(testDescription: "OGG/Opus voice note", bytes: ascii("OggS\0\u{2}"), type: "audio/ogg"),
        SniffCase(testDescription: "AMR", bytes: ascii("#!AMR\n"), type: "audio/amr"),
        SniffCase(testDescription: "MP3 with ID3", bytes: ascii("ID3\u{4}"), type: "audio/mpeg"),
        SniffCase(testDescription: "MP3 frame", bytes: [0xFF, 0xFB, 0x90, 0x64], type: "audio/mpeg"),
        SniffCase(testDescription: "AAC ADTS", bytes: [0xFF, 0xF1, 0x50, 0x80], type: "audio/aac"),
        SniffCase(testDescription: "HTML", bytes: ascii("<!DOCTYPE html><html>"), type: nil),
        SniffCase(testDescription: "plain text", bytes: ascii("hello"), type: nil),
    ]

    @Test("Magic numbers tell the media type", arguments: sniffCases)
    func sniffing(_ example: SniffCase) {
        #expect(MediaSniffer.sniff(example.bytes) == example.type)
    }

    @Test("The declared type is kept when the bytes agree, replaced by theirs when they are other media, refused when they are no media")
    func declaredTypeAgainstTheBytes() {
        let png = Array(try! Fixtures.data("media/map.png"))
        let html = Array(try! Fixtures.data("media/login-page.html"))
        #expect(MediaSniffer.check(declared: "image/png", bytes: png) == .success("image/png"))
        #expect(MediaSniffer.check(declared: "image/jpeg", bytes: png) == .success("image/png"))
        #expect(MediaSniffer.check(declared: "audio/ogg; codecs=opus", bytes: Self.ascii("OggS")) == .success("audio/ogg; codecs=opus"))
        #expect(MediaSniffer.check(declared: "audio/mp4", bytes: Self.ascii("\0\0\0\u{18}ftypisom")) == .success("audio/mp4"))
        #expect(MediaSniffer.check(declared: "IMAGE/JPEG", bytes: html)
            == .failure(MediaCheckFailure(description: "not the declared image/jpeg: the bytes look like text/html")))
        #expect(MediaSniffer.check(declared: "text/vcard", bytes: Self.ascii("BEGIN:VCARD")) == .success("text/vcard"))
        #expect(MediaSniffer.check(declared: "", bytes: Self.ascii("BEGIN:VCARD")) == .success("application/octet-stream"))
    }

    @Test("Attachments journaled before media references read back as stored; a pending reference round-trips")
    func attachmentStoredForm() throws {
        let old = #"{"file_name":"a.jpg","media_type":"image/jpeg","size":3,"sha256":"abc"}"#
        let decoded = try JSONDecoder().decode(Attachment.self, from: Data(old.utf8))
        #expect(decoded == Attachment(fileName: "a.jpg", mediaType: "image/jpeg", size: 3, sha256: "abc"))
        #expect(decoded.state == .stored && decoded.reference == nil && decoded.reason == nil)

        let expiry = Date(timeIntervalSince1970: 1_780_000_000.123)
        let pending = Attachment(pending: MediaReference(location: "https://media.example/1", credentials: "none", expiresAt: expiry),
                                 fileName: "1.jpg", mediaType: "image/jpeg")
        var journal = JSONWriter()
        pending.write(into: &journal, withReference: true)
        #expect(try JSONDecoder().decode(Attachment.self, from: Data(journal.bytes)) == pending)
        var document = JSONWriter()
        pending.write(into: &document)
        #expect(!document.text.contains("media.example"), "the complaint document leaves the reference out")
    }

    static let channel = ChannelConfig(id: "generic", type: .generic, settings: ["secret": "s"])

    @Test("The generic webhook takes attachments by URL as references without credentials")
    func genericAttachments() throws {
        let body = #"""
            {"id":"g-1","from":"+6281234500009","text":"foto jalan","attachments":[
              {"url":"https://media.example/a/photo.jpg","media_type":"image/jpeg","expires_at":"2026-12-04T21:00:00Z"},
              {"url":"http://media.example/b","file_name":"surat.pdf","unknown":1}]}
            """#
        let message = try #require(try GenericAdapter(channel: Self.channel).receive(raw: Array(body.utf8)).first)
        #expect(message.attachments.count == 2)
        #expect(message.attachments[0].reference == MediaReference(
            location: "https://media.example/a/photo.jpg", credentials: "none", expiresAt: Timestamp.parse("2026-12-04T21:00:00Z")))
        #expect(message.attachments[0].fileName == "photo.jpg")
        #expect(message.attachments[0].bytes.isEmpty)
        #expect(message.attachments[1].fileName == "surat.pdf")
        #expect(message.attachments[1].reference?.expiresAt == nil)
    }

    @Test("A generic attachment without an http(s) URL is refused, naming the field",
          arguments: [
            (#"[{"url":"ftp://media.example/a"}]"#, "attachments[0].url"),
            (#"[{"media_type":"image/png"}]"#, "attachments[0].url"),
            (#"[{"url":"https://a.example/x"},{"url":"file:///etc/passwd"}]"#, "attachments[1].url"),
            (#"["https://a.example/x"]"#, "attachments"),
            (#"[{"url":"https://a.example/x","expires_at":"soon"}]"#, "attachments[0].expires_at"),
          ])
    func genericAttachmentRefused(_ attachments: String, field: String) {
        let body = #"{"id":"g-2","from":"+6281234500009","text":"foto","attachments":"# + attachments + "}"
        #expect {
            _ = try GenericAdapter(channel: Self.channel).receive(raw: Array(body.utf8))
        } throws: { error in
            guard case AdapterError.malformed(let named, _) = error else { return false }
            return named == field
        }
    }

    @Test("The media section sets limits, deadline and retries; absent, the documented defaults apply")
    func mediaSection() throws {
        let channels = "channels:\n  - id: generic\n    type: generic\n    secret: s3cret-s3cret-s3cret\n"
        let configured = try ConfigLoader.parse(yaml: """
            media:
              max_file_bytes: 1048576
              max_message_bytes: 4194304
              deadline_seconds: 120
              retry_base_seconds: 5
              retry_max_seconds: 30
              concurrency: 2
            \(channels)
            """, source: "test.yaml", families: AdapterRegistry.families, environment: [:])
        #expect(configured.media == MediaPolicy(maxFileBytes: 1 << 20, maxMessageBytes: 4 << 20, deadlineSeconds: 120,
                                                retryBaseSeconds: 5, retryMaxSeconds: 30, concurrency: 2))
        let defaults = try ConfigLoader.parse(yaml: channels, source: "test.yaml", families: AdapterRegistry.families, environment: [:])
        #expect(defaults.media == MediaPolicy())
        #expect(defaults.media.maxFileBytes == 16 << 20 && defaults.media.maxMessageBytes == 50 << 20 && defaults.media.deadlineSeconds == 900)
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(yaml: "media:\n  deadline_seconds: 0\n" + channels, source: "t", families: AdapterRegistry.families, environment: [:])
        }
    }
}
