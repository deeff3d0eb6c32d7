import Dispatch
import Foundation
@testable import IntakeModel
@testable import IntakeStorage
import Synchronization
import Testing

/// Opens a database in a fresh temp dir, runs `body`, then closes it and removes the directory.
func withDatabase(
    synchronous: StorageSynchronous = .full,
    _ body: (Database, TemporaryDirectory) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory("storage")
    defer { directory.remove() }
    let database = try Database(directory: directory.appending("data"), synchronous: synchronous)
    defer { database.close() }
    try await body(database, directory)
}

/// Builds the inbound messages storage and pipeline tests feed in: a plausible SMS to 1708 unless told otherwise.
enum SampleMessage {
    static func sms(
        externalID: String = UUID().uuidString,
        channelID: ChannelID = "sms-1708",
        from phone: String = "+6281234567890",
        name: String? = nil,
        text: String = "Jalan rusak parah di Jl. Kaliurang km 7, Kab. Sleman. Mohon segera diperbaiki.",
        anonymous: Bool = false,
        tags: [String] = [],
        campaign: String? = nil,
        attachments: [InboundAttachment] = []
    ) -> InboundMessage {
        InboundMessage(
            channelID: channelID, channelType: .sms, externalID: externalID,
            reporter: Reporter(kind: .phone, address: phone, name: name), anonymous: anonymous,
            text: text, attachments: attachments, tags: tags, campaign: campaign
        )
    }
}

/// The 120 complaints the listing tests store: three channels in turn, every fourth in the Mudik campaign,
/// one minute apart.
struct ListingSample: Sendable {
    static let start = Date(timeIntervalSince1970: 1_775_000_000)  // 2026-04-01, whole seconds survive JSON exactly.
    static let channels: [ChannelID] = ["sms-1708", "wa-mudik", "email-pengaduan"]
    static let all: [ListingSample] = (0..<120).map { index in
        ListingSample(
            index: index,
            channelID: channels[index % channels.count],
            campaign: index % 4 == 0 ? "mudik-2026" : nil,
            receivedAt: start.addingTimeInterval(Double(index) * 60)
        )
    }

    let index: Int
    let channelID: ChannelID
    let campaign: String?
    let receivedAt: Date

    /// Journals a message and stores a complaint made from it, as the pipeline would.
    static func store(_ sample: ListingSample, in connection: Connection) throws -> Complaint {
        let message = SampleMessage.sms(
            externalID: "list-\(sample.index)", channelID: sample.channelID, from: "+62812000\(1000 + sample.index)",
            text: "Laporan nomor \(sample.index)", campaign: sample.campaign
        )
        let entry = try connection.appendJournal(message, attachments: [], raw: Array(message.text.utf8), receivedAt: sample.receivedAt)
        let complaint = Complaint(
            id: ComplaintID.make(at: sample.receivedAt), trackingNumber: entry.trackingNumber, channelID: message.channelID,
            channelType: message.channelType, externalID: message.externalID, receivedAt: sample.receivedAt, sentAt: nil,
            reporter: message.reporter, anonymous: false, confidential: false, kind: .complaint, title: nil,
            body: message.text, originalText: message.text, location: nil, incidentDate: nil, category: nil,
            attachments: [], tags: [], campaign: sample.campaign, dedup: .unique, status: .queued, journalID: entry.id
        )
        try connection.insertComplaint(complaint, matchKey: MatchText.key(message.text))
        return complaint
    }
}

/// A listing filter and, independently, which samples it must return.
struct ListingFilterCase: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let filter: ComplaintFilter
    let matches: @Sendable (ListingSample) -> Bool

    static let all: [ListingFilterCase] = [
        ListingFilterCase(testDescription: "channel", filter: ComplaintFilter(channelID: "wa-mudik")) { $0.channelID == "wa-mudik" },
        ListingFilterCase(testDescription: "campaign", filter: ComplaintFilter(campaign: "mudik-2026")) { $0.campaign == "mudik-2026" },
        ListingFilterCase(testDescription: "since", filter: ComplaintFilter(since: ListingSample.start.addingTimeInterval(100 * 60))) {
            $0.index >= 100
        },
        ListingFilterCase(
            testDescription: "channel, campaign and since",
            filter: ComplaintFilter(channelID: "sms-1708", campaign: "mudik-2026", since: ListingSample.start.addingTimeInterval(30 * 60))
        ) { $0.channelID == "sms-1708" && $0.campaign == "mudik-2026" && $0.index >= 30 },
    ]
}

