// The workbook room's parts: serial dates (both date systems, Excel's phantom 29 February
// 1900, times rounded to the second), which number formats are dates, the XML stream
// (entities, CDATA, pieces cut anywhere, errors with their line), and a sheet read back.
import Foundation
import XCTest
import MotcuaFoundation
import MotcuaWorkbook
import MotcuaTestSupport

final class WorkbookTests: XCTestCase {
    func testSerialDates() {
        func civil(_ s: Double, _ d1904: Bool = false) -> String {
            guard let c = ExcelDate.civil(serial: s, date1904: d1904) else { return "nil" }
            return "\(c.year)-\(c.month)-\(c.day) \(c.seconds)"
        }
        XCTAssertEqual(civil(1), "1900-1-1 0")
        XCTAssertEqual(civil(59), "1900-2-28 0")
        XCTAssertEqual(civil(60), "nil", "1900-02-29 never was")
        XCTAssertEqual(civil(61), "1900-3-1 0")
        XCTAssertEqual(civil(45352.5), "2024-3-1 43200")
        XCTAssertEqual(civil(45352.999999999), "2024-3-2 0", "rounds to the next midnight")
        XCTAssertEqual(civil(0), "nil")
        XCTAssertEqual(civil(-3), "nil")
        XCTAssertEqual(civil(.nan), "nil")
        XCTAssertEqual(civil(2_958_465), "9999-12-31 0")
        XCTAssertEqual(civil(2_958_466), "nil")
        XCTAssertEqual(civil(0, true), "1904-1-1 0")
        XCTAssertEqual(civil(43_895, true), "2024-3-6 0")
        let secondsIntoDay: Double = 8 * 3600 + 5 * 60 + 9
        let t: Double = 45_357 + secondsIntoDay / 86_400
        XCTAssertEqual(ExcelDate.text(serial: t, date1904: false, form: nil), "2024-03-06 08:05:09")
        XCTAssertEqual(ExcelDate.text(serial: t, date1904: false, form: .vnDate), "06/03/2024")
        XCTAssertEqual(ExcelDate.text(serial: t, date1904: false, form: .vnDateMinutes), "06/03/2024 08:05")
        XCTAssertEqual(ExcelDate.text(serial: t, date1904: false, form: .vnDateTime), "06/03/2024 08:05:09")
        XCTAssertEqual(ExcelDate.text(serial: t, date1904: false, form: .compact), "20240306080509")
        XCTAssertEqual(ExcelDate.text(serial: t, date1904: false, form: .compactDate), "20240306")
        XCTAssertEqual(ExcelDate.text(serial: t, date1904: false, form: .iso), "2024-03-06T08:05:09")
        XCTAssertEqual(ExcelDate.text(serial: t, date1904: false, form: .isoDate), "2024-03-06")
        // Every form written parses back to the same day with the run's own parser.
        XCTAssertEqual(WorkbookWriter.serial(year: 2024, month: 3, day: 6), 45_357)
    }

    func testWhichNumberFormatsAreDates() {
        for id in [14, 15, 16, 17, 22, 45, 47] { XCTAssertTrue(NumberFormats.isDate(id: id, custom: [:]), "\(id)") }
        for id in [0, 1, 2, 3, 4, 9, 10, 11, 49] { XCTAssertFalse(NumberFormats.isDate(id: id, custom: [:]), "\(id)") }
        let dates = ["dd/mm/yyyy", "dd/mm/yyyy\\ hh:mm:ss", "yyyy-mm-dd", "[$-42A]dd/mm/yyyy", "\"Ngày \"dd", "mmm-yy;@", "h:mm AM/PM"]
        let numbers = ["0.00E+00", "#,##0", "0%", "General", "0\" ngày\"", "@", "#,##0.00_);[Red](#,##0.00)", "\\d0"]
        for c in dates { XCTAssertTrue(NumberFormats.isDateCode(c), c) }
        for c in numbers { XCTAssertFalse(NumberFormats.isDateCode(c), c) }
        XCTAssertTrue(NumberFormats.isDate(id: 164, custom: [164: "dd/mm/yyyy"]))
        XCTAssertFalse(NumberFormats.isDate(id: 14, custom: [14: "0.00"]), "a custom code overrides the built-in id")
    }

