// The KPI rows of a roll-up (SPEC §5.4), read as a collection but never held: a row is made
// when it is read, from its unit-total counter row and a few figures kept per (period, unit,
// scope). Every such triple has one row per KPI, so a catalog of many units has fourteen
// times as many KPI rows as unit totals (100,000 units over two months: 2.8 million rows,
// 450 MB when they were built and joined; issue 19).
import MotcuaFoundation
import MotcuaReading

public struct KPITable: RandomAccessCollection {
    /// The roll-up's counter rows (shared, not copied).
    let rows: [CounterRow]
    /// Index in `rows` of each unit-total row, in row order: KPI row `i` belongs to `totals[i / perRow]`.
    let totals: [Int32]
    /// Per unit-total row, the numerator and denominator of each catalog KPI (`KPIs.catalogKPICount` pairs).
    let catalogFigures: [Int64]
    /// Per unit-total row, which of `targetSets` applies.
    let targetSet: [UInt16]
    /// The targets' bounds per KPI (`KPIs.names` order), one set per distinct way they apply.
    let targetSets: [[TargetBounds?]]

    static let perRow = KPIs.names.count

    /// No rows.
    public init() { (rows, totals, catalogFigures, targetSet, targetSets) = ([], [], [], [], []) }

    init(rows: [CounterRow], totals: [Int32], catalogFigures: [Int64], targetSet: [UInt16], targetSets: [[TargetBounds?]]) {
        (self.rows, self.totals, self.catalogFigures, self.targetSet, self.targetSets) = (rows, totals, catalogFigures, targetSet, targetSets)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { totals.count * KPITable.perRow }

    public subscript(i: Int) -> KPIRow {
        let at = i / KPITable.perRow
        let kpi = KPIs.sortedOrder[i % KPITable.perRow]
        let total = rows[Int(totals[at])]
        let (numerator, denominator): (Int64, Int64)
        if kpi < KPIs.counterRatios.count {
            (numerator, denominator) = KPIs.counterRatio(kpi, total.values)
        } else {
            let f = (at * KPIs.catalogKPICount + kpi - KPIs.counterRatios.count) * 2
            (numerator, denominator) = (catalogFigures[f], catalogFigures[f + 1])
        }
        return KPIRow(period: total.period, unit: total.unit, scope: total.scope, kpiIndex: kpi,
                      numerator: numerator, denominator: denominator, target: targetSets[Int(targetSet[at])][kpi])
    }
}
