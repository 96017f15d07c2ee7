// From the merged dossiers to the rows of counters.csv (SPEC §5.2, §5.3): groups by unit
// (and sector), sums the subtree scope up the unit tree, and orders rows as §7.3 says.
import MotcuaFoundation
import MotcuaReading

public struct CounterRow {
    public var period: Int
    public var unit: Int
    public var scope: Scope
    public var sector: String     // "" on the unit-total row
    public var values: [Int64]    // counterColumns order
}

public struct DossierTally {
    public var dossiers = 0
    public var inScope = 0
    public var notReceived = 0
}

public struct RollupResult {
    public var rows: [CounterRow]
    /// Rows per sector (and the unit total) for Biểu II.06a, when asked for: own scope, or
    /// subtree for units with descendants (`form: .subtree`).
    public var formRows: [CounterRow] = []
    public var kpis: KPITable
    public var units: UnitModel
    public var tally: DossierTally
    /// The sums to keep for the next run (`Rollup.build`'s `memo`; nil when not asked for, or
    /// over the budget), whether they were updated from the previous ones, and why not.
    public var memo: RollupMemo?
    public var memoUsed = false
    public var memoNote: String?

    func noting(_ note: String) -> RollupResult {
        var r = self
        r.memoNote = note
        return r
    }
}

/// What `Rollup.build` does with the sums it keeps between runs (`RollupMemo`).
public enum MemoUse {
    case none
    case make
    case update(RollupMemoUpdate)

    var wanted: Bool { if case .none = self { return false } else { return true } }
    /// Whether the caller keeps the new sums (a night with nothing new writes no generation).
    var keepsNew: Bool {
        switch self {
        case .none: return false
        case .make: return true
        case .update(let u): return u.keep
        }
    }
}

public struct InvariantBroken: Error { public let message: String }

/// The roll-up cannot update kept sums and must go over every dossier, but the partial result
/// holds only the changed ones (a selective load): the caller loads the rest and builds again.
public struct RollupNeedsEveryDossier: Error { public let reason: String }

