import Foundation
import Testing

/// A real Dovecot IMAP server for one test: started as root without systemd (`dovecot -F -c <temp>/dovecot.conf`)
/// on 127.0.0.1 at a free port, `ssl = no` (or, given `TLSFiles`, `ssl = yes` with STARTTLS on that port and TLS from
/// the first byte on `tlsPort`), one passwd-file user whose Maildir, and Dovecot's own run,
/// state and log files, live in a temp dir removed at `stop`.
final class DovecotServer: Sendable {
    static let binary = "/usr/sbin/dovecot"
    static let user = "pelapor"
    static let password = "rahasia-imap-3b9f"

    let directory: TemporaryDirectory
    /// The IMAP port (STARTTLS offered when started with TLS files).
    let port: Int
    /// The `imaps` port (TLS from the first byte) when started with TLS files, nil otherwise.
    let tlsPort: Int?
    /// Dovecot's master process (`SpawnedProcess`: a clean signal mask, no inherited descriptors, reaped here).
    private let master: SpawnedProcess
    /// The user's Maildir; for Maildir the INBOX is its root.
    var maildir: String { directory.appending("mail/\(Self.user)") }
    /// Dovecot refuses uid 0 for mail processes: they run as `nobody`, which owns the Maildir.
    private let owner: (uid: uid_t, gid: gid_t)

    /// The certificate (PEM, leaf first) and key Dovecot serves with `ssl = yes`; `byServerName` serves another
    /// pair to a client that names that host in SNI (`local_name`).
    struct TLSFiles {
        let certificate: String
        let key: String
        var byServerName: [String: (certificate: String, key: String)] = [:]
    }

    private init(directory: TemporaryDirectory, port: Int, tlsPort: Int?, master: SpawnedProcess, owner: (uid: uid_t, gid: gid_t)) {
        self.directory = directory
        self.port = port
        self.tlsPort = tlsPort
        self.master = master
        self.owner = owner
    }

    /// Starts Dovecot and returns once its ports accept connections (at most 15 seconds); with `tls`, Dovecot
    /// serves that certificate on an `imaps` port and offers STARTTLS on the IMAP port.
    /// Waits off Swift's cooperative pool: a test starting Dovecot must not hold one of its two threads.
    static func start(tls: TLSFiles? = nil) async throws -> DovecotServer {
        try await offThePool { try startBlocking(tls: tls) }
    }

