// bieu-ii06a.xlsx as a spreadsheet program reads and prints it: LibreOffice Calc (headless)
// converts it to CSV, every sheet, and to PDF. The text and numbers land in the cells where
// the form has them (merged headings in their first cell), the CSV form's numbers included;
// each sheet prints on A4 landscape one page wide, with the headings on every page, in a serif
// font that has every Vietnamese letter (no fallback font in the PDF). Needs LibreOffice and
// poppler (scripts/install-deps.sh installs them); MOTCUA_SKIP_LIBREOFFICE=1 skips.
import Foundation
import XCTest
import MotcuaTestSupport

final class FormWorkbookRenderingTests: XCTestCase {
    /// The path of `name` on PATH.
    private func which(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a tool (killed after `deadline` seconds): its exit status and standard output.
    private func tool(_ name: String, _ args: [String], deadline: Double = 180) throws -> (status: Int32, stdout: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: which(name)!)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let killer = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + deadline, execute: killer)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        killer.cancel()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// LibreOffice and poppler, or a skip (MOTCUA_SKIP_LIBREOFFICE=1) or a failure saying how to get them.
    private func requireTools() throws {
        let missing = ["soffice", "pdfinfo", "pdftotext", "pdffonts"].filter { which($0) == nil }
        guard missing.isEmpty else {
            if ProcessInfo.processInfo.environment["MOTCUA_SKIP_LIBREOFFICE"] == "1" { throw XCTSkip("no \(missing)") }
            XCTFail("\(missing.joined(separator: ", ")) not installed: run scripts/install-deps.sh (or set MOTCUA_SKIP_LIBREOFFICE=1)")
            throw XCTSkip("no \(missing)")
        }
    }

    /// Converts `xlsx` with LibreOffice into `dir` (`csv`: one file per sheet; `pdf`: one file), with a profile of its own.
    private func convert(_ xlsx: URL, to format: String, in dir: URL) throws {
        let filter = format == "csv" ? "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1" : "pdf"
        let r = try tool("soffice", ["-env:UserInstallation=file://\(dir.path)/profile", "--headless",
                                     "--convert-to", filter, "--outdir", dir.path, xlsx.path])
        XCTAssertEqual(r.status, 0, r.stdout)
    }

