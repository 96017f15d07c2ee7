// bieu-ii06a.xlsx written from hand-made form rows and read back with the tests' own zip and
// SpreadsheetML reader: the header block, the grouped and merged headings, numbers as numbers,
// the signature block, the page setup and the fixed creation time; sheet names Excel accepts;
// the period in words.
import Foundation
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaAggregate
@testable import MotcuaOutput

final class FormWorkbookTests: XCTestCase {
    /// A counter row with the form's columns (1)–(11) given, the other counters 0.
    private func row(_ unit: Int, _ sector: String, _ form: [Int64], period: Int = 0, scope: Scope = .own) -> CounterRow {
        var values = [Int64](repeating: 0, count: counterColumns.count)
        for (i, index) in FormII06aOutput.valueIndices.enumerated() { values[index] = form[i] }
        return CounterRow(period: period, unit: unit, scope: scope, sector: sector, values: values)
    }

    func testTheFormCellByCell() throws {
        let units = UnitModel(catalog: [UnitInfo(code: "T01", name: "UBND tỉnh Bình An", tier: "tinh", parent: ""),
                                        UnitInfo(code: "H01", name: "UBND huyện Đông Sơn", tier: "huyen", parent: "T01")],
                              dossierUnitCodes: [])
        let longName = "Thành lập và hoạt động của hộ kinh doanh, hợp tác xã và liên hiệp hợp tác xã"
        let huge = String(repeating: "Đ", count: 40_000)   // more than a cell holds: cut, not an error
        let rows = [
            row(0, "", [12, 5, 6, 1, 9, 2, 6, 1, 3, 2, 1], scope: .subtree),
            row(0, "G01", [12, 5, 6, 1, 9, 2, 6, 1, 3, 2, 1], scope: .subtree),
            row(0, huge, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], scope: .subtree),
            row(1, "", [1_234_567, 1_000_000, 234_000, 567, 1_234_000, 1, 1_233_998, 1, 567, 500, 67]),
            row(1, "(none)", [7, 3, 4, 0, 7, 1, 5, 1, 0, 0, 0]),
            row(1, "G02", [1_234_560, 999_997, 233_996, 567, 1_233_993, 0, 1_233_993, 0, 567, 500, 67]),
        ]
        let periods = [Period(label: "2024-03", from: parseDay("2024-03-01")!, to: parseDay("2024-03-31")!)]
        let dir = try Harness.scratch("workbook")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bieu-ii06a.xlsx").path
        try FormII06aWorkbook.write(rows, periods: periods, units: units,
                                    sectorNames: ["G01": "Hộ tịch", "G02": longName], to: path)

