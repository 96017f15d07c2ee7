// A CSV file's header compiled once into column indices (SPEC §2.3, §3.5): header names
// match after NFC, trimming and case folding; the default Vietnamese vendor headers apply
// unless the pipeline's `columns` overrides them. Also the labels code cells may hold: the
// built-in list and an input's `labels:` over it, compared the same way.
import MotcuaFoundation
import Foundation

public struct CSVLayout: Sendable {
    public var columnCount = 0
    /// Column of each §2.2 field (DossierField order), -1 when absent.
    public var column = [Int](repeating: -1, count: DossierField.count)
    /// A malformed header row, or one naming a field twice: every row is malformed_csv.
    public var malformed = false
    public var warnings: [String] = []
    /// The labels code cells are read with (the built-in ones and the input's `labels:`).
    package var labels = LabelTables.builtIn

    /// Default header names per canonical field (SPEC §2.3).
    package static let defaultHeaders: [String: [String]] = [
        "dossier_id": ["Mã hồ sơ"], "unit_code": ["Mã đơn vị"], "procedure_code": ["Mã TTHC"],
        "sector_code": ["Mã lĩnh vực"], "channel": ["Kênh thực hiện"], "service_level": ["Mức độ"],
        "status": ["Trạng thái"], "received_at": ["Ngày tiếp nhận"], "due_at": ["Ngày hẹn trả"],
        "ended_at": ["Ngày kết thúc xử lý"], "returned_at": ["Ngày trả kết quả"],
        "return_channel": ["Hình thức trả kết quả"], "paid_online": ["Thanh toán trực tuyến"],
        "digitized": ["Số hóa", "Số hoá"], "fee_bearing": ["Có phí"], "e_result": ["Có kết quả điện tử"],
    ]

    /// Canonical name → dvcqg field.
    static let canonical: [String: DossierField] = [
        "dossier_id": .maHoSo, "unit_code": .maDonVi, "procedure_code": .maTTHC, "sector_code": .maLinhVuc,
        "channel": .kenhThucHien, "service_level": .mucDo, "status": .trangThaiHoSo,
        "received_at": .ngayTiepNhan, "due_at": .ngayHenTra, "ended_at": .ngayKetThucXuLy,
        "returned_at": .ngayTra, "return_channel": .hinhThuc, "paid_online": .duocThanhToanTrucTuyen,
        "digitized": .hoSoCoThanhPhanSoHoa, "fee_bearing": .danhSachLePhi, "e_result": .danhSachGiayToKetQua,
    ]

    /// Every header name that maps a field under `overrides` (normalized): how a workbook's
    /// header row is told from the title rows above it.
    static func headerNames(overrides: [String: String]) -> Set<String> {
        Set(canonical.keys.flatMap { name in (overrides[name].map { [$0] } ?? defaultHeaders[name]!).map(normalizeLabel) })
    }

    /// Compiles a header row; nil `header` is a row over the line limit (malformed). `labels`
    /// go with the layout to every decoder of the file. `hintDelimiter`: the input sets its
    /// delimiter (csv, not a workbook), so a one-column header may say which one to set.
    package init(header: UnsafeBufferPointer<UInt8>?, delimiter: UInt8, overrides: [String: String], labels: LabelTables,
                 file: String, hintDelimiter: Bool = false) {
        self.labels = labels
        guard let header, let base = header.baseAddress, header.count > 0, isValidUTF8(base, header.count) else {
            malformed = true
            warnings.append("\(file): malformed CSV header row; every row is rejected as malformed_csv")
            return
        }
        let splitter = CSVRecordSplitter(delimiter: delimiter)
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: header.count + 1)
        defer { buf.deallocate() }
        let rec = splitter.split(base, from: 0, to: header.count, into: buf)
        if rec.malformed {
            malformed = true
            warnings.append("\(file): malformed CSV header row; every row is rejected as malformed_csv")
            return
        }
        columnCount = rec.cellCount
        if hintDelimiter, columnCount == 1, let hint = ReadingHints.delimiter(header: header, configured: delimiter, file: file) {
            warnings.append(hint)
        }
        let names = (0..<rec.cellCount).map {
            normalizeLabel(String(decoding: UnsafeBufferPointer(start: splitter.cells + splitter.starts[$0], count: splitter.ends[$0] - splitter.starts[$0]), as: UTF8.self))
        }
        for (name, field) in CSVLayout.canonical {
            let wanted = (overrides[name].map { [$0] } ?? CSVLayout.defaultHeaders[name]!).map(normalizeLabel)
            let hits = names.indices.filter { wanted.contains(names[$0]) }
            if hits.count > 1 {
                malformed = true
                warnings.append("\(file): the header names \(name) twice; every row is rejected as malformed_csv")
            }
            if let first = hits.first { column[field.rawValue] = first }
        }
        for (name, field) in [("dossier_id", DossierField.maHoSo), ("status", .trangThaiHoSo)] where column[field.rawValue] < 0 {
            let header = overrides[name] ?? CSVLayout.defaultHeaders[name]![0]
            warnings.append("\(file): the header has no column '\(header)' (\(name)); every row lacks \(field.name)")
        }
    }
}

