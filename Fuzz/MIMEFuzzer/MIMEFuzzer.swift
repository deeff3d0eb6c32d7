// libFuzzer entry point for the MIME parser (`make fuzz`; not part of `make test`).
//
// `make fuzz` compiles this file together with Sources/IntakeMIME/*.swift into one module with
// `-sanitize=fuzzer,address`, so the parser's internals are instrumented and a crash, an out-of-bounds access in
// libetpan's buffers as seen through ASan, or a leak stops the run with the input that caused it.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func mimeFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let raw = Array(UnsafeBufferPointer(start: data, count: size))
    // Every way intake reads a message: envelope, headers, every part's text and the body text.
    if let message = try? MIMEMessage(parsing: raw) {
        for part in message.parts { _ = part.text() }
        _ = message.text()
        _ = message.header("Content-Type")
    }
    return 0
}
