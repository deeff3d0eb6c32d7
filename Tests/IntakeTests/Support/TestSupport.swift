import Foundation
import Testing

/// A fresh directory under the system temp dir, removed when the value is dropped by `remove()`.
/// Every test that touches storage gets its own, so tests run in parallel without sharing a file.
struct TemporaryDirectory {
    let path: String

    init(_ label: String = "intake-test") throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    func appending(_ component: String) -> String {
        (path as NSString).appendingPathComponent(component)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Files under `fixtures/`, which the test target copies as a resource.
enum Fixtures {
    static var root: URL {
        Bundle.module.url(forResource: "fixtures", withExtension: nil)!
    }

    /// The URL of `fixtures/<path>`.
    static func url(_ path: String) -> URL {
        root.appendingPathComponent(path)
    }

    /// The bytes of `fixtures/<path>`.
    static func data(_ path: String) throws -> Data {
        try Data(contentsOf: url(path))
    }

    /// Every file directly inside `fixtures/<folder>`, sorted by name.
    static func files(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url(folder).path).sorted()
    }
}

/// A small seeded generator (SplitMix64), so generated cases are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A TCP socket bound to 127.0.0.1 on a free port, not yet listening: connections are refused until the
/// owner calls `listen`, which is how tests stage a server that is down and then comes up.
struct LoopbackSocket {
    let descriptor: Int32
    let port: Int

    /// `closeOnExec`: the socket is not inherited by child processes (for a socket kept open, as a proxy's).
    init(closeOnExec: Bool = false) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | (closeOnExec ? Int32(SOCK_CLOEXEC.rawValue) : 0), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Waits until `condition` holds, checking every millisecond, for at most `timeout`; records an issue and
/// throws when it never does.
func waitUntil(timeout: Duration = .seconds(10), _ condition: @Sendable () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(timeout)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(1))
    }
}
