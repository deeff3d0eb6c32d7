import Foundation
import IntakeModel

/// What one submission carries, read from either body format the form and the API accept: the first value
/// of each plain field, and the uploaded files of `attachments` in order.
struct FormInput {
    var fields: [String: String]
    var files: [MultipartForm.Part]

    /// The most parts a form may have: the fields and up to about 40 files.
    static let limits = MultipartForm.Limits(maxParts: 64, maxHeaderBytes: 8192)

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

    /// A JSON object whose members are strings, booleans or numbers; JSON carries no files.
    static func json(_ body: [UInt8]) throws(AdapterError) -> FormInput {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw .malformed(field: nil, message: "the body must be a JSON object")
        }
        var fields: [String: String] = [:]
        for (name, value) in object {
            switch value {
            case let text as String: fields[name] = text
            case is NSNull: continue
            // JSON true/false (NSNumber 1/0 on some platforms): boolean fields read "true"/"false" and "1"/"0" alike.
            case let flag as Bool: fields[name] = flag ? "true" : "false"
            case let number as NSNumber: fields[name] = number.stringValue
            default:
                throw .malformed(field: name, message: "must be a string, a number or a boolean")
            }
        }
        if fields["attachments"] != nil || object["attachments"] != nil {
            throw .malformed(field: "attachments", message: "send files as multipart/form-data, not in JSON")
        }
        return FormInput(fields: fields, files: [])
    }
}
