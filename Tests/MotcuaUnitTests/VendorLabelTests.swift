// CSV code cells in a vendor's words (SPEC §2.3, §3.5): every label the SPEC lists maps to its
// code and nothing else is built in; an input's `labels:` adds or overrides labels for that
// input only; the loader checks them strictly (SPEC §6).
import Foundation
import XCTest
import MotcuaTestSupport
@testable import MotcuaFoundation
@testable import MotcuaReading
@testable import MotcuaPipeline

final class VendorLabelTests: XCTestCase {
    /// SPEC §2.3's labels, copied here by hand from its text (not from the engine's list).
    static let specLabels: [LabelKind: [(String, Int)]] = [
        .status: [
            // canonical (§3.1)
            ("Mới đăng ký", 1), ("Được tiếp nhận", 2), ("Không được tiếp nhận", 3), ("Đang xử lý", 4),
            ("Yêu cầu bổ sung giấy tờ", 5), ("Yêu cầu thực hiện nghĩa vụ tài chính", 6),
            ("Công dân yêu cầu rút hồ sơ", 7), ("Dừng xử lý", 8), ("Đã xử lý xong", 9), ("Đã trả kết quả", 10),
            // English status codes "as in §2.2"
            ("receiving", 1), ("new", 2), ("denied", 3), ("processing", 4), ("waiting", 5), ("paying", 6),
            ("cancelled", 7), ("unresolved", 8), ("releasing", 9), ("done", 10),
            // common vendor variants
            ("Chờ tiếp nhận", 1), ("Đăng ký mới", 1), ("Đã tiếp nhận", 2), ("Mới tiếp nhận", 2), ("Tiếp nhận", 2),
            ("Từ chối tiếp nhận", 3), ("Đang giải quyết", 4), ("Đang thụ lý", 4), ("Yêu cầu bổ sung", 5),
            ("Chờ bổ sung", 5), ("Bổ sung hồ sơ", 5), ("Chờ thực hiện nghĩa vụ tài chính", 6), ("Chờ thanh toán", 6),
            ("Rút hồ sơ", 7), ("Đã rút hồ sơ", 7), ("Xin rút", 7), ("Dừng giải quyết", 8), ("Chờ trả kết quả", 9),
            ("Có kết quả", 9), ("Đã trả", 10), ("Hoàn thành trả kết quả", 10),
        ],
        .channel: [
            ("Trực tiếp", 1), ("Trực tuyến", 2), ("Bưu chính công ích", 3), ("BCCI", 3),
            ("Nộp trực tiếp", 1), ("Tại quầy", 1), ("Tại bộ phận một cửa", 1), ("Qua mạng", 2),
            ("Dịch vụ công trực tuyến", 2), ("Bưu chính", 3), ("Qua bưu điện", 3), ("Dịch vụ bưu chính", 3),
        ],
        .returnChannel: [("Trực tiếp", 0), ("Bưu chính", 1), ("Tại quầy", 0), ("Qua BCCI", 1), ("Qua bưu điện", 1)],
        .boolean: [("1", 1), ("0", 0), ("Có", 1), ("Không", 0), ("true", 1), ("false", 0)],
    ]

    static let header = "Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Ngày kết thúc xử lý,Hình thức trả kết quả,Số hóa,Có phí,Có kết quả điện tử"

    struct Decoded {
        var reason: RejectReason?
        var record: DecodedRecord
        var value: String?
    }

    /// Decodes rows under `header` as one CSV input with `labels`, the way a worker does.
    static func decodeCSV(_ rows: [String], labels: [LabelKind: [String: Int]] = [:], header: String = header) -> [Decoded] {
        let format = CSVFormat(spec: InputSpec(format: .csv, patterns: [], labels: labels))
        let layout = Array(header.utf8).withUnsafeBufferPointer {
            format.layout(for: "t.csv", header: $0, dates: DateTimeParser(), maxLineBytes: 1 << 20)
        }
        let decoder = layout.makeDecoder()
        return rows.map { row in
            Array(row.utf8).withUnsafeBufferPointer { b in
                var span = RecordSpan(), record = DecodedRecord()
                let reason = decoder.decode(b.baseAddress!, from: 0, to: b.count, span: &span, into: &record)
                return Decoded(reason: reason, record: record, value: reason.flatMap { decoder.rejectedValue($0)?.string })
            }
        }
    }

    /// A row whose `kind` cell holds `label` (the others valid codes).
    static func row(_ kind: LabelKind, _ label: String) -> String {
        let cells = ["A-1", "000.00.01.H56", kind == .channel ? label : "1", kind == .status ? label : "4", "01/03/2024", "02/03/2024",
                     kind == .returnChannel ? label : "", kind == .boolean ? label : "", kind == .boolean ? label : "",
                     kind == .boolean ? label : ""]
        return cells.joined(separator: ",")
    }

