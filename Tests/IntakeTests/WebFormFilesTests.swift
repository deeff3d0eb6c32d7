import Foundation
import IntakeHTTPClient
import IntakeModel
import Testing
import WebFormAdapter

/// The files a citizen attaches: the videos phones and browsers record, names that follow the bytes, and
/// anonymous reports whose files leave without their original names.
@Suite("Web form files", .serialized)
struct WebFormFilesTests {
    static func ascii(_ text: String, padTo count: Int = 32) -> [UInt8] {
        Array(text.utf8) + [UInt8](repeating: 0, count: max(0, count - text.utf8.count))
    }

    static let videos: [(name: String, bytes: [UInt8], type: String)] = [
        ("WebM (Chrome, Android screen recorder)", [0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84] + ascii("webm"), "video/webm"),
        ("Matroska", [0x1A, 0x45, 0xDF, 0xA3, 0xA3, 0x42, 0x82, 0x88] + ascii("matroska"), "video/x-matroska"),
        ("AVI", ascii("RIFF\u{1}\0\0\0AVI LIST"), "video/x-msvideo"),
        ("MOV (iPhone)", ascii("\0\0\0\u{14}ftypqt  "), "video/quicktime"),
        ("MOV without ftyp", ascii("\0\0\0\u{8}wide\0\0\0\u{1}mdat"), "video/quicktime"),
        ("3GP (3gp5)", ascii("\0\0\0\u{18}ftyp3gp5"), "video/3gpp"),
        ("3GP (3ge6)", ascii("\0\0\0\u{18}ftyp3ge6"), "video/3gpp"),
        ("3G2", ascii("\0\0\0\u{18}ftyp3g2a"), "video/3gpp2"),
        ("MP4", ascii("\0\0\0\u{18}ftypmp42"), "video/mp4"),
    ]

    @Test("videos phones and browsers record are recognized by their bytes", arguments: videos)
    func videosAreRecognized(_ video: (name: String, bytes: [UInt8], type: String)) {
        #expect(MediaSniffer.sniff(video.bytes) == video.type, "\(video.name)")
        #expect(MediaSniffer.check(declared: video.type, bytes: video.bytes) == .success(video.type))
    }

    static let names: [(given: String, type: String, stored: String)] = [
        ("poly.html", "image/jpeg", "poly.jpg"),
        ("foto.JPEG", "image/jpeg", "foto.JPEG"),
        ("foto.jpg", "image/png", "foto.png"),
        ("lampiran-4", "application/pdf", "lampiran-4.pdf"),
        ("rekaman.webm", "video/webm", "rekaman.webm"),
        ("video.mp4", "video/quicktime", "video.mov"),
    ]

    @Test("a file's extension follows its bytes", arguments: names)
    func extensionFollowsTheBytes(_ example: (given: String, type: String, stored: String)) {
        #expect(MediaSniffer.name(example.given, matching: example.type) == example.stored)
    }

    @Test("an anonymous complaint's files reach the agency as lampiran-N, a named one's keep their names")
    func anonymousFilesHaveNeutralNames() {
        let files = [
            Attachment(fileName: "KTP_Budi_Santoso.jpg", mediaType: "image/jpeg", size: 3, sha256: "a"),
            Attachment(fileName: "Screenshot_WhatsApp_081234567890.png", mediaType: "image/png", size: 3, sha256: "b"),
            Attachment(fileName: "surat.pdf", mediaType: "application/pdf", size: 3, sha256: "c"),
        ]
        var complaint = Complaint(
            id: "c1", trackingNumber: TrackingNumber(payload: 1), channelID: "form", channelType: WebFormAdapter.type,
            externalID: "form:1", receivedAt: Date(), sentAt: nil, reporter: Reporter(kind: .email, address: "budi@example.id"),
            anonymous: true, confidential: false, kind: .complaint, title: "Jalan", body: "Jalan berlubang", originalText: "",
            location: nil, incidentDate: nil, category: nil, attachments: files, tags: [], campaign: nil,
            dedup: DedupOutcome(), status: .received, journalID: 1
        )
        #expect(complaint.forAgency.attachments.map(\.fileName) == ["lampiran-1.jpg", "lampiran-2.png", "lampiran-3.pdf"])
        complaint.anonymous = false
        #expect(complaint.forAgency.attachments.map(\.fileName) == files.map(\.fileName))
    }

    @Test("a page's file named .html holding a JPEG is stored as .jpg")
    func disguisedNameGetsItsTypesExtension() async throws {
        try await RunningGateway.with(channels: WebFormTests.channels) { gateway in
            let answer = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token()), files: [("poly.html", WebFormTests.jpeg)])
            #expect(answer.status == 200, "\(answer.text)")
            let number = try #require(answer.json["tracking_number"] as? String)
            try await eventually { try await WebFormTests.complaints(gateway).count == 1 }
            let attachments = try await gateway.get("/api/v1/complaints/\(number)").json["attachments"] as? [[String: Any]]
            #expect(attachments?.first?["file_name"] as? String == "poly.jpg")
        }
    }
}
