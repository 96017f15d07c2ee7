// report.html's Vietnamese words: tiers, KPIs, rule sets, period names, reject reasons.
import MotcuaFoundation
import MotcuaAggregate

enum ReportVocabulary {
    /// Tiers in the order the report shows them, with their headings.
    static let tiers: [(key: String, name: String)] = [
        ("tinh", "Cấp tỉnh"), ("so_nganh", "Sở, ban, ngành"), ("huyen", "Cấp huyện"), ("xa", "Cấp xã"),
        ("unknown", "Đơn vị chưa có trong danh mục"),
    ]

    /// Every KPI, in the order the tiles show them, with its name and what its denominator counts.
    static let kpis: [(key: String, name: String, counts: String)] = [
        ("online_rate", "Tỷ lệ hồ sơ trực tuyến", "hồ sơ"),
        ("on_time_rate", "Tỷ lệ giải quyết đúng hạn", "hồ sơ"),
        ("resolution_rate", "Tỷ lệ hồ sơ đã giải quyết", "hồ sơ"),
        ("progress_rate", "Tiến độ giải quyết (QĐ 766, chỉ số 2.1)", "hồ sơ"),
        ("e_result_rate", "Tỷ lệ trả kết quả điện tử", "hồ sơ"),
        ("online_payment_rate", "Tỷ lệ thanh toán trực tuyến", "hồ sơ có phí"),
        ("digitization_rate", "Tỷ lệ hồ sơ số hóa", "hồ sơ"),
        ("postal_intake_rate", "Tỷ lệ tiếp nhận qua bưu chính", "hồ sơ"),
        ("postal_return_rate", "Tỷ lệ trả kết quả qua bưu chính", "hồ sơ"),
        ("online_service_share", "Tỷ lệ TTHC có dịch vụ công trực tuyến", "thủ tục"),
        ("online_service_share_l4", "Tỷ lệ TTHC trực tuyến toàn trình", "thủ tục"),
        ("online_usage_rate_l3", "TTHC trực tuyến một phần có hồ sơ trực tuyến", "thủ tục"),
        ("online_usage_rate_l4", "TTHC trực tuyến toàn trình có hồ sơ trực tuyến", "thủ tục"),
        ("postal_procedure_rate", "TTHC có hồ sơ qua bưu chính", "thủ tục"),
    ]

    static func kpiName(_ key: String) -> String { kpis.first { $0.key == key }?.name ?? key }

    static func rules(_ r: RuleSet) -> String {
        switch r {
        case .tt01: return "tt01 — Thông tư 01/2020/TT-VPCP (Biểu II.06a)"
        case .qd766: return "qd766 — Quyết định 766/QĐ-TTg (Bộ chỉ số phục vụ người dân, doanh nghiệp)"
        }
    }

    static let romanQuarter = ["I", "II", "III", "IV"]

    /// A period's name from its label (SPEC §4): `2024-03` → `Tháng 3/2024`, `2024-Q1` → `Quý I/2024`.
    static func periodName(_ p: Period) -> String {
        let l = p.label
        let parts = l.split(separator: "-").map(String.init)
        if l.contains("..") { return "Từ \(VietnameseFormat.day(p.from)) đến \(VietnameseFormat.day(p.to))" }
        if parts.count == 1 { return "Năm \(l)" }
        if parts.count == 3 { return "Ngày \(VietnameseFormat.day(p.from))" }
        let (year, tail) = (parts[0], parts[1])
        if tail.hasPrefix("Q"), let q = Int(tail.dropFirst()), (1...4).contains(q) { return "Quý \(romanQuarter[q - 1])/\(year)" }
        if tail == "H1" { return "6 tháng đầu năm \(year)" }
        if tail == "H2" { return "6 tháng cuối năm \(year)" }
        if tail.hasPrefix("W"), let w = Int(tail.dropFirst()) { return "Tuần \(w)/\(year)" }
        if let m = Int(tail) { return "Tháng \(m)/\(year)" }
        return l
    }

    /// A reject reason in words (REFERENCE §2.2); the code stays beside it in the table.
    static func rejectReason(_ reason: String) -> String {
        let (head, field) = reason.split(separator: ":", maxSplits: 1).map(String.init).pair
        switch head {
        case "line_too_long": return "Bản ghi dài quá giới hạn"
        case "invalid_utf8": return "Không phải văn bản UTF-8"
        case "malformed_json": return "JSON không hợp lệ"
        case "malformed_csv": return "Dòng CSV không hợp lệ"
        case "missing_field": return "Thiếu trường \(field ?? "")"
        case "invalid_value": return "Giá trị không hợp lệ ở trường \(field ?? "")"
        case "ended_before_received": return "Ngày kết thúc xử lý trước ngày tiếp nhận"
        default: return reason
        }
    }
}

private extension Array where Element == String {
    var pair: (String, String?) { (self.first ?? "", self.count > 1 ? self[1] : nil) }
}
