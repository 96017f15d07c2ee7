// bieu-ii06a.xlsx from the built binary, read back with the tests' own zip reader: the same
// numbers as bieu-ii06a.csv and as the hand computation of the fixture cases (their NOTES.md),
// the same bytes for any thread count and time of day; `outputs.form_scope`; `report_units`
// on counters, KPIs and both forms; the loader's errors for the new keys.
import Foundation
import XCTest
import MotcuaTestSupport

extension XCTestCase {
    /// The fixture case `name` in a scratch directory (removed after the test), its pipeline's
    /// `outputs` (and, when given, `catalogs`) line replaced and `extra` lines added.
    func fixtureCopy(_ name: String, outputs: String, catalogs: String? = nil, extra: String = "") throws -> URL {
        let dir = try Harness.copyToScratch(Harness.fixturesDir.appendingPathComponent("cases/\(name)"))
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("pipeline.yaml")
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { line -> String in
            if line.hasPrefix("outputs:") { return "outputs: \(outputs)" }
            if line.hasPrefix("catalogs:"), let c = catalogs { return "catalogs: \(c)" }
            return String(line)
        }
        try (lines.joined(separator: "\n") + "\n" + extra).write(to: file, atomically: true, encoding: .utf8)
        return dir
    }

    /// `motcua run pipeline.yaml --quiet --out OUT ARGS` in `dir`, which must succeed; the output directory.
    func runPipeline(in dir: URL, _ args: [String] = [], out: String = "out", file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let r = try Harness.run(["run", "pipeline.yaml", "--quiet", "--out", out] + args, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return dir.appendingPathComponent(out)
    }
}

final class FormWorkbookRunTests: XCTestCase {
    private func fixture(_ name: String, outputs: String, catalogs: String? = nil, extra: String = "") throws -> URL {
        try fixtureCopy(name, outputs: outputs, catalogs: catalogs, extra: extra)
    }

    private func run(_ dir: URL, _ args: [String] = [], out: String = "out") throws -> URL {
        try runPipeline(in: dir, args, out: out)
    }

    /// bieu-ii06a.csv as (unit code → rows of [STT, lĩnh vực, (1)…(11)]), the total row last as in the workbook.
    private func csvForm(_ out: URL) throws -> [String: [[String]]] {
        let text = String(decoding: try Data(contentsOf: out.appendingPathComponent("bieu-ii06a.csv")).dropFirst(3), as: UTF8.self)
        var byUnit: [String: [[String]]] = [:], totals: [String: [String]] = [:]
        for line in text.components(separatedBy: "\r\n").dropFirst() where !line.isEmpty {
            let cells = quotedSplit(line)
            let row = [cells[5], cells[7]] + cells.suffix(11)
            if cells[6].isEmpty { totals[cells[3]] = row } else { byUnit[cells[3], default: []].append(row) }
        }
        for (unit, total) in totals { byUnit[unit, default: []].append(total) }
        return byUnit
    }

