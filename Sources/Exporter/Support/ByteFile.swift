#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read failed: which path and the errno text.
public struct FileReadError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let code: Int32
    public var description: String { "\(path): \(String(cString: strerror(code)))" }
    public var notFound: Bool { code == ENOENT || code == ENOTDIR }
}

/// Reads small kernel files into byte buffers.
///
/// /proc and /sys files report a size of 0, so they are read until EOF rather than
/// by stat size; `limit` guards against a huge or endless file.
enum ByteFile {
    static func load(_ path: String, limit: Int = 16 << 20) throws(FileReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FileReadError(path: path, code: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var failure: Int32 = 0
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32768) { chunk in
            while out.count < limit {
                let n = read(fd, chunk.baseAddress!, min(chunk.count, limit - out.count))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { return }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[..<n]))
            }
        }
        if failure != 0 { throw FileReadError(path: path, code: failure) }
        return out
    }

    /// The file's contents, or nil when it does not exist.
    static func loadIfPresent(_ path: String, limit: Int = 16 << 20) throws(FileReadError) -> [UInt8]? {
        let result = Result { () throws(FileReadError) -> [UInt8] in try load(path, limit: limit) }
        switch result {
        case .success(let bytes): return bytes
        case .failure(let e): if e.notFound { return nil } else { throw e }
        }
    }

    /// The file's contents as a string with trailing whitespace removed, or nil when
    /// it cannot be read (sysfs attributes that a device does not implement).
    static func readTrimmedString(_ path: String) -> String? {
        guard let bytes = try? load(path, limit: 1 << 20) else { return nil }
        var end = bytes.count
        while end > 0, isSpace(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// A small file (a sysfs attribute) relative to an open directory, with trailing
    /// whitespace removed; nil when it cannot be read. Reads into a stack buffer and
    /// resolves one path component, which is what makes reading dozens of attributes
    /// per device cheap.
    static func readAttribute(directory: Int32, _ name: String) -> String? {
        let fd = openat(directory, name, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer -> String? in
            var count = 0
            while count < buffer.count {
                let n = read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n < 0 {
                    if errno == EINTR { continue }
                    return nil
                }
                if n == 0 { break }
                count += n
            }
            while count > 0, isSpace(buffer[count - 1]) { count -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }

    /// Names in a directory, without `.` and `..`; nil when it cannot be opened.
    static func listDirectory(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                let bytes = raw.bindMemory(to: UInt8.self)
                let len = bytes.firstIndex(of: 0) ?? bytes.count
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<len]), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        return names
    }

    /// The target of a symbolic link, or nil.
    static func readLink(_ path: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { readlink(path, $0, p.count) }
        }
        if n < 0 { return nil }
        return String(decoding: buffer[..<n], as: UTF8.self)
    }
}

@inline(__always) func isSpace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C
}

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
