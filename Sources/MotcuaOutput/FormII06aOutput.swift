// bieu-ii06a.csv (SPEC §7.3): Biểu số II.06a/VPCP/KSTT (Thông tư 01/2020/TT-VPCP) per period
// and unit (the scope of `outputs.form_scope`) — the unit's total row, then a row per lĩnh
// vực — with the form's Vietnamese headings and column numbers (1)–(11). UTF-8 with BOM and
// CRLF for Excel. The columns and the rows' names are shared with bieu-ii06a.xlsx.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate

package enum FormII06aOutput {
    static let leadColumns = ["Kỳ báo cáo", "Từ ngày", "Đến ngày", "Mã đơn vị", "Đơn vị báo cáo", "STT",
                              "Mã lĩnh vực", "Lĩnh vực, công việc giải quyết"]
    static let formColumns: [(heading: String, counter: String)] = [
        ("Số hồ sơ nhận giải quyết: Tổng số (1)", "received_total"),
        ("Trong kỳ: Trực tuyến (2)", "new_online"),
        ("Trong kỳ: Trực tiếp, dịch vụ bưu chính (3)", "new_offline"),
        ("Từ kỳ trước (4)", "carried_over"),
        ("Số hồ sơ đã giải quyết: Tổng số (5)", "resolved_total"),
        ("Trước hạn (6)", "resolved_early"),
        ("Đúng hạn (7)", "resolved_on_time"),
        ("Quá hạn (8)", "resolved_late"),
        ("Số hồ sơ đang giải quyết: Tổng số (9)", "pending_total"),
        ("Trong hạn (10)", "pending_within"),
        ("Quá hạn (11)", "pending_overdue"),
    ]

    /// Where the form's columns (1)–(11) are in `CounterRow.values`.
    static let valueIndices = formColumns.map { c in counterColumns.firstIndex(of: c.counter)! }

    /// The row's name in the form: `Tổng cộng` for the unit's total, else the lĩnh vực's name
    /// (from the procedure catalog; its code when the catalog has none).
    static func rowName(_ r: CounterRow, sectorNames: [String: String]) -> String {
        if r.sector.isEmpty { return "Tổng cộng" }
        return r.sector == "(none)" ? "Không xác định lĩnh vực" : (sectorNames[r.sector] ?? r.sector)
    }

    package static func csv(_ rows: [CounterRow], periods: [Period], units: UnitModel, sectorNames: [String: String],
                            isCancelled: () -> Bool = { false }) throws -> [UInt8] {
        let sink = MemorySink()
        try writeCSV(rows, periods: periods, units: units, sectorNames: sectorNames, isCancelled: isCancelled, to: sink)
        return sink.bytes
    }

    /// Handed to `sink` every `rowsPerBlock` rows, `isCancelled` asked before each block
    /// (`Interrupted` then).
    package static func writeCSV(_ rows: [CounterRow], periods: [Period], units: UnitModel, sectorNames: [String: String],
                                 isCancelled: () -> Bool = { false }, to sink: OutputSink) throws {
        // CRLF line ends for Excel; a line break inside a cell is quoted and stays as it is.
        var out: [UInt8] = [0xEF, 0xBB, 0xBF]
        CSVEncoding.appendCells((leadColumns + formColumns.map(\.heading)).map { .text($0) }, to: &out)
        out += [0x0D, 0x0A]
        var number = 0
        for (n, r) in rows.enumerated() {
            if n % rowsPerBlock == 0 {
                if isCancelled() { throw Interrupted() }
                try sink.write(out)
                out.removeAll(keepingCapacity: true)
            }
            let p = periods[r.period]
            let u = units.units[r.unit]
            number = r.sector.isEmpty ? 0 : number + 1
            var cells: [Cell] = [.text(p.label), .text(formatDay(p.from)), .text(formatDay(p.to)), .text(u.code),
                                 .text(u.name), .text(r.sector.isEmpty ? "" : String(number)), .text(r.sector),
                                 .text(rowName(r, sectorNames: sectorNames))]
            for i in valueIndices { cells.append(.int(r.values[i])) }
            CSVEncoding.appendCells(cells, to: &out)
            out += [0x0D, 0x0A]
        }
        try sink.write(out)
    }
}
