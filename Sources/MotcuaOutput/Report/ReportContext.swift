// What report.html's templates are given: nested dictionaries of text (numbers already
// written the Vietnamese way) and charts, built from ReportRows in a fixed order — periods
// latest first, roots and units by code or rank (ties by code), tiers as ReportVocabulary
// lists them — so the page is the same bytes for the same run, whatever the thread count.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaCharts

typealias View = [String: Any]

struct ReportContext {
    let rows: ReportRows
    let results: RunResults
    let rules: RuleSet
    let periods: [Period]

    init(_ results: RunResults) {
        self.results = results
        rows = ReportRows(results)
        rules = results.summary.rules
        periods = results.periods
    }

    var model: UnitModel { rows.units }
    func name(_ u: Int) -> String {
        let info = model.units[u]
        return info.name.isEmpty ? info.code : info.name
    }

    static let col = (
        received: ReportRows.column("received_total"), online: ReportRows.column("new_online"),
        resolved: ReportRows.column("resolved_total"), early: ReportRows.column("resolved_early"),
        onTime: ReportRows.column("resolved_on_time"), late: ReportRows.column("resolved_late"),
        pending: ReportRows.column("pending_total"), within: ReportRows.column("pending_within"),
        overdue: ReportRows.column("pending_overdue")
    )

    /// The page around `periods`: each period's section, latest first, rendered already
    /// (`ReportOutput.html` renders them one at a time).
    func page(quality: [DataQualityRow]?, periods sections: [View]) -> View {
        let s = results.summary
        let roots = rows.roots
        var view: View = [
            "title": "Báo cáo giải quyết TTHC — \(s.pipeline)",
            "pipeline": s.pipeline,
            "rules": ReportVocabulary.rules(rules),
            "version": motcuaVersion,
            "paletteCSS": Palette.css,
            "records": VietnameseFormat.integer(s.accounting.records),
            "accepted": VietnameseFormat.integer(s.accounting.accepted),
            "rejected": VietnameseFormat.integer(s.accounting.rejected),
            "dossiers": VietnameseFormat.integer(s.accounting.dossiers),
            "unknownCount": VietnameseFormat.integer(s.unknownUnits.count),
            "rootNames": roots.map { name($0) }.joined(separator: "; "),
            "periodCount": VietnameseFormat.integer(periods.count),
            "periodsTo": periods.last.map { ReportVocabulary.periodName($0) } ?? "",
            "periodsFrom": periods.first.map { ReportVocabulary.periodName($0) } ?? "",
            "several": periods.count > 1,
            "toc": periods.indices.reversed().map { k -> View in
                ["id": "ky-\(k)", "name": ReportVocabulary.periodName(periods[k]), "partial": periods[k].partial]
            },
            "periods": sections,
            "quality": qualityView(quality),
        ]
        if let d = s.newestRecordDay { view["newest"] = VietnameseFormat.day(d) }
        if periods.count > 1 { view["trends"] = roots.map { trends(root: $0) } }
        return view
    }

    // MARK: - A period

    func period(_ k: Int, roots: [Int]) -> View {
        let p = periods[k]
        var tiers: [View] = []
        for (key, tierName) in ReportVocabulary.tiers {
            let units = (0..<model.units.count).filter { rows.reported[$0] && model.units[$0].tier == key }
            if !units.isEmpty { tiers.append(tier(k, key: key, name: tierName, units: units)) }
        }
        return [
            "id": "ky-\(k)", "label": p.label, "name": ReportVocabulary.periodName(p),
            "from": VietnameseFormat.day(p.from), "to": VietnameseFormat.day(p.to), "partial": p.partial,
            "roots": roots.map { tiles(k, root: $0) }, "tiers": tiers,
        ]
    }

    func scopeText(_ u: Int) -> String {
        rows.scope(of: u) == .subtree ? "toàn địa bàn (cả các đơn vị trực thuộc)" : "riêng đơn vị"
    }

