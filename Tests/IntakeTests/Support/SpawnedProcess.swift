import Foundation
import Synchronization

/// A server process for a test, started with `posix_spawn` rather than Foundation's `Process`:
/// - with an empty signal mask: the test's threads are libdispatch workers, which block SIGTERM, and a child
///   inherits the mask, so it would never see `stop`'s SIGTERM;
/// - with only stdin (/dev/null), stdout and stderr (both appended to `log`): any other descriptor of the test
///   process (the write end of another test's pipe) would stay open in the child and keep that pipe from EOF;
/// - in a process group of its own, so `stop` ends its children too;
/// - reaped by `waitpid` here, so its end never depends on Foundation noticing a SIGCHLD.
final class SpawnedProcess: Sendable {
    let pid: pid_t

    /// Starts `arguments[0]` (an absolute path) with `arguments`, output appended to the file `log`.
    convenience init(_ arguments: [String], log: String) throws {
        try self.init(arguments, stdin: "/dev/null", stdout: log, stderr: nil)
    }

    /// Starts `arguments[0]` with stdin read from the file `stdin`, stdout appended to the file `stdout`, and
    /// stderr to `stderr` (to stdout's file when nil).
    init(_ arguments: [String], stdin: String, stdout: String, stderr: String?) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        // Default dispositions for the signals a test sends.
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let stderr {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        guard Self.closeFrom(3, in: &actions) == 0 else { throw ServerProcessError(message: "cannot ask posix_spawn to close descriptors") }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard result == 0 else { throw ServerProcessError(message: "cannot start \(arguments[0]): error \(result)") }
        self.pid = pid
    }

    /// The exit status once reaped (nil while it runs, or when it ended by a signal or another reaper took it).
    private let exit = Mutex<(reaped: Bool, status: Int32?, signal: Int32?)>((false, nil, nil))

    /// Whether it still runs (reaping it once it exited; another reaper's ECHILD counts as exited).
    var isRunning: Bool { !reap(blocking: false) }

    /// The exit code it ended with; nil while it runs, or when a signal ended it.
    var exitStatus: Int32? { exit.withLock { $0.status } }

    /// The signal that ended it, if one did.
    var terminationSignal: Int32? { exit.withLock { $0.signal } }

    /// Reaps it if it has ended (or waits until it has, when `blocking`); true once it is gone.
    @discardableResult
    private func reap(blocking: Bool) -> Bool {
        exit.withLock { exit in
            guard !exit.reaped else { return true }
            var status: Int32 = 0
            let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            guard result != 0 else { return false }
            exit.reaped = true
            // WIFEXITED / WEXITSTATUS, which Swift does not import as functions.
            if result == pid, status & 0x7f == 0 { exit.status = (status >> 8) & 0xff }
            if result == pid, status & 0x7f != 0 { exit.signal = status & 0x7f }
            return true
        }
    }

    /// SIGKILL to its process group, then reaped: no shutdown code runs, like a power cut.
    func kill() {
        Foundation.kill(-pid, SIGKILL)
        reap(blocking: true)
    }

    /// SIGTERM, at most `grace` for it to exit, then SIGKILL to its whole process group; returns once reaped.
    /// Returns its exit code when it ended by itself within `grace`, nil when it had to be killed.
    @discardableResult
    func stop(grace: Duration = .seconds(2)) -> Int32? {
        Foundation.kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { usleep(5_000) }
        if isRunning {
            kill()
            return nil
        }
        // Its children (Dovecot's) may still run after the leader exited.
        Foundation.kill(-pid, SIGKILL)
        return exitStatus
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does
    /// not export, looked up by name.
    static func closeFrom(_ lowest: Int32, in actions: inout posix_spawn_file_actions_t) -> Int32 {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return -1 }
        return unsafeBitCast(symbol, to: CloseFrom.self)(&actions, lowest)
    }
}

/// What a program run to completion by `SpawnedProcess.run` did.
struct ChildRun: Sendable {
    /// Its exit code; nil when a signal ended it (or it was killed at the deadline).
    var status: Int32?
    /// The signal that ended it, if one did.
    var signal: Int32?
    var stdout: String
    var stderr: String
}

extension SpawnedProcess {
    /// Runs `arguments` to completion, at most `timeout` (then SIGKILL), with `input` on stdin; stdout and
    /// stderr go through temporary files, so neither a full pipe nor Foundation's `Process` (whose descriptor
    /// watcher uses select() and aborts once the test process holds over 1,024 descriptors) is involved.
    static func runBlocking(_ arguments: [String], input: [UInt8] = [], timeout: Duration = .seconds(60)) throws -> ChildRun {
        let directory = try TemporaryDirectory("intake-child")
        defer { directory.remove() }
        let (stdin, stdout, stderr) = (directory.appending("stdin"), directory.appending("stdout"), directory.appending("stderr"))
        try Data(input).write(to: URL(fileURLWithPath: stdin))
        let child = try SpawnedProcess(arguments, stdin: stdin, stdout: stdout, stderr: stderr)
        let deadline = ContinuousClock.now + timeout
        while child.isRunning && ContinuousClock.now < deadline { usleep(2_000) }
        if child.isRunning { child.kill() }
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return ChildRun(status: child.exitStatus, signal: child.terminationSignal, stdout: read(stdout), stderr: read(stderr))
    }

    /// `runBlocking` on a thread of its own: a test waiting for a child must not hold one of the two threads of
    /// Swift's cooperative pool on this machine, or every other test's deadline runs out while it cannot run.
    static func run(_ arguments: [String], input: [UInt8] = [], timeout: Duration = .seconds(60)) async throws -> ChildRun {
        try await offThePool { try runBlocking(arguments, input: input, timeout: timeout) }
    }
}
