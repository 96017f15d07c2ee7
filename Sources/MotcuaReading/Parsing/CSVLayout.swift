// A CSV file's header compiled once into column indices (SPEC §2.3, §3.5): header names
// match after NFC, trimming and case folding; the default Vietnamese vendor headers apply
// unless the pipeline's `columns` overrides them.
import MotcuaFoundation
import Foundation

public struct CSVLayout: Sendable {
    public var columnCount = 0
    /// Column of each §2.2 field (DossierField order), -1 when absent.
    public var column = [Int](repeating: -1, count: DossierField.count)
    /// A malformed header row, or one naming a field twice: every row is malformed_csv.
    public var malformed = false
    public var warnings: [String] = []

    /// Default header names per canonical field (SPEC §2.3).
    static let defaultHeaders: [String: [String]] = [
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

    /// Compiles a header row; nil `header` is a row over the line limit (malformed).
    public init(header: UnsafeBufferPointer<UInt8>?, delimiter: UInt8, overrides: [String: String], file: String) {
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
        let names = (0..<rec.cellCount).map {
            normalizeLabel(String(decoding: UnsafeBufferPointer(start: buf + splitter.starts[$0], count: splitter.ends[$0] - splitter.starts[$0]), as: UTF8.self))
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

/// NFC, trimmed (spaces, tabs, CR, LF), case-folded: how CSV headers and labels compare.
func normalizeLabel(_ s: String) -> String {
    s.precomposedStringWithCanonicalMapping
        .trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n"))
        .lowercased()
        .precomposedStringWithCanonicalMapping
}

/// The Vietnamese labels CSV code fields accept, normalized (SPEC §2.3).
enum CSVLabels {
    static let channel: [String: Int] = table([
        ("Trực tiếp", 1), ("Trực tuyến", 2), ("Bưu chính công ích", 3), ("BCCI", 3)])
    static let status: [String: Int] = table([
        ("Mới đăng ký", 1), ("Được tiếp nhận", 2), ("Không được tiếp nhận", 3), ("Đang xử lý", 4),
        ("Yêu cầu bổ sung giấy tờ", 5), ("Yêu cầu thực hiện nghĩa vụ tài chính", 6),
        ("Công dân yêu cầu rút hồ sơ", 7), ("Dừng xử lý", 8), ("Đã xử lý xong", 9), ("Đã trả kết quả", 10),
        ("receiving", 1), ("new", 2), ("denied", 3), ("processing", 4), ("waiting", 5), ("paying", 6),
        ("cancelled", 7), ("unresolved", 8), ("releasing", 9), ("done", 10)])
    static let returnChannel: [String: Int] = table([("Trực tiếp", 0), ("Bưu chính", 1)])
    static let boolean: [String: Int] = table([
        ("1", 1), ("Có", 1), ("true", 1), ("0", 0), ("Không", 0), ("false", 0)])

    private static func table(_ pairs: [(String, Int)]) -> [String: Int] {
        Dictionary(pairs.map { (normalizeLabel($0.0), $0.1) }, uniquingKeysWith: { a, _ in a })
    }
}
