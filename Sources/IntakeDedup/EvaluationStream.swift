import Dispatch
import Foundation
import IntakeModel
import Synchronization

/// Where an evaluation reads its JSONL lines: read once in order, and read back by place when the
/// messages turn out not to be in time order.
public protocol EvaluationLines {
    /// The next line without its newline, and where it starts; nil at the end (or on a read error).
    mutating func next() -> (offset: Int, line: Data)?
    /// The `length` bytes at `offset`, read again; nil if they cannot be.
    func line(at offset: Int, length: Int) -> Data?
    /// Why reading stopped early, if it did.
    var failure: String? { get }
}

extension EvaluationLines {
    public var failure: String? { nil }
}

/// A file's lines through a buffered stream, read back with `pread`.
public final class FileLines: EvaluationLines {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0
    private var offset = 0

    /// Why reading stopped early, if it did.
    public private(set) var failure: String?

    /// Opens `path` for reading; nil when it cannot be read or is not a regular file (a pipe cannot be
    /// read back: read it into memory and use `DataLines`).
    public init?(path: String) {
        guard Self.isRegularFile(path), let file = fopen(path, "r") else { return nil }
        self.file = file
    }

    /// Whether `path` can be read back by place (a regular file), as `FileLines` needs.
    public static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    public func next() -> (offset: Int, line: Data)? {
        let read = getline(&buffer, &capacity, file)
        guard read > 0, let buffer else {
            if ferror(file) != 0 { failure = String(cString: strerror(errno)) }
            return nil
        }
        let start = offset
        offset += read
        let length = buffer[read - 1] == 0x0A ? read - 1 : read
        return (start, Data(bytes: buffer, count: length))
    }

    public func line(at offset: Int, length: Int) -> Data? {
        var data = Data(count: length)
        let read = data.withUnsafeMutableBytes { pread(fileno(file), $0.baseAddress, length, off_t(offset)) }
        return read == length ? data : nil
    }
}

/// Lines of bytes already in memory (standard input, tests).
public struct DataLines: EvaluationLines {
    private let data: Data
    private var position: Int

    public init(_ data: Data) {
        self.data = data
        position = data.startIndex
    }

    public mutating func next() -> (offset: Int, line: Data)? {
        guard position < data.endIndex else { return nil }
        let end = data[position...].firstIndex(of: 0x0A) ?? data.endIndex
        let start = position
        position = min(end + 1, data.endIndex)
        return (start - data.startIndex, data[start..<end])
    }

    public func line(at offset: Int, length: Int) -> Data? {
        let start = data.startIndex + offset
        guard start >= data.startIndex, start + length <= data.endIndex else { return nil }
        return data[start..<(start + length)]
    }
}

/// What a streamed evaluation did.
public struct EvaluationSummary: Sendable {
    /// Messages decided.
    public var messages: Int
    /// Whether they came in time order (one pass); otherwise they were read back sorted (two passes).
    public var inTimeOrder: Bool
}

