import Foundation
import IntakeModel

/// Where an evaluation reads its JSONL lines: read once in order, and read back by place when the
/// messages turn out not to be in time order.
public protocol EvaluationLines {
    /// The next line without its newline, and where it starts; nil at the end.
    mutating func next() -> (offset: Int, line: Data)?
    /// The `length` bytes at `offset`, read again.
    func line(at offset: Int, length: Int) -> Data
}

/// A file's lines through a buffered stream, read back with `pread`.
public final class FileLines: EvaluationLines {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0
    private var offset = 0

    /// Opens `path` for reading; nil when it cannot be read.
    public init?(path: String) {
        guard let file = fopen(path, "r") else { return nil }
        self.file = file
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    public func next() -> (offset: Int, line: Data)? {
        let read = getline(&buffer, &capacity, file)
        guard read > 0, let buffer else { return nil }
        let start = offset
        offset += read
        let length = buffer[read - 1] == 0x0A ? read - 1 : read
        return (start, Data(bytes: buffer, count: length))
    }

    public func line(at offset: Int, length: Int) -> Data {
        var data = Data(count: length)
        let read = data.withUnsafeMutableBytes { pread(fileno(file), $0.baseAddress, length, off_t(offset)) }
        return read == length ? data : Data()
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

    public func line(at offset: Int, length: Int) -> Data {
        let start = data.startIndex + offset
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
    public func run(
        _ lines: inout some EvaluationLines,
        explain: ((String) -> Void)? = nil,
        write: ([UInt8]) throws -> Void
    ) throws -> EvaluationSummary {
        var run = EvaluationRun(self)
        var times: [Double] = []
        var spans: [(offset: Int, length: Int32)] = []
        var inOrder = true
        var number = 0
        while let (offset, line) = lines.next() {
            number += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let (message, time) = try Self.parseMessage(line, number: number)
            let position = run.ids.count
            run.record(id: message.id, at: position)
            explain?(self.explain(message))
            if inOrder, let last = times.last, time < last { inOrder = false }
            times.append(time)
            spans.append((offset, Int32(line.count)))
            if inOrder { run.decide(message, at: position, time: time) }
        }
        if !inOrder {
            let ids = run.ids
            run = EvaluationRun(self)
            for (position, id) in ids.enumerated() { run.record(id: id, at: position) }
            let order = times.indices.sorted { times[$0] != times[$1] ? times[$0] < times[$1] : $0 < $1 }
            for position in order {
                let span = spans[position]
                let (message, time) = try Self.parseMessage(lines.line(at: span.offset, length: Int(span.length)), number: 0)
                run.decide(message, at: position, time: time)
            }
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
}
