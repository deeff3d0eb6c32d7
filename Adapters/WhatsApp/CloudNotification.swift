import Foundation

/// The body of a WhatsApp Cloud API webhook as Meta documents it: `entry[].changes[].value` holding the
/// business number's `metadata`, the senders' `contacts`, their `messages` and `statuses` of ours.
///
/// Every member is optional so that a missing one gets a 400 naming it (`CloudMessageReader`), and members
/// this gateway does not use are ignored: Meta adds fields without notice.
struct CloudNotification: Decodable {
    var object: String?
    var entry: [Entry]?

    struct Entry: Decodable {
        var id: String?
        var changes: [Change]?
    }

    struct Change: Decodable {
        var field: String?
        var value: Value?
    }

    struct Value: Decodable {
        var metadata: Metadata?
        var contacts: [Contact]?
        var messages: [Message]?
        var statuses: [Status]?
    }

    struct Metadata: Decodable {
        var displayPhoneNumber: String?
        var phoneNumberID: String?

        enum CodingKeys: String, CodingKey {
            case displayPhoneNumber = "display_phone_number"
            case phoneNumberID = "phone_number_id"
        }
    }

    struct Contact: Decodable {
        var waID: String?
        var profile: Profile?

        struct Profile: Decodable { var name: String? }

        enum CodingKeys: String, CodingKey {
            case waID = "wa_id"
            case profile
        }
    }

    /// One message from a citizen; which member carries its content depends on `type`.
    struct Message: Decodable {
        var id: String?
        var from: String?
        var timestamp: Scalar?
        var type: String?
        var text: TextBody?
        var image: Media?
        var video: Media?
        var audio: Media?
        var document: Media?
        var sticker: Media?
        var location: Location?
        var interactive: Interactive?
        var button: Button?
        var context: Context?
        var errors: [GraphErrorDetail]?

        /// The media member for a media `type`; nil for other types.
        func media(for type: String) -> Media? {
            switch type {
            case "image": image
            case "video": video
            case "audio": audio
            case "document": document
            case "sticker": sticker
            default: nil
            }
        }
    }

    struct TextBody: Decodable { var body: String? }

    struct Media: Decodable {
        var id: String?
        var mimeType: String?
        var caption: String?
        var filename: String?
        var sha256: String?

        enum CodingKeys: String, CodingKey {
            case id, caption, filename, sha256
            case mimeType = "mime_type"
        }
    }

    struct Location: Decodable {
        var latitude: Scalar?
        var longitude: Scalar?
        var name: String?
        var address: String?
        var url: String?
    }

    /// A tap on a reply button or a list row the business sent.
    struct Interactive: Decodable {
        var type: String?
        var buttonReply: Choice?
        var listReply: Choice?

        struct Choice: Decodable {
            var id: String?
            var title: String?
            var description: String?
        }

        enum CodingKeys: String, CodingKey {
            case type
            case buttonReply = "button_reply"
            case listReply = "list_reply"
        }
    }

    /// A tap on a template's quick-reply button.
    struct Button: Decodable {
        var text: String?
        var payload: String?
    }

    /// The message this one answers, when the citizen used WhatsApp's reply.
    struct Context: Decodable {
        var id: String?
    }

    /// A report on a message the gateway sent.
    struct Status: Decodable {
        var id: String?
        var status: String?
        var timestamp: Scalar?
        var errors: [GraphErrorDetail]?
    }

    struct GraphErrorDetail: Decodable {
        var code: Scalar?
        var title: String?
        var message: String?
        var errorData: ErrorData?

        struct ErrorData: Decodable { var details: String? }

        enum CodingKeys: String, CodingKey {
            case code, title, message
            case errorData = "error_data"
        }

        /// `131047 Re-engagement message: details`, from whatever parts are present.
        var summary: String {
            let head = [code?.text, title].compactMap { $0 }.joined(separator: " ")
            let detail = errorData?.details ?? message
            guard let detail, !detail.isEmpty, detail != title else { return head.isEmpty ? "failed" : head }
            return head.isEmpty ? detail : "\(head): \(detail)"
        }
    }
}

/// A JSON string, number or boolean kept as text: Meta sends timestamps as strings and coordinates as
/// numbers, and a sender that swaps one for the other should not be refused.
struct Scalar: Decodable, Equatable {
    var text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else if let number = try? container.decode(Double.self) {
            text = String(number)
        } else if let flag = try? container.decode(Bool.self) {
            text = String(flag)
        } else {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "must be a string or a number"))
        }
    }
}
