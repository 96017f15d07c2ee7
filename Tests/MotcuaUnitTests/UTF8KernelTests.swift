// The AVX2 UTF-8 kernel against the scalar reference validator: every block position, every
// error class (overlong, surrogate, > U+10FFFF, bad and missing continuations, stray bytes)
// at every offset around the 32-byte block edges, and random byte soup.
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaAggregate
@testable import MotcuaOutput
@testable import MotcuaPipeline
@testable import MotcuaRun
@testable import MotcuaGenerate

final class UTF8KernelTests: XCTestCase {
    private func agree(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        bytes.withUnsafeBufferPointer { b in
            let p = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
            XCTAssertEqual(isValidUTF8(p, b.count), isValidUTF8Scalar(p, b.count),
                           "bytes \(bytes.map { String($0, radix: 16) })", file: file, line: line)
        }
    }

    /// Sequences that are valid and invalid on their own, spliced at every offset of an ASCII line.
    func testEveryErrorClassAtEveryOffset() {
        let pieces: [[UInt8]] = [
            [0xC3, 0xA1], [0xE1, 0xBB, 0xA7], [0xF0, 0x9F, 0x98, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
            [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],                       // valid edges
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x9F, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF],  // overlong
            [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],   // surrogate, too large
            [0x80], [0xBF], [0xC3], [0xE1, 0xBB], [0xF0, 0x9F, 0x98], [0xC3, 0xC3, 0xA1],  // stray / short
            [0xE1, 0x41, 0xA7], [0xFF], [0xFE], [0xF8, 0x88, 0x80, 0x80, 0x80],
        ]
        for piece in pieces {
            for length in [63, 64, 65, 95, 96, 97, 130] {
                for offset in 0...(length - piece.count) where offset < 40 || offset > length - 40 {
                    var line = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    line.replaceSubrange(offset..<offset + piece.count, with: piece)
                    agree(line)
                }
            }
        }
    }

    func testRandomSoup() {
        var rng = SystemRandomNumberGenerator()
        let specials: [UInt8] = [0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
                                 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xF8, 0xFF, 0x00, 0x7F]
        for round in 0..<40_000 {
            let n = Int.random(in: 0...200, using: &rng)
            let ascii = [9, 6, 3][round % 3]
            let bytes = (0..<n).map { _ in
                Int.random(in: 0..<10, using: &rng) < ascii ? UInt8.random(in: 0x20...0x7E, using: &rng)
                    : specials.randomElement(using: &rng)! }
            agree(bytes)
        }
        // Valid text of random scalars (Vietnamese-like density and worse) must stay valid.
        let scalars: [UInt32] = [0x41, 0x7F, 0x80, 0x1EE7, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF]
        for _ in 0..<5_000 {
            var s = ""
            for _ in 0..<Int.random(in: 0...120, using: &rng) {
                s.unicodeScalars.append(Unicode.Scalar(scalars.randomElement(using: &rng)!)!)
            }
            let bytes = Array(s.utf8)
            agree(bytes)
            bytes.withUnsafeBufferPointer { b in
                if let p = b.baseAddress { XCTAssertTrue(isValidUTF8(p, b.count)) }
            }
        }
    }
}
