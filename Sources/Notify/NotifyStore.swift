import Foundation
import Model

/// One notification-log entry: what an integration of a receiver last
/// delivered for a group (Alertmanager's nflogpb.Entry).
struct NotificationLogEntry: Sendable, Equatable {
    var firing: Set<UInt64>
    var resolved: Set<UInt64>
    var timestamp: Date
    var expiresAt: Date
}

/// Persistent state in `notify.sqlite` of the data directory: alerts still in
/// play, silences and the notification log. Writes go through at once, so a
/// restart neither repeats a delivered notification nor forgets a pending alert.
final class NotifyStore {
    private let db: SQLiteDatabase

    init(path: String) throws(NotifyStoreError) {
        db = try SQLiteDatabase(path: path)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS alerts (fingerprint TEXT PRIMARY KEY, labels TEXT NOT NULL, annotations TEXT NOT NULL,
              starts_at REAL NOT NULL, ends_at REAL NOT NULL, generator_url TEXT NOT NULL, updated_at REAL NOT NULL, timeout INTEGER NOT NULL)
            """)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS silences (id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at REAL NOT NULL,
              ends_at REAL NOT NULL, updated_at REAL NOT NULL, created_by TEXT NOT NULL, comment TEXT NOT NULL)
            """)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS nflog (key TEXT PRIMARY KEY, firing TEXT NOT NULL, resolved TEXT NOT NULL,
              timestamp REAL NOT NULL, expires_at REAL NOT NULL)
            """)
    }

    func close() { db.close() }

    // MARK: Alerts

    func saveAlerts(_ alerts: [Alert]) throws(NotifyStoreError) {
        try db.transaction { () throws(NotifyStoreError) in
            for a in alerts {
                try db.execute("INSERT OR REPLACE INTO alerts VALUES (?,?,?,?,?,?,?,?)", [
                    .text(a.fingerprintHex), .text(encode(a.labels)), .text(encode(a.annotations)),
                    .double(a.startsAt.timeIntervalSince1970), .double(a.endsAt.timeIntervalSince1970),
                    .text(a.generatorURL), .double(a.updatedAt.timeIntervalSince1970), .int(a.timeout ? 1 : 0),
                ])
            }
        }
    }

    func deleteAlerts(_ fingerprints: [UInt64]) throws(NotifyStoreError) {
        try db.transaction { () throws(NotifyStoreError) in
            for fp in fingerprints {
                let s = String(fp, radix: 16)
                try db.execute("DELETE FROM alerts WHERE fingerprint = ?", [.text(String(repeating: "0", count: 16 - s.count) + s)])
            }
        }
    }

    func loadAlerts() throws(NotifyStoreError) -> [Alert] {
        try db.query("SELECT labels, annotations, starts_at, ends_at, generator_url, updated_at, timeout FROM alerts").map { r in
            Alert(labels: decode(r[0].string), annotations: decode(r[1].string),
                  startsAt: Date(timeIntervalSince1970: r[2].doubleValue), endsAt: Date(timeIntervalSince1970: r[3].doubleValue),
                  generatorURL: r[4].string, updatedAt: Date(timeIntervalSince1970: r[5].doubleValue), timeout: r[6].intValue != 0)
        }
    }

    // MARK: Silences

    func saveSilences(_ silences: [Silence]) throws(NotifyStoreError) {
        try db.transaction { () throws(NotifyStoreError) in
            for s in silences {
                let matchers = s.matchers.map { ["name": $0.name, "type": $0.type.rawValue, "value": $0.value] }
                let json = (try? JSONSerialization.data(withJSONObject: matchers, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
                try db.execute("INSERT OR REPLACE INTO silences VALUES (?,?,?,?,?,?,?)", [
                    .text(s.id), .text(json), .double(s.startsAt.timeIntervalSince1970), .double(s.endsAt.timeIntervalSince1970),
                    .double(s.updatedAt.timeIntervalSince1970), .text(s.createdBy), .text(s.comment),
                ])
            }
        }
    }

    func deleteSilences(_ ids: [String]) throws(NotifyStoreError) {
        try db.transaction { () throws(NotifyStoreError) in
            for id in ids { try db.execute("DELETE FROM silences WHERE id = ?", [.text(id)]) }
        }
    }

    func loadSilences() throws(NotifyStoreError) -> [Silence] {
        try db.query("SELECT id, matchers, starts_at, ends_at, updated_at, created_by, comment FROM silences").compactMap { r in
            let raw = (try? JSONSerialization.jsonObject(with: Data(r[1].string.utf8))) as? [[String: String]] ?? []
            let matchers = raw.compactMap { m -> Matcher? in
                guard let name = m["name"], let t = m["type"].flatMap(MatchType.init(rawValue:)), let v = m["value"] else { return nil }
                return try? Matcher(t, name, v)
            }
            guard !matchers.isEmpty else { return nil }
            return Silence(id: r[0].string, matchers: matchers, startsAt: Date(timeIntervalSince1970: r[2].doubleValue),
                           endsAt: Date(timeIntervalSince1970: r[3].doubleValue), updatedAt: Date(timeIntervalSince1970: r[4].doubleValue),
                           createdBy: r[5].string, comment: r[6].string)
        }
    }

    // MARK: Notification log

    func saveLogEntry(key: String, _ e: NotificationLogEntry) throws(NotifyStoreError) {
        try db.execute("INSERT OR REPLACE INTO nflog VALUES (?,?,?,?,?)", [
            .text(key), .text(e.firing.sorted().map { String($0) }.joined(separator: ",")),
            .text(e.resolved.sorted().map { String($0) }.joined(separator: ",")),
            .double(e.timestamp.timeIntervalSince1970), .double(e.expiresAt.timeIntervalSince1970),
        ])
    }

    func loadLog() throws(NotifyStoreError) -> [String: NotificationLogEntry] {
        var out: [String: NotificationLogEntry] = [:]
        for r in try db.query("SELECT key, firing, resolved, timestamp, expires_at FROM nflog") {
            func set(_ s: String) -> Set<UInt64> { Set(s.split(separator: ",").compactMap { UInt64($0) }) }
            out[r[0].string] = NotificationLogEntry(firing: set(r[1].string), resolved: set(r[2].string),
                                                    timestamp: Date(timeIntervalSince1970: r[3].doubleValue),
                                                    expiresAt: Date(timeIntervalSince1970: r[4].doubleValue))
        }
        return out
    }

    func deleteExpiredLog(before now: Date) throws(NotifyStoreError) {
        try db.execute("DELETE FROM nflog WHERE expires_at <= ?", [.double(now.timeIntervalSince1970)])
    }

    private func encode(_ d: [String: String]) -> String {
        (try? JSONSerialization.data(withJSONObject: d, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private func decode(_ s: String) -> [String: String] {
        (try? JSONSerialization.jsonObject(with: Data(s.utf8))) as? [String: String] ?? [:]
    }
}
