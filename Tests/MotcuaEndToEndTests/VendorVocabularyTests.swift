// A vendor's words through the binary (SPEC §2.3, §6, §7.3): a CSV export written in labels
// gives the bytes the same export in codes gives; every invalid_value reject carries its value
// in rejects.ndjson (however rejects spill and threads split the work) and in the exit-65
// message; `validate` reports bad labels.
import Foundation
import XCTest
import MotcuaTestSupport

final class VendorVocabularyTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try Harness.scratch("vocab") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ path: String, _ text: String) throws {
        let url = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    // SPEC §2.3's labels other than the canonical names, with their codes.
    static let statusLabels: [(String, Int)] = [
        ("Chờ tiếp nhận", 1), ("Đăng ký mới", 1), ("Đã tiếp nhận", 2), ("Mới tiếp nhận", 2), ("Tiếp nhận", 2),
        ("Từ chối tiếp nhận", 3), ("Đang giải quyết", 4), ("Đang thụ lý", 4), ("Yêu cầu bổ sung", 5), ("Chờ bổ sung", 5),
        ("Bổ sung hồ sơ", 5), ("Chờ thực hiện nghĩa vụ tài chính", 6), ("Chờ thanh toán", 6), ("Rút hồ sơ", 7),
        ("Đã rút hồ sơ", 7), ("Xin rút", 7), ("Dừng giải quyết", 8), ("Chờ trả kết quả", 9), ("Có kết quả", 9),
        ("Đã trả", 10), ("Hoàn thành trả kết quả", 10),
        // mapped by the pipeline below
        ("Đang thực hiện", 4), ("Hoàn thành", 10),
    ]
    static let channelLabels: [(String, Int)] = [
        ("Nộp trực tiếp", 1), ("Tại quầy", 1), ("Tại bộ phận một cửa", 1), ("Qua mạng", 2), ("Dịch vụ công trực tuyến", 2),
        ("Bưu chính", 3), ("Qua bưu điện", 3), ("Dịch vụ bưu chính", 3),
    ]
    static let returnLabels: [(String, Int)] = [("Tại quầy", 0), ("Qua BCCI", 1), ("Qua bưu điện", 1), ("Trực tiếp", 0), ("Bưu chính", 1)]
    static let booleanLabels: [(String, Int)] = [("Có", 1), ("Không", 0), ("TRUE", 1), ("false", 0), ("x", 1), ("Chưa", 0), ("", 0)]

    /// The same dossiers twice: cells in labels, and in codes (flags as 1/0).
    static func exports() -> (labels: String, codes: String) {
        let header = "Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Ngày hẹn trả,Ngày kết thúc xử lý,Ngày trả kết quả,Hình thức trả kết quả,Số hóa,Có phí,Có kết quả điện tử\n"
        var labels = header, codes = header
        func day(_ d: Int) -> String { d <= 31 ? String(format: "%02d/03/2024", d) : String(format: "%02d/04/2024", d - 31) }
        // Every label of each list at least once: 3 rounds over the statuses.
        for i in 0..<(3 * statusLabels.count) {
            let (st, s) = statusLabels[i % statusLabels.count]
            let (ch, c) = channelLabels[i % channelLabels.count]
            let (ht, h) = returnLabels[i % returnLabels.count]
            let flags = (0..<3).map { booleanLabels[(i + $0 * 2) % booleanLabels.count] }
            let recv = 1 + i % 28, due = recv + 3 + i % 7
            let ended = s >= 7 ? recv + i % 11 : nil
            let returned = s == 10 ? ended.map { $0 + i % 3 } : nil
            let unit = i % 3 == 0 ? "000.00.02.H56" : "000.00.01.H56"
            let common = ["V-\(i)", unit]
            let dates = [day(recv), day(due), ended.map(day) ?? "", returned.map(day) ?? ""]
            labels += (common + [ch, st] + dates + [returned == nil ? "" : ht] + flags.map(\.0)).joined(separator: ",") + "\n"
            codes += (common + ["\(c)", "\(s)"] + dates + [returned == nil ? "" : "\(h)"] + flags.map { "\($0.1)" }).joined(separator: ",") + "\n"
        }
        return (labels, codes)
    }