public enum Rollup {
    /// `form`: the scope Biểu II.06a counts, when a form is wanted (`own`: each unit's own
    /// dossiers; `subtree`: with its descendants', where it has any). `reportUnits`: rows only
    /// for these units and their descendants (nil: every unit; codes not known are ignored).
    /// `memo`: `.make` keeps the sums for the next run (`RollupResult.memo`); `.update` starts
    /// from a previous run's sums (and keeps the new ones unless told not to) and the dossiers changed since — when its key does not match
    /// this run, or its figures do not match the dossiers, the roll-up goes over every dossier
    /// and says why in `RollupResult.memoNote`.
    public static func build(_ merged: PartialResult, catalogs: Catalogs, periods: [Period],
                             rules: RuleSet, bySector: Bool, targets: [Target] = [],
                             form: Scope? = nil, reportUnits: [String]? = nil, threads: Int = 1,
                             memo: MemoUse = .none) throws -> RollupResult {
        let groupBySector = bySector || form != nil
        // Only units of the dossiers after latest-wins count (SPEC §2.5), not of superseded versions.
        merged.flushWaiting()
        let key: [UInt8]
        var update: RollupMemoUpdate?
        var memoRows: [Int] = []       // the run's period of each of the memo's (-1: not kept)
        var fresh = 0..<0              // the run's periods the memo does not have: summed anew
        var memoNote: String?
        switch memo {
        case .none: key = []
        case .make: key = RollupMemo.key(rules: rules, groupBySector: groupBySector, catalogs: catalogs)
        case .update(let u):
            key = RollupMemo.key(rules: rules, groupBySector: groupBySector, catalogs: catalogs)
            if u.memo.key != key {
                memoNote = "the rules, breakdown or catalogs changed since the sums were kept"
            } else if let plan = periodPlan(periods, kept: u.memo.periods) {
                update = u
                (memoRows, fresh) = plan
            } else {
                memoNote = "the periods changed since the sums were kept"
            }
        }
        if !merged.isComplete {
            if update == nil { throw RollupNeedsEveryDossier(reason: memoNote ?? "no kept sums") }
            if !fresh.isEmpty, merged.heldWindow.map({ $0 != (periods[fresh.lowerBound].from, periods[fresh.upperBound - 1].to) }) ?? true {
                throw RollupNeedsEveryDossier(reason: "the periods summed anew are not those loaded for")
            }
        }
        let unitCount = merged.units.count
        let unitCodes = (0..<unitCount).map { merged.units.string(Int32($0)) }
        var unitUsed: [Bool] = []
        if let u = update {
            // Dossiers per unit: the memo's, less the versions replaced, plus the new ones.
            var idOf: [String: Int] = [:]
            for (i, code) in unitCodes.enumerated() { idOf[code] = i }
            var count = [Int32](repeating: 0, count: unitCount)
            var known = true
            for (code, n) in zip(u.memo.unitCodes, u.memo.unitDossiers) {
                guard let i = idOf[code] else { known = false; break }
                count[i] &+= n
            }
            for d in u.removed { count[Int(d.unit)] &-= 1 }
            for d in u.added { count[Int(d.unit)] &+= 1 }
            if !known || count.contains(where: { $0 < 0 }) {
                update = nil
                memoNote = "the kept sums do not match the state's dossiers"
            } else if u.removed.contains(where: { count[Int($0.unit)] == 0 }) {
                // Its old versions would have to leave a unit this run's model no longer has.
                update = nil
                memoNote = "a unit lost its last dossier"
            } else {
                unitUsed = count.map { $0 > 0 }
            }
        }
        if update == nil {
            guard merged.isComplete else { throw RollupNeedsEveryDossier(reason: memoNote ?? "the kept sums do not apply") }
            unitUsed = SideBySide.slices(PartialResult.partitionCount, threads: threads) { partitions in
                var used = [Bool](repeating: false, count: unitCount)
                merged.forEachState(partitions: partitions) { d in used[Int(d.unit)] = true }
                return used
            }.reduce(into: [Bool](repeating: false, count: unitCount)) { all, used in
                for u in used.indices where used[u] { all[u] = true }
            }
        }
        let model = UnitModel(catalog: catalogs.units, dossierUnitCodes: unitCodes.indices.filter { unitUsed[$0] }.map { unitCodes[$0] })
        let unitOfId = unitCodes.indices.map { unitUsed[$0] ? model.indexByCode[unitCodes[$0]]! : -1 }
        let procedureCodes = (0..<merged.procedures.count).map { merged.procedures.string(Int32($0)) }
        var procIds = ProcedureIds()
        let context = DossierContext(
            periods: periods, rules: rules, model: model, groupBySector: groupBySector, unitOfId: unitOfId,
            unifiedProcedure: procedureCodes.map { procIds.id($0) }, procedureCodes: procedureCodes,
            sectorCodes: (0..<merged.sectors.count).map { merged.sectors.string(Int32($0)) },
            resolver: SectorResolver(procedures: catalogs.procedures))
        merged.flushWaiting()
        guard merged.dossierCount < Int(Int32.max) else {
            throw InvariantBroken(message: "\(merged.dossierCount) dossiers: the roll-up counts at most \(Int32.max)")
        }
        let countBytes = ProcedureActivity.countBytes(units: model.units.count, periods: periods.count, procedures: procedureCodes.count)
        let withinBudget = countBytes <= RollupMemo.budget(dossiers: merged.dossierCount)
        if !withinBudget && memo.wanted {
            memoNote = "the sums would take more than \(RollupMemo.budget(dossiers: merged.dossierCount) >> 20) MiB: not kept"
            update = nil
        }
        if update == nil && !merged.isComplete { throw RollupNeedsEveryDossier(reason: memoNote ?? "the kept sums do not apply") }
        // Counts (not bits) when updating sums or making sums to keep.
        let counting = withinBudget && (update != nil || memo.keepsNew)
        // Accumulators over the dossiers, each with the run's period of each of its own (nil: the run's).
        var slices: [(sums: DossierAccumulator, rows: [Int]?)]
        if let u = update {
            // The memo's periods: its sums, less the changed dossiers' old versions, plus their new ones.
            let kept = fresh.isEmpty ? 0..<periods.count : fresh.lowerBound == 0 ? fresh.upperBound..<periods.count : 0..<fresh.lowerBound
            var delta = DossierAccumulator(context.with(periods: Array(periods[kept])), counting: true)
            for d in u.removed { delta.add(d, sign: -1) }
            for d in u.added { delta.add(d) }
            delta.finish()
            slices = [(delta, Array(kept))]
            // Periods it does not have (the last one moved by --as-of): over every dossier that
            // may count in them, for their figures only (the dossiers are counted above).
            if !fresh.isEmpty {
                let (first, last) = (periods[fresh.lowerBound].from, periods[fresh.upperBound - 1].to)
                let freshContext = context.with(periods: Array(periods[fresh]))
                slices += SideBySide.slices(PartialResult.partitionCount, threads: threads) { partitions in
                    var slice = DossierAccumulator(freshContext, counting: true, countsDossiers: false)
                    // Held: every dossier, or (a selective load) at least all that may count here.
                    merged.forEachHeldState(partitions: partitions) { d in
                        if mayCount(d, from: first, to: last, rules: rules) { slice.add(d) }
                    }
                    slice.finish()
                    return slice
                }.map { ($0, Array(fresh)) }
            }
        } else {
            // Each slice has its own counters and procedure sets per unit and period: with many of
            // both (day periods over years) one slice, as the memory matters more than the time.
            let perSliceBytes = model.units.count * (periods.count + 1) * (BaseCounter.count * 8 + 3 * 8) + (counting ? countBytes : 0)
            slices = SideBySide.slices(PartialResult.partitionCount, threads: perSliceBytes <= 64 << 20 ? threads : 1) { partitions in
                var slice = DossierAccumulator(context, counting: counting)
                merged.forEachState(partitions: partitions) { slice.add($0) }
                slice.finish()
                return slice
            }.map { ($0, nil) }
        }

        // The groups of every slice (and of the memo) added up, by unit and sector.
        let width = (periods.count + 1) * BaseCounter.count
        var sums = GroupSums(width: width)
        // At most every slice's groups and the memo's (the same groups, mostly: an upper bound).
        var groups = slices.reduce(0) { $0 + $1.sums.table.groupCount }
        if let u = update { groups += u.memo.groups.count }
        sums.reserve(groups: groups)
        // Updating: the run's counts are the first slice's when its periods are the run's (no
        // period summed anew), else a table of their own.
        let ownCounts = update != nil && !fresh.isEmpty
        var activity = ownCounts
            ? ProcedureActivity(units: model.units.count, periods: periods.count, procedures: procedureCodes.count, counting: true)
            : slices[0].sums.activity
        var tally = DossierTally()
        var unitDossiers = [Int32](repeating: 0, count: model.units.count)
        for (i, (slice, rows)) in slices.enumerated() {
            for g in 0..<slice.table.groupCount {
                sums.add(unit: slice.groupUnit[g], sector: slice.groupSector[g], dossiers: slice.groupDossiers[g], slice.table.group(g), rows: rows)
            }
            if ownCounts, let rows { activity.addCounts(slice.activity, rows: rows) } else if i > 0 { activity.formUnion(slice.activity) }
            tally.dossiers += slice.tally.dossiers
            tally.inScope += slice.tally.inScope
            tally.notReceived += slice.tally.notReceived
            for u in unitDossiers.indices { unitDossiers[u] &+= slice.unitDossiers[u] }
        }
        if let u = update {
            if !sums.add(u.memo, rows: memoRows, model: model, procedures: procedureCodes, into: &activity, unitDossiers: &unitDossiers, tally: &tally) {
                guard merged.isComplete else { throw RollupNeedsEveryDossier(reason: "the kept sums do not match the state's dossiers") }
                return try build(merged, catalogs: catalogs, periods: periods, rules: rules, bySector: bySector, targets: targets,
                                 form: form, reportUnits: reportUnits, threads: threads, memo: memo.keepsNew ? .make : .none)
                    .noting("the kept sums do not match the state's dossiers")
            }
        }
        var keptMemo: RollupMemo?
        if counting && memo.keepsNew {
            keptMemo = sums.memo(key: key, periods: periods, model: model, procedures: procedureCodes, activity: activity,
                                 unitDossiers: unitDossiers, tally: tally, budget: RollupMemo.budget(dossiers: merged.dossierCount))
            if keptMemo == nil { memoNote = "the sums would take more than \(RollupMemo.budget(dossiers: merged.dossierCount) >> 20) MiB: not kept" }
        }
        activity.seal()
        let zero = [Int64](repeating: 0, count: width)
        var ownTotal = [[Int64]](repeating: zero, count: model.units.count)
        var ownSectors = [[String: [Int64]]](repeating: [:], count: model.units.count)
        sums.forEachKept { unit, sector, counters in
            add(counters, to: &ownTotal[unit])
            if groupBySector { add(counters, to: &ownSectors[unit][sector, default: zero]) }
        }
        var subTotal = ownTotal
        var subSectors = ownSectors
        for u in model.postOrder {
            for c in model.children[u] {
                add(subTotal[c], to: &subTotal[u])
                for (s, arr) in subSectors[c] { add(arr, to: &subSectors[u][s, default: zero]) }
            }
        }

        let reported = model.subtrees(of: reportUnits)
        let unitOrder = (0..<model.units.count).filter { reported[$0] }
            .sorted { bytewiseLess(model.units[$0].code, model.units[$1].code) }
        // Each unit's sectors sorted once, not once per period.
        let sortedSectors = { (sectors: [String: [Int64]]) in sectors.sorted { bytewiseLess($0.key, $1.key) } }
        let ownSorted = groupBySector ? ownSectors.map(sortedSectors) : [], subSorted = groupBySector ? subSectors.map(sortedSectors) : []
        var rows: [CounterRow] = []
        for k in 0..<periods.count {
            for u in unitOrder {
                emit(k, u, .own, ownTotal[u], bySector ? ownSorted[u] : [], into: &rows)
                if !model.children[u].isEmpty {
                    emit(k, u, .subtree, subTotal[u], bySector ? subSorted[u] : [], into: &rows)
                }
            }
        }
        var formRows: [CounterRow] = []
        if let form {
            for k in 0..<periods.count {
                for u in unitOrder {
                    // A unit without descendants counts its own dossiers either way (and says so).
                    if form == .subtree && !model.children[u].isEmpty {
                        emit(k, u, .subtree, subTotal[u], subSorted[u], into: &formRows)
                    } else {
                        emit(k, u, .own, ownTotal[u], ownSorted[u], into: &formRows)
                    }
                }
            }
        }
        try check(rows, periods: periods)
        let kpis = kpiRows(rows, model: model, periods: periods, activity: activity,
                           pairs: CatalogScope.pairs(units: model, procedures: catalogs.procedures, ids: &procIds),
                           targets: targets, threads: threads)
        return RollupResult(rows: rows, formRows: formRows, kpis: kpis, units: model, tally: tally,
                            memo: keptMemo, memoUsed: update != nil, memoNote: memoNote)
    }

