// Gzip and plain input reading against the public vectors in Tests/Corpora/gzip and corrupt
// vectors made from them (SPEC §2.1): every member read, damage reported with its offset.
import Foundation
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaAggregate
@testable import MotcuaOutput
@testable import MotcuaPipeline
@testable import MotcuaRun
@testable import MotcuaGenerate

final class InputReaderTests: XCTestCase {
    let gzipDir = Harness.corpora.appendingPathComponent("gzip")

    /// All decompressed bytes, read through a small buffer to cross refill boundaries.
    /// Every test runs with each inflater built in.
    var kind = InflaterKind.zlib

    func eachInflater(_ body: () throws -> Void) rethrows {
        for k in InflaterKind.available {
            kind = k
            try body()
        }
    }

    func inflate(_ path: String, bufferSize: Int = 777) throws -> [UInt8] {
        let r = try InputReader(path: path, inflater: kind)
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
        try eachInflater {
            for (gz, txt) in [("wuffs-romeo.txt.gz", "wuffs-romeo.txt"), ("wuffs-pi.txt.gz", "wuffs-pi.txt"),
                              ("wuffs-midsummer.txt.gz", "wuffs-midsummer.txt"), ("flate2-multi.gz", "flate2-multi.txt"),
                              ("htslib-bgziptest.txt.gz", "htslib-bgziptest.txt")] {
                let want = [UInt8](try Data(contentsOf: gzipDir.appendingPathComponent(txt)))
                for size in [1, 4096, 1 << 20] {
                    XCTAssertEqual(try inflate(gzipDir.appendingPathComponent(gz).path, bufferSize: size), want, "\(gz) buffer \(size) \(kind)")
                }
            }
        }
    }

    func testMultiMemberCounts() throws {
        try eachInflater {
            let r = try InputReader(path: gzipDir.appendingPathComponent("htslib-bgziptest.txt.gz").path, inflater: kind)
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while try buf.withUnsafeMutableBytes({ try r.read(into: $0) }) > 0 {}
            XCTAssertTrue(r.isGzip)
            XCTAssertEqual(r.membersCompleted, 6)
            let concat = try inflate(gzipDir.appendingPathComponent("duckdb-concat.gz").path)
            XCTAssertEqual(concat.split(separator: 0x0A).count, 14 + 1, "header + 14 rows")
            let bgzf = try inflate(gzipDir.appendingPathComponent("duckdb-bgzf.gz").path)
            XCTAssertEqual(bgzf.split(separator: 0x0A).count, 7 + 1)
        }
    }

    func testTruncationsAreErrors() throws {
        try eachInflater {
            let full = [UInt8](try Data(contentsOf: gzipDir.appendingPathComponent("wuffs-pi.txt.gz")))
            for k in [2, 9, 10, 100, 24000, 48335, 48342] {
                let path = try write(Array(full.prefix(k)))
                XCTAssertThrowsError(try inflate(path), "head -c \(k) \(kind)") { e in
                    guard let c = e as? CorruptInput else { return XCTFail("\(e)") }
                    XCTAssertEqual(c.offset, k, "truncation is detected at the file's end")
                }
            }
            // One byte 0x1f is not gzip magic: plain text.
            XCTAssertEqual(try inflate(try write([0x1f])), [0x1f])
        }
    }

