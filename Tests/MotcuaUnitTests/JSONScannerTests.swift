// The record scanner against nst/JSONTestSuite (Tests/Corpora/json/test_parsing): every
// y_ file is valid syntax (top-level non-objects are still malformed_json for us), every n_
// file is rejected, and our choice for each i_ file is recorded here.
import Foundation
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaAggregate
@testable import MotcuaOutput
@testable import MotcuaPipeline
@testable import MotcuaRun
@testable import MotcuaGenerate

final class JSONScannerTests: XCTestCase {
    /// Classifies a whole file as one record: nil = accepted syntax, else the reject reason.
    func outcome(_ bytes: [UInt8]) -> String {
        // A test-suite file is one JSON text; strip one trailing newline as framing would.
        var b = bytes
        if b.last == 0x0A { b.removeLast() }
        if b.last == 0x0D { b.removeLast() }
        if b.contains(0x0A) {
            // Multi-line JSON texts are framed as several lines; the scanner sees the first.
            b = Array(b.split(separator: 0x0A, omittingEmptySubsequences: false)[0])
        }
        let decoder = NDJSONDecoder(dates: DateTimeParser(), maxLineBytes: 1 << 24)
        var rec = DecodedRecord()
        let reason = b.withUnsafeBufferPointer { decoder.decode($0, into: &rec) }
        return reason?.text ?? "ok"
    }

    func testJSONTestSuite() throws {
        let dir = Harness.corpora.appendingPathComponent("json/test_parsing")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertGreaterThan(names.count, 300)
        var iChoices: [String: String] = [:]
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
            let result = outcome(bytes)
            let isObject = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{")
            if name.hasPrefix("y_") {
                // Valid JSON: an object is syntactically fine (fields then decide), others are not records.
                if isObject && !bytes.contains(0x0A) {
                    XCTAssertNotEqual(result, "malformed_json", name)
                    XCTAssertNotEqual(result, "invalid_utf8", name)
                } else if !isObject {
                    XCTAssertEqual(result, "malformed_json", name)
                }
            } else if name.hasPrefix("n_") {
                XCTAssertTrue(result == "malformed_json" || result == "invalid_utf8", "\(name) → \(result)")
            } else {
                iChoices[name] = result
            }
        }
        // Implementation-defined cases: the only object among them has a key with an escaped
        // lone surrogate, which we accept (it becomes U+FFFD); the rest are not objects, and
        // raw invalid UTF-8 is `invalid_utf8` before any JSON check.
        for (name, result) in iChoices {
            if name == "i_object_key_lone_2nd_surrogate.json" {
                XCTAssertEqual(result, "missing_field:MaHoSo", name)
            } else if result == "invalid_utf8" {
                XCTAssertFalse(isValidUTF8Bytes(bytes: try Data(contentsOf: dir.appendingPathComponent(name))), name)
            } else if name.contains("utf") || name.contains("UTF") || name.contains("overlong") {
                XCTAssertTrue(["invalid_utf8", "malformed_json"].contains(result), "\(name) → \(result)")
            } else {
                XCTAssertEqual(result, "malformed_json", name)
            }
        }
    }

    func decode(_ s: String, _ rec: inout DecodedRecord) -> String? {
        let decoder = NDJSONDecoder(dates: DateTimeParser(), maxLineBytes: 1 << 20)
        let b = Array(s.utf8)
        return b.withUnsafeBufferPointer { decoder.decode($0, into: &rec) }?.text
    }

    func testFieldsEscapesAndDuplicates() {
        var r = DecodedRecord()
        let line = #"{"x":{"MaHoSo":"nested"},"MaHo\u0053o":"A\u00e1\ud83d\ude00\ud800-1","MaDonVi":"000.00.01.H56","TrangThaiHoSo":"DONE","TrangThaiHoSo":"new","NgayTiepNhan":"2024-03-05","KenhThucHien":"02","DanhSachLePhi":[{"Gia":0},{"Gia":" 15000 "}],"DanhSachGiayToKetQua":[{"DuongDanTepTinKetQua":""}],"deep":[[[[{}]]]]}"#
        XCTAssertNil(decode(line, &r))
        XCTAssertEqual(r.status, 2, "last duplicate wins; `new` is 2")
        XCTAssertEqual(r.channel, 2)
        XCTAssertTrue(r.feeBearing)
        XCTAssertFalse(r.eResult)
        XCTAssertEqual(r.received, Int32(daysFromCivil(2024, 3, 5)))
    }