    /// KPI tiles of a root unit in period k.
    func tiles(_ k: Int, root: Int) -> View {
        let scope = rows.scope(of: root)
        let tiles: [View] = ReportVocabulary.kpis.map { kpi in
            let f = KPIFigure(rows.kpi(k, root, scope, kpi.key))
            var t: View = ["k": kpi.key, "name": kpi.name, "value": f.valueText, "num": f.numeratorText, "den": f.denominatorText,
                           "counts": kpi.counts, "state": f.state, "mark": f.markText, "hasMet": f.met != nil]
            if let lo = f.targetMin { t["tmin"] = VietnameseFormat.percent(micros: lo) }
            if let hi = f.targetMax { t["tmax"] = VietnameseFormat.percent(micros: hi) }
            if f.targetMin != nil && f.targetMax != nil { t["both"] = true }
            if f.hasTarget { t["target"] = true }
            if kpi.key == "progress_rate" && rules == .qd766 { t["points"] = f.pointsText }
            return t
        }
        return ["u": model.units[root].code, "s": scope.rawValue, "name": name(root), "scope": scopeText(root),
                "p": periods[k].label, "tiles": tiles]
    }

    // MARK: - A tier

    func tier(_ k: Int, key: String, name tierName: String, units: [Int]) -> View {
        let p = periods[k].label
        let figures = units.map { u -> (u: Int, onTime: KPIFigure, online: KPIFigure, resolution: KPIFigure, progress: KPIFigure) in
            let s = rows.scope(of: u)
            return (u, KPIFigure(rows.kpi(k, u, s, "on_time_rate")), KPIFigure(rows.kpi(k, u, s, "online_rate")),
                    KPIFigure(rows.kpi(k, u, s, "resolution_rate")), KPIFigure(rows.kpi(k, u, s, "progress_rate")))
        }
        // Best first; units without a value last; ties by unit code.
        func ranked(_ value: (Int) -> Int64?) -> [Int] {
            figures.indices.sorted { a, b in
                let (va, vb) = (value(a), value(b))
                if va != vb {
                    guard let va else { return false }
                    guard let vb else { return true }
                    return va > vb
                }
                return bytewiseLess(model.units[figures[a].u].code, model.units[figures[b].u].code)
            }
        }
        let byOnTime = ranked { figures[$0].onTime.value }
        let byOnline = ranked { figures[$0].online.value }
        let qd766 = rules == .qd766
        let c = ReportContext.col
        func count(_ u: Int, _ column: Int) -> Int64 { rows.counter(k, u, rows.scope(of: u), column) ?? 0 }

        let subtrees = units.filter { rows.scope(of: $0) == .subtree }.count
        let tierScope: Scope = subtrees * 2 > units.count ? .subtree : .own
        let tableRows: [View] = byOnTime.enumerated().map { rank, i in
            let f = figures[i]
            let u = f.u
            var cells: [View] = [
                countCell(count(u, c.received)),
                countCell(count(u, c.online)),
                rateCell(f.online),
                countCell(count(u, c.resolved)),
                countCell(count(u, c.early)),
                countCell(count(u, c.onTime)),
                countCell(count(u, c.late)),
                rateCell(f.onTime),
                countCell(count(u, c.within)),
                countCell(count(u, c.overdue)),
                rateCell(f.resolution),
            ]
            if qd766 { cells.append(["v": f.progress.pointsText, "a": ""]) }
            var row: View = ["u": model.units[u].code, "rank": String(rank + 1), "name": name(u), "cells": cells, "rs": false]
            // The table says the tier's usual scope once; a row says its own only where it differs.
            if rows.scope(of: u) != tierScope { row["rs"] = rows.scope(of: u).rawValue }
            return row
        }
        var view: View = ["id": "ky-\(k)-\(key)", "key": key, "name": tierName, "p": p, "s": tierScope.rawValue,
                          "count": VietnameseFormat.integer(units.count),
                          "rows": tableRows, "qd766": qd766]
        let scopes = Set(units.map { rows.scope(of: $0) })
        view["scopeNote"] = scopes == [.subtree] ? "số liệu toàn địa bàn, gồm các đơn vị trực thuộc"
            : scopes == [.own] ? "số liệu của riêng từng đơn vị" : "đơn vị có cấp dưới: số liệu toàn địa bàn; còn lại: riêng đơn vị"
        guard units.count >= 2 else { return view }
        // Each chart under a caption (its SVG <title> is for screen readers and hovering).
        let onTimeTitle = "Tỷ lệ giải quyết đúng hạn (trước hạn + đúng hạn)", onlineTitle = "Tỷ lệ hồ sơ trực tuyến"
        let resolvedTitle = "Đã giải quyết (5): trước hạn, đúng hạn, quá hạn", pendingTitle = "Đang giải quyết (9): trong hạn, quá hạn"
        view["big"] = true
        view["rankings"] = [
            ["title": onTimeTitle, "svg": ReportCharts.ranking(
                title: "\(onTimeTitle) — \(tierName)", kpiName: "tỷ lệ đúng hạn",
                units: byOnTime.map { (name(figures[$0].u), figures[$0].onTime) }, total: units.count)],
            ["title": onlineTitle, "svg": ReportCharts.ranking(
                title: "\(onlineTitle) — \(tierName)", kpiName: "tỷ lệ trực tuyến",
                units: byOnline.map { (name(figures[$0].u), figures[$0].online) }, total: units.count)],
        ] as [View]
        view["form"] = [
            ["title": resolvedTitle, "svg": ReportCharts.stacked(
                title: "\(resolvedTitle) — \(tierName)", what: "đã giải quyết",
                legend: [("early", "Trước hạn"), ("ontime", "Đúng hạn"), ("late", "Quá hạn")],
                units: byOnTime.map { i in let u = figures[i].u
                    return (name(u), [count(u, c.early), count(u, c.onTime), count(u, c.late)], count(u, c.resolved)) },
                total: units.count)],
            ["title": pendingTitle, "svg": ReportCharts.stacked(
                title: "\(pendingTitle) — \(tierName)", what: "đang giải quyết",
                legend: [("within", "Trong hạn"), ("overdue", "Quá hạn")],
                units: byOnTime.map { i in let u = figures[i].u
                    return (name(u), [count(u, c.within), count(u, c.overdue)], count(u, c.pending)) },
                total: units.count)],
        ] as [View]
        return view
    }

