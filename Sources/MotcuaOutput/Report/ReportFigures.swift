// The report's figures as text, each from one row of the roll-up (ReportRows) and written by
// the one Vietnamese formatter: a KPI's value, numerator, denominator, target and mark; a
// counter; QĐ 766 points (20 × progress_rate).
import MotcuaFoundation
import MotcuaAggregate

struct KPIFigure {
    let row: KPIRow?
    let value: Int64?
    let met: Bool?

    init(_ row: KPIRow?) {
        self.row = row
        if let row { (value, met) = KPIOutput.published(row) } else { (value, met) = (nil, nil) }
    }

    /// `94,05 %`, or `—` without a value.
    var valueText: String { value.map { VietnameseFormat.percent(micros: $0) } ?? "—" }
    /// The value on a 0…1 axis.
    var fraction: Double? { value.map { Double($0) / 1_000_000 } }
    var numeratorText: String { VietnameseFormat.integer(row?.numerator ?? 0) }
    var denominatorText: String { VietnameseFormat.integer(row?.denominator ?? 0) }
    var targetMin: Int64? { row?.target?.min }
    var targetMax: Int64? { row?.target?.max }
    var hasTarget: Bool { row?.target != nil }

    /// `✓` met, `✗` not met, nil without a target or a value.
    var mark: String? { met.map { $0 ? "✓" : "✗" } }
    var markText: String {
        switch met {
        case true?: return "✓ Đạt"
        case false?: return "✗ Chưa đạt"
        case nil: return hasTarget ? "Chưa có số liệu" : "Không đặt chỉ tiêu"
        }
    }
    /// The CSS class of a figure with a target: `ok`, `miss`, or `none`.
    var state: String { met.map { $0 ? "ok" : "miss" } ?? "none" }

    /// `≥ 90,00 %`, `≤ 5,00 %` or `90,00 % – 100,00 %`; nil without a target.
    var targetText: String? {
        switch (targetMin, targetMax) {
        case let (lo?, hi?): return "\(VietnameseFormat.percent(micros: lo)) – \(VietnameseFormat.percent(micros: hi))"
        case let (lo?, nil): return "≥ \(VietnameseFormat.percent(micros: lo))"
        case let (nil, hi?): return "≤ \(VietnameseFormat.percent(micros: hi))"
        default: return nil
        }
    }

    /// QĐ 766 points: 20 × the published progress_rate, 2 decimals (`18,81`).
    var pointsText: String { value.map { VietnameseFormat.fixed(20 * $0, scale: 6, digits: 2) } ?? "—" }
    var points: Double? { value.map { 20 * Double($0) / 1_000_000 } }
}
