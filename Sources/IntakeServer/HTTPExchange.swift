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