    /// A count in a table: its text, no attributes.
    func countCell(_ v: Int64) -> View { ["v": VietnameseFormat.integer(v), "a": ""] }

    /// A rate in a table: its value, and with a target its mark after it and the class that colours it.
    func rateCell(_ f: KPIFigure) -> View {
        guard let m = f.mark else { return ["v": f.valueText, "a": ""] }
        return ["v": f.valueText + " " + m, "a": " class=\"\(f.state)\""]
    }

    // MARK: - Trends

    /// The KPIs whose trends are drawn, and whether as QĐ 766 points.
    var trendKPIs: [(key: String, title: String, points: Bool)] {
        var list: [(String, String, Bool)] = [("online_rate", "Tỷ lệ hồ sơ trực tuyến", false),
                                              ("on_time_rate", "Tỷ lệ giải quyết đúng hạn", false),
                                              ("resolution_rate", "Tỷ lệ hồ sơ đã giải quyết", false)]
        if rules == .qd766 { list.append(("progress_rate", "Điểm tiến độ giải quyết (QĐ 766: 20 × tiến độ)", true)) }
        return list
    }

    /// Units below the root, by code.
    func descendants(of root: Int) -> [Int] {
        var out: [Int] = [], stack = model.children[root]
        while let u = stack.popLast() {
            if rows.reported[u] { out.append(u) }
            stack += model.children[u]
        }
        return out.sorted { bytewiseLess(model.units[$0].code, model.units[$1].code) }
    }

