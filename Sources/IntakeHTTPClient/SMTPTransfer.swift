import CCurl

/// libcurl's SMTP upload: one submission on the calling thread with a fresh easy handle (see `CurlTransfer`).
enum SMTPTransfer {
    /// Hosts for which proxy variables in the environment are ignored.
    private static let loopbackHosts = "localhost,127.0.0.1,::1"

    /// Submits `submission` and blocks until the server's final answer, a failure or `cancellation`.
    /// Call it on a dedicated thread, never on the cooperative pool.
    static func perform(_ submission: SMTPSubmission, cancellation: TransferCancellation) -> Result<Void, SMTPClientError> {
        if let problem = problem(in: submission) { return .failure(.invalidRequest(problem)) }
        CurlTransfer.prepareLibrary()
        if cancellation.isCancelled { return .failure(.cancelled) }
        guard let handle = curl_easy_init() else { return .failure(.unreachable(code: Int(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init failed")) }
        defer { curl_easy_cleanup(handle) }

        // libcurl keeps these pointers until curl_easy_cleanup, so they outlive the transfer.
        let source = MessageSource(bytes: submission.message, cancellation: cancellation)
        let context = Unmanaged.passRetained(source)
        defer { context.release() }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        var recipients: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(recipients) }
        for recipient in submission.recipients {
            guard let extended = curl_slist_append(recipients, "<\(recipient)>") else {
                return .failure(.unreachable(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "building the recipient list"))
            }
            recipients = extended
        }

        let configured = configure(handle, submission, context: context.toOpaque(), errorBuffer: errorBuffer, recipients: recipients)
        guard configured == CURLE_OK else {
            return .failure(.invalidRequest("libcurl refused an option: \(String(cString: curl_easy_strerror(configured)))"))
        }
        let code = curl_easy_perform(handle)
        guard code != CURLE_OK else { return .success(()) }
        if code == CURLE_ABORTED_BY_CALLBACK, cancellation.isCancelled { return .failure(.cancelled) }
        var reply = 0
        _ = intake_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &reply)
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        return .failure(classify(code, reply: reply, message: message))
    }

    /// The error a failed transfer means: the server's own reply code when it refused a command.
    static func classify(_ code: CURLcode, reply: Int, message: String) -> SMTPClientError {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout(message)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .unreachable(code: Int(code.rawValue), message: message)
        case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR, CURLE_USE_SSL_FAILED, CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
            return .security(code: Int(code.rawValue), message: message)
        default:
            // A command answered with 4xx or 5xx (MAIL FROM, RCPT TO, the end of DATA) leaves its code here.
            if (400..<600).contains(reply) { return .rejected(code: reply, message: message) }
            return .unreachable(code: Int(code.rawValue), message: message)
        }
    }

    /// Sets every option for one submission; the first code that is not `CURLE_OK`, else `CURLE_OK`.
    private static func configure(
        _ handle: UnsafeMutableRawPointer, _ submission: SMTPSubmission, context: UnsafeMutableRawPointer,
        errorBuffer: UnsafeMutablePointer<CChar>, recipients: UnsafeMutablePointer<curl_slist>?
    ) -> CURLcode {
        var steps: [() -> CURLcode] = [
            { intake_curl_setopt_string(handle, CURLOPT_URL, submission.url) },
            { intake_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps") },
            { intake_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer) },
            // libcurl's default timeout handling uses SIGALRM, which is unsafe in a threaded process.
            { intake_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) },
            { intake_curl_setopt_string(handle, CURLOPT_NOPROXY, loopbackHosts) },
            { intake_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds(submission.timeout)) },
            { intake_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(submission.connectTimeout)) },
            { intake_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(submission.from)>") },
            { intake_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, recipients) },
            { intake_curl_setopt_long(handle, CURLOPT_UPLOAD, 1) },
            { intake_curl_setopt_read_function(handle, readMessage) },
            { intake_curl_setopt_pointer(handle, CURLOPT_READDATA, context) },
            { intake_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0) },
            { intake_curl_setopt_progress_function(handle, checkCancellation) },
            { intake_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context) },
        ]
        if submission.requireStartTLS {
            steps.append { intake_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        }
        if let user = submission.user {
            steps.append { intake_curl_setopt_string(handle, CURLOPT_USERNAME, user) }
            steps.append { intake_curl_setopt_string(handle, CURLOPT_PASSWORD, submission.password ?? "") }
        }
        for step in steps {
            let code = step()
            guard code == CURLE_OK else { return code }
        }
        return CURLE_OK
    }

    /// Why `submission` cannot be sent, or nil: catches a URL of another scheme and addresses that would
    /// inject SMTP commands.
    private static func problem(in submission: SMTPSubmission) -> String? {
        let url = submission.url.lowercased()
        guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else { return "URL must start with smtp:// or smtps://" }
        guard !submission.url.contains(where: { $0.isNewline || $0 == "\0" || $0 == " " }) else {
            return "URL contains whitespace or control characters"
        }
        guard !submission.recipients.isEmpty else { return "no recipient" }
        for address in [submission.from] + submission.recipients {
            // The address itself stays out of the message: errors are logged and listed.
            guard isPlainAddress(address) else { return "the sender or a recipient is not a plain mail address" }
        }
        return nil
    }

    /// One `local@domain` without spaces, angle brackets or control characters.
    static func isPlainAddress(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && address.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "<" && $0 != ">" }
    }

    /// `duration` in whole milliseconds, at least 1 because libcurl reads 0 as "wait forever".
    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64(Int.max / 1000) else { return Int.max }
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}

/// The message bytes libcurl reads during one upload; only the transfer's thread touches it.
private final class MessageSource {
    let bytes: [UInt8]
    let cancellation: TransferCancellation
    var offset = 0

    init(bytes: [UInt8], cancellation: TransferCancellation) {
        self.bytes = bytes
        self.cancellation = cancellation
    }
}

/// Copies the next piece of the message into libcurl's buffer; 0 ends the upload.
private let readMessage: intake_curl_read_callback = { buffer, size, count, context in
    let source = Unmanaged<MessageSource>.fromOpaque(context!).takeUnretainedValue()
    let length = min(size * count, source.bytes.count - source.offset)
    guard let buffer, length > 0 else { return 0 }
    source.bytes.withUnsafeBytes { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + source.offset, byteCount: length)
    }
    source.offset += length
    return length
}

/// Returning non-zero makes libcurl abort with CURLE_ABORTED_BY_CALLBACK.
private let checkCancellation: intake_curl_progress_callback = { context, _, _, _, _ in
    let source = Unmanaged<MessageSource>.fromOpaque(context!).takeUnretainedValue()
    return source.cancellation.isCancelled ? 1 : 0
}
