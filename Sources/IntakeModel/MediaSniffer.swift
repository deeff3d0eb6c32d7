import Foundation

/// Tells a file's media type from its first bytes (magic numbers), and checks a provider's declared type
/// against it.
///
/// The rule: when the bytes are a known media file, the attachment is stored with the type the bytes
/// show (the declared one when both agree, e.g. `audio/ogg; codecs=opus` for Ogg bytes), because a photo
/// mislabelled by a provider is still the citizen's photo. When the declared type is a media type (image,
/// audio, video, PDF) and the bytes are not a known media file (an HTML error page, a login form, text),
/// nothing is stored and the attachment is unavailable with the reason.
public enum MediaSniffer {
    /// The type the bytes show, or nil when they are no media file this gateway knows.
    public static func sniff(_ bytes: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if ascii("GIF87a") || ascii("GIF89a") { return "image/gif" }
        if ascii("RIFF"), ascii("WEBP", at: 8) { return "image/webp" }
        if ascii("RIFF"), ascii("WAVE", at: 8) { return "audio/wav" }
        if ascii("RIFF"), ascii("AVI ", at: 8) { return "video/x-msvideo" }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return matroskaType(bytes) }
        if ascii("%PDF-") { return "application/pdf" }
        if ascii("OggS") { return "audio/ogg" }
        if ascii("#!AMR-WB\n") { return "audio/amr-wb" }
        if ascii("#!AMR\n") { return "audio/amr" }
        // QuickTime files from before `ftyp` (older cameras) begin with a movie atom.
        if ascii("moov", at: 4) || ascii("mdat", at: 4) || ascii("wide", at: 4) { return "video/quicktime" }
        if ascii("ftyp", at: 4) { return isoMediaType(brand: bytes.count >= 12 ? String(decoding: bytes[8..<12], as: UTF8.self) : "") }
        if ascii("ID3") { return "audio/mpeg" }
        if bytes.count >= 2, bytes[0] == 0xFF {
            if bytes[1] & 0xF6 == 0xF0 { return "audio/aac" }  // ADTS: layer bits 00
            if bytes[1] & 0xE0 == 0xE0 { return "audio/mpeg" }  // MPEG audio frame sync
        }
        return nil
    }

    /// The type of an ISO base media file (MP4, 3GP, M4A, HEIC) by its major brand.
    public static func isoMediaType(brand: String) -> String {
        switch brand {
        case _ where brand.hasPrefix("3g2"): "video/3gpp2"
        case _ where brand.hasPrefix("3g"): "video/3gpp"  // 3gp4…3gp6, 3ge6, 3gg6, 3gs7
        case "M4A ", "M4B ": "audio/mp4"
        case "qt  ": "video/quicktime"
        case "heic", "heix", "mif1", "msf1": "image/heic"
        default: "video/mp4"
        }
    }

    /// An EBML file's type by its DocType: `video/webm` (browsers' and phones' recorders) or Matroska.
    static func matroskaType(_ bytes: [UInt8]) -> String {
        let head = bytes.prefix(64)
        // DocType element (0x42 0x82), then its size and the name.
        return String(decoding: head, as: UTF8.self).contains("matroska") ? "video/x-matroska" : "video/webm"
    }

    /// The file extension (without the dot) that matches `type`, or nil for a type this gateway does not name.
    public static func fileExtension(for type: String) -> String? {
        switch essence(type) {
        case "image/jpeg": "jpg"
        case "image/png": "png"
        case "image/gif": "gif"
        case "image/webp": "webp"
        case "image/heic": "heic"
        case "application/pdf": "pdf"
        case "video/mp4": "mp4"
        case "video/3gpp": "3gp"
        case "video/3gpp2": "3g2"
        case "video/quicktime": "mov"
        case "video/webm": "webm"
        case "video/x-matroska": "mkv"
        case "video/x-msvideo": "avi"
        case "audio/mpeg": "mp3"
        case "audio/mp4": "m4a"
        case "audio/ogg": "ogg"
        case "audio/wav": "wav"
        case "audio/aac": "aac"
        case "audio/amr": "amr"
        default: nil
        }
    }

    /// `name` with the extension its bytes' `type` calls for: `poly.html` holding a JPEG becomes `poly.jpg`, so
    /// a desktop opens the file as what it is. A name whose extension already fits, or a type without one, stays.
    public static func name(_ name: String, matching type: String) -> String {
        guard let ext = fileExtension(for: type) else { return name }
        let dot = name.lastIndex(of: ".")
        let stem = dot.map { String(name[..<$0]) } ?? name
        let current = dot.map { name[name.index(after: $0)...].lowercased() } ?? ""
        let fits: Set<String> = ext == "jpg" ? ["jpg", "jpeg"] : ext == "mov" ? ["mov", "qt"] : [ext]
        return fits.contains(current) ? name : (stem.isEmpty ? "lampiran" : stem) + "." + ext
    }

    /// A guess at what non-media bytes are, for the reason an operator reads ("text/html").
    public static func describe(_ bytes: [UInt8]) -> String {
        let head = String(decoding: bytes.prefix(256), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if head.hasPrefix("<!doctype html") || head.hasPrefix("<html") { return "text/html" }
        if head.hasPrefix("<?xml") || head.hasPrefix("<") { return "XML or HTML" }
        if head.hasPrefix("{") || head.hasPrefix("[") { return "JSON" }
        return "unrecognized bytes"
    }

    /// The declared type without parameters, lower case, with common aliases folded (`image/jpg`).
    public static func essence(_ type: String) -> String {
        let bare = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch bare {
        case "image/jpg", "image/pjpeg": return "image/jpeg"
        case "audio/mp3", "audio/mpeg3", "audio/x-mpeg": return "audio/mpeg"
        case "audio/x-m4a", "audio/m4a", "audio/aac-mp4": return "audio/mp4"
        case "audio/opus", "application/ogg", "audio/x-ogg": return "audio/ogg"
        case "audio/3gpp", "video/3gp": return "video/3gpp"
        case "audio/x-wav", "audio/wave": return "audio/wav"
        case "image/heif": return "image/heic"
        default: return bare
        }
    }

    /// Types whose container the sniffer cannot tell apart by the first bytes (an MP4 of sound or of film).
    private static func sameContainer(_ a: String, _ b: String) -> Bool {
        let isoFamily: Set = ["video/mp4", "audio/mp4", "video/3gpp", "video/3gpp2", "video/quicktime"]
        let ebml: Set = ["video/webm", "video/x-matroska", "audio/webm"]
        return a == b || (isoFamily.contains(a) && isoFamily.contains(b)) || (ebml.contains(a) && ebml.contains(b))
    }

    /// Whether the declared type promises a media file the bytes must prove.
    public static func promisesMedia(_ essence: String) -> Bool {
        ["image/", "audio/", "video/"].contains { essence.hasPrefix($0) } || essence == "application/pdf"
    }

    /// The type to store `bytes` under, or why they are refused (the attachment is then unavailable).
    public static func check(declared: String, bytes: [UInt8]) -> Result<String, MediaCheckFailure> {
        let declaredEssence = essence(declared)
        if let sniffed = sniff(bytes) {
            return .success(sameContainer(declaredEssence, sniffed) ? declared : sniffed)
        }
        guard !promisesMedia(declaredEssence) else {
            return .failure(MediaCheckFailure(description: "not the declared \(declaredEssence): the bytes look like \(describe(bytes))"))
        }
        return .success(declared.isEmpty ? "application/octet-stream" : declared)
    }
}

/// Why fetched bytes were refused by the media type check.
public struct MediaCheckFailure: Error, Equatable, CustomStringConvertible {
    /// The reason recorded on the unavailable attachment.
    public var description: String

    public init(description: String) { self.description = description }
}
