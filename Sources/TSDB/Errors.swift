/// Errors of the TSDB that are not per-sample append rejections
/// (those are `Storage.AppendError`).
public enum TSDBError: Error, CustomStringConvertible, Sendable {
    /// A system call on `path` failed with `errno`.
    case io(path: String, operation: String, errno: Int32)
    /// Another process (or another `TSDB` in this one) holds the directory.
    case directoryLocked(path: String, holder: String)
    /// The SQLite index reported an error.
    case index(operation: String, code: Int32, message: String)
    /// A file's content is not what its format requires.
    case corrupt(path: String, offset: Int, reason: String)
    /// The database was closed.
    case closed
    /// An appender (or bulk appender) was used after its commit or rollback.
    case appenderFinished
    /// An option value is unusable.
    case invalidOption(String)

    public var description: String {
        switch self {
        case let .io(path, operation, err):
            return "\(operation) \(path): \(errnoDescription(err))"
        case let .directoryLocked(path, holder):
            return "data directory \(path) is in use by another process (\(holder)); "
                + "only one Ember may open a data directory at a time"
        case let .index(operation, code, message):
            return "index: \(operation): \(message) (sqlite code \(code))"
        case let .corrupt(path, offset, reason):
            return "\(path): corrupt at byte \(offset): \(reason)"
        case .closed:
            return "the TSDB is closed"
        case .appenderFinished:
            return "the appender was already committed or rolled back; take a new one"
        case .invalidOption(let why):
            return "invalid TSDB option: \(why)"
        }
    }
}

func errnoDescription(_ err: Int32) -> String {
    guard let s = strerror(err) else { return "errno \(err)" }
    return String(cString: s)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
