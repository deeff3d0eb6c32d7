import EmailAdapter
import Foundation
import IntakeModel
import Testing

/// CPython's own email test messages (`test/test_email/data/msg_*.txt` of the system `/usr/bin/python3`'s test
/// package; Debian's `libpython3.X-testsuite`, which `make test` installs) through the real `intake ingest-email`
/// and through the parser, compared with what Python's `email` package (`policy.default`) reads from them.
///
/// What "agree" means, for a message that became a complaint (see ``CPythonCorpus/agreement``):
/// - subject: both decoded (RFC 2047) and unfolded, then compared after collapsing every run of blanks (space,
///   tab: Python keeps the folding whitespace, a tab included, where we may keep it too) into one space and
///   trimming the ends; an empty subject is the same as none (our complaint has no title then);
/// - sender: the first `From` mailbox's address, compared without regard to case (the reporter's address is stored
///   in lower case);
/// - display name: only where both have one, blank runs collapsed as for the subject.
@Suite("CPythonEmailCorpusTests")
struct CPythonEmailCorpusTests {
    @Test("every CPython test_email message goes through ingest-email without a crash, and the stored complaint shows what the parser read")
    func everyMessageThroughIngestEmail() async throws {
        let corpus = try CPythonCorpus.load()
        try await RunningGateway.with(channels: EmailIngestTests.channels) { gateway in
            let directory = try TemporaryDirectory("intake-cpython-email")
            defer { directory.remove() }
            let config = try IntakeBinary.writeConfig(in: directory, extraChannels: EmailIngestTests.yaml, port: gateway.port)
            let runs = try await CPythonCorpus.ingestAll(corpus.files, config: config)
            var codes: [Int32: [String]] = [:]
            for (file, run) in runs.sorted(by: { $0.key < $1.key }) {
                #expect(run.signal == nil, "\(file) was killed by signal \(run.signal ?? 0); stderr: \(run.stderr)")
                // 0 stored, duplicate or ignored; 65 not a usable message (kept in quarantine). Nothing else is
                // expected of a file read from disk with the server up: 75 or 70 would be a bug here.
                #expect(run.status == 0 || run.status == 65, "\(file) exited \(run.status); stderr: \(run.stderr)")
                codes[run.status, default: []].append(file)
                try await checkStored(file, run: run, corpus: corpus, gateway: gateway)
            }
            print("CPython test_email corpus, ingest-email exit codes:", codes.mapValues(\.count))
            let refused = codes[65] ?? []
            #expect(refused.count * 4 < runs.count, "most messages are accepted; refused: \(refused)")
            #expect(Set(refused) == CPythonCorpus.expectedRefusals(corpus), "exit 65 exactly for the messages the parser refuses")
        }
    }

    /// For a message that made (or joined) a complaint: the stored complaint holds the parser's title and reporter,
    /// unless it was merged into an earlier one (its own title is then not the complaint's).
    private func checkStored(_ file: String, run: CPythonCorpus.Run, corpus: CPythonCorpus, gateway: RunningGateway) async throws {
        guard run.status == 0, case .complaint(let parsed)? = corpus.outcomes[file] else { return }
        let line = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let number = try #require(line.split(separator: " ").first.map(String.init), "\(file): no tracking number printed")
        guard !line.hasSuffix(" duplicate") else { return }
        let stored = try await gateway.get("/api/v1/complaints/\(number)").json
        #expect(stored["title"] as? String == parsed.title, "\(file): stored title")
        let reporter = stored["reporter"] as? [String: Any]
        #expect(reporter?["address"] as? String == parsed.reporter.address, "\(file): stored reporter address")
        #expect(reporter?["name"] as? String == parsed.reporter.name, "\(file): stored reporter name")
    }

    @Test("the decoded subject and sender of every complaint agree with Python's email package")
    func subjectAndSenderAgreeWithPython() throws {
        let corpus = try CPythonCorpus.load()
        var compared = 0
        for file in corpus.files.map(\.lastPathComponent).sorted() {
            let python = try #require(corpus.python[file], "\(file): python_headers.py printed nothing for it")
            // Refused (65) only when there is no sender to answer: a mail Python reads a From mailbox in is a
            // complaint or deliberately ignored (a bounce, an auto-reply), never bytes we cannot read.
            #expect(corpus.outcomes[file] != nil || python.fromAddresses.isEmpty, "\(file) is refused, but Python reads From \(python.fromAddresses)")
            guard case .complaint(let message)? = corpus.outcomes[file] else { continue }
            let differences = CPythonCorpus.agreement(message, python)
            if let reason = CPythonCorpus.knownDisagreements[file] {
                #expect(!differences.isEmpty, "\(file) is allow-listed (\(reason)) but now agrees: drop it from the list")
                continue
            }
            #expect(differences.isEmpty, "\(file) disagrees with Python: \(differences)")
            compared += 1
        }
        #expect(compared >= 25, "most of the corpus becomes complaints to compare: \(compared)")
    }
}

/// The corpus, Python's reading of it, and our parser's.
struct CPythonCorpus {
    var directory: URL
    var files: [URL]
    /// What `scripts/email/python_headers.py` printed, by file name.
    var python: [String: PythonView]
    /// What `EmailParser.message(raw:channel:)` made of each file, by file name; absent when it threw.
    var outcomes: [String: EmailOutcome]

