import Foundation

/// The parts of a Bot API `Update` the gateway reads; every other field is ignored, so new ones Telegram
/// adds never make an update unreadable.
struct BotUpdate: Decodable {
    var updateID: Int64
    var message: BotMessage?
    var editedMessage: BotMessage?

    enum CodingKeys: String, CodingKey {
        case message
        case updateID = "update_id"
        case editedMessage = "edited_message"
    }
}

/// A Bot API `Message`: a text, or a photo or document with an optional caption, or a location.
struct BotMessage: Decodable {
    var messageID: Int64
    var from: BotUser?
    var chat: BotChat
    /// Unix time the message was sent.
    var date: Int64
    /// Unix time of the last edit, on an `edited_message`.
    var editDate: Int64?
    var text: String?
    var caption: String?
    /// The photo in every size Telegram made of it, smallest first.
    var photo: [PhotoSize]?
    var document: BotDocument?
    var location: BotLocation?

    enum CodingKeys: String, CodingKey {
        case from, chat, date, text, caption, photo, document, location
        case messageID = "message_id"
        case editDate = "edit_date"
    }
}

/// A Bot API `User`.
struct BotUser: Decodable {
    var id: Int64
    var isBot: Bool?
    var firstName: String?
    var lastName: String?
    var username: String?
    /// IETF tag of the user's app language (`id`, `en`, `en-GB`), when Telegram gives it.
    var languageCode: String?

    enum CodingKeys: String, CodingKey {
        case id, username
        case isBot = "is_bot"
        case firstName = "first_name"
        case lastName = "last_name"
        case languageCode = "language_code"
    }
}

/// A Bot API `Chat`: replies go to its id.
struct BotChat: Decodable {
    var id: Int64
    var type: String?
}

/// One size of a photo.
struct PhotoSize: Decodable {
    var fileID: String
    var width: Int?
    var height: Int?
    var fileSize: Int?

    enum CodingKeys: String, CodingKey {
        case width, height
        case fileID = "file_id"
        case fileSize = "file_size"
    }
}

/// A file sent as a document.
struct BotDocument: Decodable {
    var fileID: String
    var fileName: String?
    var mimeType: String?

    enum CodingKeys: String, CodingKey {
        case fileID = "file_id"
        case fileName = "file_name"
        case mimeType = "mime_type"
    }
}

/// A point on the map the user shared.
struct BotLocation: Decodable {
    var latitude: Double
    var longitude: Double
}

/// `getFile`'s `File`: `file_path` is what the download URL needs.
struct BotFile: Decodable {
    var fileID: String?
    var filePath: String?

    enum CodingKeys: String, CodingKey {
        case fileID = "file_id"
        case filePath = "file_path"
    }
}