    /// The units below `root` furthest from the KPI's target in the latest period (the lowest
    /// values where none has a target), at most `limit`.
    func furthest(from root: Int, kpi: String, limit: Int = 4) -> (units: [Int], byTarget: Bool) {
        let last = periods.count - 1
        let candidates = descendants(of: root).compactMap { u -> (u: Int, f: KPIFigure)? in
            let f = KPIFigure(rows.kpi(last, u, rows.scope(of: u), kpi))
            return f.value == nil ? nil : (u, f)
        }
        let byTarget = candidates.contains { $0.f.hasTarget }
        func gap(_ f: KPIFigure) -> Int64 {
            guard let v = f.value else { return Int64.min }
            if let lo = f.targetMin, v < lo { return lo - v }
            if let hi = f.targetMax, v > hi { return v - hi }
            return f.hasTarget ? -1 : Int64.min
        }
        let sorted = candidates.sorted { a, b in
            if byTarget {
                let (ga, gb) = (gap(a.f), gap(b.f))
                if ga != gb { return ga > gb }
            } else if a.f.value != b.f.value {
                return a.f.value! < b.f.value!
            }
            return bytewiseLess(model.units[a.u].code, model.units[b.u].code)
        }
        let picked = byTarget ? sorted.filter { gap($0.f) > 0 } : sorted
        return (picked.prefix(limit).map(\.u), byTarget)
    }

    func trends(root: Int) -> View {
        let labels = periods.map(\.label)
        let charts: [View] = trendKPIs.map { kpi in
            let (others, byTarget) = furthest(from: root, kpi: kpi.key)
            let units = [root] + others
            let series = units.map { u in
                (name: name(u), figures: periods.indices.map { KPIFigure(rows.kpi($0, u, rows.scope(of: u), kpi.key)) })
            }
            let rootFigures = series[0].figures
            var target = kpi.points ? nil : ReportCharts.commonTarget(rootFigures)
            if kpi.points, let t = ReportCharts.commonTarget(rootFigures) {
                target = (20 * t.value, "Chỉ tiêu \(VietnameseFormat.decimal(20 * t.value, digits: 2)) điểm")
            }
            let svg = ReportCharts.trend(title: kpi.title, periods: labels, series: series, points: kpi.points, target: target)
            let field = kpi.points ? "points" : "value"
            return [
                "k": kpi.key, "title": kpi.title, "svg": svg, "f": field,
                "note": others.isEmpty ? "" : byTarget ? "Cùng \(others.count) đơn vị cách xa chỉ tiêu nhất ở kỳ gần nhất."
                    : "Cùng \(others.count) đơn vị có tỷ lệ thấp nhất ở kỳ gần nhất.",
                "series": units.map { u -> View in ["u": model.units[u].code, "s": rows.scope(of: u).rawValue, "name": name(u)] },
                "rows": periods.indices.map { k -> View in
                    ["p": periods[k].label,
                     "cells": series.map { kpi.points ? $0.figures[k].pointsText : $0.figures[k].valueText }]
                },
            ]
        }
        return ["u": model.units[root].code, "name": name(root), "scope": scopeText(root), "charts": charts]
    }

    // MARK: - Data quality

    func qualityView(_ quality: [DataQualityRow]?) -> View {
        let s = results.summary
        let reasons = s.rejectsByReason.map { (reason: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : bytewiseLess($0.reason, $1.reason) }
        var view: View = [
            "rejected": VietnameseFormat.integer(s.accounting.rejected),
            "records": VietnameseFormat.integer(s.accounting.records),
            "reasons": reasons.map { r -> View in
                ["r": r.reason, "name": ReportVocabulary.rejectReason(r.reason), "n": VietnameseFormat.integer(r.count)]
            },
            "unknown": s.unknownUnits.map { code -> View in
                let u = model.indexByCode[code]
                let received = u.flatMap { u in periods.indices.last.flatMap { rows.counter($0, u, .own, ReportContext.col.received) } }
                return ["code": code, "p": periods.last?.label ?? "", "received": received.map(VietnameseFormat.integer) ?? "—"]
            },
        ]
        if !reasons.isEmpty { view["chart"] = ReportCharts.rejects(reasons) }
        if let quality {
            view["checks"] = ["rows": quality.map { q -> View in
                ["unit": q.unitName.isEmpty ? q.unitCode : q.unitName, "code": q.unitCode, "check": q.check,
                 "name": q.checkName, "n": VietnameseFormat.integer(q.count), "examples": q.examples.joined(separator: ", ")]
            }] as View
        }
        return view
    }
}
