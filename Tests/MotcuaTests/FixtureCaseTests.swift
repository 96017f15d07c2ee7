// Hand-computed end-to-end cases under Tests/Fixtures/cases (see its README): each runs the
// binary with 1 and 4 threads and must give exactly the expected counters, accounting,
// rejects and exit code.
import Foundation
import XCTest

final class FixtureCaseTests: XCTestCase {
    func testEveryFixtureCase() throws {
        let casesDir = Harness.fixturesDir.appendingPathComponent("cases")
        let names = try FileManager.default.contentsOfDirectory(atPath: casesDir.path).sorted()
        XCTAssertGreaterThan(names.count, 10, "fixture cases are missing")
        for name in names {
            try check(casesDir.appendingPathComponent(name), name: name)
        }
    }

    private func check(_ src: URL, name: String) throws {
        let expected = src.appendingPathComponent("expected")
        let expectedExit = Harness.read(expected.appendingPathComponent("exit_code"))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        var firstCounters: String?
        // Thread counts and chunk sizes must not change a byte (SPEC §3.2, §7.3).
        for (threads, chunk) in [(1, 0), (4, 0), (3, 1), (2, 29)] {
            let dir = try Harness.copyToScratch(src)
            defer { try? FileManager.default.removeItem(at: dir) }
            var args = ["run", "pipeline.yaml", "--quiet", "--threads", "\(threads)", "--out", "out"]
            if chunk > 0 { args += ["--chunk-bytes", "\(chunk)"] }
            let r = try Harness.run(args, in: dir)
            XCTAssertEqual(r.status, expectedExit, "\(name): exit status (stderr: \(r.stderr))")
            let out = dir.appendingPathComponent("out")
            if expectedExit != 0 {
                XCTAssertFalse(r.stderr.isEmpty, "\(name): a failing run says why")
                XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("counters.csv").path),
                               "\(name): a failed run publishes nothing")
                continue
            }
            let counters = Harness.read(out.appendingPathComponent("counters.csv"))
            if let want = Harness.read(expected.appendingPathComponent("counters.csv")) {
                XCTAssertEqual(counters, want, "\(name): counters.csv (threads \(threads), chunk \(chunk))\n\(diff(counters ?? "", want))")
            }
            if let want = Harness.read(expected.appendingPathComponent("kpis.csv")) {
                let kpis = Harness.read(out.appendingPathComponent("kpis.csv")) ?? ""
                XCTAssertEqual(kpis, want, "\(name): kpis.csv (threads \(threads), chunk \(chunk))\n\(diff(kpis, want))")
            }
            if let first = firstCounters { XCTAssertEqual(counters, first, "\(name): threads \(threads), chunk \(chunk) vs threads 1") }
            firstCounters = counters
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
            if let wantData = try? Data(contentsOf: expected.appendingPathComponent("accounting.json")) {
                let want = try JSONSerialization.jsonObject(with: wantData) as! [String: Int]
                let got = summary["accounting"] as! [String: Int]
                XCTAssertEqual(got, want, "\(name): accounting")
            }
            if let want = Harness.read(expected.appendingPathComponent("rejects.tsv")) {
                let lines = Harness.read(out.appendingPathComponent("rejects.ndjson"))!.split(separator: "\n")
                let got = try lines.map { line -> String in
                    let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                    return "\(o["file"]!)\t\(o["line"]!)\t\(o["reason"]!)"
                }
                let wantLines = want.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
                XCTAssertEqual(got, wantLines, "\(name): rejects")
            }
        }
    }

    private func diff(_ got: String, _ want: String) -> String {
        let g = got.split(separator: "\n", omittingEmptySubsequences: false)
        let w = want.split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        for i in 0..<max(g.count, w.count) {
            let a = i < g.count ? String(g[i]) : "<none>"
            let b = i < w.count ? String(w[i]) : "<none>"
            if a != b { out.append("line \(i + 1)\n  got:  \(a)\n  want: \(b)") }
        }
        return out.prefix(8).joined(separator: "\n")
    }
}
