import CSQLite
import Foundation

/// A failed SQLite call, with SQLite's message.
public struct NotifyStoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { "notify state: \(message)" }
}

/// A minimal SQLite connection. Owned by one actor, never shared across threads.
final class SQLiteDatabase {
    private var db: OpaquePointer?

    init(path: String) throws(NotifyStoreError) {
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let msg = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw NotifyStoreError(message: "cannot open \(path): \(msg)")
        }
        db = handle
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=NORMAL")
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit { close() }

    func close() {
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    /// A value bound to or read from a statement.
    enum Value: Equatable {
        case text(String)
        case double(Double)
        case int(Int64)
        case null

        var string: String { if case .text(let s) = self { return s }; return "" }
        var doubleValue: Double {
            switch self {
            case .double(let d): return d
            case .int(let i): return Double(i)
            default: return 0
            }
        }
        var intValue: Int64 {
            switch self {
            case .int(let i): return i
            case .double(let d): return Int64(d)
            default: return 0
            }
        }
    }

    func execute(_ sql: String, _ params: [Value] = []) throws(NotifyStoreError) {
        _ = try query(sql, params)
    }

    @discardableResult
    func query(_ sql: String, _ params: [Value] = []) throws(NotifyStoreError) -> [[Value]] {
        guard let db else { throw NotifyStoreError(message: "database is closed") }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw NotifyStoreError(message: "\(String(cString: sqlite3_errmsg(db))) in \(sql)")
        }
        defer { sqlite3_finalize(stmt) }
        for (i, p) in params.enumerated() {
            let index = Int32(i + 1)
            switch p {
            case .text(let s): sqlite3_bind_text(stmt, index, s, -1, ember_sqlite_transient())
            case .double(let d): sqlite3_bind_double(stmt, index, d)
            case .int(let v): sqlite3_bind_int64(stmt, index, v)
            case .null: sqlite3_bind_null(stmt, index)
            }
        }
        var rows: [[Value]] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw NotifyStoreError(message: "\(String(cString: sqlite3_errmsg(db))) in \(sql)") }
            var row: [Value] = []
            for c in 0..<sqlite3_column_count(stmt) {
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_INTEGER: row.append(.int(sqlite3_column_int64(stmt, c)))
                case SQLITE_FLOAT: row.append(.double(sqlite3_column_double(stmt, c)))
                case SQLITE_NULL: row.append(.null)
                default: row.append(.text(sqlite3_column_text(stmt, c).map { String(cString: $0) } ?? ""))
                }
            }
            rows.append(row)
        }
        return rows
    }

    func transaction(_ body: () throws(NotifyStoreError) -> Void) throws(NotifyStoreError) {
        try execute("BEGIN IMMEDIATE")
        do {
            try body()
            try execute("COMMIT")
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}