/// Holds the writer thread inside one write so that writes issued meanwhile queue up and are taken as one
/// batch, and a test can look at the world while that write's transaction is open.
struct WriterGate {
    private let database: Database
    private let release: DispatchSemaphore
    private let holding: Task<Void, any Error>

    /// Returns once the writer thread is blocked inside the gate's write (queued behind any writes before it).
    static func hold(_ database: Database) async throws -> WriterGate {
        let entered = Atomic<Bool>(false)
        let release = DispatchSemaphore(value: 0)
        let holding = Task {
            try await database.write(isolated: false) { _ in
                entered.store(true, ordering: .releasing)
                // Bounded, so a failing test cannot keep the writer thread forever.
                _ = release.wait(timeout: .now() + 30)
            }
        }
        try await waitUntil { entered.load(ordering: .acquiring) }
        return WriterGate(database: database, release: release, holding: holding)
    }

    /// Lets the writer go on and waits until the held write has committed.
    func open() async throws {
        release.signal()
        try await holding.value
    }

    /// Starts `count` jobs, each issuing one write, while the writer is held; waits until all are queued,
    /// opens the gate and returns the jobs' results in job order.
    func queueWhileHeld<T: Sendable>(count: Int, _ job: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            for index in 0..<count {
                group.addTask { (index, try await job(index)) }
            }
            try await waitUntil { database.queuedWrites >= count }
            try await open()
            var results: [(Int, T)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}

/// Counts committed transactions by reading the WAL file: every commit ends with one frame whose header
/// records the database size, and frames of the current WAL generation carry the header's salts.
enum WriteAheadLog {
    static func commitCount(database: Database) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: database.path + "-wal"))
        guard data.count >= 32 else { return 0 }
        func word(_ offset: Int) -> UInt32 {
            data[data.startIndex + offset ..< data.startIndex + offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
        let pageSize = word(8) == 1 ? 65_536 : Int(word(8))
        let salts = (word(16), word(20))
        var commits = 0
        var offset = 32
        while offset + 24 + pageSize <= data.count, (word(offset + 8), word(offset + 12)) == salts {
            if word(offset + 4) != 0 { commits += 1 }
            offset += 24 + pageSize
        }
        return commits
    }
}

/// What `body` returned or threw, kept for the test to inspect.
func capturingResult<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

/// `sha256sum`'s digest of the file at `path`: an oracle independent of swift-crypto.
func sha256sum(_ path: String) throws -> String {
    let run = try SpawnedProcess.runBlocking(["/usr/bin/sha256sum", path])
    #expect(run.status == 0)
    return run.stdout.split(separator: " ").first.map(String.init) ?? ""
}

/// This process's open file descriptors on files below `path`, with what they point at (Linux `/proc`).
func openFileDescriptors(under path: String) throws -> [String: String] {
    var found: [String: String] = [:]
    for descriptor in try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)"), target.hasPrefix(path) {
            found[descriptor] = target
        }
    }
    return found
}

/// Every regular file below `path`, sorted.
func regularFiles(under path: String) throws -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: path)
    var files: [String] = []
    while let relative = enumerator?.nextObject() as? String {
        let full = (path as NSString).appendingPathComponent(relative)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(full) }
    }
    return files.sorted()
}

extension StorageError {
    var isClosed: Bool {
        if case .closed = self { true } else { false }
    }
}

extension Connection {
    /// Journals a message as pending, as a deferred webhook would, and returns its entry.
    func appendJournal(_ message: InboundMessage, attachments: [IntakeModel.Attachment], raw: [UInt8], receivedAt: Date) throws -> JournalEntry {
        let record = try JournalRecord(message: message, attachments: attachments, raw: raw, receivedAt: receivedAt)
        let (id, number) = try insertJournal(record, state: .pending, complaintID: nil, error: nil)
        return JournalEntry(
            id: id, receivedAt: receivedAt, raw: raw, message: record.message, attachments: attachments,
            trackingNumber: number, state: .pending, complaintID: nil, error: nil, attempts: 0
        )
    }
}
