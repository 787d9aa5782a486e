import Testing
import TestSupport
@testable import Scraper

@Suite("Line scanner byte search")
struct LineScannerSearchTests {
    static let structural: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "}")]

    /// The byte-at-a-time answer the word-at-a-time search must match.
    static func naive(_ bytes: [UInt8], from start: Int, end: Int) -> Int {
        var i = start
        while i < end, !structural.contains(bytes[i]) { i += 1 }
        return i
    }

    @Test("finds the first quote, backslash or brace like a byte loop, at every offset", arguments: 0..<200)
    func matchesByteLoop(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        // Mostly label-like bytes, with structural bytes, their neighbours
        // (borrow traps: 0x21, 0x5b, 0x7c, 0x7e) and high bytes mixed in.
        let alphabet: [UInt8] = Array("abcxyz_09=,{ ".utf8) + [0x21, 0x5b, 0x5d, 0x7c, 0x7e, 0x80, 0xa2, 0xdc, 0xfd, 0x00, 0x01]
        let length = Int.random(in: 0...70, using: &rng)
        var bytes = (0..<length).map { _ in alphabet.randomElement(using: &rng)! }
        for _ in 0..<Int.random(in: 0...3, using: &rng) where length > 0 {
            bytes[Int.random(in: 0..<length, using: &rng)] = Self.structural.randomElement(using: &rng)!
        }
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
            for end in [length, max(0, length - 1), length / 2] {
                let scanner = LineScanner(p: base, lineStart: 0, end: end, lineNumber: 1, openMetrics: false, rejectReservedLabelNames: false)
                for start in 0...end {
                    #expect(scanner.nextQuoteBackslashOrBrace(from: start) == Self.naive(bytes, from: start, end: end),
                            "bytes \(bytes) start \(start) end \(end)")
                }
            }
        }
    }

    @Test("a start past the end answers the end")
    func startPastEnd() {
        let bytes = Array("ab\"c".utf8)
        bytes.withUnsafeBufferPointer { buffer in
            let scanner = LineScanner(p: buffer.baseAddress!, lineStart: 0, end: 4, lineNumber: 1, openMetrics: false, rejectReservedLabelNames: false)
            #expect(scanner.nextQuoteBackslashOrBrace(from: 6) == 6)
            #expect(scanner.nextQuoteBackslashOrBrace(from: 3) == 4)
        }
    }
}
