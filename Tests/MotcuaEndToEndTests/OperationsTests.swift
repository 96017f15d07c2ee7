// What cron and monitoring rely on: the metrics file (parsed back as Prometheus text), JSON
// logs, --as-of partial periods, and one-pass multi-period runs equal to period-by-period runs.
import Foundation
import XCTest
import MotcuaTestSupport

final class OperationsTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = try Harness.scratch("ops")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        var lines: [String] = []
        for i in 0..<40 {
            let day = 1 + i % 28
            let month = 1 + i % 4
            let status = [2, 4, 9, 10, 5][i % 5]
            var rec = #"{"MaHoSo":"000.00.01.H56-\#(i)","TrangThaiHoSo":\#(status),"KenhThucHien":\#(1 + i % 3),"NgayTiepNhan":"2024-\#(String(format: "%02d", month))-\#(String(format: "%02d", day))","NgayHenTra":"2024-\#(String(format: "%02d", month))-28""#
            if status >= 9 { rec += #","NgayKetThucXuLy":"2024-\#(String(format: "%02d", min(month + 1, 12)))-0\#(1 + i % 9)""# }
            lines.append(rec + "}")
        }
        lines.append("{broken")
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("data/a.ndjson"), atomically: true, encoding: .utf8)
        try """
        version: 1
        name: ops
        inputs: [{format: dvcqg-ndjson, paths: ["data/*"]}]
        periods: {kind: month, from: 2024-01-01, to: 2024-06-30}
        outputs: {dir: out}
        limits: {max_reject_rate: 0.05}
        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// name{labels} value → value, for the lines of a Prometheus text file.
    func parsePrometheus(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            XCTAssertEqual(parts.count, 2, "sample line: \(line)")
            out[String(parts[0])] = Double(parts[1])
        }
        return out
    }

    func testMetricsFileAndJSONLogs() throws {
        let r = try Harness.run(["run", "p.yaml", "--log-format", "json", "--metrics-file", "m.prom"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        for line in r.stderr.split(separator: "\n") {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            XCTAssertNotNil(o?["level"], String(line))
        }
        let text = try String(contentsOf: dir.appendingPathComponent("m.prom"), encoding: .utf8)
        XCTAssertTrue(text.contains("# TYPE motcua_records gauge"))
        let m = parsePrometheus(text)
        XCTAssertEqual(m[#"motcua_records{pipeline="ops",outcome="read"}"#], 41)
        XCTAssertEqual(m[#"motcua_records{pipeline="ops",outcome="rejected"}"#], 1)
        XCTAssertEqual(m[#"motcua_rejects{pipeline="ops",reason="malformed_json"}"#], 1)
        XCTAssertEqual(m[#"motcua_run_exit_status{pipeline="ops"}"#], 0)
        let success = try XCTUnwrap(m[#"motcua_last_success_timestamp_seconds{pipeline="ops"}"#])
        XCTAssertEqual(success, Date().timeIntervalSince1970, accuracy: 120)

        // A failed run records its status and keeps the last success time.
        let failed = try Harness.run(["run", "p.yaml", "--quiet", "--metrics-file", "m.prom", "--threads", "1", "--from", "2024-05-01", "--to", "2024-04-01"], in: dir)
        XCTAssertEqual(failed.status, 64)
        let m2 = parsePrometheus(try String(contentsOf: dir.appendingPathComponent("m.prom"), encoding: .utf8))
        XCTAssertEqual(m2[#"motcua_run_exit_status{pipeline="p"}"#] ?? m2[#"motcua_run_exit_status{pipeline="ops"}"#], 64)
        XCTAssertEqual(m2.first { $0.key.hasPrefix("motcua_last_success_timestamp_seconds") }?.value, success)
    }

    /// A metrics path that cannot be a file is refused before reading (outputs untouched); one
    /// that fails after the publish does not turn the published run into a failure.
    func testMetricsFileCheckedBeforeAndNeverUndoesAPublish() throws {
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir).status, 0)
        let before = try Data(contentsOf: dir.appendingPathComponent("out/counters.csv"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("metrics.d"), withIntermediateDirectories: true)
        let r = try Harness.run(["run", "p.yaml", "--quiet", "--rules", "qd766", "--metrics-file", "metrics.d"], in: dir)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("is a directory"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("out/counters.csv")), before, "nothing read, nothing published")
    }

    func testAsOfCutsPeriodsAndMarksThemPartial() throws {
        let r = try Harness.run(["run", "p.yaml", "--quiet", "--as-of", "2024-03-10"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = Harness.read(dir.appendingPathComponent("out/counters.csv"))!.split(separator: "\n").dropFirst()
        let periods = rows.map { $0.split(separator: ",").prefix(4).joined(separator: ",") }
        XCTAssertEqual(Array(Set(periods)).sorted(), ["2024-01,2024-01-01,2024-01-31,false", "2024-02,2024-02-01,2024-02-29,false",
                                                      "2024-03,2024-03-01,2024-03-10,true"])
    }

    /// One run over six months equals six one-month runs, row for row.
    func testOnePassEqualsPeriodByPeriod() throws {
        XCTAssertEqual(try Harness.run(["run", "p.yaml", "--quiet"], in: dir).status, 0)
        let all = Harness.read(dir.appendingPathComponent("out/counters.csv"))!.split(separator: "\n")
        var stitched = [all[0]]
        for m in 1...6 {
            let label = "2024-0\(m)"
            let r = try Harness.run(["run", "p.yaml", "--quiet", "--period", label, "--out", "out-\(m)"], in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            stitched += Harness.read(dir.appendingPathComponent("out-\(m)/counters.csv"))!.split(separator: "\n").dropFirst()
        }
        XCTAssertEqual(stitched, all)
    }
}
