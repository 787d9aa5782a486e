#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin throwing wrappers over the POSIX calls the store needs. Plain file
/// descriptors, no Foundation: the WAL and chunk writers control exactly
/// which bytes reach the kernel and when they are synced.
enum FileIO {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        if fd < 0 { throw TSDBError.io(path: path, operation: "open", errno: errno) }
        return fd
    }

    /// Writes all of `bytes`, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw TSDBError.io(path: path, operation: "write", errno: errno)
            }
            done += n
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    /// Reads up to `count` bytes at `offset`; fewer only at end of file.
    static func read(_ fd: Int32, count: Int, at offset: Int, path: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        try out.withUnsafeMutableBytes { buf in
            while done < count {
                let n = pread(fd, buf.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TSDBError.io(path: path, operation: "read", errno: errno)
                }
                if n == 0 { break }
                done += n
            }
        }
        if done < count { out.removeLast(count - done) }
        return out
    }

    static func readWholeFile(_ path: String) throws -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        return try read(fd, count: try size(fd, path: path), at: 0, path: path)
    }

    static func sync(_ fd: Int32, path: String) throws {
        if fdatasync(fd) != 0 { throw TSDBError.io(path: path, operation: "fdatasync", errno: errno) }
    }

    /// Makes renames, creations and unlinks in `directory` durable.
    static func syncDirectory(_ directory: String) {
        let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func size(_ fd: Int32, path: String) throws -> Int {
        var st = stat()
        if fstat(fd, &st) != 0 { throw TSDBError.io(path: path, operation: "fstat", errno: errno) }
        return Int(st.st_size)
    }

    /// Size of the file at `path`, or nil when it does not exist.
    static func size(of path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    static func truncate(_ fd: Int32, to length: Int, path: String) throws {
        if ftruncate(fd, off_t(length)) != 0 { throw TSDBError.io(path: path, operation: "truncate", errno: errno) }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw TSDBError.io(path: path, operation: "mkdir", errno: errno)
        }
    }

    static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw TSDBError.io(path: path, operation: "unlink", errno: errno) }
    }

    static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw TSDBError.io(path: from, operation: "rename to \(to)", errno: errno) }
    }

    /// Names in `directory` (without "." and ".."), unsorted.
    static func list(_ directory: String) throws -> [String] {
        guard let dir = opendir(directory) else {
            throw TSDBError.io(path: directory, operation: "opendir", errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Files in `directory` whose whole name is a decimal number, sorted by it.
    static func numberedFiles(_ directory: String) throws -> [(number: Int, path: String)] {
        try list(directory).compactMap { name -> (Int, String)? in
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(name) else { return nil }
            return (n, directory + "/" + name)
        }.sorted { $0.0 < $1.0 }
    }
}

/// A read-only shared mapping of a file's first `length` bytes, unmapped
/// when the last reference goes away. Chunk iterators hold it as their
/// owner, so a segment deleted by retention stays readable to queries
/// already running.
final class FileMapping: @unchecked Sendable {
    let base: UnsafeRawPointer?
    let length: Int

    init(path: String, length: Int) throws {
        self.length = length
        guard length > 0 else {
            base = nil
            return
        }
        let fd = try FileIO.open(path, O_RDONLY)
        defer { close(fd) }
        let p = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0)
        if p == MAP_FAILED { throw TSDBError.io(path: path, operation: "mmap", errno: errno) }
        base = UnsafeRawPointer(p)
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: length) }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), length) }
    }
}