extension Evaluation {
    /// Decides every message of `lines` in received order without holding the messages: one pass when they
    /// come in time order (ties keep input order), else a first pass that notes each line's time and place
    /// and a second that reads them back sorted. Writes the predictions in input order through `write`, in
    /// chunks. `explain`, when given, gets each message's reading in input order.
    ///
    /// As in the server, features are computed apart from decisions: a batch's are computed on another
    /// thread while the one before is decided, in order, on this one.
    public func run(
        _ lines: inout some EvaluationLines,
        explain: ((String) -> Void)? = nil,
        write: ([UInt8]) throws -> Void
    ) throws -> EvaluationSummary {
        var run = EvaluationRun(self)
        var times: [Double] = []
        var spans: [(offset: Int, length: Int32, number: Int)] = []
        var inOrder = true
        var number = 0
        try pipelined(explain: explain != nil, next: {
            var batch: [PendingLine] = []
            while batch.count < Self.batchSize, let (offset, line) = lines.next() {
                number += 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                batch.append(PendingLine(number: number, position: spans.count + batch.count, offset: offset, line: line))
            }
            for line in batch { spans.append((line.offset, Int32(line.line.count), line.number)) }
            return batch
        }, consume: { prepared in
            run.record(id: prepared.id, at: prepared.position)
            if let reading = prepared.reading { explain?(reading) }
            if inOrder, let last = times.last, prepared.time < last { inOrder = false }
            times.append(prepared.time)
            if inOrder { run.decide(id: prepared.id, channel: prepared.channel, features: prepared.features, at: prepared.position, time: prepared.time) }
        })
        if let failure = lines.failure { throw EvaluationError(line: number + 1, message: "cannot read the input: \(failure)") }
        if !inOrder {
            let ids = run.ids
            run = EvaluationRun(self)
            for (position, id) in ids.enumerated() { run.record(id: id, at: position) }
            let order = times.indices.sorted { times[$0] != times[$1] ? times[$0] < times[$1] : $0 < $1 }
            var next = 0
            try pipelined(explain: false, next: {
                let end = min(next + Self.batchSize, order.count)
                defer { next = end }
                return try order[next..<end].map { position throws(EvaluationError) in
                    let span = spans[position]
                    guard let line = lines.line(at: span.offset, length: Int(span.length)) else {
                        throw EvaluationError(line: span.number, message: "cannot read this line again (did the input change while it was read?)")
                    }
                    return PendingLine(number: span.number, position: position, offset: span.offset, line: line)
                }
            }, consume: { prepared in
                run.decide(id: prepared.id, channel: prepared.channel, features: prepared.features, at: prepared.position, time: prepared.time)
            })
        }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        for position in run.ids.indices {
            run.appendLine(at: position, to: &out)
            if out.count >= 1 << 20 {
                try write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        if !out.isEmpty { try write(out) }
        return EvaluationSummary(messages: run.ids.count, inTimeOrder: inOrder)
    }

    private static let batchSize = 1024

    /// Reads batches with `next` until it returns none; each batch is parsed and its features computed on
    /// another thread while the previous batch goes through `consume`, message by message, in order.
    private func pipelined(explain: Bool, next: () throws -> [PendingLine], consume: (PreparedMessage) throws -> Void) throws {
        var current = PreparedBatch.prepare(try next(), evaluation: self, explain: explain)
        while true {
            let upcoming = try next()
            let handle = upcoming.isEmpty ? nil : PreparedBatch(upcoming, evaluation: self, explain: explain)
            for prepared in try current.get() { try consume(prepared) }
            guard let handle else { return }
            current = handle.wait()
        }
    }
}

/// A line read, not yet parsed: its line number (for errors), its message's input position, where it is.
struct PendingLine: Sendable {
    var number: Int
    var position: Int
    var offset: Int
    var line: Data
}

/// A parsed message with its features, ready to decide.
struct PreparedMessage: Sendable {
    var id: String
    var channel: String
    var position: Int
    var time: Double
    var features: DedupFeatures
    /// What `--explain` prints, when asked.
    var reading: String?
}

/// One batch being parsed on a global dispatch queue; `wait` returns it.
final class PreparedBatch: Sendable {
    private let result = Mutex<Result<[PreparedMessage], EvaluationError>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ lines: [PendingLine], evaluation: Evaluation, explain: Bool) {
        DispatchQueue.global().async { [self] in
            let prepared = Self.prepare(lines, evaluation: evaluation, explain: explain)
            result.withLock { $0 = prepared }
            done.signal()
        }
    }

    func wait() -> Result<[PreparedMessage], EvaluationError> {
        done.wait()
        return result.withLock { $0! }
    }

    static func prepare(_ lines: [PendingLine], evaluation: Evaluation, explain: Bool) -> Result<[PreparedMessage], EvaluationError> {
        let extractor = evaluation.extractor
        var prepared: [PreparedMessage] = []
        prepared.reserveCapacity(lines.count)
        for line in lines {
            let message: EvaluationMessage
            let time: Double
            do {
                (message, time) = try Evaluation.parseMessage(line.line, number: line.number)
            } catch {
                return .failure(error)
            }
            let features = extractor.features(title: message.title, body: message.body, identities: Evaluation.identities(of: message))
            prepared.append(PreparedMessage(id: message.id, channel: message.channel, position: line.position, time: time,
                                            features: features, reading: explain ? evaluation.explain(message) : nil))
        }
        return .success(prepared)
    }
}
