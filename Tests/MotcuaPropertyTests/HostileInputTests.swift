// Hostile input (issue 6): every case ends in counted rejects or a documented exit code —
// never a crash, a hang or unbounded memory (the slow, big versions with RSS figures are
// scripts/reliability/hostile_big.sh). SPEC §2.1–2.4, §3.3, §7.2–7.3.
import Foundation
import XCTest
import MotcuaTestSupport

final class HostileInputTests: XCTestCase {
    static func record(_ id: String, status: String = "4", received: String = #""20240305080000""#, _ extra: String = "") -> String {
        #"{"MaHoSo":"000.00.01.H56-\#(id)","TrangThaiHoSo":\#(status),"NgayTiepNhan":\#(received)\#(extra)}"#
    }
    let good = HostileInputTests.record("good")

    /// Runs the lines as one NDJSON file; returns reasons by line ("ok" when accepted).
    func outcomes(_ lines: [[UInt8]], file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let ws = try Workspace("hostile")
        try ws.pipeline()
        var bytes: [UInt8] = []
        for l in lines { bytes += l + [0x0A] }
        try ws.write("a.ndjson", bytes)
        let r = try ws.run(file: file, line: line)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        let rejects = try ws.rejects()
        for rej in rejects {
            // The excerpt is valid JSON text whatever the record held (invalid UTF-8 replaced).
            XCTAssertLessThanOrEqual(rej.excerpt.utf8.count, 200 * 3, file: file, line: line)
        }
        let acc = try ws.accounting()
        XCTAssertEqual(acc["records"], lines.count, file: file, line: line)
        XCTAssertEqual(acc["records"], acc["accepted"]! + acc["rejected"]!, file: file, line: line)
        var byLine = [String](repeating: "ok", count: lines.count)
        for rej in rejects { byLine[rej.line - 1] = rej.reason }
        return byLine
    }