        let book = try Xlsx(path: path)
        XCTAssertEqual(book.sheets.map(\.name), ["T01 2024-03", "H01 2024-03"])
        let cells = book.cells("H01 2024-03")
        func text(_ ref: String) -> String? { if case .text(let s)? = cells[ref] { return s } else { return nil } }
        // Header block.
        XCTAssertEqual(text("A1"), "Biểu số II.06a/VPCP/KSTT")
        XCTAssertEqual(text("A2"), "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020")
        XCTAssertEqual(text("C1"), "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC")
        XCTAssertEqual(text("C3"), "Kỳ báo cáo: Tháng 3 năm 2024")
        XCTAssertEqual(text("C4"), "(Từ ngày 01/03/2024 đến ngày 31/03/2024)")
        XCTAssertEqual(text("C5"), "Phạm vi: hồ sơ của chính đơn vị")
        XCTAssertEqual(text("J1"), "Đơn vị báo cáo: UBND huyện Đông Sơn")
        XCTAssertEqual(text("J2"), "Đơn vị nhận báo cáo: UBND tỉnh Bình An")
        XCTAssertEqual(text("J4"), "Đơn vị tính: Số hồ sơ TTHC")
        // Headings, grouped as on the form, and the numbering row.
        let headings = ["A7": "STT", "B7": "Lĩnh vực, công việc giải quyết theo cấp", "C7": "Số hồ sơ nhận giải quyết",
                        "C8": "Tổng số", "D8": "Trong đó", "D9": "Trong kỳ", "D10": "Trực tuyến",
                        "E10": "Trực tiếp, dịch vụ bưu chính", "F9": "Từ kỳ trước", "G7": "Số hồ sơ đã giải quyết",
                        "G8": "Tổng số", "H8": "Trước hạn", "I8": "Đúng hạn", "J8": "Quá hạn",
                        "K7": "Số hồ sơ đang giải quyết", "K8": "Tổng số", "L8": "Trong hạn", "M8": "Quá hạn",
                        "A11": "A", "B11": "B"]
        for (ref, want) in headings { XCTAssertEqual(text(ref), want, ref) }
        for (i, column) in "CDEFGHIJKLM".enumerated() { XCTAssertEqual(text("\(column)11"), "(\(i + 1))") }
        let merges = book.merges("H01 2024-03")
        for range in ["A1:B1", "A2:B3", "C1:I2", "C3:I3", "C4:I4", "C5:I5", "J1:M1", "J2:M3", "J4:M4",
                      "A7:A10", "B7:B10", "C7:F7", "C8:C10", "D8:F8", "D9:E9", "F9:F10", "G7:J7", "G8:G10",
                      "H8:H10", "I8:I10", "J8:J10", "K7:M7", "K8:K10", "L8:L10", "M8:M10"] {
            XCTAssertTrue(merges.contains(range), "\(range) not merged: \(merges.sorted())")
        }
        // A row per lĩnh vực (numbered), then the total; every count a number cell.
        XCTAssertEqual(cells["A12"], .number(1))
        XCTAssertEqual(text("B12"), "Không xác định lĩnh vực")
        XCTAssertEqual(cells["A13"], .number(2))
        XCTAssertEqual(text("B13"), longName)
        XCTAssertEqual(text("B14"), "Tổng cộng")
        let expected: [Int: [Double]] = [12: [7, 3, 4, 0, 7, 1, 5, 1, 0, 0, 0],
                                         13: [1_234_560, 999_997, 233_996, 567, 1_233_993, 0, 1_233_993, 0, 567, 500, 67],
                                         14: [1_234_567, 1_000_000, 234_000, 567, 1_234_000, 1, 1_233_998, 1, 567, 500, 67]]
        for (r, values) in expected {
            for (i, column) in "CDEFGHIJKLM".enumerated() { XCTAssertEqual(cells["\(column)\(r)"], .number(values[i]), "\(column)\(r)") }
        }
        XCTAssertNil(cells["A15"])
        // The long name wraps: its row is taller than a one-line row.
        let heights = Dictionary(uniqueKeysWithValues: Xlsx.matches(#"<row r="(\d+)"[^>]* ht="([\d.]+)""#, in: book.xml("H01 2024-03")!)
            .map { (Int($0[1])!, Double($0[2])!) })
        XCTAssertGreaterThan(heights[13]!, heights[12]!)
        // Signature block, after one blank row.
        XCTAssertEqual(text("J16"), "……, ngày …… tháng …… năm ……")
        XCTAssertEqual(text("A17"), "Người lập biểu")
        XCTAssertEqual(text("A18"), "(Ký, ghi rõ họ tên)")
        XCTAssertEqual(text("J17"), "Thủ trưởng đơn vị")
        XCTAssertEqual(text("J18"), "(Ký, đóng dấu, ghi rõ họ tên)")
        // Numbers shown as #,##0 (with a space at the right border) in Times New Roman.
        let styles = String(decoding: book.entries["xl/styles.xml"]!, as: UTF8.self)
        XCTAssertTrue(styles.contains(##"formatCode="#,##0_)""##), styles)
        XCTAssertTrue(styles.contains(#"<name val="Times New Roman"/>"#))

        // The province's sheet counts its subtree and says so; a root province reports to the Government Office.
        let province = book.cells("T01 2024-03")
        XCTAssertEqual(province["C5"], .text("Phạm vi: hồ sơ của đơn vị và các đơn vị trực thuộc"))
        XCTAssertEqual(province["J2"], .text("Đơn vị nhận báo cáo: Văn phòng Chính phủ"))
        XCTAssertEqual(province["B12"], .text("Hộ tịch"))
        XCTAssertEqual(province["B13"], .text(String(repeating: "Đ", count: 32_767)))
        XCTAssertEqual(province["B14"], .text("Tổng cộng"))
        XCTAssertEqual(province["C14"], .number(12))

        // Printing: A4 landscape, one page wide, centred, headings and numbering on every page.
        for sheet in book.sheets.map(\.name) {
            let setup = book.attributes(sheet, "pageSetup")
            XCTAssertEqual(setup["paperSize"], "9")
            XCTAssertEqual(setup["orientation"], "landscape")
            XCTAssertEqual(setup["fitToHeight"], "0")
            XCTAssertNotEqual(setup["fitToWidth"] ?? "1", "0")
            XCTAssertEqual(book.attributes(sheet, "pageSetUpPr")["fitToPage"], "1")
            XCTAssertEqual(book.attributes(sheet, "printOptions")["horizontalCentered"], "1")
        }
        let workbook = String(decoding: book.entries["xl/workbook.xml"]!, as: UTF8.self)
        XCTAssertTrue(workbook.contains(#"<definedName name="_xlnm.Print_Titles" localSheetId="1">'H01 2024-03'!$7:$11</definedName>"#), workbook)
        // Created at the end of the last period, not at the time of the run.
        let core = String(decoding: book.entries["docProps/core.xml"]!, as: UTF8.self)
        XCTAssertTrue(core.contains(">2024-03-31T23:59:59Z</dcterms:created>"), core)
    }

    func testAWorkbookWithoutUnitsHasOneSheetSayingSo() throws {
        let dir = try Harness.scratch("workbook")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("empty.xlsx").path
        try FormII06aWorkbook.write([], periods: [Period(label: "2024", from: parseDay("2024-01-01")!, to: parseDay("2024-12-31")!)],
                                    units: UnitModel(catalog: [], dossierUnitCodes: []), sectorNames: [:], to: path)
        let book = try Xlsx(path: path)
        XCTAssertEqual(book.sheets.map(\.name), ["II.06a"])
        XCTAssertEqual(book.cells("II.06a")["C3"], .text("Không có đơn vị nào để báo cáo"))
    }

    func testAnUnwritablePathIsAnIOError() {
        let units = UnitModel(catalog: [], dossierUnitCodes: ["X"])
        XCTAssertThrowsError(try FormII06aWorkbook.write([row(0, "", [Int64](repeating: 0, count: 11))],
                                                         periods: [Period(label: "2024", from: 0, to: 1)], units: units,
                                                         sectorNames: [:], to: "/nonexistent-dir/x.xlsx")) { error in
            XCTAssertEqual((error as? OutputError)?.kind, .io)
        }
    }

    func testSheetNamesExcelAccepts() {
        let long = String(repeating: "x", count: 40)
        let names = FormII06aWorkbook.sheetNames([
            "000.00.21.H56 2024-03", "a/b[c]:d*e?f\\g", "'quoted'", "History", long, long.uppercased(), long,
            "Đơn vị", "ĐƠN VỊ", "", "2024-01-01..2024-03-31 000.00.00.H56",
        ])
        XCTAssertEqual(names[0], "000.00.21.H56 2024-03")
        XCTAssertEqual(names[1], "a_b_c__d_e_f_g")
        XCTAssertEqual(names[2], "_quoted_")
        XCTAssertEqual(names[3], "History_")
        XCTAssertEqual(names[4], String(repeating: "x", count: 31))
        XCTAssertEqual(names[5], String(repeating: "X", count: 29) + "~2")
        XCTAssertEqual(names[6], String(repeating: "x", count: 29) + "~3")
        XCTAssertEqual(names[7], "Đơn vị")
        XCTAssertEqual(names[8], "ĐƠN VỊ~2")
        XCTAssertEqual(names[9], "_")
        XCTAssertEqual(names[10], "2024-01-01..2024-03-31 000.00.0")
        for n in names {
            XCTAssertLessThanOrEqual(n.utf16.count, 31, n)
            XCTAssertFalse(n.contains { "[]:*?/\\".contains($0) }, n)
            XCTAssertFalse(n.hasPrefix("'") || n.hasSuffix("'"), n)
        }
        XCTAssertEqual(Set(names.map { $0.lowercased() }).count, names.count)
    }

    func testPeriodsInWords() {
        func name(_ label: String, _ kind: PeriodKind, partial: Bool = false) -> String {
            var p = Periods.parse(label: label, kind: kind)!
            p.partial = partial
            return FormII06aWorkbook.periodName(p)
        }
        XCTAssertEqual(name("2024-03", .month), "Tháng 3 năm 2024")
        XCTAssertEqual(name("2024-03", .nd09Month), "Tháng 3 năm 2024")
        XCTAssertEqual(name("2024-Q4", .quarter), "Quý IV năm 2024")
        XCTAssertEqual(name("2024-H1", .half), "6 tháng đầu năm 2024")
        XCTAssertEqual(name("2024-H2", .nd09Half), "6 tháng cuối năm 2024")
        XCTAssertEqual(name("2024", .year), "Năm 2024")
        XCTAssertEqual(name("2024-W10", .week), "Tuần 10 năm 2024")
        XCTAssertEqual(name("2024-03-05", .day), "Ngày 05/03/2024")
        let custom = Period(label: "2024-01-01..2024-02-15", from: parseDay("2024-01-01")!, to: parseDay("2024-02-15")!)
        XCTAssertEqual(FormII06aWorkbook.periodName(custom), "Từ ngày 01/01/2024 đến ngày 15/02/2024")
        XCTAssertEqual(name("2024-Q1", .quarter, partial: true), "Quý I năm 2024 (chưa hết kỳ)")
    }
}
