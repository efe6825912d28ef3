// A thin, trap-free layer over the SQLite C API: a connection, prepared statements and
// errors that name what failed. Connections are not shared between threads without a
// lock held by the caller (they are opened with SQLITE_OPEN_NOMUTEX).
import CSQLite
import Engage

/// SQLite's "copy the bytes now" destructor (the C macro SQLITE_TRANSIENT, a function
/// pointer whose value is -1). `unsafeBitCast` checks only that the sizes match — an
/// `Int` and a C function pointer are both one word — so it cannot trap.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String

    init(path: String, readOnly: Bool = false) throws(StateStoreError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw StateStoreError(.io, "\(path): cannot open: \(message)")
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    func error(_ what: String, _ rc: Int32) -> StateStoreError {
        let message = String(cString: sqlite3_errmsg(handle))
        let code: StateStoreError.Code = (rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED ? .unavailable : .io
        return StateStoreError(code, "\(path): \(what): \(message) (SQLite \(rc & 0xFF))")
    }

    /// Runs statements that return no rows.
    func exec(_ sql: String) throws(StateStoreError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(sql.prefix(60).description, rc) }
    }

    func prepare(_ sql: String) throws(StateStoreError) -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error("prepare \(sql.prefix(60))", rc) }
        return SQLiteStatement(stmt, connection: self)
    }

    /// The single integer a query like `PRAGMA user_version` returns.
    func integer(_ sql: String) throws(StateStoreError) -> Int64 {
        let s = try prepare(sql)
        guard try s.step() else { throw StateStoreError(.io, "\(path): \(sql): no row") }
        return s.int64(0)
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }
}

final class SQLiteStatement {
    let stmt: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ stmt: OpaquePointer, connection: SQLiteConnection) {
        self.stmt = stmt
        self.connection = connection
    }

    deinit { sqlite3_finalize(stmt) }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    func bind(_ index: Int32, _ text: String) throws(StateStoreError) {
        let rc = sqlite3_bind_text(stmt, index, text, -1, transient)
        guard rc == SQLITE_OK else { throw connection.error("bind", rc) }
    }

    func bind(_ index: Int32, _ value: Int64) throws(StateStoreError) {
        let rc = sqlite3_bind_int64(stmt, index, value)
        guard rc == SQLITE_OK else { throw connection.error("bind", rc) }
    }

    func bind(_ index: Int32, _ bytes: [UInt8]) throws(StateStoreError) {
        let rc = bytes.withUnsafeBytes { b in
            sqlite3_bind_blob(stmt, index, b.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(clamping: b.count), transient)
        }
        guard rc == SQLITE_OK else { throw connection.error("bind", rc) }
    }

    /// Steps once: true when a row is ready, false when done.
    func step() throws(StateStoreError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw connection.error("step", rc)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }

    func text(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, column) else { return "" }
        let n = Int(sqlite3_column_bytes(stmt, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    func blob(_ column: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, column))
        guard n > 0, let p = sqlite3_column_blob(stmt, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
