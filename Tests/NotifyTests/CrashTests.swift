import Foundation
import Testing
@testable import Notify

/// SIGKILL the notifier (a real child process on a real store, delivering to a real
/// loopback receiver) at the two dangerous moments and restart it on the same state:
/// nothing is lost, and the only duplicate is the one Alertmanager's at-least-once
/// delivery allows (sent, but killed before the notification log recorded it).
@Suite(.serialized) struct CrashTests {
    /// One delivery per group interval would show up quickly if the log were not kept.
    static func config(url: String, groupWait: String) -> String {
        """
        route:
          receiver: hook
          group_by: [alertname]
          group_wait: \(groupWait)
          group_interval: 1s
          repeat_interval: 1h
        receivers:
        - name: hook
          webhook_configs: [{url: '\(url)'}]
        """
    }

    /// A data directory, a configuration file for `server`, and room for the children's output.
    struct Setup {
        let directory: URL
        let data: String
        let configFile: String

        init(server: PythonServer, groupWait: String) throws {
            directory = try Fixtures.tempDir()
            data = directory.appendingPathComponent("data").path
            configFile = directory.appendingPathComponent("notify.yml").path
            try CrashTests.config(url: server.url, groupWait: groupWait).write(toFile: configFile, atomically: false, encoding: .utf8)
        }

        func start(ingest: Bool) throws -> NotifyChild {
            try NotifyChild(dataDirectory: data, configFile: configFile, ingest: ingest, logDirectory: directory)
        }

        var storePath: String { data + "/notify.sqlite" }
    }

    /// The alertnames of the notifications the receiver accepted, in order.
    static func delivered(_ server: PythonServer) -> [String] {
        server.deliveredBodies.compactMap { ($0["groupLabels"] as? [String: String])?["alertname"] }
    }

    @Test(.timeLimit(.minutes(2)))
    func killDuringGroupWaitLosesNothing() async throws {
        let server = try PythonServer(script: "receiver.py")
        // A long group_wait, so the kill lands inside it even when this test process is slow.
        let setup = try Setup(server: server, groupWait: "10s")
        defer { try? FileManager.default.removeItem(at: setup.directory) }

        let first = try setup.start(ingest: true)
        #expect(await first.line(startingWith: "ready") == "ready alerts=0 silences=0", "\(first.stderr)")
        try #require(await first.line(startingWith: "ingested") != nil, "child did not ingest: \(first.stderr)")
        try await Task.sleep(for: .milliseconds(500))  // the child's run loop is going
        #expect(await first.killHard(), "the child must die of SIGKILL")
        #expect(server.records("all.jsonl").isEmpty, "killed before group_wait ended: nothing was sent yet")

        let second = try setup.start(ingest: false)
        #expect(await second.line(startingWith: "ready") == "ready alerts=2 silences=1", "alerts and silence survive")
        #expect(await waitFor(30) { !Self.delivered(server).isEmpty }, "the pending notification is sent after the restart")
        try await Task.sleep(for: .seconds(3))  // three more group intervals
        #expect(Self.delivered(server) == ["Crash"], "exactly once, and the silenced alert never")
        #expect(await second.killHard())
    }

    @Test(.timeLimit(.minutes(2)))
    func killBetweenSendAndLogRepeatsAtMostOnce() async throws {
        let server = try PythonServer(script: "receiver.py")
        let setup = try Setup(server: server, groupWait: "2s")
        defer { try? FileManager.default.removeItem(at: setup.directory) }

        let first = try setup.start(ingest: true)
        try #require(await first.line(startingWith: "ingested") != nil, "child did not ingest: \(first.stderr)")
        // Hold the store's write lock: the delivery goes out, then the notification-log
        // write waits for the lock (SQLite's busy timeout is 5 s), and the kill lands there.
        let lock = try SQLiteDatabase(path: setup.storePath)
        try lock.execute("BEGIN IMMEDIATE")
        #expect(await waitFor(20) { Self.delivered(server).count == 1 }, "the first child delivers: \(first.stderr)")
        try await Task.sleep(for: .seconds(1))  // its response arrives; the log write is now waiting
        #expect(await first.killHard(), "the child must die of SIGKILL")
        try lock.execute("ROLLBACK")
        lock.close()
        let store = try NotifyStore(path: setup.storePath)
        #expect(try store.loadLog().isEmpty, "the kill landed after the send and before the log write")
        #expect(try store.loadSilences().count == 1)
        store.close()

        // Not logged, so sent again: the one duplicate at-least-once delivery allows.
        let second = try setup.start(ingest: false)
        #expect(await second.line(startingWith: "ready") == "ready alerts=2 silences=1")
        #expect(await waitFor(20) { Self.delivered(server).count == 2 }, "resent after the restart")
        try await Task.sleep(for: .seconds(3))  // three more group intervals
        #expect(Self.delivered(server) == ["Crash", "Crash"])
        #expect(await second.killHard())

        // This time the log was written: a third start stays quiet until repeat_interval.
        let third = try setup.start(ingest: false)
        #expect(await third.line(startingWith: "ready") == "ready alerts=2 silences=1")
        try await Task.sleep(for: .seconds(4))  // group_wait of the old alert is over; three group intervals
        #expect(Self.delivered(server) == ["Crash", "Crash"], "no delivery outside the at-least-once window")
        #expect(await third.killHard())
    }

    /// The failing receiver of a live process: each failure is logged with the receiver, the
    /// status and the start of the response body; after recovery the notification arrives once.
    @Test(.timeLimit(.minutes(2)))
    func failuresAreLoggedThenDeliveredOnce() async throws {
        let server = try PythonServer(script: "receiver.py")
        try server.setMode("500")
        let setup = try Setup(server: server, groupWait: "1s")
        defer { try? FileManager.default.removeItem(at: setup.directory) }

        let child = try setup.start(ingest: true)
        let logged = await waitFor(20) { child.stderr.contains("notification failed") }
        #expect(logged, "stderr: \(child.stderr)")
        let line = child.stderr.split(separator: "\n").first { $0.contains("notification failed") }.map(String.init) ?? ""
        #expect(line.contains("receiver=hook"), "\(line)")
        #expect(line.contains("status=500"), "\(line)")
        #expect(line.contains("internal error"), "the response body excerpt: \(line)")
        #expect(line.contains("integration=webhook[0]"), "\(line)")
        #expect(server.deliveredBodies.isEmpty)

        try server.setMode("ok")
        #expect(await waitFor(20) { !Self.delivered(server).isEmpty }, "delivered after the receiver recovers")
        try await Task.sleep(for: .seconds(3))
        #expect(Self.delivered(server) == ["Crash"], "exactly once")
        #expect(await child.killHard())
    }
}
