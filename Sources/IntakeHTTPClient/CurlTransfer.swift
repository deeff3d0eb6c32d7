import CCurl

/// The one place libcurl is called: runs one request on the calling thread with a fresh easy handle.
///
/// Nothing here is shared between transfers except libcurl's global state, set up once, so any
/// number of threads may call ``perform(_:cancellation:)`` at the same time.
enum CurlTransfer {
    /// The result of `curl_global_init`, which must run once before any handle exists; a static let
    /// gives us exactly-once and thread-safe for free.
    private static let globalInitStatus: UInt32 = curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue

    /// Runs libcurl's process-wide set-up if it has not run yet.
    static func prepareLibrary() { _ = globalInitStatus }

    /// Hosts for which proxy variables in the environment are ignored: a proxy cannot reach the
    /// gateway's own loopback server, while provider APIs may legitimately need the site's proxy.
    private static let loopbackHosts = "localhost,127.0.0.1,::1"

    /// Sends `request` and blocks until the response is complete, the transfer fails or
    /// `cancellation` is set. Call it on a dedicated thread, never on the cooperative pool.
    static func perform(
        _ request: HTTPClientRequest,
        cancellation: TransferCancellation
    ) -> Result<HTTPClientResponse, HTTPClientError> {
        if let problem = problem(in: request) { return .failure(.invalidRequest(problem)) }
        guard globalInitStatus == CURLE_OK.rawValue else {
            return .failure(transportError(CURLcode(rawValue: globalInitStatus), detail: "curl_global_init failed"))
        }
        if cancellation.isCancelled { return .failure(.cancelled) }
        guard let handle = curl_easy_init() else {
            return .failure(transportError(CURLE_FAILED_INIT, detail: "curl_easy_init returned no handle"))
        }
        defer { curl_easy_cleanup(handle) }

        // libcurl keeps these pointers until curl_easy_cleanup, so they outlive the transfer.
        let sink = ResponseSink(cancellation: cancellation)
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        do {
            try configure(handle, for: request, context: context.toOpaque(), errorBuffer: errorBuffer, headerList: &headerList)
        } catch {
            return .failure(error)
        }

        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            if code == CURLE_ABORTED_BY_CALLBACK, cancellation.isCancelled { return .failure(.cancelled) }
            return .failure(transportError(code, detail: String(cString: errorBuffer)))
        }
        var status = 0
        _ = intake_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPClientResponse(status: status, headers: sink.headers, body: sink.body))
    }

    /// Sets every option for one transfer; `headerList` receives the list libcurl reads during
    /// the transfer, which the caller frees afterwards.
    private static func configure(
        _ handle: UnsafeMutableRawPointer,
        for request: HTTPClientRequest,
        context: UnsafeMutableRawPointer,
        errorBuffer: UnsafeMutablePointer<CChar>,
        headerList: inout UnsafeMutablePointer<curl_slist>?
    ) throws(HTTPClientError) {
        try check(intake_curl_setopt_string(handle, CURLOPT_URL, request.url), "URL")
        try check(intake_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"), "PROTOCOLS_STR")
        try check(intake_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        // libcurl's default timeout handling uses SIGALRM, which is unsafe in a threaded process.
        try check(intake_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try check(intake_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0), "FOLLOWLOCATION")
        try check(intake_curl_setopt_string(handle, CURLOPT_NOPROXY, loopbackHosts), "NOPROXY")
        try check(intake_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds(request.timeout)), "TIMEOUT_MS")
        try check(intake_curl_setopt_string(handle, CURLOPT_USERAGENT, "intake-gateway"), "USERAGENT")

        try check(intake_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, receiveBody), "WRITEFUNCTION")
        try check(intake_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context), "WRITEDATA")
        try check(intake_curl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, receiveHeader), "HEADERFUNCTION")
        try check(intake_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context), "HEADERDATA")
        try check(intake_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0), "NOPROGRESS")
        try check(intake_curl_setopt_progress_function(handle, checkCancellation), "XFERINFOFUNCTION")
        try check(intake_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context), "XFERINFODATA")

        let sendsBody = try configureMethod(handle, for: request, emptyBody: UnsafeMutableRawPointer(errorBuffer))
        headerList = try headerLines(for: request, sendsBody: sendsBody)
        try check(intake_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headerList), "HTTPHEADER")
    }

    /// Sets the method and body; returns whether a body is sent. `emptyBody` is any valid
    /// pointer, which libcurl needs even for zero bytes and never reads.
    private static func configureMethod(
        _ handle: UnsafeMutableRawPointer,
        for request: HTTPClientRequest,
        emptyBody: UnsafeMutableRawPointer
    ) throws(HTTPClientError) -> Bool {
        let sendsBody = !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method)
        if sendsBody {
            try check(intake_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, request.body.count), "POSTFIELDSIZE")
            // COPYPOSTFIELDS copies the bytes now, so the body need not stay pinned during the transfer.
            let copied = request.body.withUnsafeBytes { bytes in
                let start = bytes.baseAddress.map(UnsafeMutableRawPointer.init(mutating:)) ?? emptyBody
                return intake_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, start)
            }
            try check(copied, "COPYPOSTFIELDS")
            if request.method != "POST" {
                try check(intake_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method), "CUSTOMREQUEST")
            }
        } else if request.method == "HEAD" {
            try check(intake_curl_setopt_long(handle, CURLOPT_NOBODY, 1), "NOBODY")
        } else if request.method != "GET" {
            try check(intake_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method), "CUSTOMREQUEST")
        }
        return sendsBody
    }

    /// The request's headers as a libcurl list, which the caller frees with `curl_slist_free_all`.
    private static func headerLines(for request: HTTPClientRequest, sendsBody: Bool) throws(HTTPClientError) -> UnsafeMutablePointer<curl_slist>? {
        var lines = request.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        // An empty `Expect:` stops libcurl waiting for "100 Continue" before sending a large body.
        lines.append("Expect:")
        let namesContentType = request.headers.contains { $0.name.caseInsensitiveCompare("Content-Type") == .orderedSame }
        if sendsBody, !namesContentType {
            // Otherwise libcurl claims a form body; no type is more honest than a wrong one.
            lines.append("Content-Type:")
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let extended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw transportError(CURLE_OUT_OF_MEMORY, detail: "building the header list")
            }
            list = extended
        }
        return list
    }

    /// Why `request` cannot be sent, or nil; catches what would otherwise let a caller's value
    /// inject extra header lines or reach a non-HTTP scheme.
    private static func problem(in request: HTTPClientRequest) -> String? {
        let url = request.url.lowercased()
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            return "URL must start with http:// or https://, got \"\(request.url)\""
        }
        guard !request.url.contains(where: { $0.isNewline || $0 == "\0" || $0 == " " }) else {
            return "URL contains whitespace or control characters"
        }
        guard isToken(request.method) else { return "method \"\(request.method)\" is not an HTTP token" }
        for header in request.headers {
            guard isToken(header.name) else { return "header name \"\(header.name)\" is not an HTTP token" }
            guard !header.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                return "value of header \(header.name) contains a line break or NUL"
            }
        }
        return nil
    }

    /// Whether `text` is an RFC 9110 token, the grammar of methods and header names.
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && scalar.value > 0x20 && scalar.value < 0x7F && !"\"(),/:;<=>?@[\\]{}".unicodeScalars.contains(scalar)
        }
    }

    /// The timeout in whole milliseconds, at least 1 because libcurl reads 0 as "wait forever".
    private static func timeoutMilliseconds(_ timeout: Duration) -> Int {
        let (seconds, attoseconds) = timeout.components
        guard seconds < Int64(Int.max / 1000) else { return Int.max }
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    private static func check(_ code: CURLcode, _ option: String) throws(HTTPClientError) {
        guard code == CURLE_OK else { throw transportError(code, detail: "setting CURLOPT_\(option)") }
    }

    /// libcurl's generic text for `code`, followed by the specific detail when there is one.
    private static func transportError(_ code: CURLcode, detail: String) -> HTTPClientError {
        let summary = String(cString: curl_easy_strerror(code))
        let message = detail.isEmpty ? summary : "\(summary) (\(detail))"
        return .transport(code: Int(code.rawValue), message: message)
    }
}

