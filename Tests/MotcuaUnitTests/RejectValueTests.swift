// The offending value of an invalid_value reject: what each decoder hands over, how much of it
// is kept, that it survives the spill file, how rejects.ndjson and a failure message show it.
import Foundation
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaOutput

final class RejectValueTests: XCTestCase {
    /// (reason, value) of each NDJSON line, decoded as a worker does.
    func ndjson(_ lines: [String]) -> [(String?, String?)] {
        let decoder = NDJSONDecoder(dates: DateTimeParser(), maxLineBytes: 1 << 20)
        return lines.map { line in
            Array(line.utf8).withUnsafeBufferPointer { b in
                var record = DecodedRecord()
                let reason = decoder.decode(b, into: &record)
                return (reason?.text, reason.flatMap { decoder.rejectedValue($0)?.string })
            }
        }
    }

    func testNDJSONValuesAreUnescapedStringsOrJSONText() {
        let head = #"{"MaHoSo":"A-1","MaDonVi":"000.00.01.H56","NgayTiepNhan":"2024-03-01","#
        let got = ndjson([
            head + #""TrangThaiHoSo":2.5}"#,
            head + #""TrangThaiHoSo":true}"#,
            head + #""TrangThaiHoSo":"\u0110ang \"x\"\n\t\u0000\\"}"#,
            head + #""TrangThaiHoSo":" 2"}"#,
            head + #""TrangThaiHoSo":"\ud800x"}"#,
            head + #""TrangThaiHoSo":4,"KenhThucHien":[1, {"a": "b"}]}"#,
            head + #""TrangThaiHoSo":4,"KenhThucHien":-1e2}"#,
            head + #""TrangThaiHoSo":4,"HinhThuc":"2"}"#,
            head + #""TrangThaiHoSo":4,"NgayHenTra":"31/02/2024"}"#,
            #"{"MaHoSo":12,"MaDonVi":"000.00.01.H56","NgayTiepNhan":"2024-03-01","TrangThaiHoSo":4}"#,
            #"{"MaHoSo":"A-1","MaDonVi":"000.00.01.H56","TrangThaiHoSo":4}"#,
            head + #""TrangThaiHoSo":4}"#,
        ])
        let want: [(String?, String?)] = [
            ("invalid_value:TrangThaiHoSo", "2.5"),
            ("invalid_value:TrangThaiHoSo", "true"),
            ("invalid_value:TrangThaiHoSo", "Đang \"x\"\n\t\u{0}\\"),
            ("invalid_value:TrangThaiHoSo", " 2"),
            ("invalid_value:TrangThaiHoSo", "\u{FFFD}x"),
            ("invalid_value:KenhThucHien", #"[1, {"a": "b"}]"#),
            ("invalid_value:KenhThucHien", "-1e2"),
            ("invalid_value:HinhThuc", "2"),
            ("invalid_value:NgayHenTra", "31/02/2024"),
            ("invalid_value:MaHoSo", "12"),
            ("missing_field:NgayTiepNhan", nil),
            (nil, nil),
        ]
        XCTAssertEqual(got.map { "\($0.0 ?? "kept") \($0.1.map { $0.debugDescription } ?? "-")" },
                       want.map { "\($0.0 ?? "kept") \($0.1.map { $0.debugDescription } ?? "-")" })
    }

    func testCSVValuesAreTheTrimmedCells() {
        let rows = [
            "A-1,000.00.01.H56,  Qua Zalo\t,4,01/03/2024,,,,,",
            "A-2,000.00.01.H56,1,\" Tạm \"\"dừng\"\"\n giữa \",01/03/2024,,,,,",
            "A-3,000.00.01.H56,1,4,01/03/2024,,Bưu điện,,,",
            "A-4,000.00.01.H56,1,4,01/03/2024,,,01,,",
            "A-5,000.00.01.H56,1,4,32/03/2024,,,,,",
            "A-6,000.00.01.H56,1,4,,,,,,",
        ]
        let got = VendorLabelTests.decodeCSV(rows).map { "\($0.reason?.text ?? "kept") \($0.value.map { $0.debugDescription } ?? "-")" }
        XCTAssertEqual(got, [
            "invalid_value:KenhThucHien \"Qua Zalo\"",
            "invalid_value:TrangThaiHoSo \"Tạm \\\"dừng\\\"\\n giữa\"",
            "invalid_value:HinhThuc \"Bưu điện\"",
            "invalid_value:HoSoCoThanhPhanSoHoa \"01\"",
            "invalid_value:NgayTiepNhan \"32/03/2024\"",
            "missing_field:NgayTiepNhan -",
        ])
    }

    func testLongValuesAreCutAtACharacterWithAnEllipsis() {
        func kept(_ s: String) -> String {
            var bytes = Array(s.utf8)
            return bytes.withUnsafeMutableBufferPointer {
                String(decoding: RejectLog.keptValue(ByteText(base: UnsafePointer($0.baseAddress!), count: $0.count)), as: UTF8.self)
            }
        }
        let exact = String(repeating: "a", count: 200)
        XCTAssertEqual(kept(exact), exact, "200 bytes are kept whole")
        // 201 bytes: 197 bytes of text and the 3 bytes of `…`.
        XCTAssertEqual(kept(exact + "b"), String(repeating: "a", count: 197) + "…")
        // `ễ` is 3 bytes in NFC: 65 of them (195 bytes) fit before the ellipsis, a 66th would not.
        XCTAssertEqual(kept(String(repeating: "ễ", count: 67)), String(repeating: "ễ", count: 65) + "…")
        // In NFD it is e + two combining marks, 5 bytes, one character: never split (39 × 5 = 195).
        let nfd = "e\u{302}\u{303}"
        XCTAssertEqual(kept(String(repeating: nfd, count: 41)), String(repeating: nfd, count: 39) + "…")
        XCTAssertEqual(kept(""), "")
    }

    func testMessagesQuoteShortenAndEscape() {
        func q(_ s: String, _ n: Int = 40) -> String { quotedForMessage(Array(s.utf8), maxCharacters: n) }
        XCTAssertEqual(q("Đang thực hiện"), "\"Đang thực hiện\"")
        XCTAssertEqual(q("a\"b\\c\nd\re\tf\u{7}g"), #""a\"b\\c\nd\re\tf\u0007g""#)
        // Bidirectional overrides, zero-width, line separators, DEL and C1 controls are shown as escapes.
        XCTAssertEqual(q("x\u{202E}y\u{200B}z\u{2028}w\u{7F}\u{85}"), #""x\u202ey\u200bz\u2028w\u007f\u0085""#)
        // Outside the BMP: a surrogate pair, as JSON writes it.
        XCTAssertEqual(q("\u{E0001}"), #""\udb40\udc01""#)
        // At most 40 characters: 40 are shown whole, 41 become 39 and `…`.
        let forty = String(repeating: "ữ", count: 40)
        XCTAssertEqual(q(forty), "\"\(forty)\"")
        XCTAssertEqual(q(forty + "z"), "\"\(String(repeating: "ữ", count: 39))…\"")
        // Characters, not bytes or scalars: an NFD letter counts once and is not split.
        XCTAssertEqual(q(String(repeating: "e\u{302}\u{303}", count: 5), 3), "\"e\u{302}\u{303}e\u{302}\u{303}…\"")
        XCTAssertEqual(q(""), "\"\"")
    }

    func testRejectsNDJSONHasValueAfterTheSpecKeys() {
        var out: [UInt8] = []
        SummaryOutput.appendReject(("a.csv", 3, "invalid_value:KenhThucHien", Array("A,\"x\"".utf8), Array("Qua \"Zalo\"\n\u{1}".utf8)), to: &out)
        SummaryOutput.appendReject(("a.csv", 4, "malformed_csv", Array("B".utf8), nil), to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), """
        {"file":"a.csv","line":3,"reason":"invalid_value:KenhThucHien","excerpt":"A,\\"x\\"","value":"Qua \\"Zalo\\"\\n\\u0001"}
        {"file":"a.csv","line":4,"reason":"malformed_csv","excerpt":"B"}

        """)
        XCTAssertEqual(SummaryOutput.rejectForMessage(("d/a.csv", 3, "invalid_value:KenhThucHien", [], Array("Qua\n\"Zalo\"".utf8))),
                       #"d/a.csv:3: invalid_value:KenhThucHien "Qua\n\"Zalo\"""#)
        XCTAssertEqual(SummaryOutput.rejectForMessage(("d/a.csv", 4, "malformed_csv", [], nil)), "d/a.csv:4: malformed_csv")
    }

    /// Spilled entries come back with their values: none, empty and long ones apart.
    func testSpilledRejectsKeepTheirValues() throws {
        let dir = try Harness.scratch("spill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = RejectLog(spillDirectory: dir.path, keepFirst: 0)
        let values: [[UInt8]?] = [nil, [], Array("Qua Zalo".utf8), Array(repeating: 0x61, count: 197) + Array("…".utf8), nil]
        for (i, v) in values.enumerated() {
            Array("line \(i)".utf8).withUnsafeBufferPointer {
                log.append(RecordPosition(file: 0, chunk: 0, line: Int32(i + 1)), v == nil ? .malformedCSV : .invalid(.kenhThucHien), $0, value: v)
            }
        }
        XCTAssertEqual(log.spilled, values.count, "every entry went to the spill file")
        var reader = log.reader()
        var back: [RejectEntry] = []
        while let e = reader.next() { back.append(e) }
        XCTAssertEqual(back.map(\.value), values)
        XCTAssertEqual(back.map { String(decoding: $0.excerpt, as: UTF8.self) }, (0..<values.count).map { "line \($0)" })
        XCTAssertEqual(back.map(\.position.line), [1, 2, 3, 4, 5])
    }
}