    func testIdUnescapedWithReplacementForLoneSurrogate() {
        let decoder = NDJSONDecoder(dates: DateTimeParser(), maxLineBytes: 1 << 20)
        var rec = DecodedRecord()
        let b = Array(#"{"MaHoSo":"A\u00e1\ud83d\ude00\ud800-1","MaDonVi":"u","TrangThaiHoSo":1}"#.utf8)
        let id: String? = b.withUnsafeBufferPointer { p in
            decoder.decode(p, into: &rec) == nil ? rec.id.string : nil
        }
        XCTAssertEqual(id, "Aá😀\u{FFFD}-1")
    }

    func testCodeFieldRules() {
        var r = DecodedRecord()
        let base = #""MaHoSo":"000.00.01.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000""#
        XCTAssertNil(decode("{\(base),\"KenhThucHien\":null}", &r))
        XCTAssertEqual(r.channel, 1, "null channel is direct")
        XCTAssertEqual(decode("{\(base),\"KenhThucHien\":2.0}", &r), "invalid_value:KenhThucHien")
        XCTAssertEqual(decode("{\(base),\"KenhThucHien\":\" 2\"}", &r), "invalid_value:KenhThucHien")
        XCTAssertEqual(decode("{\(base),\"KenhThucHien\":true}", &r), "invalid_value:KenhThucHien")
        XCTAssertEqual(decode("{\(base),\"KenhThucHien\":4}", &r), "invalid_value:KenhThucHien")
        XCTAssertEqual(decode("{\(base),\"MucDo\":1}", &r), "invalid_value:MucDo")
        XCTAssertNil(decode("{\(base),\"HinhThuc\":-0}", &r), "-0 is the JSON integer 0")
        XCTAssertEqual(decode("{\(base),\"HinhThuc\":-1}", &r), "invalid_value:HinhThuc")
        XCTAssertNil(decode("{\(base),\"DanhSachGiayToKetQua\":[{\"DuongDanTepTinKetQua\":[]}]}", &r))
        XCTAssertTrue(r.eResult, "a result path that is not null or \"\" is non-empty")
        XCTAssertNil(decode("{\(base),\"DanhSachGiayToKetQua\":[{\"DuongDanTepTinKetQua\":null},{\"DuongDanTepTinKetQua\":\"\"}]}", &r))
        XCTAssertFalse(r.eResult)
        XCTAssertEqual(decode("{\(base),\"HinhThuc\":2}", &r), "invalid_value:HinhThuc")
        XCTAssertEqual(decode("{\(base),\"MaTTHC\":5}", &r), "invalid_value:MaTTHC")
        XCTAssertNil(decode("{\(base),\"MaTTHC\":\"1.001757.000.00.00.H56\"}", &r))
        XCTAssertEqual(r.procedure.string, "1.001757")
        XCTAssertNil(decode("{\(base),\"DanhSachLePhi\":{\"Gia\":5}}", &r))
        XCTAssertFalse(r.feeBearing, "a non-array is false")
        XCTAssertEqual(r.unit.string, "000.00.01.H56", "unit from the id prefix")
        XCTAssertEqual(decode(#"{"MaHoSo":"ABC-1","TrangThaiHoSo":4,"NgayTiepNhan":"20240305"}"#, &r), "missing_field:MaDonVi")
        XCTAssertEqual(decode(#"{"MaHoSo":"000.00.01.H56-1","TrangThaiHoSo":"x"}"#, &r), "missing_field:NgayTiepNhan")
        XCTAssertEqual(decode(#"{"MaHoSo":"000.00.01.H56-1","TrangThaiHoSo":"x","NgayTiepNhan":"20240305"}"#, &r), "invalid_value:TrangThaiHoSo")
        XCTAssertEqual(decode(#"{"MaHoSo":"000.00.01.H56-1","TrangThaiHoSo":" done","NgayTiepNhan":"20240305"}"#, &r), "invalid_value:TrangThaiHoSo")
    }

    func testDepthLimit() {
        var r = DecodedRecord()
        let ok = "{\"a\":" + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
        let deep = "{\"a\":" + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        XCTAssertNotEqual(decode(ok, &r), "malformed_json")
        XCTAssertEqual(decode(deep, &r), "malformed_json")
    }
}

/// Foundation's opinion of UTF-8 validity, as an independent check of ours.
func isValidUTF8Bytes(bytes: Data) -> Bool { String(data: bytes, encoding: .utf8) != nil }
