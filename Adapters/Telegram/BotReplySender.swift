import Foundation
import IntakeModel

/// Sends replies with `sendMessage` to the chat the citizen wrote from, quoting their message.
///
/// A 429 (with `retry_after`), a 5xx or a failed exchange is temporary; any other refusal (403: the user
/// blocked the bot; 400: the chat is gone) is permanent. The outbox's idempotency key keeps one reply per message.
struct BotReplySender: ReplySender {
    let settings: BotSettings

    func send(_ reply: OutboundReply, over http: any HTTPExchange) async throws(ReplyFailure) -> SentReply {
        guard !settings.token.isEmpty else { throw .permanent("the channel has no bot_token") }
        guard let chat = Int64(reply.recipient.trimmed) else { throw .permanent("the recipient is not a Telegram chat id") }
        var parameters: [String: Any] = ["chat_id": chat, "text": reply.text]
        if let quoted = reply.inReplyTo?.split(separator: ":").last.flatMap({ Int64($0) }) {
            parameters["reply_parameters"] = ["message_id": quoted, "allow_sending_without_reply": true]
        }
        do throws(BotAPIError) {
            let sent = try await BotClient(settings: settings, http: http).call("sendMessage", parameters, as: SentMessage.self)
            return SentReply(providerMessageID: "\(chat):\(sent.messageID)")
        } catch {
            switch error {
            case .transport, .unreadableAnswer: throw .temporary(error.description)
            case .refused(_, let code, _, let retryAfter) where code == 429 || code >= 500:
                throw .temporary(error.description, retryAfter: retryAfter.map { .seconds($0) })
            default: throw .permanent(error.description)
            }
        }
    }

    /// The `Message` sendMessage answers with.
    struct SentMessage: Decodable {
        var messageID: Int64

        enum CodingKeys: String, CodingKey { case messageID = "message_id" }
    }
}

/// Turns a `file_id` into its download: `getFile` answers a `file_path`, and the file is at
/// `{api_base}/file/bot<token>/<file_path>`. That URL holds the token, so it is built here, at fetch time,
/// and never stored: the reference keeps only the `file_id`.
struct BotMediaResolver: MediaResolver {
    let settings: BotSettings

    func download(_ reference: MediaReference, over http: any HTTPExchange) async throws -> HTTPExchangeRequest {
        guard reference.credentials == TelegramAdapter.mediaCredentials else {
            throw MediaFailure.permanent("not a Telegram file reference (credentials \(reference.credentials))")
        }
        let file: BotFile
        do throws(BotAPIError) {
            file = try await BotClient(settings: settings, http: http).call("getFile", ["file_id": reference.location], as: BotFile.self)
        } catch {
            switch error {
            case .transport, .unreadableAnswer: throw MediaFailure.temporary(error.description)
            case .refused(_, let code, _, _) where code == 429 || code >= 500: throw MediaFailure.temporary(error.description)
            default: throw MediaFailure.permanent(error.description)
            }
        }
        guard let path = file.filePath, !path.isEmpty else { throw MediaFailure.permanent("getFile answered no file_path") }
        return HTTPExchangeRequest(method: "GET", url: settings.fileURL(path), timeout: .seconds(60))
    }
}