extension CSVLayout {
    /// Runs of spaces, tabs, line breaks and no-break spaces as one space, none at the ends: a
    /// heading wrapped in its spreadsheet cell names its column as the one-line heading does.
    package static func foldSpaces(_ s: String) -> String {
        s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{00A0}" }).joined(separator: " ")
    }

    /// A heading as workbooks and `motcua init` compare it: spaces folded, then as headers compare.
    package static func headerKey(_ s: String) -> String { normalizeLabel(foldSpaces(s)) }
}

/// NFC, trimmed (spaces, tabs, CR, LF), case-folded: how CSV headers and labels compare.
package func normalizeLabel(_ s: String) -> String {
    s.precomposedStringWithCanonicalMapping
        .trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n"))
        .lowercased()
        .precomposedStringWithCanonicalMapping
}

/// The labels CSV code fields accept without a pipeline's help (SPEC §2.3): the canonical
/// Vietnamese names, the portal's English status codes and the common vendor variants, each
/// with one meaning (reference/domain-notes.md §4.2a lists the ambiguous ones left to `labels:`).
package enum CSVLabels {
    package static let builtIn: [LabelKind: [(String, Int)]] = [
        .status: [
            ("Mới đăng ký", 1), ("Được tiếp nhận", 2), ("Không được tiếp nhận", 3), ("Đang xử lý", 4),
            ("Yêu cầu bổ sung giấy tờ", 5), ("Yêu cầu thực hiện nghĩa vụ tài chính", 6),
            ("Công dân yêu cầu rút hồ sơ", 7), ("Dừng xử lý", 8), ("Đã xử lý xong", 9), ("Đã trả kết quả", 10),
            ("Chờ tiếp nhận", 1), ("Đăng ký mới", 1),
            ("Đã tiếp nhận", 2), ("Mới tiếp nhận", 2), ("Tiếp nhận", 2),
            ("Từ chối tiếp nhận", 3),
            ("Đang giải quyết", 4), ("Đang thụ lý", 4),
            ("Yêu cầu bổ sung", 5), ("Chờ bổ sung", 5), ("Bổ sung hồ sơ", 5),
            ("Chờ thực hiện nghĩa vụ tài chính", 6), ("Chờ thanh toán", 6),
            ("Rút hồ sơ", 7), ("Đã rút hồ sơ", 7), ("Xin rút", 7),
            ("Dừng giải quyết", 8),
            ("Chờ trả kết quả", 9), ("Có kết quả", 9),
            ("Đã trả", 10), ("Hoàn thành trả kết quả", 10),
        ] + englishStatuses,
        .channel: [
            ("Trực tiếp", 1), ("Trực tuyến", 2), ("Bưu chính công ích", 3), ("BCCI", 3),
            ("Nộp trực tiếp", 1), ("Tại quầy", 1), ("Tại bộ phận một cửa", 1),
            ("Qua mạng", 2), ("Dịch vụ công trực tuyến", 2),
            ("Bưu chính", 3), ("Qua bưu điện", 3), ("Dịch vụ bưu chính", 3),
        ],
        .returnChannel: [("Trực tiếp", 0), ("Bưu chính", 1), ("Tại quầy", 0), ("Qua BCCI", 1), ("Qua bưu điện", 1)],
        .boolean: [("1", 1), ("Có", 1), ("true", 1), ("0", 0), ("Không", 0), ("false", 0)],
    ]
}

/// The labels one input's cells are read with: the built-in ones with the input's `labels:`
/// over them, normalized; compiled once per input file (a decoder's `LabelCache` then looks
/// each distinct cell text up here once).
package struct LabelTables: Sendable {
    private var tables: [[String: Int]]

    package static let builtIn = LabelTables(tables: LabelKind.allCases.map { kind in
        Dictionary(CSVLabels.builtIn[kind]!.map { (normalizeLabel($0.0), $0.1) }, uniquingKeysWith: { a, _ in a })
    })

    private init(tables: [[String: Int]]) { self.tables = tables }

    /// The built-in labels with `labels` (text as written → code, as the loader checked them) over them.
    package init(_ labels: [LabelKind: [String: Int]]) {
        self = LabelTables.builtIn
        for (kind, pairs) in labels {
            for (text, code) in pairs { tables[kind.slot][normalizeLabel(text)] = code }
        }
    }

    /// The code of a label already normalized (`normalizeLabel`), nil when it is none of this kind's.
    package func code(normalized label: String, _ kind: LabelKind) -> Int? { tables[kind.slot][label] }
}

extension LabelKind {
    /// Index into per-kind tables.
    var slot: Int {
        switch self {
        case .status: return 0
        case .channel: return 1
        case .returnChannel: return 2
        case .boolean: return 3
        }
    }
}