    /// The code the row's `kind` cell decoded to; nil when the record was rejected.
    static func code(_ d: Decoded, _ kind: LabelKind) -> Int? {
        guard d.reason == nil else { return nil }
        let r = d.record
        switch kind {
        case .status: return Int(r.status)
        case .channel: return Int(r.channel)
        case .returnChannel: return Int(r.returnChannel)
        case .boolean:
            // All three flags were given the same cell.
            XCTAssertTrue(r.digitized == r.feeBearing && r.feeBearing == r.eResult)
            return r.digitized ? 1 : 0
        }
    }

    func testEverySpecLabelMapsToItsCodeWhateverItsCaseFormOrSpacing() {
        for (kind, pairs) in Self.specLabels {
            for (label, want) in pairs {
                // Compared after NFC, trimming and case folding (SPEC §3.5).
                let spellings = [label, label.uppercased(), label.lowercased(), label.decomposedStringWithCanonicalMapping,
                                 "  \(label)\t", label.uppercased().decomposedStringWithCanonicalMapping]
                let decoded = Self.decodeCSV(spellings.map { Self.row(kind, $0) })
                for (spelling, d) in zip(spellings, decoded) {
                    XCTAssertEqual(Self.code(d, kind), want, "\(kind.rawValue) \(spelling.debugDescription): \(String(describing: d.reason))")
                }
            }
        }
    }

    func testTheBuiltInListIsExactlyTheSpecList() {
        for kind in LabelKind.allCases {
            let builtIn = Set(CSVLabels.builtIn[kind]!.map { "\(normalizeLabel($0.0))=\($0.1)" })
            let spec = Set(Self.specLabels[kind]!.map { "\(normalizeLabel($0.0))=\($0.1)" })
            XCTAssertEqual(builtIn.subtracting(spec).sorted(), [], "\(kind.rawValue): built in but not in SPEC §2.3")
            XCTAssertEqual(spec.subtracting(builtIn).sorted(), [], "\(kind.rawValue): in SPEC §2.3 but not built in")
        }
    }

    /// The ambiguous words of domain notes §4.2a, and near misses, are no label until a pipeline maps them.
    func testAmbiguousWordsAreNotBuiltIn() {
        let cases: [(LabelKind, String, RejectReason)] = [
            (.status, "Mới", .invalid(.trangThaiHoSo)), (.status, "Từ chối", .invalid(.trangThaiHoSo)),
            (.status, "Trả lại", .invalid(.trangThaiHoSo)), (.status, "Đang thực hiện", .invalid(.trangThaiHoSo)),
            (.status, "Tạm dừng", .invalid(.trangThaiHoSo)), (.status, "Đã giải quyết", .invalid(.trangThaiHoSo)),
            (.status, "Hoàn thành", .invalid(.trangThaiHoSo)), (.status, "Đã hoàn thành", .invalid(.trangThaiHoSo)),
            (.status, "Đang xử lí", .invalid(.trangThaiHoSo)),
            (.channel, "Bưu điện", .invalid(.kenhThucHien)), (.channel, "Qua BCCI", .invalid(.kenhThucHien)),
            (.returnChannel, "Bưu chính công ích", .invalid(.hinhThuc)), (.returnChannel, "Qua mạng", .invalid(.hinhThuc)),
            (.boolean, "x", .invalid(.hoSoCoThanhPhanSoHoa)), (.boolean, "Đã", .invalid(.hoSoCoThanhPhanSoHoa)),
            (.boolean, "Chưa", .invalid(.hoSoCoThanhPhanSoHoa)), (.boolean, "01", .invalid(.hoSoCoThanhPhanSoHoa)),
        ]
        let decoded = Self.decodeCSV(cases.map { Self.row($0.0, $0.1) })
        for (c, d) in zip(cases, decoded) {
            XCTAssertEqual(d.reason, c.2, "\(c.0.rawValue) \(c.1)")
            XCTAssertEqual(d.value, c.1, "the reject names the cell")
        }
    }

    func testLabelsAddAndOverrideForTheirInputOnly() {
        let labels: [LabelKind: [String: Int]] = [
            .status: ["Đang thực hiện": 4, "ĐANG GIẢI QUYẾT": 5],
            .channel: ["Tại quầy": 2],
            .returnChannel: ["Bưu điện": 1],
            .boolean: ["x": 1, "Không": 1],
        ]
        let rows: [(LabelKind, String)] = [
            (.status, "Đang thực hiện"), (.status, "đang giải quyết"), (.status, "Đang thụ lý"), (.status, "Đang xử lý"),
            (.channel, "Tại quầy"), (.channel, "Nộp trực tiếp"), (.returnChannel, "Tại quầy"), (.returnChannel, "Bưu điện"),
            (.boolean, "X"), (.boolean, "Không"), (.boolean, "false"),
        ]
        let with = Self.decodeCSV(rows.map { Self.row($0.0, $0.1) }, labels: labels)
        XCTAssertEqual(zip(rows, with).map { Self.code($1, $0.0) }, [4, 5, 4, 4, 2, 1, 0, 1, 1, 1, 0])
        // Another input, without labels: the built-in meanings, and the added words are no labels.
        let without = Self.decodeCSV(rows.map { Self.row($0.0, $0.1) })
        XCTAssertEqual(zip(rows, without).map { Self.code($1, $0.0) }, [nil, 4, 4, 4, 1, 1, 0, nil, nil, 0, 0])
    }

