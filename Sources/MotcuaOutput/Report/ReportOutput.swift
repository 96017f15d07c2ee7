// report.html (issue 15): one self-contained page for the people who act on the numbers —
// per period (latest first), KPI tiles of the root unit(s), each tier's rankings with the
// target line and its table, Biểu II.06a in brief, trends over the periods, data quality.
// Inline CSS and SVG, no script, no external URL (a Content-Security-Policy says so to the
// browser), printable on A4 landscape. Every number is a cell of the roll-up's rows (the ones
// counters.csv and kpis.csv write), formatted by `VietnameseFormat`; the page is laid out by
// Mustache templates (Templates/, compiled into the module) and the charts are MotcuaCharts'.
//
// Numbers carry where they come from, so that a test can find each one's cell: a table's
// `data-p` (period label), a row's or column's `data-u`/`data-s` (unit code, scope), `data-k`
// (KPI) and `data-f` (the column of counters.csv or kpis.csv; `points` = 20 × progress_rate).
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaCharts
import Mustache

package enum ReportOutput {
    /// The page's templates, parsed once.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        let templates: [(String, [UInt8])] = [
            ("report", PackageResources.report_mustache), ("style", PackageResources.style_mustache),
            ("period", PackageResources.period_mustache), ("tiles", PackageResources.tiles_mustache),
            ("tier", PackageResources.tier_mustache), ("trends", PackageResources.trends_mustache),
            ("quality", PackageResources.quality_mustache),
        ]
        for (name, bytes) in templates {
            // The templates are part of the program: one that does not parse is a build defect.
            do { try library.register(String(decoding: bytes, as: UTF8.self), named: name) } catch {
                fatalError("report template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    /// report.html's bytes (`write(_:to:)` into memory).
    package static func html(_ results: RunResults) throws -> [UInt8] {
        let sink = MemorySink()
        try write(results, to: sink)
        return sink.bytes
    }

    /// report.html; its data-quality part lists `results.dataQuality` (the same rows as
    /// data-quality.csv: the report's table entry asks for them). The page is rendered with a
    /// marker where the periods' sections go, and the sections — latest period first — are
    /// built, rendered and handed to `sink` one at a time between its two halves, so a report
    /// of many periods of many units is never whole in memory. `results.isCancelled` is asked
    /// before each section: `Interrupted` then.
    package static func write(_ results: RunResults, to sink: OutputSink) throws {
        let context = ReportContext(results)
        let roots = context.rows.roots
        let order = Array(results.periods.indices.reversed())
        func section(_ k: Int) throws -> String {
            if results.isCancelled() { throw Interrupted() }
            let html = library.render(context.period(k, roots: roots), withTemplate: "period") ?? ""
            // The page's template puts the line end back after each section.
            return html.hasSuffix("\n") ? String(html.dropLast()) : html
        }
        let marker = "\u{1}motcua-sections-\(order.count)\u{1}"
        let page = library.render(context.page(quality: results.dataQuality, periods: order.isEmpty ? [] : [["html": marker]]),
                                  withTemplate: "report") ?? ""
        let halves = page.components(separatedBy: marker)
        guard !order.isEmpty, halves.count == 2, halves[1].hasPrefix("\n") else {
            // No period, or the marker also in the data (a unit's name): the page whole.
            if order.isEmpty { try sink.write(page); return }
            let sections: [View] = try order.map { ["html": try section($0)] }
            try sink.write(library.render(context.page(quality: results.dataQuality, periods: sections), withTemplate: "report") ?? "")
            return
        }
        try sink.write(halves[0])
        for k in order { try sink.write(try section(k) + "\n") }
        try sink.write(String(halves[1].dropFirst()))
    }
}
