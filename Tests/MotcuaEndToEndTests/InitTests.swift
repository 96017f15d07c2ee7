// `motcua init`: from a vendor workbook whose headers and labels differ from the defaults to a
// pipeline that validate accepts once the catalogs are given, and that runs with no reject
// once the labels it lists have their codes.
import Foundation
import XCTest
import MotcuaTestSupport

final class InitTests: XCTestCase {
    func testFromVendorWorkbookToARun() throws {
        let dir = try Harness.scratch("init")
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = XSheet(name: "Báo cáo")
        s.add(row: 1, [.text("UBND HUYỆN A")])
        s.add(row: 2, [.text("DANH SÁCH HỒ SƠ")])
        s.merges = ["A1:F1", "A2:F2"]
        // Vendor headings: two the defaults know, three variants (one without diacritics), one unknown.
        s.add(row: 4, [.text("Số hồ sơ"), .text("Mã đơn vị"), .text("Tình trạng"), .text("Ngay tiep nhan"), .text("Ngày hoàn thành"),
                       .text("Kênh thực hiện"), .text("Ghi chú")])
        let rows: [(String, String, String, String)] = [
            ("Mới", "05/03/2024", "", "Trực tuyến"),
            ("Hoàn thành", "05/03/2024", "08/03/2024", "Tại quầy"),
            ("Hoàn thành", "06/03/2024", "09/03/2024", "Qua mạng"),
            ("Đang giải quyết", "07/03/2024", "", "Nộp qua Zalo"),
            ("4", "12/04/2024", "", "2"),
        ]
        for (i, r) in rows.enumerated() {
            s.add(row: 5 + i, [.text("000.00.21.H56-2403\(i)"), .text("000.00.21.H56"), .text(r.0), .text(r.1),
                               r.2.isEmpty ? nil : .text(r.2), .text(r.3), .text("ghi chú \(i)")])
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("exports"), withIntermediateDirectories: true)
        try WorkbookWriter.write([s], to: dir.appendingPathComponent("exports/baocao-2024-03-05.xlsx"))
        try WorkbookWriter.write([s], to: dir.appendingPathComponent("exports/baocao-2024-03-06.xlsx"))

        var r = try Harness.run(["init", "exports/baocao-2024-03-05.xlsx", "exports/baocao-2024-03-06.xlsx", "--out", "pipelines/huyen-a.yaml"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let draft = try String(contentsOf: dir.appendingPathComponent("pipelines/huyen-a.yaml"), encoding: .utf8)
        for line in ["name: \"huyen-a\"", "- format: xlsx", "paths: [\"../exports/baocao-*.xlsx\"]", "sheet: \"Báo cáo\"", "header_row: 4",
                     "dossier_id: \"Số hồ sơ\"", "status: \"Tình trạng\"", "received_at: \"Ngay tiep nhan\"", "ended_at: \"Ngày hoàn thành\"",
                     "date_format: \"dd/MM/yyyy\"",
                     "#     \"Hoàn thành\": ?   # 4 row(s) — perhaps 9 Đã xử lý xong or 10 Đã trả kết quả",
                     "#     \"Mới\": ?   # 2 row(s)", "#   channel:", "#     \"Nộp qua Zalo\": ?   # 2 row(s)",
                     "periods: { kind: month, from: 2024-03-01, to: 2024-04-30 }",
                     "catalogs: { units: catalogs/units.csv, procedures: catalogs/procedures.csv }"] {
            XCTAssertTrue(draft.contains(line), "missing: \(line)\n\(draft)")
        }
        XCTAssertFalse(draft.contains("Đang giải quyết"), "a built-in label is not listed")
        XCTAssertFalse(draft.contains("unit_code:"), "a default heading needs no mapping")

        // Nothing is overwritten.
        r = try Harness.run(["init", "exports/baocao-2024-03-05.xlsx", "--out", "pipelines/huyen-a.yaml"], in: dir)
        XCTAssertEqual(r.status, 73)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("pipelines/huyen-a.yaml"), encoding: .utf8), draft)

        // validate wants the catalogs, and only them.
        r = try Harness.run(["validate", "pipelines/huyen-a.yaml"], in: dir)
        XCTAssertEqual(r.status, 78)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.contains("catalog") }.count, 2, r.stderr)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("pipelines/catalogs"), withIntermediateDirectories: true)
        try "unit_code,unit_name,tier,parent_code\n000.00.21.H56,UBND huyện A,huyen,\n"
            .write(to: dir.appendingPathComponent("pipelines/catalogs/units.csv"), atomically: true, encoding: .utf8)
        try "procedure_code,procedure_name,sector_code,sector_name,tier,service_level\n"
            .write(to: dir.appendingPathComponent("pipelines/catalogs/procedures.csv"), atomically: true, encoding: .utf8)
        r = try Harness.run(["validate", "pipelines/huyen-a.yaml"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)

        // The labels given their codes as the comments ask: no reject left.
        let filled = draft.replacingOccurrences(of: "    # labels:", with: "    labels:")
            .replacingOccurrences(of: "    #   status:", with: "      status:")
            .replacingOccurrences(of: "    #   channel:", with: "      channel:")
            .replacingOccurrences(of: "    #     \"Hoàn thành\": ?", with: "        \"Hoàn thành\": 10")
            .replacingOccurrences(of: "    #     \"Mới\": ?", with: "        \"Mới\": 2")
            .replacingOccurrences(of: "    #     \"Nộp qua Zalo\": ?", with: "        \"Nộp qua Zalo\": 2")
        try filled.write(to: dir.appendingPathComponent("pipelines/huyen-a.yaml"), atomically: true, encoding: .utf8)
        r = try Harness.run(["run", "pipelines/huyen-a.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("pipelines/out/summary.json"))) as! [String: Any]
        XCTAssertEqual((summary["accounting"] as? [String: Int])?["rejected"], 0, "\(summary)")
        XCTAssertEqual((summary["accounting"] as? [String: Int])?["in_scope"], 5)
    }

    func testNDJSONExports() throws {
        let dir = try Harness.scratch("init-ndjson")
        defer { try? FileManager.default.removeItem(at: dir) }
        let exports = Harness.projectDir.appendingPathComponent("SampleData/exports")
        let files = try FileManager.default.contentsOfDirectory(atPath: exports.path).filter { $0.hasSuffix(".ndjson.gz") }.sorted().prefix(3)
        let r = try Harness.run(["init"] + files.map { exports.appendingPathComponent($0).path }, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("- format: dvcqg-ndjson"), r.stdout)
        XCTAssertTrue(r.stdout.contains("/SampleData/exports/hoso-*.ndjson.gz\"]"), r.stdout)
        XCTAssertFalse(r.stdout.contains("columns:"), r.stdout)
    }

    /// Two layouts in one folder, date forms that differ from file to file, a number that is
    /// no code, and a damaged workbook.
    func testMixedFolderAndWhatInitRefuses() throws {
        let dir = try Harness.scratch("init-mixed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let exports = dir.appendingPathComponent("exports")
        try FileManager.default.createDirectory(at: exports, withIntermediateDirectories: true)
        func book(_ name: String, status: String, received: String, heading: String = "Mã hồ sơ") throws {
            var s = XSheet(name: "S")
            s.add(row: 1, [.text(heading), .text("Mã đơn vị"), .text("Trạng thái"), .text("Ngày tiếp nhận")])
            s.add(row: 2, [.text("000.00.21.H56-1"), .text("000.00.21.H56"), .text(status), .text(received)])
            try WorkbookWriter.write([s], to: exports.appendingPathComponent(name))
        }
        try book("hoso-2024-03-05.xlsx", status: "4", received: "05/03/2024")
        try book("hoso-2024-03-06.xlsx", status: "0", received: "2024-03-06")
        try book("hoso-cu-2024-03.xlsx", status: "4", received: "05/03/2024", heading: "Số hồ sơ")
        let r = try Harness.run(["init", "exports/hoso-2024-03-05.xlsx", "exports/hoso-2024-03-06.xlsx", "exports/hoso-cu-2024-03.xlsx",
                                 "--out", "p.yaml"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let draft = try String(contentsOf: dir.appendingPathComponent("p.yaml"), encoding: .utf8)
        // The glob of the first layout would take the other's file: each lists its files.
        XCTAssertTrue(draft.contains(#"paths: ["exports/hoso-2024-03-05.xlsx", "exports/hoso-2024-03-06.xlsx"]"#), draft)
        XCTAssertTrue(draft.contains(#"paths: ["exports/hoso-cu-*.xlsx"]"#), draft)
        XCTAssertTrue(draft.contains("the files use different date forms: date_format is left out"), draft)
        XCTAssertTrue(draft.contains("status 0 (1 row(s)) is no code of that field"), draft)
        XCTAssertFalse(draft.contains(#""0": ?"#), "a number cannot be a label")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("catalogs"), withIntermediateDirectories: true)
        try "unit_code,unit_name,tier,parent_code\n".write(to: dir.appendingPathComponent("catalogs/units.csv"), atomically: true, encoding: .utf8)
        try "procedure_code,procedure_name,sector_code,sector_name,tier,service_level\n"
            .write(to: dir.appendingPathComponent("catalogs/procedures.csv"), atomically: true, encoding: .utf8)
        let v = try Harness.run(["validate", "p.yaml"], in: dir)
        XCTAssertEqual(v.status, 0, v.stderr)

        // A damaged workbook: no draft from half a file.
        let whole = try Data(contentsOf: exports.appendingPathComponent("hoso-2024-03-05.xlsx"))
        try whole.prefix(whole.count * 2 / 3).write(to: exports.appendingPathComponent("cut.xlsx"))
        let cut = try Harness.run(["init", "exports/cut.xlsx"], in: dir)
        XCTAssertEqual(cut.status, 65, cut.stderr)
        XCTAssertTrue(cut.stderr.contains("exports/cut.xlsx: corrupt input"), cut.stderr)
    }
}
