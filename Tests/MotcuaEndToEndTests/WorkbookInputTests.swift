// Excel workbooks as input, end to end: vendor-style workbooks made from the generator's CSV
// exports (title rows, merged titles, wrapped headings, serial and text dates, shared and
// inline strings, numbers, a 100k-row sheet) give byte-identical outputs to the same data as
// CSV; rejects name the row Excel shows; files that are not workbooks say what they are.
import Foundation
import XCTest
import MotcuaTestSupport

final class WorkbookInputTests: XCTestCase {
    /// A generated province's CSV exports, and a pipeline reading them as `format`.
    struct Province {
        let dir: URL
        var csvFiles: [URL] {
            (try? FileManager.default.contentsOfDirectory(at: dir.appendingPathComponent("exports"), includingPropertiesForKeys: nil))?
                .filter { $0.pathExtension == "csv" }.sorted { $0.path < $1.path } ?? []
        }

        func pipeline(_ name: String, inputs: String, out: String, extra: String = "") throws -> URL {
            let yaml = """
            version: 1
            name: \(name)
            inputs:
            \(inputs)
            catalogs: { units: catalogs/units.csv, procedures: catalogs/procedures.csv }
            periods: { kind: month, from: 2024-02-01, to: 2024-03-31 }
            breakdown: [sector]
            outputs: { dir: \(out), formats: [csv, json], form_ii06a: true }
            limits: { max_reject_rate: 0.05 }
            \(extra)
            """
            let url = dir.appendingPathComponent("\(name).yaml")
            try yaml.write(to: url, atomically: true, encoding: .utf8)
            return url
        }
    }