    private func quotedSplit(_ line: String) -> [String] {
        var cells: [String] = [], cell = "", quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle() } else if ch == "," && !quoted { cells.append(cell); cell = "" } else { cell.append(ch) }
        }
        return cells + [cell]
    }

    /// A sheet's data rows (from row 12 to `Tổng cộng`) as [STT, lĩnh vực, (1)…(11)], numbers as integers.
    private func sheetRows(_ book: Xlsx, _ sheet: String) -> [[String]] {
        let cells = book.cells(sheet)
        var rows: [[String]] = []
        for r in 12... {
            let row = "ABCDEFGHIJKLM".map { column -> String in
                switch cells["\(column)\(r)"] {
                case .text(let s)?: return s
                case .number(let v)?: return String(Int(v))
                case nil: return ""
                }
            }
            rows.append(row)
            if row[1] == "Tổng cộng" || rows.count > 100 { break }
        }
        return rows
    }

    func testTheWorkbookHasTheCSVFormsNumbers() throws {
        let dir = try fixture("breakdown_sector", outputs: "{ dir: out, formats: [csv], form_ii06a: true, form_ii06a_xlsx: true }")
        let out = try run(dir)
        let book = try Xlsx(path: out.appendingPathComponent("bieu-ii06a.xlsx").path)
        let units = ["000.00.00.H56", "000.00.01.H56", "000.00.21.H56", "000.00.99.H56"]
        XCTAssertEqual(book.sheets.map(\.name), units.map { "\($0) 2024-03" })
        let csv = try csvForm(out)
        for unit in units { XCTAssertEqual(sheetRows(book, "\(unit) 2024-03"), csv[unit], unit) }
        // By hand (breakdown_sector/expected/NOTES.md): Đông Sơn's own dossiers, and two of its lĩnh vực.
        let dongSon = sheetRows(book, "000.00.21.H56 2024-03")
        XCTAssertEqual(dongSon.count, 8)
        XCTAssertEqual(dongSon.last, ["", "Tổng cộng", "8", "3", "5", "0", "3", "1", "1", "1", "5", "4", "1"])
        XCTAssertEqual(dongSon[0], ["1", "Không xác định lĩnh vực", "2", "1", "1", "0", "1", "0", "0", "1", "1", "1", "0"])
        XCTAssertEqual(dongSon[2], ["3", "Hộ tịch (huyện)", "2", "1", "1", "0", "0", "0", "0", "0", "2", "2", "0"])
        // The province's own dossiers (BS-07, BS-15), not its subtree's.
        XCTAssertEqual(sheetRows(book, "000.00.00.H56 2024-03").last, ["", "Tổng cộng", "2", "1", "0", "1", "1", "0", "1", "0", "1", "1", "0"])
        let header = book.cells("000.00.21.H56 2024-03")
        XCTAssertEqual(header["J1"], .text("Đơn vị báo cáo: UBND huyện Đông Sơn"))
        XCTAssertEqual(header["J2"], .text("Đơn vị nhận báo cáo: UBND tỉnh Thanh Hóa"))
        XCTAssertEqual(header["C5"], .text("Phạm vi: hồ sơ của chính đơn vị"))
        // A unit not in units.csv is named by its code.
        XCTAssertEqual(book.cells("000.00.99.H56 2024-03")["J1"], .text("Đơn vị báo cáo: 000.00.99.H56"))
    }

    func testSameBytesForAnyThreadCountAndTimeOfDay() throws {
        let dir = try fixture("breakdown_sector", outputs: "{ dir: out, formats: [csv], form_ii06a_xlsx: true }")
        let first = try Data(contentsOf: run(dir, ["--threads", "1"], out: "out1").appendingPathComponent("bieu-ii06a.xlsx"))
        Thread.sleep(forTimeInterval: 2.1)   // zip entries keep times to 2 s
        for (i, args) in [["--threads", "4"], ["--threads", "3", "--chunk-bytes", "29"]].enumerated() {
            let again = try Data(contentsOf: run(dir, args, out: "out\(i + 2)").appendingPathComponent("bieu-ii06a.xlsx"))
            XCTAssertEqual(first, again, "\(args)")
        }
    }

    func testFormScopeSubtree() throws {
        let dir = try fixture("breakdown_sector", outputs: "{ dir: out, formats: [csv], form_ii06a: true, form_ii06a_xlsx: true, form_scope: subtree }")
        let out = try run(dir)
        let book = try Xlsx(path: out.appendingPathComponent("bieu-ii06a.xlsx").path)
        let province = sheetRows(book, "000.00.00.H56 2024-03")
        // NOTES.md: the subtree of the province, every dossier but BS-10 (an unknown unit's).
        XCTAssertEqual(province.last, ["", "Tổng cộng", "11", "5", "5", "1", "5", "1", "3", "1", "6", "5", "1"])
        XCTAssertEqual(province.dropLast().map { $0[1] }, ["Không xác định lĩnh vực", "Chứng thực (tỉnh)", "Chứng thực (xã)",
                                                           "Hộ tịch (tỉnh)", "Hộ tịch (huyện)", "Hộ tịch (Sở Tư pháp)",
                                                           "Đất đai", "Xây dựng", "G60-RR", "G99-LV01"])
        XCTAssertEqual(book.cells("000.00.00.H56 2024-03")["C5"], .text("Phạm vi: hồ sơ của đơn vị và các đơn vị trực thuộc"))
        // A unit without units below it counts its own dossiers, and says so.
        XCTAssertEqual(sheetRows(book, "000.00.21.H56 2024-03").last?[2], "8")
        XCTAssertEqual(book.cells("000.00.21.H56 2024-03")["C5"], .text("Phạm vi: hồ sơ của chính đơn vị"))
        // The CSV form counts the same.
        let csv = try csvForm(out)
        for sheet in book.sheets.map(\.name) {
            XCTAssertEqual(sheetRows(book, sheet), csv[String(sheet.prefix(13))], sheet)
        }
    }

    func testReportUnitsLimitEveryOutput() throws {
        // units_scopes: 000.00.00 (tỉnh) → 000.00.01 (sở), 000.00.21 (huyện) → 000.01.21, 000.02.21 (xã).
        let dir = try fixture("units_scopes", outputs: "{ dir: out, formats: [csv, json], form_ii06a: true, form_ii06a_xlsx: true }",
                              extra: "report_units: [000.00.21.H56]\n")
        let out = try run(dir)
        let subtree: Set = ["000.00.21.H56", "000.01.21.H56", "000.02.21.H56"]
        // counters.csv: exactly the rows of the whole run (the fixture's hand-computed file) for these units.
        let expected = try String(contentsOf: dir.appendingPathComponent("expected/counters.csv"), encoding: .utf8)
            .split(separator: "\n").filter { $0.hasPrefix("period,") || subtree.contains(String($0.split(separator: ",")[4])) }
        let counters = try String(contentsOf: out.appendingPathComponent("counters.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(counters, expected)
        XCTAssertGreaterThan(counters.count, 3)
        let kpiUnits = Set(try String(contentsOf: out.appendingPathComponent("kpis.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[4]) })
        XCTAssertEqual(kpiUnits, subtree)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("counters.json"))) as! [String: Any]
        XCTAssertEqual(Set((json["rows"] as! [[String: Any]]).map { $0["unit_code"] as! String }), subtree)
        XCTAssertEqual(Set(try csvForm(out).keys), subtree)
        let book = try Xlsx(path: out.appendingPathComponent("bieu-ii06a.xlsx").path)
        XCTAssertEqual(book.sheets.map(\.name), subtree.sorted().map { "\($0) 2024-03" })
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertEqual(summary["report_units"] as? [String], ["000.00.21.H56"])
    }

    func testReportUnitsNotInUnitsCSVAreAConfigError() throws {
        let dir = try fixture("units_scopes", outputs: "{ dir: out }", extra: "report_units: [000.00.21.H56, 000.09.99.H56]\n")
        let r = try Harness.run(["validate", "pipeline.yaml"], in: dir)
        XCTAssertEqual(r.status, 78)
        XCTAssertTrue(r.stderr.contains("pipeline.yaml: report_units[1]: '000.09.99.H56' is not a unit_code of"), r.stderr)
        XCTAssertEqual(try Harness.run(["run", "pipeline.yaml", "--quiet"], in: dir).status, 78)
    }

    func testReportUnitsWithoutUnitsCSVWarnAboutCodesNoDossierHas() throws {
        let dir = try fixture("breakdown_sector", outputs: "{ dir: out, formats: [csv] }", catalogs: "{}",
                              extra: "report_units: [000.00.21.H56, 000.09.99.H56]\n")
        let out = try run(dir)
        let units = Set(try String(contentsOf: out.appendingPathComponent("counters.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[4]) })
        XCTAssertEqual(units, ["000.00.21.H56"])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let warnings = summary["warnings"] as! [String]
        XCTAssertTrue(warnings.contains { $0.contains("report_units: no dossier has unit '000.09.99.H56'") }, "\(warnings)")
    }

    func testLoaderErrorsForTheNewKeys() throws {
        let dir = try Harness.scratch("form-keys")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let cases = [
            ("report_units: 000.00.21.H56\noutputs: {form_ii06a_xlsx: yes please, form_scope: everything}",
             ["report_units: expected a list", "outputs.form_ii06a_xlsx: expected true or false", "outputs.form_scope: 'everything' is not one of own, subtree"]),
            ("report_units: []", ["report_units: expected a non-empty list of unit codes"]),
            ("report_units: [A, B, A, \"\"]", ["report_units[2]: 'A' given twice", "report_units[3]: empty unit code"]),
            ("report_units: [[A]]\nform_scope: own", ["report_units[0]: expected a string", "form_scope: unknown key"]),
        ]
        for (i, (extra, needles)) in cases.enumerated() {
            let yaml = "version: 1\ninputs: [{format: dvcqg-ndjson, paths: [x.ndjson]}]\nperiods: {kind: month, period: 2024-03}\n\(extra)\n"
            try yaml.write(to: dir.appendingPathComponent("p\(i).yaml"), atomically: true, encoding: .utf8)
            let r = try Harness.run(["validate", "p\(i).yaml"], in: dir)
            XCTAssertEqual(r.status, 78, extra)
            for n in needles { XCTAssertTrue(r.stderr.contains(n), "\(n) not reported:\n\(r.stderr)") }
        }
    }
}
