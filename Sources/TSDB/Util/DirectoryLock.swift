#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `lock` file of a data directory, held with an exclusive `flock` for
/// as long as the database is open. flock locks belong to the open file
/// description, so a second open in the same process is refused too, and
/// the kernel releases the lock when the process dies, even by SIGKILL.
final class DirectoryLock {
    private var fd: Int32
    let path: String

    init(directory: String) throws {
        path = directory + "/lock"
        fd = try FileIO.open(path, O_RDWR | O_CREAT)
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            let holder = Self.holderDescription(fd: fd, path: path)
            close(fd)
            if err == EWOULDBLOCK {
                throw TSDBError.directoryLocked(path: directory, holder: holder)
            }
            throw TSDBError.io(path: path, operation: "flock", errno: err)
        }
        // The pid is informational (for the error message of the next opener).
        let pid = Array("pid \(getpid())\n".utf8)
        try FileIO.truncate(fd, to: 0, path: path)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    private static func holderDescription(fd: Int32, path: String) -> String {
        let text = (try? FileIO.read(fd, count: 64, at: 0, path: path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let trimmed = text.split(separator: "\n").first.map(String.init) ?? ""
        return trimmed.isEmpty ? "lock file \(path) is held" : "lock file \(path) is held by \(trimmed)"
    }

    func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
