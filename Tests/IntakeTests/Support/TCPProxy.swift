import Foundation
import Synchronization

/// A TCP proxy on 127.0.0.1 between a client (the gateway's IMAP poller) and a server (Dovecot), on plain
/// POSIX sockets and threads of its own, that can break a conversation on purpose: cut the connection part
/// way through a `FETCH` response, or hold (never forward) a client command such as `UID STORE`.
///
/// Bounded: every loop wakes at least every 50 ms to see `stop`, at most `maxConnections` are served, and
/// `stop` waits at most 2 s for the threads. Sockets are close-on-exec, so no child process inherits them.
final class TCPProxy: Sendable {
    static let maxConnections = 64

    /// Where clients connect.
    let port: Int
    private let targetPort: Int
    private let listener: Int32
    private let state = Mutex(State())

    private struct State {
        /// Bytes of the next `FETCH (` response to forward before cutting the connection (once).
        var cutFetchAfter: Int?
        /// A client command (such as `UID STORE`) to swallow instead of forwarding, on every connection.
        var holdPattern: String?
        var held = 0
        var cuts = 0
        var connections = 0
        var runningThreads = 0
        var stopped = false
    }

    /// Listens on a free loopback port and forwards every connection to `127.0.0.1:<targetPort>`.
    init(targetPort: Int) throws {
        let socket = try LoopbackSocket(closeOnExec: true)
        guard listen(socket.descriptor, 16) == 0 else {
            close(socket.descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        listener = socket.descriptor
        port = socket.port
        self.targetPort = targetPort
        state.withLock { $0.runningThreads = 1 }
        Thread { self.acceptLoop() }.start()
    }

    /// Cuts the connection after forwarding `bytes` of the next server response holding `FETCH (`.
    func cutNextFetch(after bytes: Int) { state.withLock { $0.cutFetchAfter = bytes } }

    /// Swallows any client command containing `pattern` from now on (nil: forward everything again).
    func hold(_ pattern: String?) { state.withLock { $0.holdPattern = pattern } }

    /// How many commands were held, how many connections were cut, how many were accepted.
    var held: Int { state.withLock { $0.held } }
    var cuts: Int { state.withLock { $0.cuts } }
    var connections: Int { state.withLock { $0.connections } }

    /// Stops accepting and closes every connection; waits (at most 2 s) for the threads to end.
    func stop() {
        state.withLock { $0.stopped = true }
        let deadline = Date().addingTimeInterval(2)
        while state.withLock({ $0.runningThreads }) > 0 && Date() < deadline { usleep(5_000) }
    }

    private var stopped: Bool { state.withLock { $0.stopped } }

    private func acceptLoop() {
        defer {
            close(listener)
            state.withLock { $0.runningThreads -= 1 }
        }
        var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
        while !stopped {
            guard poll(&fds, 1, 50) > 0 else { continue }
            let client = Self.acceptCloseOnExec(listener)
            guard client >= 0 else { continue }
            let admitted = state.withLock { state -> Bool in
                guard state.connections < Self.maxConnections else { return false }
                state.connections += 1
                state.runningThreads += 1
                return true
            }
            guard admitted, let server = Self.connect(to: targetPort) else {
                close(client)
                if admitted { state.withLock { $0.runningThreads -= 1 } }
                continue
            }
            Thread { self.relay(client: client, server: server) }.start()
        }
    }

    /// Forwards both ways until either side closes, the proxy stops, or a cut is due.
    private func relay(client: Int32, server: Int32) {
        defer {
            close(client)
            close(server)
            state.withLock { $0.runningThreads -= 1 }
        }
        var conversation = Conversation()
        var fds = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: server, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !stopped {
            guard poll(&fds, 2, 50) > 0 else { continue }
            if fds[0].revents != 0 {
                let count = recv(client, &buffer, buffer.count, 0)
                guard count > 0 else { return }
                let chunk = Array(buffer[0..<count])
                if !conversation.holding, let pattern = state.withLock({ $0.holdPattern }), conversation.clientSent(chunk, contains: pattern) {
                    conversation.holding = true
                    state.withLock { $0.held += 1 }
                }
                if !conversation.holding { guard Self.send(chunk, to: server) else { return } }
            }
            if fds[1].revents != 0 {
                let count = recv(server, &buffer, buffer.count, 0)
                guard count > 0 else { return }
                let chunk = Array(buffer[0..<count])
                if let forward = cutPoint(of: chunk, in: &conversation) {
                    _ = Self.send(Array(chunk[0..<forward]), to: client)
                    state.withLock { $0.cuts += 1 }
                    return
                }
                guard Self.send(chunk, to: client) else { return }
            }
        }
    }

    /// How much of `chunk` to forward before cutting, or nil to forward it all and go on.
    private func cutPoint(of chunk: [UInt8], in conversation: inout Conversation) -> Int? {
        if conversation.fetchBytesLeft == nil, let budget = state.withLock({ $0.cutFetchAfter }),
           let start = conversation.serverSent(chunk, firstIndexOf: "FETCH (") {
            state.withLock { $0.cutFetchAfter = nil }
            conversation.fetchBytesLeft = budget + start
        }
        guard let left = conversation.fetchBytesLeft else { return nil }
        if chunk.count < left {
            conversation.fetchBytesLeft = left - chunk.count
            return nil
        }
        return left
    }

    /// What one connection has seen: the last bytes each way (a pattern may straddle two reads).
    private struct Conversation {
        var clientTail: [UInt8] = []
        var serverTail: [UInt8] = []
        var holding = false
        var fetchBytesLeft: Int?

        mutating func clientSent(_ chunk: [UInt8], contains pattern: String) -> Bool {
            defer { clientTail = Array((clientTail + chunk).suffix(64)) }
            return Self.index(of: pattern, in: clientTail + chunk) != nil
        }

        /// Where `pattern` starts in `chunk` (0 when it began in the previous read), or nil.
        mutating func serverSent(_ chunk: [UInt8], firstIndexOf pattern: String) -> Int? {
            defer { serverTail = Array((serverTail + chunk).suffix(64)) }
            return Self.index(of: pattern, in: serverTail + chunk).map { max(0, $0 - serverTail.count) }
        }

        static func index(of pattern: String, in bytes: [UInt8]) -> Int? {
            let needle = Array(pattern.utf8)
            guard bytes.count >= needle.count else { return nil }
            return (0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
    }

    /// glibc's `accept4(…, SOCK_CLOEXEC)`, which Swift's Glibc module does not export, looked up by name: the
    /// accepted socket is close-on-exec from its first instant, so a process spawned meanwhile never holds it.
    private static func acceptCloseOnExec(_ listener: Int32) -> Int32 {
        typealias Accept4 = @convention(c) (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "accept4") else { return -1 }
        return unsafeBitCast(symbol, to: Accept4.self)(listener, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
    }

    private static func connect(to port: Int) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    /// Writes all of `bytes` (MSG_NOSIGNAL: a closed peer is an error, never SIGPIPE); false when it failed.
    private static func send(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}
