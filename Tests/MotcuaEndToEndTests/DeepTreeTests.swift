// A unit tree thousands of levels deep (issue 19): the KPIs' subtree sets are gathered bottom-up,
// so the run costs what the units cost, not the sum of every subtree's size — and a chain unit's
// subtree KPIs are those of the same units under a three-level chain.
import Foundation
import XCTest
import MotcuaTestSupport

final class DeepTreeTests: XCTestCase {
    func testADeepChainCostsWhatItsUnitsCostAndGivesTheShallowChainsKPIs() throws {
        let root = try Harness.scratch("deep-tree")
        defer { try? FileManager.default.removeItem(at: root) }
        let sample = Harness.projectDir.appendingPathComponent("SampleData")
        let units = try String(contentsOf: sample.appendingPathComponent("catalogs/units.csv"), encoding: .utf8)
        var kpisOfC0: [String: String] = [:]
        var seconds: [Int: Double] = [:]
        for depth in [3, 8_000] {
            // C0 (tinh) → C1 (huyen) → C2 (xa) → … → the sample's units under the deepest.
            var csv = "unit_code,unit_name,tier,parent_code\nC0,chain 0,tinh,\n"
            for i in 1..<depth { csv += "C\(i),chain \(i),\(i % 2 == 1 ? "huyen" : "xa"),C\(i - 1)\n" }
            for line in units.split(separator: "\n").dropFirst() {
                csv += line.hasSuffix(",") ? "\(line)C\(depth - 1)\n" : "\(line)\n"
            }
            let dir = root.appendingPathComponent("d\(depth)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try csv.write(to: dir.appendingPathComponent("units.csv"), atomically: true, encoding: .utf8)
            try """
            version: 1
            name: deep
            timezone: "+07:00"
            inputs: [{ format: dvcqg-ndjson, paths: ["\(sample.path)/exports/*.ndjson.gz"] }]
            catalogs: { units: units.csv, procedures: \(sample.path)/catalogs/procedures.csv }
            periods: { kind: month, from: 2024-02-01, to: 2024-03-31 }
            outputs: { dir: out, formats: [csv] }
            limits: { max_reject_rate: 0.01 }
            """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
            let started = Date()
            let r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
            seconds[depth] = Date().timeIntervalSince(started)
            XCTAssertEqual(r.status, 0, r.stderr)
            let kpis = try String(contentsOf: dir.appendingPathComponent("out/kpis.csv"), encoding: .utf8)
            let lines = kpis.split(separator: "\n").map(String.init)
            let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let (unit, scope, kpi, period) = (header.firstIndex(of: "unit_code")!, header.firstIndex(of: "scope")!,
                                              header.firstIndex(of: "kpi")!, header.firstIndex(of: "period")!)
            var mine: [String: String] = [:]
            for line in lines.dropFirst() {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if cells[unit] == "C0" && cells[scope] == "subtree" { mine["\(cells[period]) \(cells[kpi])"] = line }
            }
            XCTAssertGreaterThan(mine.count, 10)
            if depth == 3 { kpisOfC0 = mine } else { XCTAssertEqual(mine, kpisOfC0, "C0's subtree holds the same units and tiers at both depths") }
        }
        // Units × depth (32 million subtree visits per period here) took minutes; now seconds.
        XCTAssertLessThan(seconds[8_000]!, 60, "a deep chain costs what its units cost: \(seconds)")
    }
}