    final class Collector: XMLEventHandler {
        var events: [String] = []
        func start(_ name: XMLName, _ attributes: XMLAttributes) {
            events.append("<\(name.string)" + (attributes.string("r").map { " r=\($0)" } ?? "") + ">")
        }
        func end(_ name: XMLName) { events.append("</\(name.string)>") }
        func text(_ bytes: UnsafeBufferPointer<UInt8>) {
            let t = String(decoding: bytes, as: UTF8.self)
            if events.last?.hasPrefix("'") == true { events[events.count - 1] = String(events.last!.dropLast()) + t + "'" } else { events.append("'\(t)'") }
        }
    }

    func testXMLStreamInPiecesWithEntitiesAndCDATA() throws {
        let doc = Array(#"<?xml version="1.0" encoding="UTF-8"?><x:a xmlns:x="urn:x"><c r="A&amp;1&#x1EA1;&lt;">Tr&#7921;c &lt;tuy&#x1EBF;n&gt;<![CDATA[ & <ok>]]></c></x:a>"#.utf8)
        var all: [String]?
        // Cut at every position: the same events.
        for cut in 1..<doc.count {
            let c = Collector()
            let stream = XMLStream(handler: c)
            try doc[..<cut].withUnsafeBytes { try stream.feed($0) }
            try doc[cut...].withUnsafeBytes { try stream.feed($0) }
            try stream.finish()
            if let all { XCTAssertEqual(c.events, all, "cut at \(cut)") } else { all = c.events }
        }
        XCTAssertEqual(all, ["<a>", "<c r=A&1ạ<>", "'Trực <tuyến> & <ok>'", "</c>", "</a>"])
    }

    func testXMLStreamErrorsNameTheLine() {
        let c = Collector()
        XCTAssertThrowsError(try XMLStream.parse(Array("<a>\n<b>\n</a>".utf8), with: c)) { e in
            XCTAssertEqual((e as? XMLStreamError)?.line, 3, "\(e)")
        }
        XCTAssertThrowsError(try XMLStream.parse(Array("<a><b></b>".utf8), with: Collector()), "an unclosed element")
        // No external entity is fetched or expanded.
        let xxe = #"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>"#
        let d = Collector()
        _ = try? XMLStream.parse(Array(xxe.utf8), with: d)
        XCTAssertFalse(d.events.joined().contains("root:"), "\(d.events)")
    }

    /// A sheet read back row by row: shared and inline strings, numbers, dates, booleans, errors.
    func testSheetRowsReadBack() throws {
        final class Rows: SheetRowSink {
            var rows: [String] = []
            func row(_ number: Int, _ row: SheetRow) throws {
                rows.append("\(number):" + row.cells.map { "\($0.column)=\(String(decoding: row.text($0), as: UTF8.self))" }.joined(separator: "|"))
            }
        }
        let dir = try Harness.scratch("rows")
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = XSheet(name: "Dữ liệu")
        s.add(row: 2, [.text("a"), nil, .inline("b c"), .number("42"), .date(45_357.25, withTime: true), .bool(false), .error("#DIV/0!"),
                       .formulaText("f"), .styledEmpty, .text("")])
        s.add(row: 30, [nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, .text("AA")])
        let url = dir.appendingPathComponent("b.xlsx")
        try WorkbookWriter.write([s], to: url, compress: false)
        let book = try Workbook(path: url.path, name: "b.xlsx")
        let sink = Rows()
        _ = try SheetReader.read(book, sheet: try book.sheet(named: "dữ liệu"), dateForm: nil, into: sink)
        XCTAssertEqual(sink.rows, ["2:0=a|2=b c|3=42|4=2024-03-06 06:00:00|5=FALSE|6=#DIV/0!|7=f|9=", "30:26=AA"])
        XCTAssertThrowsError(try book.sheet(named: "Khác")) { XCTAssertTrue("\($0)".contains("'Dữ liệu'"), "\($0)") }

        // A row number past Excel's last row is damage, not a billion blank lines.
        var hostile = XSheet(name: "S")
        hostile.add(row: 1, [.text("a")])
        hostile.add(row: 5_000_000_000, [.text("b")])
        let bad = dir.appendingPathComponent("bad.xlsx")
        try WorkbookWriter.write([hostile], to: bad)
        let badBook = try Workbook(path: bad.path, name: "bad.xlsx")
        XCTAssertThrowsError(try SheetReader.read(badBook, sheet: try badBook.sheet(named: nil), dateForm: nil, into: Rows())) {
            XCTAssertTrue(($0 as? WorkbookError)?.isDamage == true && "\($0)".contains("past Excel's last row"), "\($0)")
        }
    }
}
