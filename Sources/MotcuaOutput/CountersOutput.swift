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

    static func appendCSVCells(_ r: CounterRow, to out: inout [UInt8]) {
        CSVEncoding.appendText(r.scope.rawValue, to: &out)
        out.append(UInt8(ascii: ","))
        CSVEncoding.appendText(r.sector, to: &out)
        for v in r.values {
            out.append(UInt8(ascii: ","))
            appendInt(v, to: &out)
        }
    }

    /// The rows as COPY text for the database's `counters` table (`RowsOutput.copyTextWindows`).
    package static func copyText(_ rows: [CounterRow], periods: [Period], units: UnitModel, threads: Int = 1,
                                 leading: [String], trailing: [String]) -> CopyTextWindows {
        copyTextWindows(rows, periods: periods, units: units, threads: threads, leading: leading, trailing: trailing)
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
    /// The same as CSV, written straight into `out` (the files' hot path: no `Cell` per value);
    /// the text `CSVEncoding.appendCells` makes of `cells`, which a test holds it to.
    static func appendCSVCells(_ r: Row, to out: inout [UInt8])
}

/// Rows encoded between two asks of `isCancelled` (a few milliseconds of work): hundreds of
/// thousands of rows take seconds, and a signal must be heard within 200 ms.
let rowsPerBlock = 4096

extension RowsOutput {
    /// Slices of rows are encoded side by side on up to `threads` threads and joined in order;
    /// each slice in blocks of `rowsPerBlock` rows, `isCancelled` asked before each one and
    /// before each is written (`Interrupted` then).
    package static func csv<Rows: RandomAccessCollection<Row>>(_ rows: Rows, periods: [Period], units: UnitModel, threads: Int = 1,
                            isCancelled: () -> Bool = { false }) throws -> [UInt8] where Rows.Index == Int {
        let sink = MemorySink()
        try writeCSV(rows, periods: periods, units: units, threads: threads, isCancelled: isCancelled, to: sink)
        return sink.bytes
    }

    package static func json<Rows: RandomAccessCollection<Row>>(_ rows: Rows, periods: [Period], units: UnitModel, threads: Int = 1,
                             isCancelled: () -> Bool = { false }) throws -> [UInt8] where Rows.Index == Int {
        let sink = MemorySink()
        try writeJSON(rows, periods: periods, units: units, threads: threads, isCancelled: isCancelled, to: sink)
        return sink.bytes
    }

    package static func writeCSV<Rows: RandomAccessCollection<Row>>(_ rows: Rows, periods: [Period], units: UnitModel, threads: Int = 1,
                                 isCancelled: () -> Bool = { false }, to sink: OutputSink) throws where Rows.Index == Int {
        var header: [UInt8] = []
        CSVEncoding.appendHeader(columns, to: &header)
        try sink.write(header)
        try writeRows(rows, periods: periods, units: units, threads: threads, as: .csv, isCancelled: isCancelled, to: sink)
    }

    package static func writeJSON<Rows: RandomAccessCollection<Row>>(_ rows: Rows, periods: [Period], units: UnitModel, threads: Int = 1,
                                  isCancelled: () -> Bool = { false }, to sink: OutputSink) throws where Rows.Index == Int {
        try sink.write("{\"schema_version\":1,\"rows\":[")
        try writeRows(rows, periods: periods, units: units, threads: threads, as: .json, isCancelled: isCancelled, to: sink)
        try sink.write("\n]}\n")
    }

    /// The rows as PostgreSQL `COPY … FROM STDIN` text lines (issue 17), a window of blocks of
    /// `rowsPerBlock` rows at a time, encoded when the load asks for it (as the files are):
    /// the cells of the CSV file, each line led by `leading` (the database's key columns) and
    /// ended by `trailing` (the run's id).
    static func copyTextWindows<Rows: RandomAccessCollection<Row>>(_ rows: Rows, periods: [Period], units: UnitModel, threads: Int,
                                                                  leading: [String], trailing: [String]) -> CopyTextWindows where Rows.Index == Int {
        var lead: [UInt8] = [], tail: [UInt8] = []
        for s in leading { CopyTextEncoding.appendText(s, to: &lead); lead.append(CopyTextEncoding.delimiter) }
        for s in trailing { tail.append(CopyTextEncoding.delimiter); CopyTextEncoding.appendText(s, to: &tail) }
        let texts = periods.map(PeriodText.init)
        let window = max(threads, 1) * 4 * rowsPerBlock
        return CopyTextWindows(count: (rows.count + window - 1) / window) { w in
            try encodedBlocks(rows, w * window ..< min((w + 1) * window, rows.count), texts: texts, units: units, threads: threads,
                              as: .copyText(lead: lead, tail: tail), isCancelled: { false })
        }
    }

    /// The rows encoded a window at a time (a few blocks per thread, megabytes, not the whole
    /// file) and handed to `sink` in order.
    private static func writeRows<Rows: RandomAccessCollection<Row>>(_ rows: Rows, periods: [Period], units: UnitModel, threads: Int,
                                  as encoding: RowsEncoding, isCancelled: () -> Bool, to sink: OutputSink) throws where Rows.Index == Int {
        let texts = periods.map(PeriodText.init)
        let window = max(threads, 1) * 4 * rowsPerBlock
        for start in stride(from: 0, to: rows.count, by: window) {
            let blocks = try encodedBlocks(rows, start ..< min(start + window, rows.count), texts: texts, units: units,
                                           threads: threads, as: encoding, isCancelled: isCancelled)
            for block in blocks {
                if isCancelled() { throw Interrupted() }
                try sink.write(block)
            }
        }
    }

    /// `range` of the rows, encoded side by side in blocks of `rowsPerBlock`.
    private static func encodedBlocks<Rows: RandomAccessCollection<Row>>(_ rows: Rows, _ range: Range<Int>, texts: [PeriodText], units: UnitModel, threads: Int,
                                      as encoding: RowsEncoding, isCancelled: () -> Bool) throws -> [[UInt8]] where Rows.Index == Int {
        let keys = JSONEncoding.memberKeys(columns)
        let offset = range.lowerBound
        return try SideBySide.blocks(range.count, threads: threads, minimum: 2048, block: rowsPerBlock, isCancelled: isCancelled) { local in
            let range = local.lowerBound + offset ..< local.upperBound + offset
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
                if case .csv = encoding {
                    part += shared
                    part.append(UInt8(ascii: ","))
                    appendCSVCells(r, to: &part)
                    part.append(0x0A)
                    continue
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
                    break
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
}

/// A table's COPY text in windows of blocks, encoded one window at a time by the database's load.
// Unchecked: the closure only reads the run's rows, which nothing changes after the roll-up.
package struct CopyTextWindows: @unchecked Sendable {
    package let count: Int
    private let encode: (Int) throws -> [[UInt8]]
    init(count: Int, encode: @escaping (Int) throws -> [[UInt8]]) { (self.count, self.encode) = (count, encode) }
    package func window(_ i: Int) throws -> [[UInt8]] { try encode(i) }
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
