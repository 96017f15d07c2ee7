// counters.csv / counters.json (SPEC §7.3): one row per (period, unit, scope[, sector]).

enum CountersOutput: RowsOutput {
    static let leadColumns = ["period", "from", "to", "partial", "unit_code", "unit_name", "tier",
                              "parent_code", "scope", "sector_code"]
    static var columns: [String] { leadColumns + counterColumns }

    static func cells(_ r: CounterRow, periods: [PeriodText], units: UnitModel) -> [Cell] {
        let p = periods[r.period]
        let u = units.units[r.unit]
        var cells: [Cell] = [.text(p.label), .text(p.from), .text(p.to), .bool(p.partial),
                             .text(u.code), .text(u.name), .text(u.tier), .text(u.parent), .text(r.scope.rawValue),
                             .text(r.sector)]
        cells.reserveCapacity(cells.count + r.values.count)
        for v in r.values { cells.append(.int(v)) }
        return cells
    }

}

/// A table of rows written as CSV (header, LF) or as a JSON rows document (SPEC §7.3).
protocol RowsOutput {
    associatedtype Row
    static var columns: [String] { get }
    static func cells(_ r: Row, periods: [PeriodText], units: UnitModel) -> [Cell]
}

extension RowsOutput {
    static func csv(_ rows: [Row], periods: [Period], units: UnitModel) -> [UInt8] {
        var out: [UInt8] = []
        let texts = periods.map(PeriodText.init)
        CSVEncoding.appendHeader(columns, to: &out)
        for r in rows { CSVEncoding.appendRow(cells(r, periods: texts, units: units), to: &out) }
        return out
    }

    static func json(_ rows: [Row], periods: [Period], units: UnitModel) -> [UInt8] {
        let texts = periods.map(PeriodText.init)
        return JSONEncoding.rowsDocument(columns, rows.map { cells($0, periods: texts, units: units) })
    }
}

/// A period's text cells, made once per run rather than once per row.
struct PeriodText {
    let label: String, from: String, to: String, partial: Bool
    init(_ p: Period) {
        label = p.label
        from = formatDay(p.from)
        to = formatDay(p.to)
        partial = p.partial
    }
}
