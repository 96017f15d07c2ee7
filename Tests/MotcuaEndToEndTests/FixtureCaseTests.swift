// Hand-computed end-to-end cases under Tests/Fixtures/cases (see its README): each runs the
// binary with several thread counts and chunk sizes and must give exactly the expected
// counters, KPIs, accounting, rejects and exit code. One test method per case lives in
// FixtureCaseTests+Cases.swift, written by Tests/Fixtures/make_case_tests.py; the guard below
// fails when a case directory and the methods disagree.
import Foundation
import XCTest
import MotcuaTestSupport

final class FixtureCaseTests: XCTestCase {
    static let casesDir = Harness.fixturesDir.appendingPathComponent("cases")
    static let generatedFile = Harness.testsDir.appendingPathComponent("MotcuaEndToEndTests/FixtureCaseTests+Cases.swift")

    /// Every directory under cases/ has its `test_<name>` method and every method names a
    /// directory: XCTest on Linux only runs methods that exist in source, so a case added
    /// without re-running make_case_tests.py would otherwise be skipped silently.
    func testEveryCaseHasATestMethod() throws {
        let fm = FileManager.default
        let dirs = Set(try fm.contentsOfDirectory(atPath: Self.casesDir.path).filter { name in
            var isDir: ObjCBool = false
            return fm.fileExists(atPath: Self.casesDir.appendingPathComponent(name).path, isDirectory: &isDir) && isDir.boolValue
        })
        XCTAssertGreaterThan(dirs.count, 10, "fixture cases are missing")
        let source = try String(contentsOf: Self.generatedFile, encoding: .utf8)
        var methods = Set<String>()
        for line in source.split(separator: "\n") where line.contains("func test") {
            // The one shape make_case_tests.py writes: the method and the case it checks agree.
            let t = line.trimmingCharacters(in: .whitespaces)
            let prefix = "func test_", mid = "() throws { try check(\"", suffix = "\") }"
            guard t.hasPrefix(prefix), t.hasSuffix(suffix), let r = t.range(of: mid) else {
                XCTFail("FixtureCaseTests+Cases.swift: unexpected line, re-run Tests/Fixtures/make_case_tests.py: \(t)")
                continue
            }
            let method = String(t[t.index(t.startIndex, offsetBy: prefix.count)..<r.lowerBound])
            let checked = String(t[r.upperBound..<t.index(t.endIndex, offsetBy: -suffix.count)])
            XCTAssertEqual(method, checked, "test_\(method) checks case \(checked): re-run Tests/Fixtures/make_case_tests.py")
            methods.insert(method)
        }
        let untested = dirs.subtracting(methods).sorted(), orphans = methods.subtracting(dirs).sorted()
        XCTAssertEqual(untested, [], "cases without a test method (run python3 Tests/Fixtures/make_case_tests.py): \(untested.joined(separator: ", "))")
        XCTAssertEqual(orphans, [], "test methods without a case directory (run python3 Tests/Fixtures/make_case_tests.py): \(orphans.map { "test_" + $0 }.joined(separator: ", "))")
    }

    /// Runs one case (a directory name under cases/) and compares every expected file.
    func check(_ name: String) throws {
        try check(Self.casesDir.appendingPathComponent(name), name: name)
    }

    private func check(_ src: URL, name: String) throws {
        let expected = src.appendingPathComponent("expected")
        let expectedExit = Harness.read(expected.appendingPathComponent("exit_code"))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        var firstCounters: String?
        // More command-line arguments, one a line (e.g. --as-of and its date), when the case has them.
        let extra = Harness.read(src.appendingPathComponent("args"))?.split(separator: "\n").map(String.init) ?? []
        // Thread counts and chunk sizes must not change a byte (SPEC §3.2, §7.3).
        for (threads, chunk) in [(1, 0), (4, 0), (3, 1), (2, 29)] {
            let dir = try Harness.copyToScratch(src)
            defer { try? FileManager.default.removeItem(at: dir) }
            var args = ["run", "pipeline.yaml", "--quiet", "--threads", "\(threads)", "--out", "out"] + extra
            if chunk > 0 { args += ["--chunk-bytes", "\(chunk)"] }
            let r = try Harness.run(args, in: dir)
            XCTAssertEqual(r.status, expectedExit, "\(name): exit status (stderr: \(r.stderr))")
            let out = dir.appendingPathComponent("out")
            if expectedExit != 0 {
                XCTAssertFalse(r.stderr.isEmpty, "\(name): a failing run says why")
                XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("counters.csv").path),
                               "\(name): a failed run publishes nothing")
                // What the run found is in last-failure/: the expected accounting and rejects are checked there.
                let failed = out.appendingPathComponent("last-failure")
                let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: failed.appendingPathComponent("summary.json"))) as! [String: Any]
                XCTAssertEqual((summary["failure"] as? [String: Any])?["exit_code"] as? Int, Int(expectedExit), "\(name): last-failure exit code")
                try checkAccountingAndRejects(summary, failed, expected, name)
                continue
            }
            let counters = Harness.read(out.appendingPathComponent("counters.csv"))
            if let want = Harness.read(expected.appendingPathComponent("counters.csv")) {
                XCTAssertEqual(counters, want, "\(name): counters.csv (threads \(threads), chunk \(chunk))\n\(diff(counters ?? "", want))")
            }
            for file in ["kpis.csv", "data-quality.csv", "data-quality.json"] {
                guard let want = Harness.read(expected.appendingPathComponent(file)) else { continue }
                let got = Harness.read(out.appendingPathComponent(file)) ?? ""
                XCTAssertEqual(got, want, "\(name): \(file) (threads \(threads), chunk \(chunk))\n\(diff(got, want))")
            }
            if let first = firstCounters { XCTAssertEqual(counters, first, "\(name): threads \(threads), chunk \(chunk) vs threads 1") }
            firstCounters = counters
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
            try checkAccountingAndRejects(summary, out, expected, name)
        }
    }

    /// summary.json's accounting and the rejects beside it, against expected/ (when given).
    private func checkAccountingAndRejects(_ summary: [String: Any], _ out: URL, _ expected: URL, _ name: String) throws {
        if let wantData = try? Data(contentsOf: expected.appendingPathComponent("accounting.json")) {
            let want = try JSONSerialization.jsonObject(with: wantData) as! [String: Int]
            XCTAssertEqual(summary["accounting"] as? [String: Int], want, "\(name): accounting")
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