    func testVendorLabelsGiveTheBytesOfTheSameExportInCodes() throws {
        let (labels, codes) = Self.exports()
        try write("labels/data/export.csv", labels)
        try write("codes/data/export.csv", codes)
        let common = """
        periods: { kind: month, from: 2024-03-01, to: 2024-04-30 }
        breakdown: [sector]
        targets: [{ kpi: online_rate, min: 0.3 }]
        outputs: { dir: out, formats: [csv, json], form_ii06a: true }
        limits: { max_reject_rate: 0 }
        """
        try write("labels/p.yaml", """
        version: 1
        name: vocab
        inputs:
          - format: csv
            paths: ["data/*.csv"]
            labels:
              status: { "Đang thực hiện": 4, "Hoàn thành": 10 }
              boolean: { "x": true, "Chưa": false }
        \(common)
        """)
        try write("codes/p.yaml", "version: 1\nname: vocab\ninputs: [{ format: csv, paths: [\"data/*.csv\"] }]\n\(common)\n")
        var outputs: [[String: Data]] = []
        for (side, threads, chunk) in [("codes", 1, 0), ("labels", 1, 0), ("labels", 3, 29)] {
            var args = ["run", "p.yaml", "--quiet", "--out", "out", "--threads", "\(threads)"]
            if chunk > 0 { args += ["--chunk-bytes", "\(chunk)"] }
            let r = try Harness.run(args, in: dir.appendingPathComponent(side))
            XCTAssertEqual(r.status, 0, "\(side): \(r.stderr)")   // max_reject_rate 0: no label was left unread
            let out = dir.appendingPathComponent("\(side)/out")
            var files: [String: Data] = [:]
            for f in ["counters.csv", "counters.json", "kpis.csv", "kpis.json", "bieu-ii06a.csv"] {
                files[f] = try Data(contentsOf: out.appendingPathComponent(f))
            }
            outputs.append(files)
            try FileManager.default.removeItem(at: out)
        }
        for f in outputs[0].keys.sorted() {
            XCTAssertEqual(outputs[1][f], outputs[0][f], "\(f): labels vs codes")
            XCTAssertEqual(outputs[2][f], outputs[0][f], "\(f): labels, 3 threads and 29-byte chunks vs codes")
        }
        // Not an empty comparison: both units have rows, and the target applies to some.
        let counters = String(decoding: outputs[0]["counters.csv"]!, as: UTF8.self)
        XCTAssertTrue(counters.contains(",000.00.01.H56,") && counters.contains(",000.00.02.H56,"), counters)
        let kpis = String(decoding: outputs[0]["kpis.csv"]!, as: UTF8.self)
        XCTAssertTrue(kpis.contains(",true\n") || kpis.contains(",false\n"), kpis)
    }