    func testTrailerDamageGarbageAndPadding() throws {
        try eachInflater {
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
    }

    func testPlainAndEmptyFiles() throws {
        try eachInflater {
            XCTAssertEqual(try inflate(try write([])), [])
            let r = try InputReader(path: try write(Array("abc\n".utf8)))
            XCTAssertFalse(r.isGzip)
            XCTAssertThrowsError(try InputReader(path: "/nonexistent/file.gz")) { XCTAssertTrue($0 is InputOpenError) }
        }
    }
}

final class InflaterDifferentialTests: XCTestCase {
    /// zlib and ISA-L agree on every mutation of real gzip files: both fail, or both give the
    /// same bytes (a seeded run of truncations, byte flips and appended bytes).
    func testInflatersAgreeOnMutatedInputs() throws {
        guard InflaterKind.available.contains(.isal) else { throw XCTSkip("built without ISA-L") }
        let dir = Harness.corpora.appendingPathComponent("gzip")
        let seeds = [[UInt8](try Data(contentsOf: dir.appendingPathComponent("wuffs-romeo.txt.gz"))),
                     [UInt8](try Data(contentsOf: dir.appendingPathComponent("htslib-bgziptest.txt.gz"))),
                     [UInt8](try Data(contentsOf: dir.appendingPathComponent("flate2-multi.gz")))]
        let url = try Harness.scratch("mut").appendingPathComponent("m.gz")
        var rng = SplitMix(seed: 42)
        func run(_ kind: InflaterKind) -> Result<[UInt8], CorruptInput> {
            do {
                let r = try InputReader(path: url.path, inflater: kind)
                var out: [UInt8] = []
                var buf = [UInt8](repeating: 0, count: 1 + Int(rng.next() % 5000))
                while true {
                    let n = try buf.withUnsafeMutableBytes { try r.read(into: $0) }
                    if n == 0 { return .success(out) }
                    out += buf[0..<n]
                }
            } catch let e as CorruptInput { return .failure(e) } catch { return .failure(CorruptInput(offset: -1, reason: "\(error)")) }
        }
        var failures = 0
        for i in 0..<400 {
            var bytes = seeds[i % seeds.count]
            switch rng.next() % 4 {
            case 0: bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
            case 1: bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1 << (rng.next() % 8))
            case 2: bytes += [UInt8](repeating: UInt8(rng.next() % 2 == 0 ? 0 : 0x41), count: 1 + Int(rng.next() % 9))
            default: bytes += seeds[Int(rng.next() % UInt64(seeds.count))]
            }
            try Data(bytes).write(to: url)
            switch (run(.zlib), run(.isal)) {
            case (.success(let a), .success(let b)): XCTAssertEqual(a, b, "mutation \(i)")
            case (.failure, .failure): failures += 1
            case (let a, let b): XCTFail("mutation \(i): zlib \(a) vs isal \(b)")
            }
        }
        XCTAssertGreaterThan(failures, 50, "the mutations do break files")
    }
}

final class SalvageReadTests: XCTestCase {
    /// Bytes handed out before the damage is reported, with a small output buffer.
    func readUntilDamage(_ path: String, _ kind: InflaterKind) throws -> ([UInt8], CorruptInput?) {
        let r = try InputReader(path: path, inflater: kind)
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 64)
        do {
            while true {
                let n = try buf.withUnsafeMutableBytes { try r.read(into: $0) }
                if n == 0 { return (out, nil) }
                out += buf[0..<n]
            }
        } catch let e as CorruptInput { return (out, e) }
    }

    /// SPEC §3.5 salvage: everything inflated before the damage is detected is handed out —
    /// a whole member before its bad CRC, all of a member whose trailer is cut — by both inflaters.
    func testDamageComesAfterTheBytesInflatedBeforeIt() throws {
        let dir = Harness.corpora.appendingPathComponent("gzip")
        let gz = [UInt8](try Data(contentsOf: dir.appendingPathComponent("wuffs-romeo.txt.gz")))
        let text = [UInt8](try Data(contentsOf: dir.appendingPathComponent("wuffs-romeo.txt")))
        let url = try Harness.scratch("salv").appendingPathComponent("f.gz")
        var crc = gz
        crc[crc.count - 6] ^= 0xFF
        for (bytes, what) in [(crc, "bad CRC"), (Array(gz.dropLast(3)), "cut trailer"), (gz + Array(crc), "second member bad")] {
            try Data(bytes).write(to: url)
            for kind in InflaterKind.available {
                let (out, damage) = try readUntilDamage(url.path, kind)
                XCTAssertNotNil(damage, "\(what) \(kind)")
                XCTAssertEqual(out, what == "second member bad" ? text + text : text, "\(what) \(kind)")
            }
        }
    }
}
