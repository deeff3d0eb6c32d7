import IntakeHTTPClient
import IntakeModel

/// libcurl behind the exchange channel families use to call their providers (replies, media lookups).
extension HTTPClient: HTTPExchange {
    public func perform(_ request: HTTPExchangeRequest) async throws -> HTTPExchangeResponse {
        let response = try await send(HTTPClientRequest(
            method: request.method, url: request.url, headers: request.headers, body: request.body, timeout: request.timeout
        ))
        return HTTPExchangeResponse(status: response.status, headers: response.headers, body: response.body)
    }
}

/// libcurl's SMTP behind the mail transport the email family sends acknowledgments over: a 5xx answer or a
/// submission that cannot be sent is permanent; an unreachable server, a timeout, a 4xx, TLS or AUTH trouble
/// is temporary, so the reply waits in the outbox instead of being lost.
extension SMTPClient: MailTransport {
    public func submit(_ mail: OutgoingMail) async throws(MailTransportError) {
        do {
            try await send(SMTPSubmission(
                url: mail.serverURL, requireStartTLS: mail.requireStartTLS, user: mail.user, password: mail.password,
                from: mail.envelopeFrom, recipients: [mail.recipient], message: mail.message, timeout: mail.timeout
            ))
        } catch {
            throw error.isPermanent ? .permanent(error.description) : .temporary(error.description)
        }
    }
}
