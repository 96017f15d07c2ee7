// The report's charts, made with MotcuaCharts from the figures of ReportRows: a tier's
// rankings (on-time and online rate, target line), its Biểu II.06a in brief (resolved early /
// on time / late, pending within / overdue), a root's trends, rejects by reason.
import MotcuaFoundation
import MotcuaAggregate
import MotcuaCharts

enum ReportCharts {
    /// Beyond this many units a ranking shows its first `head` and last `tail` units only
    /// (the table under it has them all).
    static let fullRanking = 20, head = 5, tail = 10

    /// A 0…1 axis in quarters, as percentages.
    static let percentAxis = NiceScale(min: 0, max: 1, step: 0.25)

    static func percentTick(_ t: Double) -> String {
        VietnameseFormat.decimal(t * 100, digits: 0) + VietnameseFormat.unitSpace + "%"
    }

    static func countTick(_ t: Double) -> String { VietnameseFormat.integer(Int64(t.rounded())) }

    /// The units a tier's charts show, in ranking order: all of them, or the first and last
    /// when there are many (nil marks where the others are left out).
    static func shown(_ ranked: [Int]) -> [Int?] {
        guard ranked.count > fullRanking else { return ranked }
        return ranked.prefix(head).map { $0 } + [nil] + ranked.suffix(tail).map { $0 }
    }

    static func gapText(_ left: Int) -> String { "… \(VietnameseFormat.integer(left)) đơn vị khác — xem bảng" }

    /// The target line of a chart: drawn when every unit shown has the same bounds.
    static func commonTarget(_ figures: [KPIFigure]) -> (value: Double, label: String)? {
        let withRows = figures.filter { $0.row != nil }
        guard let first = withRows.first, let text = first.targetText,
              withRows.allSatisfy({ $0.targetMin == first.targetMin && $0.targetMax == first.targetMax }) else { return nil }
        guard let bound = first.targetMin ?? first.targetMax else { return nil }
        return (Double(bound) / 1_000_000, "Chỉ tiêu \(text)")
    }

    /// A ranking on one KPI: `ranked` units (best first) with their figures.
    static func ranking(title: String, kpiName: String, units: [(name: String, figure: KPIFigure)], total: Int) -> String {
        let rows: [ChartRow<BarChart.Bar>] = shown(Array(units.indices)).map { i in
            guard let i else { return .gap(gapText(total - head - tail)) }
            let (name, f) = units[i]
            let note = "\(name): \(f.valueText) (\(f.numeratorText)/\(f.denominatorText))"
            return .bar(BarChart.Bar(label: name, value: f.fraction, valueLabel: f.valueText + (f.mark.map { " " + $0 } ?? ""),
                                     note: note, cssClass: f.met == false ? "miss" : "met"))
        }
        let shownCount = rows.filter { if case .bar = $0 { return true } else { return false } }.count
        let desc = "\(kpiName) của \(VietnameseFormat.integer(shownCount)) trên \(VietnameseFormat.integer(total)) đơn vị, "
            + "xếp từ cao xuống thấp; số liệu của từng đơn vị ở bảng bên dưới."
        return BarChart(title: title, desc: desc, rows: rows, scale: percentAxis, tickLabel: percentTick,
                        target: commonTarget(units.map(\.figure))).svg()
    }

    /// Stacked counts per unit: `parts` (legend order) and their total.
    static func stacked(title: String, what: String, legend: [(cssClass: String, label: String)],
                        units: [(name: String, parts: [Int64], total: Int64)], total: Int) -> String {
        let picked = shown(Array(units.indices))
        let largest = picked.compactMap { $0.map { units[$0].total } }.max() ?? 0
        let rows: [ChartRow<StackedBarChart.Bar>] = picked.map { i in
            guard let i else { return .gap(gapText(total - head - tail)) }
            let u = units[i]
            // No title per bar: the table under the chart has every part (columns (6)–(8), (10)–(11)).
            return .bar(StackedBarChart.Bar(label: u.name, parts: u.parts.map(Double.init), totalLabel: VietnameseFormat.integer(u.total)))
        }
        let desc = "Số hồ sơ \(what) của từng đơn vị, chia theo \(legend.map { $0.label.lowercased() }.joined(separator: ", ")); "
            + "số liệu của từng đơn vị ở bảng bên dưới."
        return StackedBarChart(title: title, desc: desc, legend: legend, rows: rows,
                               scale: NiceScale(low: 0, high: Double(largest), maxTicks: 5, integers: true), tickLabel: countTick).svg()
    }

    /// Trend lines over the periods (oldest first): one series per unit.
    static func trend(title: String, periods: [String], series: [(name: String, figures: [KPIFigure])],
                      points: Bool, target: (value: Double, label: String)?) -> String {
        let lines = series.map { s in
            LineChart.Series(name: s.name, values: s.figures.map { points ? $0.points : $0.fraction },
                             valueLabels: s.figures.map { points ? $0.pointsText + " điểm" : $0.valueText })
        }
        var values = lines.flatMap { $0.values.compactMap { $0 } }
        if let t = target { values.append(t.value) }
        let top = points ? 20.0 : 1.0
        var scale = NiceScale(low: values.min() ?? 0, high: values.max() ?? top, maxTicks: 6)
        if scale.max > top { scale = NiceScale(min: scale.min, max: top, step: scale.step) }
        if scale.min < 0 { scale.min = 0 }
        let tick: (Double) -> String = points
            ? { VietnameseFormat.decimal($0, digits: NiceScale(min: 0, max: 0, step: scale.step).decimals) }
            : { VietnameseFormat.decimal($0 * 100, digits: max(0, scale.decimals - 2)) + VietnameseFormat.unitSpace + "%" }
        let desc = "Diễn biến qua \(periods.count) kỳ của: \(series.map(\.name).joined(separator: "; ")). Số liệu ở bảng bên cạnh."
        return LineChart(title: title, desc: desc, xLabels: periods, series: lines, scale: scale, tickLabel: tick, target: target).svg()
    }

    /// Rejected records by reason (largest first).
    static func rejects(_ reasons: [(reason: String, count: Int)]) -> String {
        let largest = reasons.map(\.count).max() ?? 0
        let rows: [ChartRow<BarChart.Bar>] = reasons.map { r in
            .bar(BarChart.Bar(label: ReportVocabulary.rejectReason(r.reason), value: Double(r.count),
                              valueLabel: VietnameseFormat.integer(r.count),
                              note: "\(ReportVocabulary.rejectReason(r.reason)) (\(r.reason)): \(VietnameseFormat.integer(r.count)) bản ghi",
                              cssClass: "miss"))
        }
        var chart = BarChart(title: "Bản ghi bị loại theo lý do", desc: "Số bản ghi bị loại theo từng lý do; số liệu ở bảng bên cạnh.",
                             rows: rows, scale: NiceScale(low: 0, high: Double(largest), maxTicks: 5, integers: true), tickLabel: countTick)
        chart.labelWidth = 230
        chart.width = 520
        return chart.svg()
    }
}
