// `motcua inspect` on SampleData and on a CSV with a BOM, labels and a bad row.
import Foundation
import XCTest
import MotcuaTestSupport

final class InspectTests: XCTestCase {
    func testInspectJSON() throws {
        let dir = try Harness.scratch("insp")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = "\u{FEFF}Mã hồ sơ;Trạng thái;Ngày tiếp nhận;Kênh thực hiện\r\n000.00.01.H56-1;2;05/03/2024;Trực tuyến\r\n000.00.01.H56-2;Đang xử lý;06/03/2024;BCCI\r\n\"x\";1\r\n"
        try csv.write(to: dir.appendingPathComponent("a.csv"), atomically: true, encoding: .utf8)
        let sample = Harness.projectDir.appendingPathComponent("SampleData/exports/hoso-2024-03-01.ndjson.gz").path
        let r = try Harness.run(["inspect", "--json", sample, dir.appendingPathComponent("a.csv").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let reports = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Any]]
        XCTAssertEqual(reports.count, 2)
        XCTAssertEqual(reports[0]["format"] as? String, "dvcqg-ndjson")
        XCTAssertEqual(reports[0]["gzip"] as? Bool, true)
        XCTAssertGreaterThan(reports[0]["records"] as! Int, 50)
        let fields = (reports[0]["fields"] as! [[String: Any]]).map { $0["name"] as! String }
        XCTAssertTrue(fields.contains("MaHoSo") && fields.contains("DanhSachTepDinhKem"))

        let c = reports[1]
        XCTAssertEqual(c["format"] as? String, "csv")
        XCTAssertEqual(c["delimiter"] as? String, ";")
        XCTAssertEqual(c["records"] as? Int, 3)
        XCTAssertEqual(c["rejected"] as? Int, 1)
        XCTAssertEqual(c["received_from"] as? String, "2024-03-05")
        XCTAssertEqual(c["received_to"] as? String, "2024-03-06")
        XCTAssertEqual(c["statuses"] as? [String: Int], ["2": 1, "4": 1])
        XCTAssertEqual(c["channels"] as? [String: Int], ["2": 1, "3": 1])
        XCTAssertEqual(c["rejects_by_reason"] as? [String: Int], ["malformed_csv": 1])
        XCTAssertEqual((c["first_rejects"] as? [[String: Any]])?.first?["line"] as? Int, 4)

        let text = try Harness.run(["inspect", sample])
        XCTAssertTrue(text.stdout.contains("format: dvcqg-ndjson, gzip with 1 complete member"), text.stdout)
        XCTAssertEqual(try Harness.run(["inspect", "/nonexistent.gz"]).status, 66)
    }
}
