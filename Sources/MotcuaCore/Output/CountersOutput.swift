// counters.csv / counters.json (SPEC §7.3): one row per (period, unit, scope[, sector]).

enum CountersOutput {
    static let leadColumns = ["period", "from", "to", "partial", "unit_code", "unit_name", "tier",
                              "parent_code", "scope", "sector_code"]
    static var columns: [String] { leadColumns + counterColumns }

    static func cells(_ r: CounterRow, periods: [Period], units: UnitModel) -> [Cell] {
        let p = periods[r.period]
        let u = units.units[r.unit]
        var cells: [Cell] = [.text(p.label), .text(formatDay(p.from)), .text(formatDay(p.to)), .bool(p.partial),
                             .text(u.code), .text(u.name), .text(u.tier), .text(u.parent), .text(r.scope.rawValue),
                             .text(r.sector)]
        cells.reserveCapacity(cells.count + r.values.count)
        for v in r.values { cells.append(.int(v)) }
        return cells
    }

    static func csv(_ rows: [CounterRow], periods: [Period], units: UnitModel) -> [UInt8] {
        var out: [UInt8] = []
        CSVEncoding.appendHeader(columns, to: &out)
        for r in rows { CSVEncoding.appendRow(cells(r, periods: periods, units: units), to: &out) }
        return out
    }

    static func json(_ rows: [CounterRow], periods: [Period], units: UnitModel) -> [UInt8] {
        JSONEncoding.rowsDocument(columns, rows.map { cells($0, periods: periods, units: units) })
    }
}
