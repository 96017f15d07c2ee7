// data-quality.csv / data-quality.json (issue 15, `outputs.data_quality: true`): one row per
// (unit, check) with the count and up to five example MaHoSo, sorted by (unit_code, check).
// In CSV the examples are one cell joined by spaces; in JSON an array. Every column but
// `count` is text and gets the formula guard in CSV (SPEC §7.3).
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate

package enum DataQualityOutput {
    static let columns = ["unit_code", "unit_name", "check", "check_name", "count", "examples"]

    static func cells(_ r: DataQualityRow) -> [Cell] {
        [.text(r.unitCode), .text(r.unitName), .text(r.check), .text(r.checkName), .int(Int64(r.count)), .texts(r.examples)]
    }

    package static func writeCSV(_ rows: [DataQualityRow], to sink: OutputSink) throws {
        var out: [UInt8] = []
        CSVEncoding.appendHeader(columns, to: &out)
        for (i, r) in rows.enumerated() {
            if i % rowsPerBlock == 0 { try sink.write(out); out.removeAll(keepingCapacity: true) }
            CSVEncoding.appendRow(cells(r), to: &out)
        }
        try sink.write(out)
    }

    /// `{"schema_version":1,"reference_day":"yyyy-MM-dd","rows":[...]}`: the day the date
    /// checks compared with, then the rows with keys in column order.
    package static func writeJSON(_ rows: [DataQualityRow], referenceDay: Int32, to sink: OutputSink) throws {
        var out = Array("{\"schema_version\":1,\"reference_day\":".utf8)
        if referenceDay == noDay { out += "null".utf8 } else { JSONEncoding.appendString(formatDay(referenceDay), to: &out) }
        out += ",\"rows\":[".utf8
        let keys = JSONEncoding.memberKeys(columns)
        for (i, r) in rows.enumerated() {
            if i % rowsPerBlock == 0 { try sink.write(out); out.removeAll(keepingCapacity: true) }
            out += (i == 0 ? "\n{" : ",\n{").utf8
            JSONEncoding.appendMembers(keys[...], cells(r), to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out += "\n]}\n".utf8
        try sink.write(out)
    }
}
