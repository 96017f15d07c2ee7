// Every shipped pipeline validates and runs on SampleData; `validate` reports every mistake
// of a bad pipeline in one run (SPEC §6, §7.1).
import Foundation
import XCTest
import MotcuaTestSupport

final class PipelinesTests: XCTestCase {
    func testShippedPipelinesValidateAndRun() throws {
        let dir = Harness.projectDir.appendingPathComponent("pipelines")
        // The shipped ones by name: a user's own pipeline may sit beside them.
        let files = ["daily.yaml", "dong-da-kh220.yaml", "hai-duong-kh1539.yaml", "qd766-progress.yaml", "sample.yaml"]
        let v = try Harness.run(["validate"] + files.map { dir.appendingPathComponent($0).path })
        XCTAssertEqual(v.status, 0, v.stderr)
        for f in files {
            let out = try Harness.scratch("pl")
            defer { try? FileManager.default.removeItem(at: out) }
            let state = try Harness.scratch("pl-state")
            defer { try? FileManager.default.removeItem(at: state) }
            // daily.yaml reaches far ahead and relies on --as-of, as its cron line does; its
            // state goes to a scratch folder too.
            let r = try Harness.run(["run", dir.appendingPathComponent(f).path, "--quiet", "--out", out.path, "--as-of", "2024-03-31",
                                     "--state", state.path])
            XCTAssertEqual(r.status, 0, "\(f): \(r.stderr)")
            let kpis = Harness.read(out.appendingPathComponent("kpis.csv")) ?? ""
            XCTAssertTrue(kpis.hasPrefix("period,from,to,partial,unit_code,unit_name,tier,scope,kpi,numerator,denominator,value,target_min,target_max,met\n"), f)
            if f != "sample.yaml" && f != "daily.yaml" {
                XCTAssertTrue(kpis.contains(",true\n") || kpis.contains(",false\n"), "\(f): its targets apply to some row")
            }
        }
        // qd766-progress uses the qd766 rule set.
        let out = try Harness.scratch("qd")
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try Harness.run(["run", dir.appendingPathComponent("qd766-progress.yaml").path, "--quiet", "--out", out.path])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertEqual(summary["rules"] as? String, "qd766")
    }

    func testValidateReportsEveryMistakeAtOnce() throws {
        let dir = try Harness.scratch("val")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "unit_code,unit_name,tier,parent_code\nA,a,tinh,B\nB,b,huyen,A\n".write(to: dir.appendingPathComponent("units.csv"), atomically: true, encoding: .utf8)
        let yaml = """
        version: 2
        name: bad
        timezone: "+7"
        colour: blue
        inputs:
          - {format: xml, paths: ["data/*"]}
          - {format: csv, paths: [], delimiter: ";;", date_format: "MM/dd/yyyy"}
        catalogs: {units: units.csv, procedures: missing.csv}
        periods: {kind: fortnight, from: 2024-02-30}
        rules: tt02
        breakdown: [district]
        targets:
          - {kpi: nope, min: 0.2}
          - {kpi: online_rate, min: 0.1234567}
          - {kpi: online_rate, tier: huyen, min: 0.3}
          - {kpi: on_time_rate, min: 0.9, max: 0.5}
          - {kpi: resolution_rate, tier: town}
        outputs: {dir: out, formats: [xlsx], form_ii06a: maybe}
        limits: {max_reject_rate: 2, max_line_bytes: -1, on_corrupt_input: ignore}
        """
        try yaml.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let r = try Harness.run(["validate", "p.yaml"], in: dir)
        XCTAssertEqual(r.status, 78)
        let needles = ["version", "timezone", "colour", "inputs[0].format", "inputs[1].paths", "inputs[1].delimiter",
                       "inputs[1].date_format", "missing.csv", "cycle", "periods.kind", "periods.from", "rules",
                       "breakdown", "targets[0].kpi", "targets[1].min", "conflicts with targets[1]", "targets[3]",
                       "targets[4].tier", "outputs.formats", "outputs.form_ii06a", "limits.max_reject_rate",
                       "limits.max_line_bytes", "limits.on_corrupt_input"]
        for n in needles { XCTAssertTrue(r.stderr.contains(n), "\(n) not reported:\n\(r.stderr)") }
        // Every issue names the file.
        for line in r.stderr.split(separator: "\n") where !line.hasPrefix("motcua:") {
            XCTAssertTrue(line.hasPrefix("p.yaml") || line.contains("units.csv") || line.contains("missing.csv"), String(line))
        }
    }
}