    /// Which of the run's periods a memo's sums cover: the run's period of each of the memo's
    /// (-1: not among the run's), and the run's periods left to sum anew — nil when none is
    /// covered, or the rest is not one run of periods at the start or the end (the periods
    /// summed from the memo must be contiguous).
    static func periodPlan(_ periods: [Period], kept: [Period]) -> (rows: [Int], fresh: Range<Int>)? {
        let rows = kept.map { p in periods.firstIndex(of: p) ?? -1 }
        let covered = Set(rows.filter { $0 >= 0 })
        let fresh = periods.indices.filter { !covered.contains($0) }
        guard !covered.isEmpty else { return nil }
        guard let a = fresh.first, let b = fresh.last else { return (rows, 0..<0) }
        guard b - a + 1 == fresh.count, a == 0 || b == periods.count - 1 else { return nil }
        return (rows, a..<b + 1)
    }

    /// Whether `build` would update `memo` (the same key, periods it covers but at an end) —
    /// then a run need not load every dossier: those changed, and those `mayCount` in the
    /// periods summed anew, between `window`'s days (nil: none is). `build` still decides, and
    /// says when it needs them all after all (`RollupNeedsEveryDossier`).
    public static func updates(_ memo: RollupMemo, catalogs: Catalogs, periods: [Period], rules: RuleSet, bySector: Bool,
                               form: Scope? = nil) -> (window: (from: Int32, to: Int32)?, mayCount: (DossierState) -> Bool)? {
        guard memo.key == RollupMemo.key(rules: rules, groupBySector: bySector || form != nil, catalogs: catalogs),
              let plan = periodPlan(periods, kept: memo.periods) else { return nil }
        guard !plan.fresh.isEmpty else { return (nil, { _ in false }) }
        let (first, last) = (periods[plan.fresh.lowerBound].from, periods[plan.fresh.upperBound - 1].to)
        return ((first, last), { mayCount($0, from: first, to: last, rules: rules) })
    }

