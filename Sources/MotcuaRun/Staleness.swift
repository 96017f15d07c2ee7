// How fresh a run's data is (issue 18). The newest record's day is the latest local day among
// NgayTiepNhan, NgayKetThucXuLy and NgayTra of the accepted records (summary.json
// `newest_record_day`; a max kept while reducing). It is compared with the reference day:
// `--as-of`, else today in the pipeline's timezone — but never a day after the last reported
// period ends, so that reprocessing a closed period does not warn that its data is old. More
// than `limits.max_staleness_days` between the two is a warning.
import MotcuaFoundation
import MotcuaAggregate
import MotcuaPipeline

enum Staleness {
    /// The day the newest record is compared with, and how to name it in the warning.
    static func reference(asOf: Int32?, periods: [Period], zoneMinutes: Int) -> (day: Int32, name: String) {
        let day = asOf ?? today(zoneMinutes: zoneMinutes)
        if let end = periods.map(\.to).max(), end < day { return (end, "the last period's end") }
        return (day, asOf == nil ? "today" : "--as-of")
    }

    /// The warning for summary.json and stderr, nil when the data is fresh enough.
    static func warning(newest: Int32?, asOf: Int32?, periods: [Period], pipeline: Pipeline) -> String? {
        guard let newest else {
            return "no accepted record has a date (NgayTiepNhan, NgayKetThucXuLy or NgayTra): how fresh the data is cannot be told (newest_record_day is null)"
        }
        let ref = reference(asOf: asOf, periods: periods, zoneMinutes: pipeline.zoneMinutes)
        let age = Int(ref.day) - Int(newest)
        guard age > pipeline.maxStalenessDays else { return nil }
        return "the newest record is from \(formatDay(newest)), \(age) day\(age == 1 ? "" : "s") before \(formatDay(ref.day)) (\(ref.name)): more than limits.max_staleness_days (\(pipeline.maxStalenessDays)); are the exports still arriving?"
    }
}
