import Foundation

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
