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
    /// Slices of rows are encoded side by side on up to `threads` threads and joined in order.
    static func csv(_ rows: [Row], periods: [Period], units: UnitModel, threads: Int = 1) -> [UInt8] {
        var out: [UInt8] = []
        CSVEncoding.appendHeader(columns, to: &out)
        return joined(out, encodedSlices(rows, periods: periods, units: units, threads: threads) { cells, _, part in
            CSVEncoding.appendRow(cells, to: &part)
        }, "")
    }

    static func json(_ rows: [Row], periods: [Period], units: UnitModel, threads: Int = 1) -> [UInt8] {
        let keys = columns
        return joined(Array("{\"schema_version\":1,\"rows\":[".utf8), encodedSlices(rows, periods: periods, units: units, threads: threads) { cells, i, part in
            part.append(contentsOf: i == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A])
            JSONEncoding.appendObject(keys, cells, to: &part)
        }, "\n]}\n")
    }

    private static func encodedSlices(_ rows: [Row], periods: [Period], units: UnitModel, threads: Int,
                                      _ append: ([Cell], Int, inout [UInt8]) -> Void) -> [[UInt8]] {
        let texts = periods.map(PeriodText.init)
        return SideBySide.slices(rows.count, threads: threads, minimum: 2048) { range in
            var part: [UInt8] = []
            for i in range { append(cells(rows[i], periods: texts, units: units), i, &part) }
            return part
        }
    }

    private static func joined(_ head: [UInt8], _ parts: [[UInt8]], _ tail: String) -> [UInt8] {
        var out = head
        out.reserveCapacity(head.count + parts.reduce(0) { $0 + $1.count } + tail.utf8.count)
        for p in parts { out += p }
        out += tail.utf8
        return out
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