/// What the callbacks collect during one transfer; only the transfer's thread touches it.
private final class ResponseSink {
    let cancellation: TransferCancellation
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []

    init(cancellation: TransferCancellation) { self.cancellation = cancellation }

    /// Records one header line as libcurl delivers it, CRLF included.
    func receive(headerLine: String) {
        // Swift reads "\r\n" as one Character, which `isNewline` covers.
        var line = Substring(headerLine)
        while line.last?.isNewline == true { line.removeLast() }
        if line.hasPrefix("HTTP/") {
            // A status line starts a new response (after a 1xx); only the final one's headers count.
            headers.removeAll()
        } else if line.first == " " || line.first == "\t", let last = headers.popLast() {
            // An obsolete folded continuation: RFC 9110 says to replace the fold with a space.
            headers.append((last.name, last.value + " " + line.trimmingWhitespace()))
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingWhitespace()
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            headers.append((name, value))
        }
    }
}

private let receiveBody: intake_curl_write_callback = { data, size, count, context in
    let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    if let data, length > 0 {
        sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    }
    return length
}

private let receiveHeader: intake_curl_write_callback = { data, size, count, context in
    let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    if let data, length > 0 {
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        sink.receive(headerLine: String(decoding: bytes, as: UTF8.self))
    }
    return length
}

/// Returning non-zero makes libcurl abort with CURLE_ABORTED_BY_CALLBACK.
private let checkCancellation: intake_curl_progress_callback = { context, _, _, _, _ in
    let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
    return sink.cancellation.isCancelled ? 1 : 0
}

private extension Substring {
    /// Without the spaces and tabs HTTP allows around a field value.
    func trimmingWhitespace() -> String {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}
