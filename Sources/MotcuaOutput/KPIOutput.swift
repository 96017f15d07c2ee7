// kpis.csv / kpis.json (SPEC §7.3): one row per (period, unit, scope, kpi) with numerator,
// denominator, value (6 decimals or null) and the target that applies.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate

package enum KPIOutput: RowsOutput {
    package static let columns = ["period", "from", "to", "partial", "unit_code", "unit_name", "tier", "scope", "kpi",
                          "numerator", "denominator", "value", "target_min", "target_max", "met"]

    static func key(_ r: KPIRow) -> (period: Int, unit: Int) { (r.period, r.unit) }

    static func sharedCells(_ p: PeriodText, _ u: UnitInfo, into cells: inout [Cell]) {
        cells += [.text(p.label), .text(p.from), .text(p.to), .bool(p.partial), .text(u.code), .text(u.name), .text(u.tier)]
    }

    /// A row's published value (micro-units, nil when the denominator is 0) and `met` (nil
    /// without a target or a value): what kpis.csv writes and report.html shows.
    package static func published(_ r: KPIRow) -> (value: Int64?, met: Bool?) {
        let value = ratioMicros(r.numerator, r.denominator)
        guard let t = r.target, let v = value else { return (value, nil) }
        // Compare the published (rounded) value with the bounds, inclusive.
        return (value, (t.min.map { v >= $0 } ?? true) && (t.max.map { v <= $0 } ?? true))
    }

    static func cells(_ r: KPIRow, into cells: inout [Cell]) {
        let (value, ok) = published(r)
        let met: Cell = ok.map { .bool($0) } ?? .micros(nil)
        cells.append(.text(r.scope.rawValue))
        cells.append(.text(r.kpi))
        cells.append(.int(r.numerator))
        cells.append(.int(r.denominator))
        cells.append(.micros(value))
        cells.append(.micros(r.target?.min))
        cells.append(.micros(r.target?.max))
        cells.append(met)
    }

    static func appendCSVCells(_ r: KPIRow, to out: inout [UInt8]) {
        let (value, ok) = published(r)
        let comma = UInt8(ascii: ",")
        CSVEncoding.appendText(r.scope.rawValue, to: &out)
        out.append(comma)
        CSVEncoding.appendText(r.kpi, to: &out)
        out.append(comma)
        appendInt(r.numerator, to: &out)
        out.append(comma)
        appendInt(r.denominator, to: &out)
        out.append(comma)
        if let value { appendMicros(value, to: &out) }
        out.append(comma)
        if let min = r.target?.min { appendMicros(min, to: &out) }
        out.append(comma)
        if let max = r.target?.max { appendMicros(max, to: &out) }
        out.append(comma)
        if let ok { out.append(contentsOf: (ok ? "true" : "false").utf8) }
    }

    /// The rows as COPY text for the database's `kpis` table (`RowsOutput.copyTextWindows`).
    package static func copyText(_ rows: KPITable, periods: [Period], units: UnitModel, threads: Int = 1,
                                 leading: [String], trailing: [String]) -> CopyTextWindows {
        copyTextWindows(rows, periods: periods, units: units, threads: threads, leading: leading, trailing: trailing)
    }
}