    /// Whether a dossier may count in the periods from `first` to `last` (more than may: the
    /// add decides) — not one received after them, nor one ended and received before them
    /// unless it was returned within them.
    @inline(__always)
    static func mayCount(_ d: DossierState, from first: Int32, to last: Int32, rules: RuleSet) -> Bool {
        if d.notReceived || d.received > last { return false }
        if rules.isTerminal(d.status) && d.ended != noDay && d.ended < first && d.received < first {
            return d.returned != noDay && d.returned >= first && d.returned <= last
        }
        return true
    }

    /// KPI rows for every unit-total counter row, in the same order; periods side by side.
    /// A subtree's sets (its catalog pairs; per period the procedures with new, postal and
    /// online dossiers) are gathered bottom-up — a unit's from its own and its children's,
    /// each child's dropped once its parent has it — so the work is linear in the units, not
    /// in the sum of subtree sizes (a 20,000-deep chain of units made that quadratic). What
    /// is kept is the catalog KPIs' figures per unit-total row (`KPITable`).
    static func kpiRows(_ rows: [CounterRow], model: UnitModel, periods: [Period], activity: ProcedureActivity,
                        pairs: [Set<CatalogPair>], targets: [Target], threads: Int = 1) -> KPITable {
        let unitCount = model.units.count
        let post = model.postOrder
        let totals = rows.indices.filter { rows[$0].sector.isEmpty }
        func rowKey(_ period: Int, _ unit: Int, _ scope: Scope) -> Int { (period * unitCount + unit) * 2 + (scope == .own ? 0 : 1) }
        var position: [Int: Int] = [:]
        position.reserveCapacity(totals.count)
        for (i, r) in totals.enumerated() { position[rowKey(rows[r].period, rows[r].unit, rows[r].scope)] = i }
        // Rows come sorted by period: period k's unit totals are positions periodStart[k] ..< periodStart[k + 1].
        var periodStart = [Int](repeating: totals.count, count: periods.count + 1)
        for (i, r) in totals.enumerated().reversed() { periodStart[rows[r].period] = i }
        for k in stride(from: periods.count - 1, through: 0, by: -1) { periodStart[k] = min(periodStart[k], periodStart[k + 1]) }

        // Per unit, not per period: the catalog figures of the unit and of its subtree.
        var catalogs = [(own: KPIs.CatalogFigures, subtree: KPIs.CatalogFigures)?](repeating: nil, count: unitCount)
        var subtreePairs = [Set<CatalogPair>?](repeating: nil, count: unitCount)
        for u in post {
            var gathered = pairs[u]
            for c in model.children[u] {
                gathered.formUnion(subtreePairs[c]!)
                subtreePairs[c] = nil
            }
            catalogs[u] = (KPIs.CatalogFigures(pairs[u]), KPIs.CatalogFigures(gathered))
            subtreePairs[u] = gathered
        }
        subtreePairs = []
        let onlineNeeded = catalogs.contains { $0!.own.needsOnlinePairs || $0!.subtree.needsOnlinePairs }

        // The targets depend on the unit's tier, the scope and whether the unit has a subtree.
        var targetSets: [[TargetBounds?]] = []
        var targetSetOf: [String: UInt16] = [:]
        var targetSet = [UInt16](repeating: 0, count: totals.count)
        for (at, r) in totals.enumerated() {
            let u = rows[r].unit, scope = rows[r].scope, hasSubtree = !model.children[u].isEmpty
            let key = "\(model.units[u].tier)\u{0}\(scope.rawValue)\u{0}\(hasSubtree)"
            if let set = targetSetOf[key] { targetSet[at] = set; continue }
            targetSets.append(KPIs.names.map { kpi in
                KPIs.target(for: kpi, unit: model.units[u], scope: scope, hasSubtree: hasSubtree, targets: targets).map(TargetBounds.init)
            })
            targetSetOf[key] = UInt16(targetSets.count - 1)
            targetSet[at] = targetSetOf[key]!
        }

        let width = KPIs.catalogKPICount * 2
        let slices = SideBySide.slices(periods.count, threads: threads, minimum: 1) { range -> [Int64] in
            let base = periodStart[range.lowerBound]
            var figures = [Int64](repeating: 0, count: (periodStart[range.upperBound] - base) * width)
            var one: [Int64] = []
            one.reserveCapacity(width)
            func emit(_ k: Int, _ u: Int, _ scope: Scope, _ newProcs: ProcedureSet, _ postal: ProcedureSet, _ online: Set<Int64>) {
                guard let at = position[rowKey(k, u, scope)] else { return }
                let catalog = scope == .own ? catalogs[u]!.own : catalogs[u]!.subtree
                one.removeAll(keepingCapacity: true)
                KPIs.appendCatalogFigures(catalog: catalog, onlinePairs: catalog.needsOnlinePairs ? online : [],
                                          newProcedures: newProcs, postalProcedures: postal, to: &one)
                let start = (at - base) * width
                for j in 0..<width { figures[start + j] = one[j] }
            }
            for k in range {
                var subtreeNew = [ProcedureSet?](repeating: nil, count: unitCount), subtreePostal = subtreeNew
                var subtreeOnline = [Set<Int64>?](repeating: nil, count: unitCount)
                for u in post {
                    let c = activity.cell(u, k)
                    var online = Set<Int64>()
                    if onlineNeeded, let tier = SectorResolver.catalogTier(model.units[u].tier) {
                        for p in activity.newOnline[c] { online.insert(KPIs.pairKey(tier, p)) }
                    }
                    var newProcs = activity.newAny[c], postal = activity.postal[c]
                    emit(k, u, .own, newProcs, postal, online)
                    for child in model.children[u] {
                        newProcs.formUnion(subtreeNew[child]!)
                        postal.formUnion(subtreePostal[child]!)
                        online.formUnion(subtreeOnline[child]!)
                        (subtreeNew[child], subtreePostal[child], subtreeOnline[child]) = (nil, nil, nil)
                    }
                    emit(k, u, .subtree, newProcs, postal, online)
                    (subtreeNew[u], subtreePostal[u], subtreeOnline[u]) = (newProcs, postal, online)
                }
            }
            return figures
        }
        return KPITable(rows: rows, totals: totals.map { Int32($0) }, catalogFigures: SideBySide.joined(slices),
                        targetSet: targetSet, targetSets: targetSets)
    }