    /// Rejects of both formats with values that need escaping, a long one, and rejects without a value.
    func writeRejectCase(maxRejectRate: String) throws {
        func line(_ i: Int, _ status: String, _ more: String = "") -> String {
            #"{"MaHoSo":"N-\#(i)","MaDonVi":"000.00.01.H56","TrangThaiHoSo":\#(status),"NgayTiepNhan":"2024-03-01"\#(more)}"#
        }
        try write("data/a.ndjson", [
            line(1, "4"),
            line(2, "2.5"),
            line(3, #""\"Đang\"\n\u0007 x""#),
            line(4, "4", #","KenhThucHien":""# + String(repeating: "ữ", count: 80) + #"""#),
            line(5, "4", #","HinhThuc":[0]"#),
            #"{"MaHoSo":"N-6","MaDonVi":"000.00.01.H56","TrangThaiHoSo":4}"#,
            #"{"MaHoSo":"N-7","MaDonVi":"000.00.01.H56","TrangThaiHoSo":4,"NgayTiepNhan":"31/02/2024"}"#,
        ].joined(separator: "\n") + "\n")
        try write("data/b.csv", """
        Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Số hóa
        C-1,000.00.01.H56,Qua mạng,Đang giải quyết,01/03/2024,
        C-2,000.00.01.H56,"  Qua ""Zalo""  ",4,01/03/2024,
        C-3,000.00.01.H56,1,"Tạm
        dừng",01/03/2024,
        C-4,000.00.01.H56,1,4,01/03/2024,x
        C-5,000.00.01.H56,1,4,01/03/2024

        """)
        try write("p.yaml", """
        version: 1
        name: values
        inputs:
          - { format: dvcqg-ndjson, paths: ["data/*.ndjson"] }
          - { format: csv, paths: ["data/*.csv"] }
        periods: { kind: month, from: 2024-03-01, to: 2024-03-31 }
        limits: { max_reject_rate: \(maxRejectRate) }
        """)
    }

    func testEveryInvalidValueRejectCarriesItsValueWhateverSpillingAndThreads() throws {
        try writeRejectCase(maxRejectRate: "1")
        // (file, line, reason, the line's end: `"value":…}` as JSON writes it, or the excerpt's end)
        let want: [(String, Int, String, String)] = [
            ("data/a.ndjson", 2, "invalid_value:TrangThaiHoSo", #","value":"2.5"}"#),
            ("data/a.ndjson", 3, "invalid_value:TrangThaiHoSo", #","value":"\"Đang\"\n\u0007 x"}"#),
            // 240 bytes: 65 letters of 3 bytes and `…` (200 bytes at most).
            ("data/a.ndjson", 4, "invalid_value:KenhThucHien", #","value":""# + String(repeating: "ữ", count: 65) + #"…"}"#),
            ("data/a.ndjson", 5, "invalid_value:HinhThuc", #","value":"[0]"}"#),
            ("data/a.ndjson", 6, "missing_field:NgayTiepNhan", #"\"TrangThaiHoSo\":4}"}"#),
            ("data/a.ndjson", 7, "invalid_value:NgayTiepNhan", #","value":"31/02/2024"}"#),
            ("data/b.csv", 3, "invalid_value:KenhThucHien", #","value":"Qua \"Zalo\""}"#),
            ("data/b.csv", 4, "invalid_value:TrangThaiHoSo", #","value":"Tạm\ndừng"}"#),
            ("data/b.csv", 6, "invalid_value:HoSoCoThanhPhanSoHoa", #","value":"x"}"#),
            ("data/b.csv", 7, "malformed_csv", #"01/03/2024"}"#),
        ]
        var files: [String] = []
        for (bound, threads, chunk) in [("", 1, 0), ("0", 1, 0), ("1", 3, 29), ("2", 2, 1)] {
            var args = ["run", "p.yaml", "--quiet", "--out", "out", "--threads", "\(threads)"]
            if chunk > 0 { args += ["--chunk-bytes", "\(chunk)"] }
            let r = try Harness.run(args, in: dir, environment: bound.isEmpty ? [:] : ["MOTCUA_REJECTS_IN_MEMORY": bound])
            XCTAssertEqual(r.status, 0, r.stderr)
            let text = Harness.read(dir.appendingPathComponent("out/rejects.ndjson")) ?? ""
            files.append(text)
            let lines = text.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, want.count, "bound \(bound), threads \(threads)")
            for (l, w) in zip(lines, want) {
                let o = try JSONSerialization.jsonObject(with: Data(l.utf8)) as! [String: Any]
                XCTAssertEqual("\(o["file"]!) \(o["line"]!) \(o["reason"]!)", "\(w.0) \(w.1) \(w.2)")
                // The SPEC keys first and in their order; `value` only on invalid_value rejects, last.
                XCTAssertTrue(l.hasPrefix(#"{"file":"\#(w.0)","line":\#(w.1),"reason":"\#(w.2)","excerpt":""#), l)
                XCTAssertTrue(l.hasSuffix(w.3), "\(l)\ndoes not end with\n\(w.3)")
                XCTAssertEqual(o["value"] != nil, w.2.hasPrefix("invalid_value:"), l)
            }
            try FileManager.default.removeItem(at: dir.appendingPathComponent("out"))
        }
        XCTAssertEqual(Set(files).count, 1, "rejects.ndjson is the same whatever spilled and however the work was split")
    }

    func testTheRejectRateMessageShowsValuesOnOneLine() throws {
        try writeRejectCase(maxRejectRate: "0.01")
        let r = try Harness.run(["run", "p.yaml", "--quiet", "--out", "out"], in: dir)
        XCTAssertEqual(r.status, 65)
        let first = #"First: data/a.ndjson:2: invalid_value:TrangThaiHoSo "2.5"; "#
            + #"data/a.ndjson:3: invalid_value:TrangThaiHoSo "\"Đang\"\n\u0007 x"; "#
            + #"data/a.ndjson:4: invalid_value:KenhThucHien ""# + String(repeating: "ữ", count: 39) + #"…""#
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains(first), "\(r.stderr)\ndoes not contain\n\(first)")
    }

    func testValidateReportsBadLabels() throws {
        try write("p.yaml", """
        version: 1
        inputs:
          - format: csv
            paths: ["data/*.csv"]
            labels: { status: { "Đang thực hiện": 11, "": 4 }, kind: {} }
          - format: dvcqg-ndjson
            paths: ["data/*.ndjson"]
            labels: { status: { "Đang thực hiện": 4 } }
        periods: { kind: month, from: 2024-03-01, to: 2024-03-31 }
        """)
        let r = try Harness.run(["validate", "p.yaml"], in: dir)
        XCTAssertEqual(r.status, 78)
        for needle in ["p.yaml:5: inputs[0].labels.kind: unknown key", #"p.yaml:5: inputs[0].labels.status["Đang thực hiện"]: '11' is not a status code (1–10)"#,
                       #"p.yaml:5: inputs[0].labels.status[""]: empty label"#,
                       "p.yaml:8: inputs[1].labels: labels apply to spreadsheet inputs (csv); dvcqg-ndjson has codes only"] {
            XCTAssertTrue(r.stderr.contains(needle), "\(needle) not reported:\n\(r.stderr)")
        }
    }
}
