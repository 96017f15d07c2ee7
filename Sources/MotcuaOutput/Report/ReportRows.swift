// report.html's numbers, looked up in the roll-up's rows — the very rows counters.csv and
// kpis.csv are written from — by (period, unit, scope): nothing is counted or divided again
// here (a KPI's value and `met` come from `KPIOutput.published`, as kpis.csv's do).
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate

struct ReportRows {
    let results: RunResults
    private let unitCount: Int
    /// Index in `rollup.rows` of each (period, unit, scope) unit-total row; -1 where none.
    private var counterAt: [Int]
    /// Index in `rollup.kpis` of the first KPI row of each (period, unit, scope); -1 where none.
    private var kpiAt: [Int]
    /// Units with rows (report_units and their descendants), by index.
    let reported: [Bool]

    init(_ results: RunResults) {
        self.results = results
        let units = results.rollup.units.units.count
        unitCount = units
        let slots = results.periods.count * units * 2
        counterAt = [Int](repeating: -1, count: slots)
        kpiAt = [Int](repeating: -1, count: slots)
        var reported = [Bool](repeating: false, count: units)
        for (i, r) in results.rollup.rows.enumerated() where r.sector.isEmpty {
            counterAt[ReportRows.slot(r.period, r.unit, r.scope, units)] = i
            reported[r.unit] = true
        }
        for (i, r) in results.rollup.kpis.enumerated() {
            let s = ReportRows.slot(r.period, r.unit, r.scope, units)
            if kpiAt[s] < 0 { kpiAt[s] = i }
        }
        self.reported = reported
    }

    private static func slot(_ period: Int, _ unit: Int, _ scope: Scope, _ units: Int) -> Int {
        (period * units + unit) * 2 + (scope == .own ? 0 : 1)
    }

    var units: UnitModel { results.rollup.units }

    /// The scope a unit is shown in: its subtree where it has units below it (as targets
    /// default to, SPEC §5.5), else its own dossiers.
    func scope(of unit: Int) -> Scope { units.children[unit].isEmpty ? .own : .subtree }

    /// A counter of the unit-total row (a column of counters.csv).
    func counter(_ period: Int, _ unit: Int, _ scope: Scope, _ column: Int) -> Int64? {
        let i = counterAt[ReportRows.slot(period, unit, scope, unitCount)]
        return i < 0 ? nil : results.rollup.rows[i].values[column]
    }

    /// The KPI row named `kpi` of (period, unit, scope).
    func kpi(_ period: Int, _ unit: Int, _ scope: Scope, _ kpi: String) -> KPIRow? {
        var i = kpiAt[ReportRows.slot(period, unit, scope, unitCount)]
        guard i >= 0 else { return nil }
        let kpis = results.rollup.kpis
        while i < kpis.count && kpis[i].period == period && kpis[i].unit == unit && kpis[i].scope == scope {
            if kpis[i].kpi == kpi { return kpis[i] }
            i += 1
        }
        return nil
    }

    /// Column positions in `CounterRow.values`.
    static func column(_ name: String) -> Int { counterColumns.firstIndex(of: name)! }

    /// The report's roots: reported units of the catalog whose parent is not reported (the
    /// province, or each `report_units` entry); units outside units.csv only when there are no others.
    var roots: [Int] {
        let model = units
        let candidates = (0..<model.units.count).filter { u in
            guard reported[u] else { return false }
            let parent = model.units[u].parent
            return parent.isEmpty || model.indexByCode[parent].map { !reported[$0] } ?? true
        }.sorted { bytewiseLess(model.units[$0].code, model.units[$1].code) }
        let known = candidates.filter { model.units[$0].tier != "unknown" }
        return known.isEmpty ? candidates : known
    }
}
