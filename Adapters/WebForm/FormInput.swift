import Foundation
import IntakeModel

/// What one submission carries, read from either body format the form and the API accept: the first value
/// of each plain field, and the uploaded files of `attachments` in order.
struct FormInput {
    var fields: [String: String]
    var files: [MultipartForm.Part]
    /// The JSON members whose value is an object or an array: each is a field problem, not a refused body.
    var mistyped: [String] = []

    /// What a form may have: 64 fields and 256 files, counted apart (as the server streams them), so a form
    /// with more files than the channel's `attachments_max_count` is read and refused at that field.
    static let limits = MultipartForm.Limits(maxParts: 64, maxFileParts: MultipartForm.Limits.defaultMaxFileParts, maxHeaderBytes: 8192)

    /// Reads `body` by its `Content-Type`: `multipart/form-data` (the page, apps with files) or `application/json`.
    static func read(_ body: [UInt8], contentType: String?) throws(AdapterError) -> FormInput {
        let type = contentType ?? ""
        if type.lowercased().hasPrefix("application/json") { return try json(body) }
        do {
            return multipart(try MultipartForm.parse(body, contentType: type, limits: limits))
        } catch {
            throw .malformed(field: nil, message: error.description)
        }
    }

    static func multipart(_ form: MultipartForm) -> FormInput {
        var fields: [String: String] = [:]
        for part in form.parts where part.fileName == nil && fields[part.name] == nil {
            fields[part.name] = part.text
        }
        return FormInput(fields: fields, files: form.files("attachments"))
    }

    /// A JSON object whose members are strings, booleans or numbers (an object or an array is noted in
    /// `mistyped`); JSON carries no files.
    static func json(_ body: [UInt8]) throws(AdapterError) -> FormInput {
        guard let object = try? JSONDecoder().decode([String: JSONField].self, from: Data(body)) else {
            throw .malformed(field: nil, message: "the body must be a JSON object")
        }
        var fields: [String: String] = [:]
        var mistyped: [String] = []
        for (name, value) in object {
            switch value {
            case .text(let text): fields[name] = text
            case .null: continue
            // Boolean fields read "true"/"false" and "1"/"0" alike; a number stays its digits.
            case .bool(let flag): fields[name] = flag ? "true" : "false"
            case .number(let digits): fields[name] = digits
            case .other: mistyped.append(name)
            }
        }
        if fields["attachments"] != nil || object["attachments"] != nil {
            throw .malformed(field: "attachments", message: "send files as multipart/form-data, not in JSON")
        }
        return FormInput(fields: fields, files: [], mistyped: mistyped.sorted())
    }
}

/// One member of a JSON report, decoded by its JSON type: `JSONSerialization` gives numbers as `NSNumber`,
/// which on Linux also matches `as Bool`, so `1` read as a boolean and was stored as "true".
enum JSONField: Decodable {
    case text(String)
    /// The number as decimal digits (`1e3` is "1000", `1.0` is "1").
    case number(String)
    case bool(Bool)
    case null
    /// An object or an array.
    case other

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        // JSONDecoder reads a Bool only from `true`/`false`, never from a number.
        if value.decodeNil() {
            self = .null
        } else if let flag = try? value.decode(Bool.self) {
            self = .bool(flag)
        } else if let text = try? value.decode(String.self) {
            self = .text(text)
        } else if let number = try? value.decode(Decimal.self) {
            self = .number(number.description)
        } else {
            self = .other
        }
    }
}
