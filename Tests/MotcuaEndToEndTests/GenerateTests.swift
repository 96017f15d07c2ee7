// `motcua generate` (SPEC §7.1): same seed → same bytes (whatever the thread count), another
// seed → other exports, and what it writes — both formats — runs through `motcua run`.
import Foundation
import XCTest
import MotcuaTestSupport

final class GenerateTests: XCTestCase {
    let small = ["--units", "12", "--days", "9", "--dossiers-per-day", "40", "--start", "2024-03-10"]

    /// Every file under `dir`, by relative path.
    func files(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: dir.path)!
        while let rel = e.nextObject() as? String {
            var isDir: ObjCBool = false
            let url = dir.appendingPathComponent(rel)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue {
                out[rel] = try Data(contentsOf: url)
            }
        }
        return out
    }

    func generate(_ extra: [String], into dir: URL) throws {
        let r = try Harness.run(["generate", "--out", dir.path, "--quiet"] + small + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testSameSeedGivesTheSameBytes() throws {
        let a = try Harness.scratch("gen-a"), b = try Harness.scratch("gen-b")
        defer { for d in [a, b] { try? FileManager.default.removeItem(at: d) } }
        try generate(["--seed", "7", "--threads", "1"], into: a)
        try generate(["--seed", "7", "--threads", "3"], into: b)
        let fa = try files(a), fb = try files(b)
        XCTAssertEqual(fa.keys.sorted(), fb.keys.sorted())
        XCTAssertEqual(fa.count, 2 + 9, "two catalogs and one export per day")
        for (name, data) in fa { XCTAssertEqual(data, fb[name], "\(name) differs between two runs with seed 7") }
        // gzip with a fixed header: magic, deflate, no flags, mtime 0
        let gz = [UInt8](fa["exports/hoso-2024-03-12.ndjson.gz"]!)
        XCTAssertEqual(Array(gz.prefix(8)), [0x1F, 0x8B, 8, 0, 0, 0, 0, 0])
    }

    func testAnotherSeedGivesOtherExports() throws {
        let a = try Harness.scratch("gen-a"), b = try Harness.scratch("gen-b")
        defer { for d in [a, b] { try? FileManager.default.removeItem(at: d) } }
        try generate(["--seed", "1"], into: a)
        try generate(["--seed", "2"], into: b)
        let fa = try files(a), fb = try files(b)
        XCTAssertEqual(fa.keys.sorted(), fb.keys.sorted())
        let exports = fa.keys.filter { $0.hasPrefix("exports/") }
        XCTAssertEqual(exports.count, 9)
        for name in exports { XCTAssertNotEqual(fa[name], fb[name], "\(name) is the same for seeds 1 and 2") }
        XCTAssertNotEqual(fa["catalogs/units.csv"], fb["catalogs/units.csv"], "unit names come from the seed")
    }

    /// The generated exports and catalogs run through `motcua run` (exit 0) in both formats.
    func testGeneratedSetRuns() throws {
        for format in ["dvcqg-ndjson", "csv"] {
            let dir = try Harness.scratch("gen-run")
            defer { try? FileManager.default.removeItem(at: dir) }
            try generate(["--format", format], into: dir)
            let ext = format == "csv" ? "csv" : "ndjson"
            let yaml = """
            version: 1
            name: generated
            inputs:
              - format: \(format)
                paths: ["exports/*.\(ext).gz"]
            catalogs: { units: catalogs/units.csv, procedures: catalogs/procedures.csv }
            periods: { kind: month, from: 2024-03-01, to: 2024-03-31 }
            breakdown: [sector]
            outputs: { dir: out, formats: [csv, json] }
            """
            try yaml.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
            let r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
            XCTAssertEqual(r.status, 0, "\(format): \(r.stderr)")
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/summary.json"))) as! [String: Any]
            let acc = summary["accounting"] as! [String: Int]
            XCTAssertGreaterThan(acc["records"]!, 500, format)
            XCTAssertLessThan(Double(acc["rejected"]!), 0.01 * Double(acc["records"]!), format)
            XCTAssertGreaterThan(acc["superseded"]!, 0, "\(format): dossiers reappear in later files")
            XCTAssertEqual(summary["unknown_units"] as? [String], ["000.00.31.H56"], format)
            let inputs = summary["inputs"] as! [[String: Any]]
            XCTAssertEqual(inputs.count, 9)
            // the 15th is written by a parallel exporter: two gzip members
            XCTAssertEqual(inputs.first { ($0["path"] as! String).contains("2024-03-15") }?["gzip_members"] as? Int, 2)
            XCTAssertTrue(Harness.read(dir.appendingPathComponent("out/counters.csv"))!.contains(",000.00.00.H56,"))
        }
    }

    func testBadOptionsAreUsageErrors() throws {
        let dir = try Harness.scratch("gen-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        for args in [["--units", "2"], ["--start", "2024-02-30"], ["--format", "xml"], ["--days", "0"]] {
            let r = try Harness.run(["generate", "--out", dir.path] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
        }
    }
}
