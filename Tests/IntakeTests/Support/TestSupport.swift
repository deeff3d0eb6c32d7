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
