// counters.csv / counters.json (SPEC §7.3): one row per (period, unit, scope[, sector]).
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate

package enum CountersOutput: RowsOutput {
    static let leadColumns = ["period", "from", "to", "partial", "unit_code", "unit_name", "tier",
                              "parent_code", "scope", "sector_code"]
    package static var columns: [String] { leadColumns + counterColumns }

    static func key(_ r: CounterRow) -> (period: Int, unit: Int) { (r.period, r.unit) }

    static func sharedCells(_ p: PeriodText, _ u: UnitInfo, into cells: inout [Cell]) {
        cells += [.text(p.label), .text(p.from), .text(p.to), .bool(p.partial), .text(u.code), .text(u.name),
                  .text(u.tier), .text(u.parent)]
    }

    static func cells(_ r: CounterRow, into cells: inout [Cell]) {
        cells.append(.text(r.scope.rawValue))
        cells.append(.text(r.sector))
        for v in r.values { cells.append(.int(v)) }
    }

    /// The rows as COPY text for the database's `counters` table (`RowsOutput.copyTextBlocks`).
    package static func copyText(_ rows: [CounterRow], periods: [Period], units: UnitModel, threads: Int = 1,
                                 leading: [String], trailing: [String]) throws -> [[UInt8]] {
        try copyTextBlocks(rows, periods: periods, units: units, threads: threads, leading: leading, trailing: trailing)
    }
}

/// A table of rows written as CSV (header, LF) or as a JSON rows document (SPEC §7.3). The
/// leading cells depend only on the row's period and unit: they are encoded once for each run
/// of rows that share them (rows come sorted by period, then unit).
protocol RowsOutput {
    associatedtype Row
    static var columns: [String] { get }
    static func key(_ r: Row) -> (period: Int, unit: Int)
    /// The leading cells, from the row's period and unit.
    static func sharedCells(_ p: PeriodText, _ u: UnitInfo, into cells: inout [Cell])
    /// The cells after the shared ones.
    static func cells(_ r: Row, into cells: inout [Cell])
}

/// Rows encoded between two asks of `isCancelled` (a few milliseconds of work): hundreds of
/// thousands of rows take seconds, and a signal must be heard within 200 ms.
let rowsPerBlock = 4096

extension RowsOutput {
    /// Slices of rows are encoded side by side on up to `threads` threads and joined in order;
    /// each slice in blocks of `rowsPerBlock` rows, `isCancelled` asked before each one and
    /// before each is joined (`Interrupted` then).
    package static func csv(_ rows: [Row], periods: [Period], units: UnitModel, threads: Int = 1,
                            isCancelled: () -> Bool = { false }) throws -> [UInt8] {
        var out: [UInt8] = []
        CSVEncoding.appendHeader(columns, to: &out)
        let blocks = try encodedBlocks(rows, periods: periods, units: units, threads: threads, as: .csv, isCancelled: isCancelled)
        return try joined(out, blocks, "", isCancelled: isCancelled)
    }

    package static func json(_ rows: [Row], periods: [Period], units: UnitModel, threads: Int = 1,
                             isCancelled: () -> Bool = { false }) throws -> [UInt8] {
        let blocks = try encodedBlocks(rows, periods: periods, units: units, threads: threads, as: .json, isCancelled: isCancelled)
        return try joined(Array("{\"schema_version\":1,\"rows\":[".utf8), blocks, "\n]}\n", isCancelled: isCancelled)
    }

    /// The rows as PostgreSQL `COPY … FROM STDIN` text lines (issue 17), in blocks of
    /// `rowsPerBlock` rows: the cells of the CSV file, each line led by `leading` (the database's
    /// key columns) and ended by `trailing` (the run's id).
    static func copyTextBlocks(_ rows: [Row], periods: [Period], units: UnitModel, threads: Int,
                               leading: [String], trailing: [String]) throws -> [[UInt8]] {
        var lead: [UInt8] = [], tail: [UInt8] = []
        for s in leading { CopyTextEncoding.appendText(s, to: &lead); lead.append(CopyTextEncoding.delimiter) }
        for s in trailing { tail.append(CopyTextEncoding.delimiter); CopyTextEncoding.appendText(s, to: &tail) }
        return try encodedBlocks(rows, periods: periods, units: units, threads: threads, as: .copyText(lead: lead, tail: tail),
                                 isCancelled: { false })
    }

    private static func encodedBlocks(_ rows: [Row], periods: [Period], units: UnitModel, threads: Int,
                                      as encoding: RowsEncoding, isCancelled: () -> Bool) throws -> [[UInt8]] {
        let texts = periods.map(PeriodText.init)
        let keys = JSONEncoding.memberKeys(columns)
        return try SideBySide.blocks(rows.count, threads: threads, minimum: 2048, block: rowsPerBlock, isCancelled: isCancelled) { range in
            var part: [UInt8] = []
            part.reserveCapacity(range.count * 128)
            var cells: [Cell] = []
            cells.reserveCapacity(keys.count)
            var shared: [UInt8] = [], sharedKey = (period: -1, unit: -1), tailKeys = keys[...]
            for i in range {
                let r = rows[i]
                let key = key(r)
                if key != sharedKey {
                    sharedKey = key
                    cells.removeAll(keepingCapacity: true)
                    sharedCells(texts[key.period], units.units[key.unit], into: &cells)
                    shared.removeAll(keepingCapacity: true)
                    tailKeys = keys[cells.count...]
                    switch encoding {
                    case .json: JSONEncoding.appendMembers(keys[...], cells, to: &shared)
                    case .csv: CSVEncoding.appendCells(cells, to: &shared)
                    case .copyText(let lead, _):
                        shared += lead
                        CopyTextEncoding.appendCells(cells, to: &shared)
                    }
                }
                cells.removeAll(keepingCapacity: true)
                self.cells(r, into: &cells)
                switch encoding {
                case .json:
                    part.append(contentsOf: i == 0 ? [0x0A, UInt8(ascii: "{")] : [UInt8(ascii: ","), 0x0A, UInt8(ascii: "{")])
                    part += shared
                    part.append(UInt8(ascii: ","))
                    JSONEncoding.appendMembers(tailKeys, cells, to: &part)
                    part.append(UInt8(ascii: "}"))
                case .csv:
                    part += shared
                    part.append(UInt8(ascii: ","))
                    CSVEncoding.appendCells(cells, to: &part)
                    part.append(0x0A)
                case .copyText(_, let tail):
                    part += shared
                    part.append(CopyTextEncoding.delimiter)
                    CopyTextEncoding.appendCells(cells, to: &part)
                    part += tail
                    part.append(0x0A)
                }
            }
            return part
        }
    }

    private static func joined(_ head: [UInt8], _ parts: [[UInt8]], _ tail: String, isCancelled: () -> Bool) throws -> [UInt8] {
        var out = head
        out.reserveCapacity(head.count + parts.reduce(0) { $0 + $1.count } + tail.utf8.count)
        for p in parts {
            // Hundreds of megabytes take a while to copy too.
            if isCancelled() { throw Interrupted() }
            out += p
        }
        out += tail.utf8
        return out
    }
}

/// How `RowsOutput` writes its rows: the CSV and JSON files, or COPY text for the database
/// with its key columns before a row's cells and the run's id after them (pre-encoded).
enum RowsEncoding {
    case csv, json
    case copyText(lead: [UInt8], tail: [UInt8])
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
