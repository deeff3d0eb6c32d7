import IntakeHTTPClient
import IntakeModel

/// libcurl behind the Bot API calls of the poller (the server gives replies and media lookups their own).
/// Cancelling the calling task (a shutdown during a long poll) aborts the transfer within about a second.
struct CurlExchange: HTTPExchange {
    let client = HTTPClient()

    func perform(_ request: HTTPExchangeRequest) async throws -> HTTPExchangeResponse {
        let response = try await client.send(HTTPClientRequest(
            method: request.method, url: request.url, headers: request.headers, body: request.body, timeout: request.timeout
        ))
        return HTTPExchangeResponse(status: response.status, headers: response.headers, body: response.body)
    }
}
