import Foundation
import IntakeModel
import Testing

/// The `intake` binary as an operator or an MTA runs it: exit codes and messages.
@Suite("CLITests")
struct CLITests {
    struct IngestCase: Sendable, CustomStringConvertible {
        var description: String
        var channel: String
        var input: String
        var status: Int32
        var stderrMentions: String?
    }

    static let ingestCases: [IngestCase] = [
        IngestCase(description: "valid message is stored", channel: "generic",
                   input: #"{"id":"mta-1","from":"warga@example.co.id","text":"Sampah menumpuk di Jl. Kaliurang."}"#, status: 0),
        IngestCase(description: "malformed message bounces (EX_DATAERR)", channel: "generic",
                   input: #"{"id":"mta-2","text":"tanpa pengirim"}"#, status: 65, stderrMentions: "from"),
        IngestCase(description: "not JSON bounces (EX_DATAERR)", channel: "generic",
                   input: "From: warga@example.co.id\n\nhalo", status: 65, stderrMentions: "JSON"),
        IngestCase(description: "unknown channel (EX_NOUSER)", channel: "mailbox-x",
                   input: #"{"id":"mta-3","from":"warga@example.co.id","text":"x"}"#, status: 67, stderrMentions: "mailbox-x"),
    ]

    @Test(arguments: ingestCases)
    func ingestAnswersWithAnExitCodeAnMTAUnderstands(_ ingest: IngestCase) throws {
        let directory = try TemporaryDirectory("intake-cli")
        defer { directory.remove() }
        let config = try IntakeBinary.writeConfig(in: directory)
        let result = try IntakeBinary.run(["ingest", "--config", config, "--channel", ingest.channel], input: Array(ingest.input.utf8))
        #expect(result.status == ingest.status, "stderr: \(result.stderr)")
        if let mention = ingest.stderrMentions {
            #expect(result.stderr.contains(mention))
        }
        if ingest.status == 0 {
            let number = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(TrackingNumber(parsing: number) != nil, "stdout should be the tracking number, was \(number)")
            let listed = try IntakeBinary.run(["complaints", "list", "--config", config])
            #expect(listed.stdout.contains(number))
            #expect(!result.stderr.contains("warga@example.co.id"), "logs must not carry full email addresses")
        }
    }

    @Test func ingestingTheSameMessageTwiceGivesTheSameNumber() throws {
        let directory = try TemporaryDirectory("intake-cli")
        defer { directory.remove() }
        let config = try IntakeBinary.writeConfig(in: directory)
        let message = Array(#"{"id":"mta-9","from":"081298765432","text":"Pungli di kantor kelurahan."}"#.utf8)
        let first = try IntakeBinary.run(["ingest", "--config", config, "--channel", "generic"], input: message)
        let second = try IntakeBinary.run(["ingest", "--config", config, "--channel", "generic"], input: message)
        #expect(first.status == 0 && second.status == 0)
        #expect(second.stdout.hasSuffix(" duplicate\n"))
        #expect(second.stdout.hasPrefix(first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let count = try IntakeBinary.run(["complaints", "list", "--config", config, "--count"])
        #expect(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }

    @Test func checkConfigNamesTheKeyPathAndLineOfEachMistake() throws {
        let directory = try TemporaryDirectory("intake-cli")
        defer { directory.remove() }
        let path = directory.appending("broken.yaml")
        try """
            server:
              port: eighty
            channels:
              - id: sms
                type: generic
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try IntakeBinary.run(["check-config", path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("broken.yaml:2: server.port"))
        #expect(result.stderr.contains("channels[0].secret"))

        let good = try IntakeBinary.writeConfig(in: directory)
        let ok = try IntakeBinary.run(["check-config", good])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("generic [generic]"))
        #expect(!ok.stdout.contains(RunningGateway.secret), "secrets are never printed")
    }

    @Test func replayOfAHealthyJournalChangesNothing() throws {
        let directory = try TemporaryDirectory("intake-cli")
        defer { directory.remove() }
        let config = try IntakeBinary.writeConfig(in: directory)
        let message = Array(#"{"id":"r-1","from":"081298765432","text":"Jembatan putus di Kec. Imogiri."}"#.utf8)
        _ = try IntakeBinary.run(["ingest", "--config", config, "--channel", "generic"], input: message)
        let replay = try IntakeBinary.run(["replay", "--config", config, "--all"])
        #expect(replay.status == 0, "stderr: \(replay.stderr)")
        #expect(replay.stdout.contains("replayed 1 entries: 0 recovered, 0 failed"))
        let count = try IntakeBinary.run(["complaints", "list", "--config", config, "--count"])
        #expect(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }

    @Test func unreadableFileExitsWithNoInput() throws {
        let directory = try TemporaryDirectory("intake-cli")
        defer { directory.remove() }
        let config = try IntakeBinary.writeConfig(in: directory)
        let result = try IntakeBinary.run(["ingest", "--config", config, "--channel", "generic", "--file", directory.appending("missing.json")])
        #expect(result.status == 66)
        #expect(result.stderr.contains("missing.json"))
    }

    @Test func countCountsEveryMatchWhateverTheLimit() throws {
        let directory = try TemporaryDirectory("intake-cli")
        defer { directory.remove() }
        let config = try IntakeBinary.writeConfig(in: directory)
        for index in 0..<3 {
            let message = Array(#"{"id":"c-\#(index)","from":"08129876543\#(index)","text":"Laporan \#(index)"}"#.utf8)
            #expect(try IntakeBinary.run(["ingest", "--config", config, "--channel", "generic"], input: message).status == 0)
        }
        let count = try IntakeBinary.run(["complaints", "list", "--config", config, "--count", "--limit", "1"])
        #expect(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        let listed = try IntakeBinary.run(["complaints", "list", "--config", config, "--limit", "2"])
        #expect(listed.stdout.split(separator: "\n").count == 2)
    }
}
