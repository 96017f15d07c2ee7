// Rejects past the in-memory bound are spilled to disk and merged back in input order:
// rejects.ndjson must not change by a byte (MOTCUA_REJECTS_IN_MEMORY lowers the bound).
import Foundation
import XCTest
import MotcuaTestSupport

final class RejectSpillTests: XCTestCase {
    func testSpilledRejectsGiveTheSameFile() throws {
        let src = Harness.fixturesDir.appendingPathComponent("cases/rejects")
        var outputs: [Data] = []
        for (bound, threads) in [("", 1), ("0", 1), ("1", 3), ("7", 2)] {
            let dir = try Harness.copyToScratch(src)
            defer { try? FileManager.default.removeItem(at: dir) }
            let env = bound.isEmpty ? [:] : ["MOTCUA_REJECTS_IN_MEMORY": bound]
            let r = try Harness.run(["run", "pipeline.yaml", "--quiet", "--out", "out", "--threads", "\(threads)", "--chunk-bytes", "97"],
                                    in: dir, environment: env)
            XCTAssertEqual(r.status, 0, r.stderr)
            outputs.append(try Data(contentsOf: dir.appendingPathComponent("out/rejects.ndjson")))
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path)
            XCTAssertFalse(left.contains { $0.contains("motcua-tmp") }, "spill files removed: \(left)")
        }
        XCTAssertGreaterThan(outputs[0].count, 1000)
        for o in outputs.dropFirst() { XCTAssertEqual(o, outputs[0]) }
    }
}
