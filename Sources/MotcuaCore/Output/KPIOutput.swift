// kpis.csv / kpis.json (SPEC §7.3): one row per (period, unit, scope, kpi) with numerator,
// denominator, value (6 decimals or null) and the target that applies.

enum KPIOutput: RowsOutput {
    static let columns = ["period", "from", "to", "partial", "unit_code", "unit_name", "tier", "scope", "kpi",
                          "numerator", "denominator", "value", "target_min", "target_max", "met"]

    static func cells(_ r: KPIRow, periods: [PeriodText], units: UnitModel) -> [Cell] {
        let p = periods[r.period]
        let u = units.units[r.unit]
        let value = ratioMicros(r.numerator, r.denominator)
        var met: Cell = .micros(nil)
        if let t = r.target, let v = value {
            // Compare the published (rounded) value with the bounds, inclusive.
            let ok = (t.min.map { v >= $0 } ?? true) && (t.max.map { v <= $0 } ?? true)
            met = .bool(ok)
        }
        return [.text(p.label), .text(p.from), .text(p.to), .bool(p.partial),
                .text(u.code), .text(u.name), .text(u.tier), .text(r.scope.rawValue), .text(r.kpi),
                .int(r.numerator), .int(r.denominator), .micros(value),
                .micros(r.target?.min), .micros(r.target?.max), met]
    }

}