    /// Python's reading of one message.
    struct PythonView: Decodable {
        var subject: String?
        var fromAddresses: [String]
        var fromDisplay: String?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case subject, error
            case fromAddresses = "from_addresses"
            case fromDisplay = "from_display"
        }
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// Disagreements that are Python's leniency, not our error, by file name with the reason. Empty: every
    /// complaint agrees.
    static let knownDisagreements: [String: String] = [:]

    static let python = "/usr/bin/python3"

    /// Finds the data directory through `/usr/bin/python3`'s own `test` package, parses every `msg_*.txt` both ways.
    static func load() throws -> CPythonCorpus {
        let located = try run(python, ["-c", "import os, test.test_email as t; print(os.path.join(os.path.dirname(t.__file__), 'data'))"])
        guard located.status == 0 else {
            let package = (try? run(python, ["-c", "import sys; print(f'libpython3.{sys.version_info.minor}-testsuite')"]).output) ?? "libpython3.X-testsuite"
            throw Missing(description: """
                CPython's email test data is not installed (\(located.errors.trimmingCharacters(in: .whitespacesAndNewlines))): \
                run `make test`, or `apt-get install \(package.trimmingCharacters(in: .whitespacesAndNewlines))`
                """)
        }
        let directory = URL(fileURLWithPath: located.output.trimmingCharacters(in: .whitespacesAndNewlines))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("msg_") && $0.hasSuffix(".txt") }.sorted()
        guard names.count >= 40 else { throw Missing(description: "\(directory.path) holds only \(names.count) msg_*.txt files") }
        let files = names.map { directory.appendingPathComponent($0) }
        let script = ProviderSigning.root.appendingPathComponent("scripts/email/python_headers.py").path
        let printed = try run(python, [script] + files.map(\.path))
        guard printed.status == 0 else { throw Missing(description: "python_headers.py failed: \(printed.errors)") }
        let views = try JSONDecoder().decode([String: PythonView].self, from: Data(printed.output.utf8))
        var outcomes: [String: EmailOutcome] = [:]
        for file in files {
            outcomes[file.lastPathComponent] = try? EmailParser.message(raw: Array(Data(contentsOf: file)), channel: EmailIngestTests.channels[0])
        }
        return CPythonCorpus(directory: directory, files: files, python: views, outcomes: outcomes)
    }

    /// The files `ingest-email` must refuse with 65: those the parser throws on.
    static func expectedRefusals(_ corpus: CPythonCorpus) -> Set<String> {
        Set(corpus.files.map(\.lastPathComponent).filter { corpus.outcomes[$0] == nil })
    }

    /// How `message` (our complaint) differs from Python's reading; empty when they agree.
    static func agreement(_ message: InboundMessage, _ python: PythonView) -> [String] {
        var differences: [String] = []
        let ours = blanksCollapsed(message.title), theirs = blanksCollapsed(python.subject)
        if ours != theirs { differences.append("subject: ours \(ours.debugDescription), Python's \(theirs.debugDescription)") }
        if let address = python.fromAddresses.first {
            if address.lowercased() != message.reporter.address {
                differences.append("sender: ours \(message.reporter.address), Python's \(address)")
            }
        } else {
            differences.append("sender: ours \(message.reporter.address), Python found no From mailbox")
        }
        if let ourName = blanksCollapsed(message.reporter.name), let theirName = blanksCollapsed(python.fromDisplay), ourName != theirName {
            differences.append("display name: ours \(ourName.debugDescription), Python's \(theirName.debugDescription)")
        }
        return differences
    }

    /// Runs of spaces and tabs as one space, ends trimmed; nil for nil or blank.
    static func blanksCollapsed(_ text: String?) -> String? {
        guard let text else { return nil }
        let collapsed = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).joined(separator: " ")
        return collapsed.isEmpty ? nil : collapsed
    }

    /// How one `intake ingest-email` child process ended.
    struct Run: Sendable {
        /// The signal that ended the child, nil when it exited.
        var signal: Int32?
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `intake ingest-email` for every file, four at a time.
    static func ingestAll(_ files: [URL], config: String) async throws -> [String: Run] {
        try await withThrowingTaskGroup(of: (String, Run).self) { group in
            var runs: [String: Run] = [:]
            var pending = files[...]
            func startNext() {
                guard let file = pending.popFirst() else { return }
                group.addTask {
                    (file.lastPathComponent, try await offThePool {
                        try ingest(file.path, config: config)
                    })
                }
            }
            for _ in 0..<4 { startNext() }
            while let (name, run) = try await group.next() {
                runs[name] = run
                startNext()
            }
            return runs
        }
    }

    private static func ingest(_ path: String, config: String) throws -> Run {
        // --timeout bounds the child's wait for the server, so a hang fails the test instead of stalling it.
        let run = try SpawnedProcess.runBlocking([IntakeBinary.path, "ingest-email", "--config", config, "--channel", "mail", "--timeout", "20", path])
        return Run(signal: run.signal, status: run.status ?? -1, stdout: run.stdout, stderr: run.stderr)
    }

    /// Runs `executable` with `arguments` to completion; its stdout and stderr.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let run = try SpawnedProcess.runBlocking([executable] + arguments)
        return (run.status ?? -1, run.stdout, run.stderr)
    }
}