    private static func add(_ a: [Int64], to b: inout [Int64]) { add(a[...], to: &b) }

    private static func add(_ a: ArraySlice<Int32>, to b: inout [Int64]) {
        b.withUnsafeMutableBufferPointer { b in
            a.withUnsafeBufferPointer { a in for i in a.indices { b[i] += Int64(a[i]) } }
        }
    }

    private static func add(_ a: ArraySlice<Int64>, to b: inout [Int64]) {
        b.withUnsafeMutableBufferPointer { b in
            a.withUnsafeBufferPointer { a in for i in a.indices { b[i] += a[i] } }
        }
    }

    /// The unit-total row of period `k`, then a row per sector (`sectors` in byte order; none
    /// without a breakdown) that has a count.
    private static func emit(_ k: Int, _ u: Int, _ scope: Scope, _ total: [Int64], _ sectors: [(key: String, value: [Int64])],
                             into rows: inout [CounterRow]) {
        rows.append(CounterRow(period: k, unit: u, scope: scope, sector: "",
                               values: total.withUnsafeBufferPointer { publishedCounters($0, period: k) }))
        for (s, counters) in sectors {
            let values = counters.withUnsafeBufferPointer { publishedCounters($0, period: k) }
            if values.contains(where: { $0 != 0 }) {
                rows.append(CounterRow(period: k, unit: u, scope: scope, sector: s, values: values))
            }
        }
    }

