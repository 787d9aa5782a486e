import CSQLite

/// One SQLite connection. Not thread-safe by itself: the index uses one
/// writer connection behind a lock and a small pool of reader connections,
/// each used by one thread at a time (SQLite's multi-thread mode).
final class SQLiteConnection {
    private(set) var handle: OpaquePointer?
    let path: String
    private var cache: [String: SQLiteStatement] = [:]

    init(path: String, readOnly: Bool = false) throws {
        self.path = path
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        if rc != SQLITE_OK {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            throw TSDBError.index(operation: "open \(path)", code: rc, message: message)
        }
        handle = db
        sqlite3_busy_timeout(db, 10_000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { close() }

    func close() {
        cache.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    func error(_ operation: String, _ rc: Int32) -> TSDBError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed"
        return TSDBError.index(operation: operation, code: rc, message: message)
    }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? "error"
            sqlite3_free(err)
            throw TSDBError.index(operation: sql, code: rc, message: message)
        }
    }

    /// A prepared statement, cached per SQL text and reset for reuse.
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        let s = try SQLiteStatement(connection: self, sql: sql)
        cache[sql] = s
        return s
    }

    /// Runs `body` in a transaction, committing on success and rolling back on error.
    func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            resetStatements()
            try execute("COMMIT")
            return result
        } catch {
            resetStatements()
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Resets every cached statement. A statement left mid-result keeps its
    /// read snapshot open even past COMMIT, so later reads on this
    /// connection would not see newer data.
    func resetStatements() {
        for s in cache.values { s.reset() }
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
}

/// A prepared statement. Bind with 1-based indexes, `step()` until false,
/// read columns with 0-based indexes.
final class SQLiteStatement {
    private var stmt: OpaquePointer?
    unowned let connection: SQLiteConnection
    let sql: String

    init(connection: SQLiteConnection, sql: String) throws {
        self.connection = connection
        self.sql = sql
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        if rc != SQLITE_OK { throw connection.error("prepare \(sql)", rc) }
    }

    deinit { sqlite3_finalize(stmt) }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    @discardableResult
    func bind(_ index: Int32, _ value: Int64) -> Self {
        sqlite3_bind_int64(stmt, index, value)
        return self
    }

    @discardableResult
    func bind(_ index: Int32, _ value: String) -> Self {
        sqlite3_bind_text(stmt, index, value, -1, ember_sqlite_transient())
        return self
    }

    @discardableResult
    func bind(_ index: Int32, _ bytes: [UInt8]) -> Self {
        bytes.withUnsafeBytes { b in
            // A zero-length blob must still be a blob, not NULL.
            _ = sqlite3_bind_blob(stmt, index, b.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(b.count),
                                  ember_sqlite_transient())
        }
        return self
    }

    /// Advances to the next row; false when done. Throws on errors, including corruption.
    func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw connection.error(sql, rc)
    }

    /// Runs a statement that returns no rows.
    func run() throws {
        while try step() {}
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(stmt, column) == SQLITE_NULL }

    func string(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, column) else { return "" }
        let n = Int(sqlite3_column_bytes(stmt, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// The blob of a column; valid only until the next step or reset.
    func blob(_ column: Int32) -> UnsafeRawBufferPointer {
        let p = sqlite3_column_blob(stmt, column)
        let n = Int(sqlite3_column_bytes(stmt, column))
        return UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : n)
    }

    func blobArray(_ column: Int32) -> [UInt8] { Array(blob(column)) }
}