    // MARK: the loader

    func load(_ yaml: String) throws -> (Pipeline?, [ConfigIssue]) {
        let dir = try Harness.scratch("labels")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        var issues: [ConfigIssue] = []
        let p = PipelineLoader.load(path: path, issues: &issues)
        return (p, issues)
    }

    func testLoaderReadsLabelsPerInput() throws {
        let (p, issues) = try load("""
        version: 1
        inputs:
          - format: csv
            paths: ["a/*.csv"]
            labels:
              status: { "Đang thực hiện": 4, "Hoàn thành": 10, "đang THỰC hiện": 4 }
              channel: { "Qua Zalo": 2 }
              return_channel: { "Tại nhà": 1 }
              boolean: { "x": true, "Chưa": false, "Đã": 1, "-": 0 }
          - format: csv
            paths: ["b/*.csv"]
        periods: { kind: month, from: 2024-03-01, to: 2024-03-31 }
        """)
        XCTAssertEqual(issues.map(\.description), [])
        let labels = try XCTUnwrap(p).inputs.map(\.labels)
        // A label repeated with the same code is kept once (the first spelling).
        XCTAssertEqual(labels[0], [.status: ["Đang thực hiện": 4, "Hoàn thành": 10], .channel: ["Qua Zalo": 2],
                                   .returnChannel: ["Tại nhà": 1], .boolean: ["x": 1, "Chưa": 0, "Đã": 1, "-": 0]])
        XCTAssertEqual(labels[1], [:])
    }

    func testLoaderReportsEveryBadLabelAtOnce() throws {
        let (_, issues) = try load("""
        version: 1
        inputs:
          - format: csv
            paths: ["a/*.csv"]
            labels:
              status: { "Đang thực hiện": 4, " ĐANG THỰC HIỆN": 5, "": 3, "  ": 3, "12": 4, "Hoàn thành": 11, "Tạm dừng": "x", "Mới": 0 }
              channel: { "Qua Zalo": 4, "Tại nhà": 1.5 }
              return_channel: { "Qua mạng": 2 }
              boolean: { "maybe": 2, "x": yes-ish }
              colour: { a: 1 }
          - format: dvcqg-ndjson
            paths: ["b/*.ndjson"]
            labels: { status: { "Đang thực hiện": 4 } }
          - format: csv
            paths: ["c/*.csv"]
            labels: [status]
          - format: csv
            paths: ["d/*.csv"]
            labels: { status: [4] }
        periods: { kind: month, from: 2024-03-01, to: 2024-03-31 }
        """)
        let got = issues.map { "\($0.path): \($0.reason)" }
        let want = [
            "inputs[0].labels.colour: unknown key (allowed: status, channel, return_channel, boolean)",
            "inputs[0].labels.status[\" ĐANG THỰC HIỆN\"]: same label as \"Đang thực hiện\" (after NFC, trimming and case folding) with another code (4, 5)",
            "inputs[0].labels.status[\"\"]: empty label (an empty cell is no value)",
            "inputs[0].labels.status[\"  \"]: empty label (an empty cell is no value)",
            "inputs[0].labels.status[\"12\"]: a number is read as the code itself, not as a label",
            "inputs[0].labels.status[\"Hoàn thành\"]: '11' is not a status code (1–10)",
            "inputs[0].labels.status[\"Tạm dừng\"]: 'x' is not a status code (1–10)",
            "inputs[0].labels.status[\"Mới\"]: '0' is not a status code (1–10)",
            "inputs[0].labels.channel[\"Qua Zalo\"]: '4' is not a channel code (1–3)",
            "inputs[0].labels.channel[\"Tại nhà\"]: '1.5' is not a channel code (1–3)",
            "inputs[0].labels.return_channel[\"Qua mạng\"]: '2' is not a return_channel code (0–1)",
            "inputs[0].labels.boolean[\"maybe\"]: '2' is not a boolean code (true, false, 1 or 0)",
            "inputs[0].labels.boolean[\"x\"]: 'yes-ish' is not a boolean code (true, false, 1 or 0)",
            "inputs[1].labels: labels apply to spreadsheet inputs (csv); dvcqg-ndjson has codes only (SPEC §2.2)",
            "inputs[2].labels: expected a mapping",
            "inputs[3].labels.status: expected a mapping of label: code",
        ]
        XCTAssertEqual(got, want)
        XCTAssertTrue(issues.allSatisfy { $0.file.hasSuffix("p.yaml") && $0.line != nil }, "\(issues)")
    }
}
