// The child process of NotifyTests' crash tests. It runs the real Notifier on
// the system clock with its state in `<data dir>/notify.sqlite` and the
// configuration file given, so the test can SIGKILL it at a chosen moment
// (during group_wait, or while the notification-log write after a delivery is
// held up by a lock on the store) and start it again on the same directory.
//
// usage: NotifyCrashChild <data dir> <config file> [ingest] [lifetime seconds]
//
// Prints on stdout, one line each:
//   ready alerts=<n> silences=<n>   after the store is opened (what was restored)
//   ingested                        after `ingest` created the silence and took the alerts
// "ingest" adds a one-hour silence for alertname="Muted" and two firing alerts,
// alertname="Crash" and alertname="Muted". Logs go to stderr. The child exits by
// itself after its lifetime (default 120 s), so a lost child never lingers.
import Foundation
import Logging
import Notify

/// One unbuffered write per line: once it returns, the parent can read the line.
func say(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

let args = CommandLine.arguments
guard args.count >= 3 else { fail("usage: NotifyCrashChild <data dir> <config file> [ingest] [lifetime seconds]") }
let ingest = args.dropFirst(3).contains("ingest")
let lifetime = args.dropFirst(3).compactMap(Double.init).first ?? 120

var logger = Logger(label: "ember.notify") { StreamLogHandler.standardError(label: $0) }
logger.logLevel = .info

/// The silence and alerts of the "ingest" command, starting now.
func ingestAlerts(into notifier: Notifier) async throws {
    let now = Date()
    let silence = Silence(matchers: try AlertmanagerMatchers.parse(#"alertname="Muted""#), startsAt: now,
                          endsAt: now.addingTimeInterval(3600), createdBy: "crash-test", comment: "survives restarts")
    _ = try await notifier.setSilence(silence)
    let alerts = ["Crash", "Muted"].map { name in
        PostableAlert(labels: ["alertname": name, "instance": "db1:9100"], annotations: ["summary": "\(name) test alert"],
                      startsAt: now, endsAt: now.addingTimeInterval(3600))
    }
    await notifier.receive(alerts)
}

do {
    let config = try NotifyConfig.load(file: args[2])
    let notifier = try Notifier(config: config, dataDirectory: args[1], externalURL: "http://ember.test:9093",
                                sendTimeout: .seconds(2), logger: logger)
    let restoredAlerts = await notifier.alertViews().count
    let restoredSilences = await notifier.silences().count
    say("ready alerts=\(restoredAlerts) silences=\(restoredSilences)")
    if ingest {
        try await ingestAlerts(into: notifier)
        say("ingested")
    }
    let runner = Task { await notifier.run() }
    try await Task.sleep(for: .seconds(lifetime))
    runner.cancel()
    await runner.value
    await notifier.close()
} catch {
    fail("error: \(error)")
}
