// End to end on SampleData: the golden counters (computed independently by the DuckDB
// oracle, scripts/oracle), determinism across threads and chunk sizes, and the same
// result when the exports are concatenated into one multi-member gzip file.
import Foundation
import XCTest
import MotcuaTestSupport

final class SampleDataTests: XCTestCase {
    func runSample(_ extra: [String], out: URL) throws -> ProcessResult {
        try Harness.run(["run", Harness.projectDir.appendingPathComponent("pipelines/sample.yaml").path,
                         "--quiet", "--out", out.path] + extra)
    }

    func testSampleMatchesOracleAndIsDeterministic() throws {
        let golden = Harness.read(Harness.projectDir.appendingPathComponent("scripts/oracle/sample-expected-counters.csv"))
        XCTAssertNotNil(golden)
        var first: [String: Data] = [:]
        for (threads, chunk) in [(1, 0), (2, 0), (4, 0), (3, 4096)] {
            let out = try Harness.scratch("sample")
            defer { try? FileManager.default.removeItem(at: out) }
            var extra = ["--threads", "\(threads)"]
            if chunk > 0 { extra += ["--chunk-bytes", "\(chunk)"] }
            let r = try runSample(extra, out: out)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(Harness.read(out.appendingPathComponent("counters.csv")), golden, "threads \(threads) chunk \(chunk)")
            for name in ["counters.csv", "counters.json", "rejects.ndjson", "bieu-ii06a.csv", "bieu-ii06a.xlsx"] {
                let data = try Data(contentsOf: out.appendingPathComponent(name))
                if let f = first[name] { XCTAssertEqual(data, f, "\(name) differs with threads \(threads) chunk \(chunk)") }
                first[name] = data
            }
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
            let acc = summary["accounting"] as! [String: Int]
            XCTAssertEqual(acc, ["records": 5051, "accepted": 5042, "rejected": 9, "dossiers": 2180, "superseded": 2862,
                                 "in_scope": 2144, "not_received": 36])
            XCTAssertEqual(summary["unknown_units"] as? [String], ["000.00.31.H56"])
            XCTAssertEqual((summary["inputs"] as! [[String: Any]]).count, 42)
        }
    }

    /// The same exports as one file (gzip members concatenated in input order) give the same counters.
    func testOneConcatenatedFileGivesTheSameCounters() throws {
        let dir = try Harness.scratch("concat")
        defer { try? FileManager.default.removeItem(at: dir) }
        let exports = Harness.projectDir.appendingPathComponent("SampleData/exports")
        let names = try FileManager.default.contentsOfDirectory(atPath: exports.path).filter { $0.hasSuffix(".gz") }.sorted()
        var all = Data()
        for n in names { all.append(try Data(contentsOf: exports.appendingPathComponent(n))) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try all.write(to: dir.appendingPathComponent("data/all.ndjson.gz"))
        var yaml = try String(contentsOf: Harness.projectDir.appendingPathComponent("pipelines/sample.yaml"), encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "../SampleData/exports/*.ndjson.gz", with: "data/*.gz")
        yaml = yaml.replacingOccurrences(of: "../SampleData/catalogs", with: Harness.projectDir.appendingPathComponent("SampleData/catalogs").path)
        try yaml.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let r = try Harness.run(["run", "p.yaml", "--quiet", "--out", "out"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let golden = Harness.read(Harness.projectDir.appendingPathComponent("scripts/oracle/sample-expected-counters.csv"))
        XCTAssertEqual(Harness.read(dir.appendingPathComponent("out/counters.csv")), golden)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/summary.json"))) as! [String: Any]
        let input = (summary["inputs"] as! [[String: Any]])[0]
        XCTAssertEqual(input["gzip_members"] as? Int, 43, "42 files, one of them with two members")
    }
}

final class FormII06aTests: XCTestCase {
    /// The form's rows agree with counters.csv: each unit's total row is its own-scope row,
    /// its sector rows sum to it, and the file is BOM + CRLF with headings (1)–(11).
    func testFormAgreesWithCounters() throws {
        let out = try Harness.scratch("form")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try Harness.run(["run", Harness.projectDir.appendingPathComponent("pipelines/sample.yaml").path, "--quiet", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let bytes = [UInt8](try Data(contentsOf: out.appendingPathComponent("bieu-ii06a.csv")))
        XCTAssertEqual(Array(bytes.prefix(3)), [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        XCTAssertFalse(text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "CRLF everywhere")
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        for n in 1...11 { XCTAssertTrue(lines[0].contains("(\(n))"), "heading (\(n))") }
        XCTAssertTrue(lines[0].contains("Trực tuyến (2)") && lines[0].contains("Từ kỳ trước (4)"))

        // counters.csv own unit-total rows → (1)…(11)
        let counters = Harness.read(out.appendingPathComponent("counters.csv"))!.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let h = counters[0]
        func col(_ n: String) -> Int { h.firstIndex(of: n)! }
        var expected: [String: [Int]] = [:]
        for row in counters.dropFirst() where row[col("scope")] == "own" && row[col("sector_code")].isEmpty {
            // Unit names here have no commas except one quoted department; skip rows that split oddly.
            guard row.count == h.count else { continue }
            let cols = ["received_total", "new_online", "new_offline", "carried_over", "resolved_total", "resolved_early",
                        "resolved_on_time", "resolved_late", "pending_total", "pending_within", "pending_overdue"]
            expected["\(row[0])|\(row[col("unit_code")])"] = cols.map { Int(row[col($0)])! }
        }
        var totals: [String: [Int]] = [:], sectorSums: [String: [Int]] = [:]
        for line in lines.dropFirst() {
            let cells = parseCSVLine(line)
            let key = "\(cells[0])|\(cells[3])"
            let values = cells.suffix(11).map { Int($0)! }
            if cells[6].isEmpty { totals[key] = values } else {
                sectorSums[key] = zip(sectorSums[key] ?? Array(repeating: 0, count: 11), values).map { $0 + $1 }
            }
        }
        XCTAssertGreaterThan(expected.count, 20)
        for (key, want) in expected { XCTAssertEqual(totals[key], want, key) }
        for (key, sum) in sectorSums { XCTAssertEqual(sum, totals[key], "sectors of \(key) add up to the total") }
    }

    func parseCSVLine(_ line: String) -> [String] {
        var cells: [String] = [], cell = "", quoted = false
        var it = Array(line).makeIterator()
        while let c = it.next() {
            if quoted {
                if c == "\"" { quoted = false } else { cell.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { cells.append(cell); cell = "" } else { cell.append(c) }
        }
        cells.append(cell)
        return cells
    }
}