    /// The identities of SPEC §5.2 on every row, and carried_over = previous pending_total.
    static func check(_ rows: [CounterRow], periods: [Period]) throws {
        func col(_ name: String) -> Int { counterColumns.firstIndex(of: name)! }
        let (recv, res, pend) = (col("received_total"), col("resolved_total"), col("pending_total"))
        let (e, o, l, w, ov) = (col("resolved_early"), col("resolved_on_time"), col("resolved_late"), col("pending_within"), col("pending_overdue"))
        let carried = col("carried_over")
        struct RowKey: Hashable { let unit: Int, scope: Scope, sector: String }
        var previous: [RowKey: (period: Int, pending: Int64)] = [:]
        for r in rows {
            let v = r.values
            guard v[recv] == v[res] + v[pend], v[res] == v[e] + v[o] + v[l], v[pend] == v[w] + v[ov],
                  v.allSatisfy({ $0 >= 0 }) else {
                throw InvariantBroken(message: "counter identities broken for unit #\(r.unit) in period \(periods[r.period].label)")
            }
            let key = RowKey(unit: r.unit, scope: r.scope, sector: r.sector)
            if r.period > 0, periods[r.period - 1].to + 1 == periods[r.period].from,
               let before = previous[key], before.period == r.period - 1, before.pending != v[carried] {
                throw InvariantBroken(message: "carried_over of \(periods[r.period].label) differs from the previous pending_total")
            }
            previous[key] = (r.period, v[pend])
        }
    }
}
