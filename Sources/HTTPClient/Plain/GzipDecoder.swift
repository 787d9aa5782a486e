import CZlib

/// Decodes a gzip (or zlib) content-coded body with zlib, bounded by a limit
/// on the decoded size so that a small compressed body cannot expand without end.
enum GzipDecoder {
    enum Failure: Error, Equatable {
        case tooLarge
        case corrupt(String)
    }

    static func decode(_ compressed: [UInt8], limit: Int?) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard ember_inflate_init_auto(&stream) == Z_OK else { throw .corrupt("zlib could not start a decoder") }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(4096, min(compressed.count * 4, limit.map { $0 + 1 } ?? .max)))
        var produced = 0
        let status: Int32 = compressed.withUnsafeBytes { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                if produced == output.count {
                    if let limit, produced > limit { return Z_BUF_ERROR }
                    output.append(contentsOf: repeatElement(0, count: output.count))
                }
                let status = output.withUnsafeMutableBytes { out -> Int32 in
                    stream.next_out = out.bindMemory(to: Bytef.self).baseAddress! + produced
                    stream.avail_out = uInt(out.count - produced)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    produced = out.count - Int(stream.avail_out)
                    return status
                }
                if status == Z_STREAM_END { return status }
                if status != Z_OK && status != Z_BUF_ERROR { return status }
                // No progress with input left and room to write: the stream ends early.
                if status == Z_BUF_ERROR && produced < output.count { return Z_DATA_ERROR }
            }
        }
        if let limit, produced > limit { throw .tooLarge }
        guard status == Z_STREAM_END else {
            if status == Z_BUF_ERROR { throw .tooLarge }
            let message = stream.msg.map { String(cString: $0) } ?? "incomplete or corrupt gzip data"
            throw .corrupt(message)
        }
        output.removeLast(output.count - produced)
        return output
    }
}
