import Foundation
import Synchronization

/// An HTTP/1.1 client over libcurl for provider send APIs, polling and the integration tests.
///
/// Each request gets its own libcurl handle on its own thread: libcurl blocks while it waits on the
/// network, and blocking Swift concurrency's cooperative pool would stall every other task in the
/// process. A thread per call costs tens of microseconds, nothing next to a network round trip, and
/// shares no state between requests, so the client is a plain value.
public struct HTTPClient: Sendable {
    /// A client; libcurl's process-wide set-up runs once, on first use.
    public init() {
        CurlTransfer.prepareLibrary()
    }

    /// Sends `request` and waits for the whole response.
    ///
    /// Cancelling the calling task aborts the transfer within about a second and throws
    /// ``HTTPClientError/cancelled``. No redirect is followed: provider APIs answer directly, and a
    /// redirect there is a misconfiguration worth seeing.
    public func send(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        try await onTransferThread(named: "intake-http-client") { CurlTransfer.perform(request, cancellation: $0) }.get()
    }
}

/// Runs a blocking libcurl transfer on a thread of its own, never on the cooperative pool, and awaits its
/// result; cancelling the calling task sets the transfer's `TransferCancellation`, which it polls.
func onTransferThread<T: Sendable, Failure: Error>(
    named name: String, _ transfer: @escaping @Sendable (TransferCancellation) -> Result<T, Failure>
) async -> Result<T, Failure> {
    let cancellation = TransferCancellation()
    return await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, Failure>, Never>) in
            let thread = Thread { continuation.resume(returning: transfer(cancellation)) }
            thread.name = name
            thread.start()
        }
    } onCancel: {
        cancellation.cancel()
    }
}

/// A flag the cancelling task sets and the transfer thread polls, so neither waits on the other.
final class TransferCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Asks the transfer to stop at its next progress check.
    func cancel() { flag.store(true, ordering: .relaxed) }

    /// Whether ``cancel()`` has been called.
    var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