    func testGzipBombIsOneRejectAndTheNextLineCounts() throws {
        // 48 MiB of NUL in ~48 KB: one line over the limit, skipped without buffering it.
        let ws = try Workspace("bomb")
        try ws.pipeline()
        let bomb = Gz.repeated(0, count: 48 << 20) + Gz.member(Array(("\n" + good + "\n").utf8))
        XCTAssertLessThan(bomb.count, 200_000)
        try ws.write("a.ndjson.gz", bomb)
        let r = try ws.run(deadline: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rejects = try ws.rejects()
        XCTAssertEqual(rejects.map(\.reason), ["line_too_long"])
        XCTAssertEqual(rejects.first?.line, 1)
        XCTAssertTrue(rejects.first?.excerpt.hasPrefix("\0\0\0") ?? false)
        XCTAssertEqual(try ws.accounting(), ["records": 2, "accepted": 1, "rejected": 1, "dossiers": 1, "superseded": 0, "in_scope": 1, "not_received": 0])
        let input = try ws.inputs()[0]
        XCTAssertEqual(input["bytes"] as? Int, (48 << 20) + 1 + good.utf8.count + 1)
        XCTAssertEqual(input["gzip_members"] as? Int, 2)
    }

    func testBombOfBlankLinesKeepsLineNumbers() throws {
        // 8 Mi blank lines are no records but count as lines (SPEC §2.1).
        let ws = try Workspace("blank")
        try ws.pipeline()
        try ws.write("a.ndjson.gz", Gz.repeated(0x0A, count: 8 << 20) + Gz.member(Array("{broken\n\(good)\n".utf8)))
        let r = try ws.run(["--chunk-bytes", "65536"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try ws.rejects().map { "\($0.line):\($0.reason)" }, ["\((8 << 20) + 1):malformed_json"])
        XCTAssertEqual(try ws.accounting()["records"], 2)
    }

    func testOverlongCSVRecordSpanningManyLines() throws {
        // A quoted CSV cell with 300,000 line breaks (> max_line_bytes): one reject at its first
        // line; framing goes on and the next record's line number counts every line passed.
        let ws = try Workspace("csvlong")
        try ws.pipeline(limits: "max_reject_rate: 1, max_line_bytes: 65536", ndjson: false, csv: true)
        var text = "Mã hồ sơ,Trạng thái,Ngày tiếp nhận,Ghi chú\n"
        text += "000.00.01.H56-1,4,05/03/2024,\"" + String(repeating: "x\n", count: 300_000) + "\"\n"
        text += "000.00.01.H56-2,4,05/03/2024,\"a,\"\"b\"\"\"\n"
        text += "000.00.01.H56-3,4,05/03/2024\n"
        try ws.write("a.csv", text)
        let r = try ws.run(["--chunk-bytes", "4096"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try ws.rejects().map { "\($0.line):\($0.reason)" }, ["2:line_too_long", "300004:malformed_csv"])
        XCTAssertEqual(try ws.accounting()["accepted"], 1)
    }

    func testInvalidUTF8InEveryField() throws {
        // Overlong, surrogate, truncated, stray continuation, > U+10FFFF and 0xFF bytes, placed
        // in each §2.2 field's value, in a key, in an ignored field and deep inside arrays.
        let bad: [[UInt8]] = [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE1, 0x80], [0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF]]
        let fields = ["MaHoSo", "MaDonVi", "MaTTHC", "MaLinhVuc", "KenhThucHien", "MucDo", "TrangThaiHoSo",
                      "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra", "HinhThuc",
                      "DuocThanhToanTrucTuyen", "HoSoCoThanhPhanSoHoa", "DanhSachLePhi", "DanhSachGiayToKetQua", "X"]
        var lines: [[UInt8]] = []
        for (i, f) in fields.enumerated() {
            let b = bad[i % bad.count]
            lines.append(Array(#"{"MaHoSo":"000.00.01.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000","\#(f)":""#.utf8) + b + Array(#""}"#.utf8))
        }
        lines.append(Array(#"{"Ma"#.utf8) + [0xFF] + Array(#"HoSo":"1"}"#.utf8))
        lines.append(Array(#"{"X":[[{"a":""#.utf8) + [0xED, 0xBF, 0xBF] + Array(#""}]]}"#.utf8))
        lines.append([0xEF, 0xBB, 0xBF] + Array(good.utf8))   // a BOM inside the file is not skipped: malformed
        let got = try outcomes(lines)
        XCTAssertEqual(Array(got.prefix(fields.count + 2)), [String](repeating: "invalid_utf8", count: fields.count + 2))
        XCTAssertEqual(got.last, "malformed_json")

        // CSV: each column, and a header that is not UTF-8 (every row malformed_csv, one warning).
        let ws = try Workspace("utf8csv")
        try ws.pipeline(ndjson: false, csv: true)
        let header = "Mã hồ sơ,Trạng thái,Ngày tiếp nhận,Kênh thực hiện,Ghi chú\n"
        var rows: [UInt8] = Array(header.utf8)
        for col in 0..<5 {
            var cells = ["000.00.01.H56-\(col)", "4", "05/03/2024", "2", "x"].map { Array($0.utf8) }
            cells[col] += [0xC3]
            rows += Array(cells.joined(separator: [0x2C])) + [0x0A]
        }
        try ws.write("a.csv", rows)
        try ws.write("b.csv", Array("Mã hồ sơ,Trạng thái".utf8) + [0xFE] + Array(",Ngày tiếp nhận\n000.00.01.H56-9,4,05/03/2024\n".utf8))
        let r = try ws.run()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try ws.rejects().map { "\($0.file):\($0.line):\($0.reason)" },
                       (2...6).map { "data/a.csv:\($0):invalid_utf8" } + ["data/b.csv:2:malformed_csv"])
        let warnings = try ws.summary()["warnings"] as! [String]
        XCTAssertEqual(warnings.filter { $0.contains("data/b.csv") && $0.contains("malformed") }.count, 1, "\(warnings)")
    }

    func testDeepNestingInIgnoredFields() throws {
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        func objects(_ depth: Int) -> String { String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth) }
        let lines = [
            HostileInputTests.record("1", ",\"X\":\(nested(63))"),          // 1 + 63 = 64 levels: fine
            HostileInputTests.record("2", ",\"X\":\(nested(64))"),          // 65 levels
            HostileInputTests.record("3", ",\"X\":\(objects(63))"),
            HostileInputTests.record("4", ",\"X\":\(objects(64))"),
            HostileInputTests.record("5", ",\"X\":\(nested(100_000))"),     // JSONTestSuite n_structure_100000_opening_arrays, closed
            HostileInputTests.record("6", ",\"X\":" + String(repeating: "[", count: 100_000)),
            HostileInputTests.record("7", #","DanhSachLePhi":[{"Gia":1,"Y":\#(nested(61))}]"#),   // 1+1+1+61 = 64
            HostileInputTests.record("8", #","DanhSachLePhi":[{"Gia":1,"Y":\#(nested(62))}]"#),
            HostileInputTests.record("9", #","DanhSachGiayToKetQua":[\#(nested(62))]"#),          // 1+1+62 = 64
            HostileInputTests.record("10", #","DanhSachGiayToKetQua":[\#(nested(63))]"#),
        ]
        XCTAssertEqual(try outcomes(lines.map { Array($0.utf8) }),
                       ["ok", "malformed_json", "ok", "malformed_json", "malformed_json", "malformed_json",
                        "ok", "malformed_json", "ok", "malformed_json"])
    }

    func testTenThousandFieldsAndRepeatedKeys() throws {
        let many = (0..<10_000).map { #","K\#($0)":\#($0)"# }.joined()
        let repeatedStatus = (0..<10_000).map { _ in #","TrangThaiHoSo":"x""# }.joined()
        let lines = [
            HostileInputTests.record("1", many),
            #"{"K":0\#(many),"MaHoSo":"000.00.01.H56-2","TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000"}"#,
            HostileInputTests.record("3", repeatedStatus),                        // the last TrangThaiHoSo counts
            HostileInputTests.record("4", repeatedStatus + #","TrangThaiHoSo":9,"NgayKetThucXuLy":"20240306""#),
        ]
        XCTAssertEqual(try outcomes(lines.map { Array($0.utf8) }), ["ok", "ok", "invalid_value:TrangThaiHoSo", "ok"])
    }

    func testNULBytes() throws {
        let lines: [[UInt8]] = [
            Array(HostileInputTests.record("1", #","X":"a"#).utf8.dropLast(1)) + [0x00] + Array("\"}".utf8),  // raw NUL in a string
            Array(HostileInputTests.record("2").utf8.dropLast()) + [0x00, 0x7D],                             // NUL between tokens
            [UInt8](repeating: 0, count: 5000),
            Array(#"{"MaHoSo":"000.00.01.H56-\u0000","TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000"}"#.utf8),  // escaped: fine
            Array(HostileInputTests.record("5", status: #""4\u0000""#).utf8),
            Array(HostileInputTests.record("6", received: #""20240305\u0000""#).utf8),
        ]
        XCTAssertEqual(try outcomes(lines),
                       ["malformed_json", "malformed_json", "malformed_json", "ok", "invalid_value:TrangThaiHoSo", "invalid_value:NgayTiepNhan"])
    }

    func testFourHundredDigitNumbers() throws {
        let d400 = "1" + String(repeating: "0", count: 399)
        let ws = try Workspace("digits")
        try ws.pipeline()
        let lines = [
            HostileInputTests.record("1", status: d400),
            HostileInputTests.record("2", status: "\"\(d400)\""),
            HostileInputTests.record("3", status: "\"" + String(repeating: "0", count: 399) + "4\""),   // "000…04" is 4
            HostileInputTests.record("4", #","KenhThucHien":\#(d400)"#),
            HostileInputTests.record("5", #","X":-\#(d400).\#(d400)e-\#(d400)"#),
            HostileInputTests.record("6", #","DanhSachLePhi":[{"Gia":\#(d400)}]"#),
            HostileInputTests.record("7", #","DanhSachLePhi":[{"Gia":"0.\#(String(repeating: "0", count: 398))1"}]"#),
            HostileInputTests.record("8", #","DanhSachLePhi":[{"Gia":0.\#(String(repeating: "0", count: 399))e\#(d400)}]"#),
            HostileInputTests.record("9", status: "-0"),
            HostileInputTests.record("10", status: "4.\(String(repeating: "0", count: 400))"),
        ]
        try ws.write("a.ndjson", lines.joined(separator: "\n") + "\n")
        XCTAssertEqual(try ws.run().status, 0)
        XCTAssertEqual(try ws.rejects().map { "\($0.line):\($0.reason)" },
                       ["1:invalid_value:TrangThaiHoSo", "2:invalid_value:TrangThaiHoSo", "4:invalid_value:KenhThucHien",
                        "9:invalid_value:TrangThaiHoSo", "10:invalid_value:TrangThaiHoSo"])
        // Dossiers 6 and 7 bear fees; 8's Gia is zero whatever its exponent.
        let t = try csvTable(ws.url("out/counters.csv"))
        let fee = t.header.firstIndex(of: "fee_bearing")!
        XCTAssertEqual(t.rows.first.map { $0[fee] }, "2")
    }

    func testImpossibleAndOddDates() throws {
        let cases: [(String, String)] = [
            ("99/99/9999", "invalid"), ("00/00/0000", "invalid"), ("31/02/2024", "invalid"), ("29/02/2023", "invalid"),
            ("29/02/2024", "ok"), ("2024-13-01", "invalid"), ("2024-03-05T24:00:00", "invalid"),
            ("2024-03-05T23:59:60", "invalid"), ("9999-12-31", "ok"), ("2024-03-05T08:00:00+15:00", "invalid"),
            ("2024-03-05T08:00:00+14:00", "ok"), ("2024-03-05T08:00:00.1234567890Z", "invalid"), ("2024-03-05T08:00:00.Z", "invalid"),
            ("2024-3-5", "invalid"), ("２０２４-03-05", "invalid"), (" 20240305", "invalid"), ("20240305 ", "invalid"),
            (String(repeating: "9", count: 400), "invalid"), ("2024-03-05T08:00", "invalid"), ("05/03/2024 8:00", "invalid"),
            ("-2024-03-05", "invalid"), ("+2024-03-05", "invalid"), ("2024/03/05", "invalid"),
        ]
        let lines = cases.enumerated().map { i, c in
            Array(HostileInputTests.record("\(i)", received: "\"\(c.0)\"").utf8)
        }
        let got = try outcomes(lines)
        for (i, c) in cases.enumerated() {
            XCTAssertEqual(got[i], c.1 == "ok" ? "ok" : "invalid_value:NgayTiepNhan", c.0)
        }
    }

    func testCSVWithHundredThousandColumns() throws {
        let ws = try Workspace("wide")
        try ws.pipeline(ndjson: false, csv: true)
        let header = "Mã hồ sơ,Trạng thái,Ngày tiếp nhận"
        let row = "000.00.01.H56-1,4,05/03/2024"
        let filler = String(repeating: ",c", count: 100_000)
        try ws.write("a.csv", header + filler + "\n" + row + String(repeating: ",", count: 100_000) + "\n" + row + "\n")
        try ws.write("b.csv", header + "\n" + row.replacingOccurrences(of: "-1", with: "-2") + String(repeating: ",x", count: 100_000) + "\n"
                     + row.replacingOccurrences(of: "-1", with: "-3") + "\n")
        // The same field named twice in a wide header: every row malformed_csv.
        try ws.write("c.csv", header + filler + ",Mã hồ sơ\n" + row + "\n")
        let r = try ws.run(deadline: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try ws.rejects().map { "\($0.file):\($0.line):\($0.reason)" },
                       ["data/a.csv:3:malformed_csv", "data/b.csv:2:malformed_csv", "data/c.csv:2:malformed_csv"])
        XCTAssertEqual(try ws.accounting()["accepted"], 2)
    }

    func testRejectRateLimitStillAppliesToHostileLines() throws {
        let ws = try Workspace("limit")
        try ws.pipeline(limits: "max_reject_rate: 0.5, max_line_bytes: 1000")
        try ws.write("a.ndjson", good + "\n" + String(repeating: "[", count: 5000) + "\n" + String(repeating: "x", count: 5000) + "\n")
        let r = try ws.run()
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("data/a.ndjson:2: line_too_long"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.url("out/counters.csv").path))
    }
}

/// Output paths (issue 6): outputs land in the configured directory only, whatever the data
/// says or what the directory already holds.
final class OutputPathTests: XCTestCase {
    let good = HostileInputTests.record("1")

    func testDotDotOutputDirAndHostileUnitCodes() throws {
        let ws = try Workspace("paths")
        try FileManager.default.createDirectory(at: ws.url("pipes"), withIntermediateDirectories: true)
        try """
        version: 1
        name: rel
        inputs: [{format: dvcqg-ndjson, paths: ["../data/*"]}]
        periods: {kind: month, from: 2024-03-01, to: 2024-03-31}
        outputs: {dir: ../results/x}
        """.write(to: ws.url("pipes/p.yaml"), atomically: true, encoding: .utf8)
        let units = ["../../evil", "/tmp/evil-motcua", "..", "a/../../b", "=cmd|' /C calc'!A0"]
        try ws.write("a.ndjson", units.enumerated().map { i, u in
            #"{"MaHoSo":"X-\#(i)","MaDonVi":"\#(u)","TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000"}"#
        }.joined(separator: "\n") + "\n")
        let before = Set(try FileManager.default.subpathsOfDirectory(atPath: ws.dir.path))
        let r = try TimedRun.run(["run", "pipes/p.yaml", "--quiet"], in: ws.dir, deadline: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        let after = Set(try FileManager.default.subpathsOfDirectory(atPath: ws.dir.path))
        let names = ["counters.csv", "counters.json", "kpis.csv", "kpis.json", "summary.json", "rejects.ndjson", ".motcua.lock", ".motcua-manifest"]
        XCTAssertEqual(after.subtracting(before), Set(["results", "results/x"] + names.map { "results/x/\($0)" }))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/evil-motcua"))
        let counters = try String(contentsOf: ws.url("results/x/counters.csv"), encoding: .utf8)
        XCTAssertTrue(counters.contains("'=cmd|"), "formula guard on unit_code")
        XCTAssertTrue(counters.contains("../../evil"))
    }

    func testSymlinkedOutputFilesAreReplacedNotFollowed() throws {
        let ws = try Workspace("symfile")
        try ws.pipeline()
        try ws.write("a.ndjson", good + "\n")
        let out = ws.url("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let victim = ws.url("victim.csv")
        try "precious\n".write(to: victim, atomically: true, encoding: .utf8)
        for name in ["counters.csv", "summary.json"] {
            try FileManager.default.createSymbolicLink(at: out.appendingPathComponent(name), withDestinationURL: victim)
        }
        // A leftover temporary name pointing elsewhere must not be written through either.
        try FileManager.default.createSymbolicLink(at: out.appendingPathComponent(".motcua-tmp-1-kpis.csv"), withDestinationURL: victim)
        XCTAssertEqual(try ws.run().status, 0)
        XCTAssertEqual(try String(contentsOf: victim, encoding: .utf8), "precious\n")
        let attrs = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("counters.csv").path)
        XCTAssertEqual(attrs[.type] as? FileAttributeType, .typeRegular)
    }

    /// BUG (AtomicPublisher.swift, OutputDirectory.init): an output directory that is a symlink
    /// is not resolved, so the directory exchange swaps the *symlink* for the staging directory:
    /// the outputs do not reach the symlink's target and the user's symlink is gone.
    func testSymlinkedOutputDirectoryKeepsItsTarget() throws {
        let ws = try Workspace("symdir")
        try ws.pipeline()
        try ws.write("a.ndjson", good + "\n")
        let real = ws.url("real")
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        try "mine\n".write(to: real.appendingPathComponent("mine.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: ws.url("out"), withDestinationURL: real)
        XCTAssertEqual(try ws.run().status, 0)
        let type = try FileManager.default.attributesOfItem(atPath: ws.url("out").path)[.type] as? FileAttributeType
        XCTAssertEqual(type, .typeSymbolicLink, "the output symlink was replaced by a directory")
        XCTAssertTrue(FileManager.default.fileExists(atPath: real.appendingPathComponent("counters.csv").path),
                      "outputs did not reach the symlink's target")
        XCTAssertEqual(try? String(contentsOf: real.appendingPathComponent("mine.txt"), encoding: .utf8), "mine\n")
    }
}

/// Input paths that are not regular files (issue 6: "a path in the pipeline that escapes").
final class InputPathTests: XCTestCase {
    func testSymlinkedInputOutsideTheDirectoryIsReadAsItsLinkName() throws {
        let ws = try Workspace("insym")
        try ws.pipeline()
        try (HostileInputTests.record("1") + "\n").write(to: ws.url("elsewhere.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: ws.url("data/a.ndjson").path, withDestinationPath: "../elsewhere.txt")
        XCTAssertEqual(try ws.run().status, 0)
        XCTAssertEqual(try ws.inputs().map { $0["path"] as? String }, ["data/a.ndjson"])
        XCTAssertEqual(try ws.accounting()["accepted"], 1)
    }

    /// BUG (Glob.swift:29 accepts anything that is not a directory; InputReader.init opens it
    /// blocking): a FIFO among the inputs blocks the run in open(2) forever (SIGTERM is ignored
    /// there too), and a symlink to /dev/zero is an endless input. Both should end in exit 66
    /// ("a file cannot be read") or be left out of the glob.
    func testFIFOAndDeviceInputsEndWith66() throws {
        for kind in ["fifo", "device"] {
            let ws = try Workspace("nonreg")
            try ws.pipeline()
            let path = ws.url("data/x.ndjson").path
            if kind == "fifo" { XCTAssertEqual(mkfifo(path, 0o644), 0) } else {
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/zero")
            }
            let r = try ws.run(deadline: 5)
            XCTAssertEqual(r.status, 66, "\(kind): \(r.stderr)")
        }
    }
}

final class ConfigLimitTests: XCTestCase {
    /// BUG (PipelineLoader.swift:160 accepts any max_line_bytes ≥ 16; FileChunker.chunkCapacity
    /// adds to it and ChunkPool allocates it up front): 10^11 crashes on allocation (exit 134)
    /// and Int64.max overflows (exit 132). Either is a config error (78) or must simply work.
    func testHugeMaxLineBytesDoesNotCrash() throws {
        for v in ["100000000000", "9223372036854775807"] {
            let ws = try Workspace("maxline")
            try ws.pipeline(limits: "max_reject_rate: 1, max_line_bytes: \(v)")
            try ws.write("a.ndjson", HostileInputTests.record("1") + "\n")
            let r = try ws.run(deadline: 30)
            XCTAssertTrue([0, 78].contains(r.status), "max_line_bytes \(v): exit \(r.status): \(r.stderr.prefix(300))")
        }
    }
}