    static func startBlocking(tls: TLSFiles? = nil) throws -> DovecotServer {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw DovecotError("\(binary) is missing: install dovecot-imapd (make test does)")
        }
        guard let nobody = getpwnam("nobody") else { throw DovecotError("no user nobody") }
        let owner = (uid: nobody.pointee.pw_uid, gid: nobody.pointee.pw_gid)
        let directory = try TemporaryDirectory("intake-dovecot")
        // Dovecot's login processes run as dovenull and must traverse the directory.
        chmod(directory.path, 0o755)
        // Closed again at once (both held open first, so they differ); Dovecot binds them next.
        let free = try LoopbackSocket(), freeTLS = try LoopbackSocket()
        let port = free.port, tlsPort = tls == nil ? nil : freeTLS.port
        close(free.descriptor)
        close(freeTLS.descriptor)
        try config(directory: directory, port: port, tls: tls.map { ($0, freeTLS.port) }).write(toFile: directory.appending("dovecot.conf"), atomically: true, encoding: .utf8)
        try "\(user):{PLAIN}\(password)\n".write(toFile: directory.appending("passwd"), atomically: true, encoding: .utf8)
        let maildir = directory.appending("mail/\(user)")
        for folder in ["", "/new", "/cur", "/tmp"] {
            try FileManager.default.createDirectory(atPath: maildir + folder, withIntermediateDirectories: true)
        }
        for path in [directory.appending("mail"), maildir, maildir + "/new", maildir + "/cur", maildir + "/tmp"] {
            chown(path, owner.uid, owner.gid)
        }
        let master = try SpawnedProcess([binary, "-F", "-c", directory.appending("dovecot.conf")], log: directory.appending("dovecot.out"))
        let server = DovecotServer(directory: directory, port: port, tlsPort: tlsPort, master: master, owner: owner)
        do {
            try server.waitForPort(port)
            if let tlsPort { try server.waitForPort(tlsPort) }
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    private static func config(directory: TemporaryDirectory, port: Int, tls: (files: TLSFiles, port: Int)?) -> String {
        let named = tls?.files.byServerName.map { "local_name \($0.key) {\nssl_cert = <\($0.value.certificate)\nssl_key = <\($0.value.key)\n}" }
        let ssl = tls.map { ["ssl = yes\nssl_cert = <\($0.files.certificate)\nssl_key = <\($0.files.key)"] + (named ?? []) }?.joined(separator: "\n") ?? "ssl = no"
        return """
        protocols = imap
        listen = 127.0.0.1
        base_dir = \(directory.appending("run"))
        state_dir = \(directory.appending("state"))
        log_path = \(directory.appending("dovecot.log"))
        \(ssl)
        disable_plaintext_auth = no
        auth_mechanisms = plain login
        mail_location = maildir:\(directory.appending("mail"))/%u
        passdb {
          driver = passwd-file
          args = scheme=PLAIN username_format=%u \(directory.appending("passwd"))
        }
        userdb {
          driver = static
          args = uid=nobody gid=nogroup home=\(directory.appending("mail"))/%u
        }
        service imap-login {
          inet_listener imap {
            address = 127.0.0.1
            port = \(port)
          }
          inet_listener imaps {
            address = 127.0.0.1
            port = \(tls?.port ?? 0)
          }
        }

        """
    }

    /// Connects until `port` accepts, for at most 15 seconds.
    private func waitForPort(_ port: Int) throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            guard isRunning else { throw DovecotError("dovecot exited: \(log)") }
            if Self.accepts(port) { return }
            usleep(20_000)
        }
        throw DovecotError("dovecot did not listen on \(port) within 15 s: \(log)")
    }

    private static func accepts(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Dovecot's log, for failure messages.
    var log: String { (try? String(contentsOfFile: directory.appending("dovecot.log"), encoding: .utf8)) ?? "" }

    /// Drops a message into the Maildir's `new/` as an MTA would (written in `tmp/`, then renamed).
    func deliver(_ raw: String) throws {
        try deliver(bytes: Data(raw.utf8))
    }

    /// Drops `bytes` (a message, or anything else) into the Maildir's `new/`.
    func deliver(bytes: Data) throws {
        let name = "\(Date().timeIntervalSince1970).\(UUID().uuidString).intake-test"
        let temporary = maildir + "/tmp/" + name
        try bytes.write(to: URL(fileURLWithPath: temporary))
        chown(temporary, owner.uid, owner.gid)
        guard rename(temporary, maildir + "/new/" + name) == 0 else { throw DovecotError("rename failed: errno \(errno)") }
    }

    /// A simple message from `from` with `subject`, `body` and `messageID`.
    func deliver(messageID: String, from: String = "Budi Santoso <budi@example.id>", subject: String, body: String) throws {
        try deliver("""
            From: \(from)\r
            To: pengaduan@example.go.id\r
            Subject: \(subject)\r
            Message-ID: <\(messageID)>\r
            Date: Fri, 4 Dec 2026 09:00:00 +0700\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            \(body)\r

            """)
    }

    /// How many messages carry `\Seen` (Maildir flag `S` after `:2,` in `cur/`).
    var seenCount: Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: maildir + "/cur")) ?? []
        return names.filter { $0.components(separatedBy: ":2,").last.map { $0.contains("S") } == true && $0.contains(":2,") }.count
    }

    /// Creates the mailbox `name` (a Maildir++ folder `.name` beside the INBOX).
    func createMailbox(_ name: String) throws {
        let folder = maildir + "/." + name
        for sub in ["", "/new", "/cur", "/tmp"] {
            try FileManager.default.createDirectory(atPath: folder + sub, withIntermediateDirectories: true)
            chown(folder + sub, owner.uid, owner.gid)
        }
    }

    /// How many messages the mailbox `name` (or the INBOX for nil) holds.
    func messageCount(in name: String? = nil) -> Int {
        let folder = name.map { maildir + "/." + $0 } ?? maildir
        return ["/new", "/cur"].reduce(0) { $0 + ((try? FileManager.default.contentsOfDirectory(atPath: folder + $1))?.count ?? 0) }
    }

    /// Makes the INBOX's UIDs start over with a new UIDVALIDITY, as recreating the mailbox does: Dovecot's
    /// UID list and indexes go, the messages stay (Dovecot must not be reading the mailbox meanwhile).
    func resetUIDValidity() throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: maildir)
        where name == "dovecot-uidlist" || name.hasPrefix("dovecot.index") {
            try FileManager.default.removeItem(atPath: maildir + "/" + name)
        }
    }

    /// Whether the master process still runs.
    private var isRunning: Bool { master.isRunning }

    /// SIGTERM, a bounded wait (2 s) for Dovecot to exit, then SIGKILL to its whole process group (its
    /// children too); removes the files.
    func stop() {
        master.stop()
        directory.remove()
    }
}

/// Why the Dovecot test server could not start.
struct DovecotError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
