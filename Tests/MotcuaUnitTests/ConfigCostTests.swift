// Configs whose size a user does not control well stay cheap: conflicting targets are found
// among the few (tier, scope) keys of a KPI, not pair by pair, with one message per target;
// the YAML parser's context is cut to a few short lines.
import Foundation
import XCTest
import MotcuaFoundation
import MotcuaPipeline
@testable import MotcuaAggregate

final class ConfigCostTests: XCTestCase {
    func load(_ yaml: String) throws -> [ConfigIssue] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cost-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        var issues: [ConfigIssue] = []
        _ = PipelineLoader.load(path: path, issues: &issues)
        return issues
    }

    let head = """
    version: 1
    name: t
    inputs:
      - { format: dvcqg-ndjson, paths: ["d/*.ndjson.gz"] }
    periods: { kind: month, from: 2024-02-01, to: 2024-02-29 }

    """

    func testConflictingTargetsOneMessageEachNamingTheFirst() throws {
        let issues = try load(head + """
        targets:
          - { kpi: online_rate, tier: huyen, min: 0.2 }
          - { kpi: online_rate, tier: xa, min: 0.1 }
          - { kpi: online_rate, min: 0.3 }
          - { kpi: online_rate, tier: xa, scope: own, min: 0.1 }
          - { kpi: on_time_rate, tier: xa, min: 0.9 }
          - { kpi: online_rate, tier: tinh, scope: subtree, max: 0.9 }
        """)
        XCTAssertEqual(issues.map { "\($0.path): \($0.reason)" }, [
            "targets[2]: conflicts with targets[0] (both can apply to one row)",
            "targets[3]: conflicts with targets[1] (both can apply to one row)",
            "targets[5]: conflicts with targets[2] (both can apply to one row)",
        ])
    }

    func testTwentyThousandTargetsCostOnePass() throws {
        let many = (0..<20_000).map { _ in "  - { kpi: online_rate, tier: huyen, min: 0.2 }" }.joined(separator: "\n")
        let start = Date()
        let issues = try load(head + "targets:\n" + many + "\n")
        XCTAssertEqual(issues.count, 19_999, "one message per conflicting target, not one per pair")
        XCTAssertEqual(issues.last?.reason, "conflicts with targets[0] (both can apply to one row)")
        // Generous (debug build, shared machine): pairwise, this took minutes and gigabytes.
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
    }

    func testParserContextIsCut() throws {
        let padding = (0..<5_000).map { "# line \($0) " + String(repeating: ".", count: 300) }.joined(separator: "\n")
        let issues = try load("version: 1\nname: a\nname: b\n" + padding + "\n")
        XCTAssertEqual(issues.count, 1)
        let reason = issues[0].reason
        XCTAssertTrue(reason.hasPrefix("not valid YAML: "), reason)
        XCTAssertLessThan(reason.count, 3_000, "not the whole file")
        XCTAssertTrue(reason.contains("more lines)"), reason)
    }

    func loadUnits(_ csv: String) throws -> [ConfigIssue] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("units.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        var issues: [ConfigIssue] = []
        _ = Catalogs.load(unitsPath: path, proceduresPath: nil, issues: &issues)
        return issues
    }

    /// Cycles are found in one pass: the units on a cycle and those above one are named, in
    /// file order; a clean chain 50,000 deep is no cycle and costs one pass.
    func testParentCyclesAndDeepChains() throws {
        let issues = try loadUnits("""
        unit_code,unit_name,tier,parent_code
        R,root,tinh,
        A,a,huyen,B
        B,b,huyen,A
        C,c,xa,A
        S,self,xa,S
        D,d,xa,R

        """)
        XCTAssertEqual(issues.map { "\($0.path): \($0.reason)" }, [
            "line 3: unit 'A' is in a parent cycle", "line 4: unit 'B' is in a parent cycle",
            "line 5: unit 'C' is in a parent cycle", "line 6: unit 'S' is in a parent cycle",
        ])
        let depth = 50_000
        let chain = "unit_code,unit_name,tier,parent_code\nU0,root,tinh,\n" + (1..<depth).map { "U\($0),u,xa,U\($0 - 1)" }.joined(separator: "\n") + "\n"
        let start = Date()
        XCTAssertEqual(try loadUnits(chain).count, 0)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30, "units × depth would take minutes")
        // The roll-up's order over such a chain: children before parents, without recursion.
        let units = (0..<depth).map { UnitInfo(code: "U\($0)", name: "", tier: $0 == 0 ? "tinh" : "xa", parent: $0 == 0 ? "" : "U\($0 - 1)") }
        let order = UnitModel(catalog: units, dossierUnitCodes: []).postOrder
        XCTAssertEqual(order.count, depth)
        XCTAssertEqual(order.first, depth - 1)
        XCTAssertEqual(order.last, 0)
        let ranges = UnitModel(catalog: units, dossierUnitCodes: []).subtreeRanges
        XCTAssertEqual(ranges.order, Array(0..<depth))
        XCTAssertEqual(ranges.start[0], 0)
        XCTAssertEqual(ranges.end[0], depth)
        XCTAssertEqual(ranges.end[depth - 1] - ranges.start[depth - 1], 1)
    }

    /// A unit's subtree range holds the unit first, then exactly the units below it.
    func testSubtreeRangesOfABranchingTree() {
        let tree = [("P", ""), ("D1", "P"), ("D2", "P"), ("X1", "D1"), ("X2", "D1"), ("X3", "D2"), ("Q", "")]
        let model = UnitModel(catalog: tree.map { UnitInfo(code: $0.0, name: "", tier: "xa", parent: $0.1) }, dossierUnitCodes: ["Z"])
        let r = model.subtreeRanges
        func subtree(_ code: String) -> [String] {
            let u = model.indexByCode[code]!
            return r.order[r.start[u]..<r.end[u]].map { model.units[$0].code }
        }
        XCTAssertEqual(subtree("P"), ["P", "D1", "X1", "X2", "D2", "X3"])
        XCTAssertEqual(subtree("D1"), ["D1", "X1", "X2"])
        XCTAssertEqual(subtree("X3"), ["X3"])
        XCTAssertEqual(subtree("Q"), ["Q"])
        XCTAssertEqual(subtree("Z"), ["Z"], "an unknown unit is a root of its own")
        XCTAssertEqual(r.order.count, model.units.count)
    }
}