    /// A CSV file of LibreOffice's (LF, `"` quotes) as rows of cells.
    private func rows(_ url: URL) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var cells: [String] = [], cell = "", quoted = false
            for ch in line {
                if ch == "\"" { quoted.toggle() } else if ch == "," && !quoted { cells.append(cell); cell = "" } else { cell.append(ch) }
            }
            return cells + [cell]
        }
    }

    func testLibreOfficeFindsEveryCellWhereTheFormHasIt() throws {
        try requireTools()
        let dir = try fixtureCopy("breakdown_sector", outputs: "{ dir: out, formats: [csv], form_ii06a: true, form_ii06a_xlsx: true }")
        let out = try runPipeline(in: dir)
        let xlsx = out.appendingPathComponent("bieu-ii06a.xlsx")
        try convert(xlsx, to: "csv", in: dir)
        let sheet = try rows(dir.appendingPathComponent("bieu-ii06a-000.00.21.H56 2024-03.csv"))
        let empty = ""
        XCTAssertEqual(sheet[0][0], "Biểu số II.06a/VPCP/KSTT")
        XCTAssertEqual(sheet[0][2], "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC")
        XCTAssertEqual(sheet[0][9], "Đơn vị báo cáo: UBND huyện Đông Sơn")
        XCTAssertEqual(sheet[1][0], "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020")
        XCTAssertEqual(sheet[1][9], "Đơn vị nhận báo cáo: UBND tỉnh Thanh Hóa")
        XCTAssertEqual(sheet[2][2], "Kỳ báo cáo: Tháng 3 năm 2024")
        XCTAssertEqual(sheet[3][2], "(Từ ngày 01/03/2024 đến ngày 31/03/2024)")
        XCTAssertEqual(sheet[3][9], "Đơn vị tính: Số hồ sơ TTHC")
        XCTAssertEqual(sheet[4][2], "Phạm vi: hồ sơ của chính đơn vị")
        // The headings, each in the first cell of its merged range.
        XCTAssertEqual(sheet[6], ["STT", "Lĩnh vực, công việc giải quyết theo cấp", "Số hồ sơ nhận giải quyết", empty, empty, empty,
                                  "Số hồ sơ đã giải quyết", empty, empty, empty, "Số hồ sơ đang giải quyết", empty, empty])
        XCTAssertEqual(sheet[7], [empty, empty, "Tổng số", "Trong đó", empty, empty, "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn",
                                  "Tổng số", "Trong hạn", "Quá hạn"])
        XCTAssertEqual(sheet[8], [empty, empty, empty, "Trong kỳ", empty, "Từ kỳ trước"] + Array(repeating: empty, count: 7))
        XCTAssertEqual(sheet[9], [empty, empty, empty, "Trực tuyến", "Trực tiếp, dịch vụ bưu chính"] + Array(repeating: empty, count: 8))
        XCTAssertEqual(sheet[10], ["A", "B"] + (1...11).map { "(\($0))" })
        // The numbers of bieu-ii06a.csv: its lĩnh vực rows, then its total row.
        let csv = String(decoding: try Data(contentsOf: out.appendingPathComponent("bieu-ii06a.csv")).dropFirst(3), as: UTF8.self)
        var sectors: [[String]] = [], total: [String] = []
        for line in csv.components(separatedBy: "\r\n") where line.contains(",000.00.21.H56,") {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let row = [cells[5], cells[7]] + cells.suffix(11)
            if cells[6].isEmpty { total = row } else { sectors.append(row) }
        }
        XCTAssertEqual(sectors.count, 7)
        XCTAssertEqual(Array(sheet[11..<18]), sectors)
        XCTAssertEqual(sheet[18], total)
        XCTAssertEqual(total, [empty, "Tổng cộng", "8", "3", "5", "0", "3", "1", "1", "1", "5", "4", "1"])
        // The signature block.
        XCTAssertEqual(sheet[20][9], "……, ngày …… tháng …… năm ……")
        XCTAssertEqual([sheet[21][0], sheet[21][9]], ["Người lập biểu", "Thủ trưởng đơn vị"])
        XCTAssertEqual([sheet[22][0], sheet[22][9]], ["(Ký, ghi rõ họ tên)", "(Ký, đóng dấu, ghi rõ họ tên)"])

        // Printed: a page per sheet, A4 landscape, the diacritics as written, one serif font.
        try convert(xlsx, to: "pdf", in: dir)
        let pdf = dir.appendingPathComponent("bieu-ii06a.pdf").path
        let info = try tool("pdfinfo", [pdf]).stdout
        XCTAssertTrue(info.contains("Pages:           4"), info)
        XCTAssertTrue(info.contains("Page size:       841.89 x 595.3"), info)
        let text = try tool("pdftotext", ["-layout", pdf, "-"]).stdout
        for needle in ["Biểu số II.06a/VPCP/KSTT", "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI",
                       "Đơn vị báo cáo: UBND huyện Đông Sơn", "Kỳ báo cáo: Tháng 3 năm 2024", "Không xác định lĩnh vực",
                       "Trực tiếp,", "Thủ trưởng đơn vị", "(Ký, đóng dấu, ghi rõ họ tên)", "Trang 3/4"] {
            XCTAssertTrue(text.contains(needle), "\(needle) not in the PDF:\n\(text)")
        }
        let fonts = try tool("pdffonts", [pdf]).stdout.split(separator: "\n").dropFirst(2)
        XCTAssertFalse(fonts.isEmpty)
        for f in fonts { XCTAssertTrue(f.contains("LiberationSerif") || f.contains("TimesNewRoman"), "a fallback font: \(f)") }
    }

    func testALongFormPrintsItsHeadingsOnEveryPage() throws {
        try requireTools()
        let dir = try Harness.scratch("form-pages")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        // One unit, 80 lĩnh vực with a dossier each: more rows than one page holds.
        let records = (1...80).map { i in
            #"{"MaHoSo":"P-\#(i)","MaDonVi":"U1","MaTTHC":"1.0","MaLinhVuc":"LV-\#(100 + i)","KenhThucHien":2,"TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000","NgayHenTra":"20240405170000"}"#
        }
        try records.joined(separator: "\n").write(to: dir.appendingPathComponent("hoso.ndjson"), atomically: true, encoding: .utf8)
        try """
        version: 1
        inputs: [{format: dvcqg-ndjson, paths: [hoso.ndjson]}]
        periods: {kind: month, period: 2024-03}
        outputs: {dir: out, formats: [csv], form_ii06a_xlsx: true}
        """.write(to: dir.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        let out = try runPipeline(in: dir)
        try convert(out.appendingPathComponent("bieu-ii06a.xlsx"), to: "pdf", in: dir)
        let pdf = dir.appendingPathComponent("bieu-ii06a.pdf").path
        let pages = Int(Xlsx.matches(#"Pages:\s+(\d+)"#, in: try tool("pdfinfo", [pdf]).stdout).first?[1] ?? "") ?? 0
        XCTAssertGreaterThanOrEqual(pages, 2)
        for page in 1...max(1, pages) {
            let text = try tool("pdftotext", ["-layout", "-f", "\(page)", "-l", "\(page)", pdf, "-"]).stdout
            for needle in ["Số hồ sơ nhận giải quyết", "Số hồ sơ đang giải quyết", "(11)", "Trang \(page)/\(pages)"] {
                XCTAssertTrue(text.contains(needle), "page \(page): \(needle) missing:\n\(text)")
            }
            // One page wide: the last column's heading and numbers are on every page.
            XCTAssertTrue(text.contains("Quá hạn"), "page \(page)")
        }
        let last = try tool("pdftotext", ["-layout", "-f", "\(pages)", "-l", "\(pages)", pdf, "-"]).stdout
        XCTAssertTrue(last.contains("Tổng cộng") && last.contains("Thủ trưởng đơn vị"), last)
    }
}
