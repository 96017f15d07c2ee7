// Inputs saved by the libFuzzer targets (scripts/reliability/fuzz.sh → Fuzz/regressions/)
// replayed through the same checks in `swift test`, so a fixed finding stays fixed.
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

final class FuzzRegressionTests: XCTestCase {
    func regressions(_ target: String) -> [URL] {
        let dir = Harness.projectDir.appendingPathComponent("Fuzz/regressions/\(target)")
        return ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? [])
            .sorted { $0.path < $1.path }
    }

    /// BUG (found by fuzz-gzip; Inflater.swift IsalInflater.inflate + InputReader.inflateStep):
    /// on a damaged deflate stream ISA-L can leave `avail_in` wrapped below zero (as UInt32), so
    /// `consumed` comes out near -2^32 and the reported offset is e.g. -4294967151 for a 143-byte
    /// file (zlib says 131). The offset must lie inside the file, and both inflaters must agree
    /// on whether a file is damaged.
    func testGzipRegressionsReportOffsetsInsideTheFile() throws {
        let files = regressions("gzip")
        if files.isEmpty { throw XCTSkip("no saved gzip regressions") }
        for url in files {
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            var verdicts: [InflaterKind: Bool] = [:]
            for kind in InflaterKind.available {
                do {
                    let r = try InputReader(path: url.path, inflater: kind)
                    var buf = [UInt8](repeating: 0, count: 4096)
                    var total = 0
                    while total < 64 << 20 {
                        let n = try buf.withUnsafeMutableBytes { try r.read(into: $0) }
                        if n == 0 { break }
                        total += n
                    }
                    XCTAssertLessThanOrEqual(r.compressedOffset, size, "\(url.lastPathComponent) \(kind)")
                    verdicts[kind] = true
                } catch let c as CorruptInput {
                    XCTAssertTrue(c.offset >= 0 && c.offset <= size, "\(url.lastPathComponent) \(kind): offset \(c.offset) of a \(size)-byte file")
                    verdicts[kind] = false
                }
            }
            XCTAssertEqual(Set(verdicts.values).count, 1, "\(url.lastPathComponent): inflaters disagree \(verdicts)")
        }
    }
}
