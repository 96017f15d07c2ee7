// Gzip and plain input reading against the public vectors in ../shared/data/gzip and corrupt
// vectors made from them (SPEC §2.1): every member read, damage reported with its offset.
import Foundation
import XCTest
@testable import MotcuaCore

final class InputReaderTests: XCTestCase {
    let gzipDir = Harness.sharedData.appendingPathComponent("gzip")

    /// All decompressed bytes, read through a small buffer to cross refill boundaries.
    func inflate(_ path: String, bufferSize: Int = 777) throws -> [UInt8] {
        let r = try InputReader(path: path)
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: bufferSize)
        while true {
            let n = try buf.withUnsafeMutableBytes { try r.read(into: $0) }
            if n == 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    func write(_ bytes: [UInt8]) throws -> String {
        let url = try Harness.scratch("gz").appendingPathComponent("f.gz")
        try Data(bytes).write(to: url)
        return url.path
    }

    func testVectorsDecompressToTheirPlainFiles() throws {
        for (gz, txt) in [("wuffs-romeo.txt.gz", "wuffs-romeo.txt"), ("wuffs-pi.txt.gz", "wuffs-pi.txt"),
                          ("wuffs-midsummer.txt.gz", "wuffs-midsummer.txt"), ("flate2-multi.gz", "flate2-multi.txt"),
                          ("htslib-bgziptest.txt.gz", "htslib-bgziptest.txt")] {
            let want = [UInt8](try Data(contentsOf: gzipDir.appendingPathComponent(txt)))
            for size in [1, 4096, 1 << 20] {
                XCTAssertEqual(try inflate(gzipDir.appendingPathComponent(gz).path, bufferSize: size), want, "\(gz) buffer \(size)")
            }
        }
    }

    func testMultiMemberCounts() throws {
        let r = try InputReader(path: gzipDir.appendingPathComponent("htslib-bgziptest.txt.gz").path)
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while try buf.withUnsafeMutableBytes({ try r.read(into: $0) }) > 0 {}
        XCTAssertTrue(r.isGzip)
        XCTAssertEqual(r.membersCompleted, 6)
        let concat = try inflate(gzipDir.appendingPathComponent("duckdb-concat.gz").path)
        XCTAssertEqual(concat.split(separator: 0x0A).count, 14 + 1, "header + 14 rows")
        let bgzf = try inflate(gzipDir.appendingPathComponent("duckdb-bgzf.gz").path)
        XCTAssertEqual(bgzf.split(separator: 0x0A).count, 7 + 1)
    }

    func testTruncationsAreErrors() throws {
        let full = [UInt8](try Data(contentsOf: gzipDir.appendingPathComponent("wuffs-pi.txt.gz")))
        for k in [2, 9, 10, 100, 24000, 48335, 48342] {
            let path = try write(Array(full.prefix(k)))
            XCTAssertThrowsError(try inflate(path), "head -c \(k)") { e in
                guard let c = e as? CorruptInput else { return XCTFail("\(e)") }
                XCTAssertEqual(c.offset, k, "truncation is detected at the file's end")
            }
        }
        // One byte 0x1f is not gzip magic: plain text.
        XCTAssertEqual(try inflate(try write([0x1f])), [0x1f])
    }

    func testTrailerDamageGarbageAndPadding() throws {
        let full = [UInt8](try Data(contentsOf: gzipDir.appendingPathComponent("wuffs-romeo.txt.gz")))
        let want = [UInt8](try Data(contentsOf: gzipDir.appendingPathComponent("wuffs-romeo.txt")))
        var crc = full
        crc[crc.count - 6] ^= 0xFF
        XCTAssertThrowsError(try inflate(try write(crc))) { XCTAssertTrue(($0 as? CorruptInput)?.reason.contains("check") ?? false, "\($0)") }
        var len = full
        len[len.count - 2] ^= 0x01
        XCTAssertThrowsError(try inflate(try write(len)))
        XCTAssertThrowsError(try inflate(try write(full + Array("junk".utf8)))) {
            XCTAssertEqual(($0 as? CorruptInput)?.offset, full.count)
        }
        XCTAssertThrowsError(try inflate(try write(full + [0, 0, 0x41])))
        XCTAssertEqual(try inflate(try write(full + [UInt8](repeating: 0, count: 5000))), want, "zero padding is allowed")
        XCTAssertEqual(try inflate(try write(full + full)), want + want, "concatenated members")
    }

    func testPlainAndEmptyFiles() throws {
        XCTAssertEqual(try inflate(try write([])), [])
        let r = try InputReader(path: try write(Array("abc\n".utf8)))
        XCTAssertFalse(r.isGzip)
        XCTAssertThrowsError(try InputReader(path: "/nonexistent/file.gz")) { XCTAssertTrue($0 is InputOpenError) }
    }
}