    func generate(days: Int = 12, perDay: Int = 64) throws -> Province {
        let dir = try Harness.scratch("workbook")
        let r = try Harness.run(["generate", "--out", dir.path, "--format", "csv", "--no-gzip", "--days", "\(days)",
                                 "--dossiers-per-day", "\(perDay)", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return Province(dir: dir)
    }

    /// A vendor's sheet of one CSV export: two merged title rows and a blank row above the
    /// header (a heading wrapped in its cell), serial dates where the text is dd/MM/yyyy
    /// HH:mm:ss, plain integers as numbers, every fifth text inline; other cells shared strings.
    static func vendorSheet(_ rows: [[String]], name: String = "Danh sách hồ sơ", titleRows: Int = 3) -> XSheet {
        var sheet = XSheet(name: name)
        let width = rows.first?.count ?? 1
        sheet.add(row: 1, [.text("UBND TỈNH THANH HÓA")])
        sheet.add(row: 2, [.text("DANH SÁCH HỒ SƠ TIẾP NHẬN VÀ GIẢI QUYẾT")])
        sheet.merges = ["A1:E1", "A2:\(WorkbookWriter.columnName(width - 1))2"]
        let header = rows[0].map { h -> XCell? in h == "Ngày tiếp nhận" ? .text("Ngày tiếp\nnhận") : .text(h) }
        sheet.add(row: titleRows + 1, header)
        let dateColumns = Set(rows[0].indices.filter { rows[0][$0].hasPrefix("Ngày") })
        var k = 0
        for (i, row) in rows.dropFirst().enumerated() {
            let cells = row.enumerated().map { c, v -> XCell? in
                if v.isEmpty { return nil }
                if dateColumns.contains(c), let serial = serialOf(v) { return .date(serial, withTime: true) }
                if v.count <= 9, v.allSatisfy(\.isNumber), v.first != "0" || v == "0" { return .number(v) }
                k += 1
                return k % 5 == 0 ? .inline(v) : .text(v)
            }
            sheet.add(row: titleRows + 2 + i, cells)
        }
        return sheet
    }

    /// `dd/MM/yyyy HH:mm:ss` as an Excel serial; nil for other forms (they stay text).
    static func serialOf(_ s: String) -> Double? {
        let p = s.split(whereSeparator: { $0 == "/" || $0 == " " || $0 == ":" }).compactMap { Int($0) }
        guard p.count == 6, s.count == 19 else { return nil }
        return WorkbookWriter.serial(year: p[2], month: p[1], day: p[0], hour: p[3], minute: p[4], second: p[5])
    }

    static func csvRecords(_ url: URL) throws -> [(line: Int, fields: [String])] {
        var text = try String(contentsOf: url, encoding: .utf8)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return parseCSVRecords(text)
    }

    func assertSameOutputs(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) {
        for name in ["counters.csv", "counters.json", "kpis.csv", "kpis.json", "bieu-ii06a.csv"] {
            let x = try? Data(contentsOf: a.appendingPathComponent(name)), y = try? Data(contentsOf: b.appendingPathComponent(name))
            XCTAssertNotNil(x, name, file: file, line: line)
            XCTAssertEqual(x, y, "\(name) differs", file: file, line: line)
        }
    }

    func summary(_ out: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
    }

    func testVendorWorkbooksGiveTheSameNumbersAsTheirCSV() throws {
        let p = try generate()
        defer { try? FileManager.default.removeItem(at: p.dir) }
        let books = p.dir.appendingPathComponent("books")
        try FileManager.default.createDirectory(at: books, withIntermediateDirectories: true)
        // CSV line → sheet row, per file; rows with another number of fields than the header
        // (malformed_csv) have no equivalent in a sheet and are left out of it.
        var rowOfLine: [String: [Int: Int]] = [:]
        var leftOut = 0
        for csv in p.csvFiles {
            let records = try Self.csvRecords(csv)
            let kept = [records[0]] + records.dropFirst().filter { $0.fields.count == records[0].fields.count }
            leftOut += records.count - kept.count
            let name = csv.deletingPathExtension().lastPathComponent
            for (i, r) in kept.enumerated() { rowOfLine[name, default: [:]][r.line] = i + 4 }
            let sheet = Self.vendorSheet(kept.map(\.fields))
            try WorkbookWriter.write([sheet], to: books.appendingPathComponent(name + ".xlsx"))
        }
        XCTAssertGreaterThan(leftOut, 0, "the generator writes malformed rows")
        let csvPipe = try p.pipeline("as-csv", inputs: "  - { format: csv, paths: [\"exports/*.csv\"] }", out: "out-csv")
        let xlsxPipe = try p.pipeline("as-xlsx", inputs: "  - { format: xlsx, paths: [\"books/*.xlsx\"] }", out: "out-xlsx")
        for (pipe, threads) in [(csvPipe, "2"), (xlsxPipe, "2"), (xlsxPipe, "1")] {
            let r = try Harness.run(["run", pipe.path, "--quiet", "--threads", threads, "--as-of", "2024-03-31"] +
                                    (threads == "1" ? ["--out", "out-xlsx-1", "--chunk-bytes", "4096"] : []), in: p.dir)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        assertSameOutputs(p.dir.appendingPathComponent("out-csv"), p.dir.appendingPathComponent("out-xlsx"))
        assertSameOutputs(p.dir.appendingPathComponent("out-csv"), p.dir.appendingPathComponent("out-xlsx-1"))
        let a = try summary(p.dir.appendingPathComponent("out-csv")), b = try summary(p.dir.appendingPathComponent("out-xlsx"))
        var expected = a["accounting"] as? [String: Int]
        expected?["records"]! -= leftOut
        expected?["rejected"]! -= leftOut
        XCTAssertEqual(expected, b["accounting"] as? [String: Int])
        XCTAssertGreaterThan((a["accounting"] as? [String: Int])?["records"] ?? 0, 1000)
        XCTAssertEqual((b["inputs"] as? [[String: Any]])?.first?["format"] as? String, "xlsx")
        // The same rejects, each at its sheet row (a CSV record may span lines; a row is one).
        let rejectsCSV = try rejectLines(p.dir.appendingPathComponent("out-csv")).filter { $0.reason != "malformed_csv" }
        let rejectsXLSX = try rejectLines(p.dir.appendingPathComponent("out-xlsx"))
        XCTAssertFalse(rejectsCSV.isEmpty, "the generator writes some bad rows")
        XCTAssertEqual(rejectsCSV.map { r -> String in
                           let name = URL(fileURLWithPath: r.file).deletingPathExtension().lastPathComponent
                           return "books/\(name).xlsx:\(rowOfLine[name]?[r.line] ?? -1):\(r.reason)"
                       },
                       rejectsXLSX.map { "\($0.file):\($0.line):\($0.reason)" })
    }

    func rejectLines(_ out: URL) throws -> [(file: String, line: Int, reason: String)] {
        let text = try String(contentsOf: out.appendingPathComponent("rejects.ndjson"), encoding: .utf8)
        return text.split(separator: "\n").map {
            let o = try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            return (o["file"] as! String, o["line"] as! Int, o["reason"] as! String)
        }
    }

    /// 100k rows on one sheet (every export's rows, one after the other) against the same
    /// rows as one CSV file.
    func testHundredThousandRowSheetEqualsOneCSV() throws {
        let p = try generate(days: 40, perDay: 1700)
        defer { try? FileManager.default.removeItem(at: p.dir) }
        var all: [[String]] = []
        for csv in p.csvFiles {
            let rows = try Self.csvRecords(csv).map(\.fields)
            if all.isEmpty { all.append(rows[0]) }
            all += rows.dropFirst().filter { $0.count == rows[0].count }
        }
        XCTAssertGreaterThanOrEqual(all.count, 100_001, "the sheet must hold 100k rows")
        let text = all.map { $0.map(Self.quoted).joined(separator: ",") }.joined(separator: "\n") + "\n"
        try FileManager.default.createDirectory(at: p.dir.appendingPathComponent("one"), withIntermediateDirectories: true)
        try text.write(to: p.dir.appendingPathComponent("one/all.csv"), atomically: true, encoding: .utf8)
        try WorkbookWriter.write([Self.vendorSheet(all)], to: p.dir.appendingPathComponent("one/all.xlsx"))
        let csvPipe = try p.pipeline("one-csv", inputs: "  - { format: csv, paths: [\"one/*.csv\"] }", out: "out-csv")
        let xlsxPipe = try p.pipeline("one-xlsx", inputs: "  - { format: xlsx, paths: [\"one/*.xlsx\"] }", out: "out-xlsx")
        for pipe in [csvPipe, xlsxPipe] {
            let r = try Harness.run(["run", pipe.path, "--quiet"], in: p.dir)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        assertSameOutputs(p.dir.appendingPathComponent("out-csv"), p.dir.appendingPathComponent("out-xlsx"))
        let acc = try summary(p.dir.appendingPathComponent("out-xlsx"))["accounting"] as? [String: Int]
        XCTAssertEqual(acc?["records"], all.count - 1)
    }

    static func quoted(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// A small hand-made sheet: every kind of cell, a gap, a merged range below the header,
    /// a line break inside a cell, a row with only a numbering column; rejects at their rows.
    func testCellKindsRowsAndRejectLines() throws {
        let dir = try Harness.scratch("cells")
        defer { try? FileManager.default.removeItem(at: dir) }
        var hidden = XSheet(name: "Ghi chú")
        hidden.hidden = true
        hidden.add(row: 1, [.text("không đọc")])
        var s = XSheet(name: "Hồ sơ")
        s.add(row: 1, [.text("BÁO CÁO")])
        s.merges = ["A1:F1", "F8:F9"]
        s.add(row: 3, [.text("STT"), .text("Mã hồ sơ"), .text("Trạng thái"), .text("Kênh thực hiện"), .text("Ngày tiếp nhận"),
                       .text("Ngày kết thúc xử lý"), .text("Ghi chú")])
        let march5 = WorkbookWriter.serial(year: 2024, month: 3, day: 5, hour: 8, minute: 30)
        let march9 = WorkbookWriter.serial(year: 2024, month: 3, day: 9, hour: 16)
        s.add(row: 4, [.number("1"), .text("000.00.21.H56-240305-0001"), .number("4"), .text("Trực tuyến"), .date(march5, withTime: true), nil, .inline("dòng 1\ndòng 2, \"trích\"")])
        s.add(row: 5, [.number("2"), .inline("000.00.21.H56-240305-0002"), .text("Đã trả kết quả"), .number("1"), .date(march5.rounded(.down), withTime: false), .date(march9, withTime: true)])
        // Row 6 is missing; row 7 has only its number (a template's empty row): not a record.
        s.add(row: 7, [.number("4"), .styledEmpty, .styledEmpty])
        s.add(row: 8, [.number("5"), .formulaText("000.00.21.H56-240305-0003"), .text("Chờ trả kết quả"), .text("Tại quầy"), .text("05/03/2024 09:00:00"), .text("2024-03-06")])
        s.add(row: 9, [.number("6"), .text("000.00.21.H56-240305-0004"), .text("Mới"), .number("2"), .date(march5, withTime: true)])
        s.add(row: 10, [.number("7"), .text("000.00.21.H56-240305-0005"), .error("#N/A"), .number("2"), .date(march5, withTime: true)])
        s.add(row: 12, [.number("8"), .text("000.00.21.H56-240305-0006"), .bool(true), .number("2"), .number("45356")])
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("in"), withIntermediateDirectories: true)
        try WorkbookWriter.write([hidden, s], to: dir.appendingPathComponent("in/book.xlsx"))
        try """
        version: 1
        name: cells
        inputs:
          - { format: xlsx, paths: ["in/*.xlsx"] }
        periods: { kind: month, from: 2024-03-01, to: 2024-03-31 }
        outputs: { dir: out }
        limits: { max_reject_rate: 1 }
        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rejects = try rejectLines(dir.appendingPathComponent("out"))
        // Row 9 ("Mới" is no status), row 10 (#N/A), row 12 (TRUE is no status): numbered as Excel shows them.
        XCTAssertEqual(rejects.map { "\($0.line):\($0.reason)" },
                       ["9:invalid_value:TrangThaiHoSo", "10:invalid_value:TrangThaiHoSo", "12:invalid_value:TrangThaiHoSo"])
        let sum = try summary(dir.appendingPathComponent("out"))
        XCTAssertEqual(sum["accounting"] as? [String: Int],
                       ["records": 6, "accepted": 3, "rejected": 3, "dossiers": 3, "superseded": 0, "in_scope": 3, "not_received": 0])
        let warnings = (sum["warnings"] as? [String]) ?? []
        XCTAssertTrue(warnings.contains { $0.contains("F8:F9") && $0.contains("merged") }, "\(warnings)")
        let counters = try String(contentsOf: dir.appendingPathComponent("out/counters.csv"), encoding: .utf8)
        let row = parseCSV(counters)
        let h = row[0]
        let total = row.dropFirst().first { $0[h.firstIndex(of: "scope")!] == "own" }!
        func v(_ name: String) -> String { total[h.firstIndex(of: name)!] }
        // Dossier 1 online in process; 2 direct, ended 9 March, returned (status 10); 3 direct (Tại quầy), status 9, ended 6 March.
        XCTAssertEqual([v("new_online"), v("new_direct"), v("resolved_total"), v("pending_total")], ["1", "2", "2", "1"])
    }

    func testHeaderRowAndSheetByName() throws {
        let dir = try Harness.scratch("header")
        defer { try? FileManager.default.removeItem(at: dir) }
        var first = XSheet(name: "Tổng hợp")
        first.add(row: 1, [.text("không phải dữ liệu")])
        var data = XSheet(name: "Chi tiết")
        // No heading of the default set: the columns are mapped, and the header row given.
        data.add(row: 2, [.text("Số hồ sơ"), .text("Tình trạng"), .text("Ngày nhận")])
        data.add(row: 3, [.text("000.00.21.H56-240305-0001"), .text("Được tiếp nhận"), .text("05/03/2024")])
        // A serial date (1904 system: 2024-03-06 is 43895) written in the pinned form dd/MM/yyyy.
        data.add(row: 4, [.text("000.00.21.H56-240306-0002"), .number("2"), .date(43_895.75, withTime: true)])
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("in"), withIntermediateDirectories: true)
        try WorkbookWriter.write([first, data], to: dir.appendingPathComponent("in/b.xlsx"), date1904: true)
        try """
        version: 1
        name: header
        inputs:
          - format: xlsx
            paths: ["in/*.xlsx"]
            sheet: "Chi tiết"
            header_row: 2
            columns: { dossier_id: "Số hồ sơ", status: "Tình trạng", received_at: "Ngày nhận" }
            date_format: "dd/MM/yyyy"
        periods: { kind: day, from: 2024-03-05, to: 2024-03-06 }
        outputs: { dir: out }
        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        var r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual((try summary(dir.appendingPathComponent("out"))["accounting"] as? [String: Int])?["in_scope"], 2)
        // One dossier received on each day: the serial date fell on 6 March.
        let counters = parseCSV(try String(contentsOf: dir.appendingPathComponent("out/counters.csv"), encoding: .utf8))
        let h = counters[0]
        XCTAssertEqual(counters.dropFirst().filter { $0[h.firstIndex(of: "scope")!] == "own" }
                           .map { "\($0[h.firstIndex(of: "period")!]):\($0[h.firstIndex(of: "new_direct")!])" },
                       ["2024-03-05:1", "2024-03-06:1"])

        // A sheet that is not there names the sheets there are.
        try String(contentsOf: dir.appendingPathComponent("p.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "\"Chi tiết\"", with: "\"Chi tiet 2\"")
            .write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("in/b.xlsx has no sheet named 'Chi tiet 2'") && r.stderr.contains("'Chi tiết'"), r.stderr)

        // A header_row past the sheet's end says so (rather than reading nothing in silence).
        try String(contentsOf: dir.appendingPathComponent("p.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "\"Chi tiet 2\"", with: "\"Chi tiết\"").replacingOccurrences(of: "header_row: 2", with: "header_row: 40")
            .write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue((try summary(dir.appendingPathComponent("out"))["warnings"] as? [String] ?? [])
            .contains("in/b.xlsx: sheet 'Chi tiết': header_row 40 is past the sheet's last row; nothing is read"))

        // Two sheets of one workbook as two inputs read one file two ways: a config error, not a silent drop.
        try """
        version: 1
        name: two-sheets
        inputs:
          - { format: xlsx, paths: ["in/*.xlsx"], sheet: "Chi tiết" }
          - { format: xlsx, paths: ["in/b.xlsx"], sheet: "Tổng hợp" }
        periods: { kind: month, from: 2024-03-01, to: 2024-03-31 }
        """.write(to: dir.appendingPathComponent("two.yaml"), atomically: true, encoding: .utf8)
        r = try Harness.run(["validate", "two.yaml"], in: dir)
        XCTAssertEqual(r.status, 78)
        XCTAssertTrue(r.stderr.contains("in/b.xlsx is matched by inputs[0] and inputs[1], which read it differently"), r.stderr)
    }

    func testFilesThatAreNotWorkbooksSayWhatTheyAre() throws {
        let dir = try Harness.scratch("notbook")
        defer { try? FileManager.default.removeItem(at: dir) }
        let inDir = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inDir, withIntermediateDirectories: true)
        // A legacy .xls starts with the OLE2 compound-file signature.
        try Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504)).write(to: inDir.appendingPathComponent("a.xls"))
        func pipeline(_ format: String, _ glob: String) throws {
            try """
            version: 1
            name: t
            inputs:
              - { format: \(format), paths: ["in/\(glob)"] }
            periods: { kind: month, from: 2024-03-01, to: 2024-03-31 }
            outputs: { dir: out }
            """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        }
        try pipeline("xlsx", "a.xls")
        var r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("in/a.xls is a legacy Excel 97–2003 workbook (.xls)") && r.stderr.contains("save it as .xlsx"), r.stderr)
        try pipeline("csv", "a.xls")
        r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("legacy Excel 97–2003"), r.stderr)

        // A workbook given as CSV is refused, not read as lines of zip bytes.
        var s = XSheet(name: "S")
        s.add(row: 1, [.text("Mã hồ sơ"), .text("Trạng thái")])
        try WorkbookWriter.write([s], to: inDir.appendingPathComponent("b.xlsx"))
        try pipeline("csv", "b.xlsx")
        r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("in/b.xlsx is a zip archive") && r.stderr.contains("format: xlsx"), r.stderr)
        r = try Harness.run(["inspect", inDir.appendingPathComponent("a.xls").path])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("legacy Excel"), r.stderr)

        // A zip that is not a workbook, and a workbook cut short (damage: on_corrupt_input applies).
        let zip = inDir.appendingPathComponent("c.xlsx")
        let z = try XCTUnwrap(Process.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-c",
            "import zipfile,sys; zipfile.ZipFile(sys.argv[1],'w').writestr('data.csv','a,b\\n')", zip.path]))
        z.waitUntilExit()
        try pipeline("xlsx", "c.xlsx")
        r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("in/c.xlsx is a zip archive but not an Excel workbook"), r.stderr)
        let whole = try Data(contentsOf: inDir.appendingPathComponent("b.xlsx"))
        try whole.prefix(whole.count / 2).write(to: zip)
        r = try Harness.run(["run", "p.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("in/c.xlsx: corrupt input") && r.stderr.contains("zip archive is damaged"), r.stderr)
    }

    func testInspectShowsTheSheet() throws {
        let dir = try Harness.scratch("inspect")
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = XSheet(name: "S")
        s.add(row: 1, [.text("Danh sách")])
        s.add(row: 2, [.text("Mã hồ sơ"), .text("Trạng thái"), .text("Ngày tiếp nhận"), .text("Người nộp")])
        s.add(row: 3, [.text("000.00.21.H56-240305-0001"), .text("Đang xử lý"), .date(45356.5, withTime: true), .text("Nguyễn Văn A")])
        let book = dir.appendingPathComponent("b.xlsx")
        try WorkbookWriter.write([s], to: book)
        let r = try Harness.run(["inspect", book.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("xlsx"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Người nộp"), r.stdout)
        XCTAssertTrue(r.stdout.contains("2024-03-05"), r.stdout)
    }
}
