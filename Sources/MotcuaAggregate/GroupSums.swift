// The roll-up's counter groups added up by (unit, sector) over the slices of the dossiers —
// and over a memo's sums kept from the previous run (`RollupMemo`), whose codes are mapped to
// this run's ids here. A group counts its in-scope dossiers, so one that a night emptied is gone.
import MotcuaFoundation
import MotcuaReading

struct GroupSums {
    let width: Int
    private struct Key: Hashable { let unit: Int, sector: String }
    private var index: [Key: Int] = [:]
    private var units: [Int] = []
    private var sectors: [String] = []
    private var dossiers: [Int32] = []
    private var counters: [Int64] = []
    private let zeros: [Int64]

    init(width: Int) {
        self.width = width
        zeros = [Int64](repeating: 0, count: width)
    }

    /// Room for `groups` groups, made once (growing the counters copies and faults them in
    /// again at every doubling: megabytes for a province's units and sectors).
    mutating func reserve(groups: Int) {
        index.reserveCapacity(groups)
        units.reserveCapacity(groups)
        sectors.reserveCapacity(groups)
        dossiers.reserveCapacity(groups)
        counters.reserveCapacity(groups * width)
    }

    private mutating func slot(_ unit: Int, _ sector: String) -> Int {
        let key = Key(unit: unit, sector: sector)
        if let g = index[key] { return g }
        index[key] = units.count
        units.append(unit)
        sectors.append(sector)
        dossiers.append(0)
        counters += zeros   // one copy (a `repeatElement` append went element by element)
        return units.count - 1
    }

    /// Adds a group's counters; `rows`: the run's period for each period row of `values` (-1:
    /// left out), when they are not the run's periods in order.
    mutating func add(unit: Int, sector: String, dossiers n: Int32, _ values: ArraySlice<Int32>, rows: [Int]? = nil) {
        let g = slot(unit, sector)
        dossiers[g] &+= n
        let row = BaseCounter.count, base = g * width
        counters.withUnsafeMutableBufferPointer { c in
            values.withUnsafeBufferPointer { v in
                guard let rows else {
                    for i in v.indices { c[base + i] += Int64(v[i]) }
                    return
                }
                for (i, k) in rows.enumerated() where k >= 0 {
                    for j in 0..<row { c[base + k * row + j] += Int64(v[i * row + j]) }
                }
            }
        }
    }

    /// Adds a memo's sums: its units (model codes), procedures and periods (`rows`: the run's
    /// period of each of the memo's, -1 for one the run sums anew) mapped to this run's. False
    /// when they do not fit this run's dossiers — a code it does not have, or a count below zero
    /// once added (the caller then rolls up in full).
    mutating func add(_ memo: RollupMemo, rows: [Int], model: UnitModel, procedures: [String], into activity: inout ProcedureActivity,
                      unitDossiers: inout [Int32], tally: inout DossierTally) -> Bool {
        guard activity.counting, rows.count == memo.periodCount else { return false }
        var unitOf: [Int] = []
        for code in memo.unitCodes {
            guard let u = model.indexByCode[code] else { return false }
            unitOf.append(u)
        }
        var procedureId: [String: Int] = [:]
        for (i, code) in procedures.enumerated() { procedureId[code] = i }
        var procedureOf: [Int] = []
        for code in memo.procedureCodes {
            guard let p = procedureId[code] else { return false }
            procedureOf.append(p)
        }
        for (g, group) in memo.groups.enumerated() {
            add(unit: unitOf[Int(group.unit)], sector: group.sector, dossiers: group.dossiers,
                memo.counters[g * memo.width ..< (g + 1) * memo.width], rows: rows)
        }
        let block = memo.periodCount * 3 * memo.procedureCodes.count
        for (i, u) in unitOf.enumerated() {
            unitDossiers[u] &+= memo.unitDossiers[i]
            activity.addCounts(unit: u, memo.activity[i * block ..< (i + 1) * block], ids: procedureOf, rows: rows)
        }
        tally.dossiers += memo.tally.dossiers
        tally.inScope += memo.tally.inScope
        tally.notReceived += memo.tally.notReceived
        let width = width
        let fits = counters.withUnsafeBufferPointer { c in
            dossiers.indices.allSatisfy { g in
                let row = UnsafeBufferPointer(rebasing: c[g * width ..< (g + 1) * width])
                return dossiers[g] > 0 ? (row.min() ?? 0) >= 0 : (dossiers[g] == 0 && row.allSatisfy { $0 == 0 })
            }
        }
        return fits && !activity.hasNegativeCount && (unitDossiers.min() ?? 0) >= 0
            && tally.dossiers >= 0 && tally.inScope >= 0 && tally.notReceived >= 0
    }

    /// Each group that holds a dossier: its unit, sector and counters.
    func forEachKept(_ body: (Int, String, ArraySlice<Int64>) -> Void) {
        for g in units.indices where dossiers[g] > 0 { body(units[g], sectors[g], counters[g * width ..< (g + 1) * width]) }
    }

    /// These sums as a memo for the next run (`activity` counting, before `seal`); nil when
    /// its counts would take more than `budget` bytes. Units and groups in code order, so
    /// that the memo is the same bytes for any thread count.
    func memo(key: [UInt8], periods: [Period], model: UnitModel, procedures: [String], activity: ProcedureActivity,
              unitDossiers: [Int32], tally: DossierTally, budget: Int) -> RollupMemo? {
        let kept = units.indices.filter { dossiers[$0] > 0 }
        let memoUnits = model.units.indices.filter { unitDossiers[$0] > 0 }
            .sorted { bytewiseLess(model.units[$0].code, model.units[$1].code) }
        let block = periods.count * 3 * procedures.count
        guard (kept.count * width + memoUnits.count * block) * 4 <= budget else { return nil }
        var memoIndex = [Int32](repeating: -1, count: model.units.count)
        for (i, u) in memoUnits.enumerated() { memoIndex[u] = Int32(i) }
        // Sectors ranked once, so that the groups sort on integers.
        var rank: [String: Int] = [:]
        for (i, name) in Set(sectors).sorted(by: bytewiseLess).enumerated() { rank[name] = i }
        let sectorRank = sectors.map { rank[$0]! }
        let order = kept.sorted {
            units[$0] != units[$1] ? memoIndex[units[$0]] < memoIndex[units[$1]] : sectorRank[$0] < sectorRank[$1]
        }
        var groups: [(unit: Int32, sector: String, dossiers: Int32)] = []
        groups.reserveCapacity(order.count)
        let width = width
        let values = [Int32](unsafeUninitializedCapacity: order.count * width) { out, initialized in
            counters.withUnsafeBufferPointer { c in
                for (n, g) in order.enumerated() {
                    for i in 0..<width { out[n * width + i] = Int32(truncatingIfNeeded: c[g * width + i]) }
                }
            }
            initialized = order.count * width
        }
        for g in order { groups.append((memoIndex[units[g]], sectors[g], dossiers[g])) }
        var counts: [Int32] = []
        counts.reserveCapacity(memoUnits.count * block)
        for u in memoUnits {
            let start = activity.cell(u, 0) * 3 * procedures.count
            counts.append(contentsOf: activity.counts[start ..< start + block])
        }
        return RollupMemo(key: key, periods: periods, unitCodes: memoUnits.map { model.units[$0].code },
                          unitDossiers: memoUnits.map { unitDossiers[$0] }, procedureCodes: procedures,
                          groups: groups, counters: values, activity: counts, tally: tally)
    }
}
