// From the merged dossiers to the rows of counters.csv (SPEC §5.2, §5.3): groups by unit
// (and sector), sums the subtree scope up the unit tree, and orders rows as §7.3 says.

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
    /// Own-scope rows per sector (and the unit total) for Biểu II.06a, when asked for.
    public var formRows: [CounterRow] = []
    public var kpis: [KPIRow]
    public var units: UnitModel
    public var tally: DossierTally
}

public struct InvariantBroken: Error { public let message: String }

public enum Rollup {
    public static func build(_ merged: PartialResult, catalogs: Catalogs, periods: [Period],
                             rules: RuleSet, bySector: Bool, targets: [Target] = [],
                             formII06a: Bool = false) throws -> RollupResult {
        let groupBySector = bySector || formII06a
        // Only units of the dossiers after latest-wins count (SPEC §2.5), not of superseded versions.
        var unitUsed = [Bool](repeating: false, count: merged.units.count)
        merged.forEachState { d in unitUsed[Int(d.unit)] = true }
        let unitCodes = (0..<merged.units.count).map { merged.units.string(Int32($0)) }
        let model = UnitModel(catalog: catalogs.units, dossierUnitCodes: unitCodes.indices.filter { unitUsed[$0] }.map { unitCodes[$0] })
        let unitOfId = unitCodes.indices.map { unitUsed[$0] ? model.indexByCode[unitCodes[$0]]! : -1 }
        let procedureCodes = (0..<merged.procedures.count).map { merged.procedures.string(Int32($0)) }
        let sectorCodes = (0..<merged.sectors.count).map { merged.sectors.string(Int32($0)) }
        let resolver = SectorResolver(procedures: catalogs.procedures)

        var table = CounterTable(periods: periods, rules: rules)
        // Group ids: per unit, then per (unit, sector) when broken down — integer keys, so
        // the loop over dossiers builds no string. Sector ids: the dossier's own sector codes
        // first, then names the catalog supplies, then "(none)".
        var sectorNames = sectorCodes
        var sectorIdOf: [String: Int] = [:]
        for (i, code) in sectorCodes.enumerated() { sectorIdOf[code] = i }
        func sectorId(_ name: String) -> Int {
            if let i = sectorIdOf[name] { return i }
            sectorNames.append(name)
            sectorIdOf[name] = sectorNames.count - 1
            return sectorNames.count - 1
        }
        let noSector = groupBySector ? sectorId("(none)") : -1
        var groupOf: [Int64: Int] = [:]
        var groupUnit: [Int] = [], groupSector: [String] = []
        var sectorCache: [Int64: Int] = [:]
        // Unit totals (sector -1, the only groups without a breakdown) by array, not hashing.
        var unitGroup = [Int](repeating: -1, count: model.units.count)
        func group(_ unit: Int, _ sector: Int) -> Int {
            if sector < 0, unitGroup[unit] >= 0 { return unitGroup[unit] }
            let key = Int64(unit) << 32 | Int64(sector + 1)
            if let g = groupOf[key] { return g }
            let g = table.addGroup()
            groupOf[key] = g
            if sector < 0 { unitGroup[unit] = g }
            groupUnit.append(unit)
            groupSector.append(sector < 0 ? "" : sectorNames[sector])
            return g
        }

        var procIds = ProcedureIds()
        let unifiedProc = procedureCodes.map { procIds.id($0) }
        var activity = ProcedureActivity(units: model.units.count, periods: periods.count)

        var tally = DossierTally()
        merged.forEachState { d in
            tally.dossiers += 1
            if d.notReceived { tally.notReceived += 1; return }
            tally.inScope += 1
            let unit = unitOfId[Int(d.unit)]
            if d.procedure >= 0 { activity.add(d, unit: unit, proc: unifiedProc[Int(d.procedure)], index: table.index) }
            var sector = -1
            if groupBySector {
                if d.sector >= 0 {
                    sector = Int(d.sector)
                } else if d.procedure >= 0 {
                    let key = Int64(unit) << 32 | Int64(d.procedure)
                    if let s = sectorCache[key] { sector = s } else {
                        sector = resolver.sector(procedure: procedureCodes[Int(d.procedure)], unit: model.units[unit]).map(sectorId) ?? noSector
                        sectorCache[key] = sector
                    }
                } else {
                    sector = noSector
                }
            }
            table.add(d, group: group(unit, sector))
        }
        table.finish()

        // Own sums per unit (and per sector), then subtree sums in post-order.
        let width = (periods.count + 1) * BaseCounter.count
        let zero = [Int64](repeating: 0, count: width)
        var ownTotal = [[Int64]](repeating: zero, count: model.units.count)
        var ownSectors = [[String: [Int64]]](repeating: [:], count: model.units.count)
        for (g, arr) in table.groups.enumerated() {
            let u = groupUnit[g]
            add(arr, to: &ownTotal[u])
            if groupBySector { ownSectors[u][groupSector[g]] = arr }
        }
        var subTotal = ownTotal
        var subSectors = ownSectors
        for u in model.postOrder {
            for c in model.children[u] {
                add(subTotal[c], to: &subTotal[u])
                for (s, arr) in subSectors[c] { add(arr, to: &subSectors[u][s, default: zero]) }
            }
        }

        let unitOrder = (0..<model.units.count).sorted { bytewiseLess(model.units[$0].code, model.units[$1].code) }
        var rows: [CounterRow] = []
        for k in 0..<periods.count {
            for u in unitOrder {
                emit(k, u, .own, ownTotal[u], ownSectors[u], bySector, into: &rows)
                if !model.children[u].isEmpty {
                    emit(k, u, .subtree, subTotal[u], subSectors[u], bySector, into: &rows)
                }
            }
        }
        var formRows: [CounterRow] = []
        if formII06a {
            for k in 0..<periods.count {
                for u in unitOrder { emit(k, u, .own, ownTotal[u], ownSectors[u], true, into: &formRows) }
            }
        }
        try check(rows, periods: periods)
        let kpis = kpiRows(rows, model: model, unitOrder: unitOrder, periods: periods, activity: activity,
                           pairs: CatalogScope.pairs(units: model, procedures: catalogs.procedures, ids: &procIds),
                           targets: targets)
        return RollupResult(rows: rows, formRows: formRows, kpis: kpis, units: model, tally: tally)
    }

    /// KPI rows for every unit-total counter row, in the same order.
    static func kpiRows(_ rows: [CounterRow], model: UnitModel, unitOrder: [Int], periods: [Period],
                        activity: ProcedureActivity, pairs: [Set<CatalogPair>], targets: [Target]) -> [KPIRow] {
        // Descendants (with the unit itself) of every unit that has a subtree row.
        var members = [[Int]](repeating: [], count: model.units.count)
        for u in model.postOrder {
            members[u] = [u] + model.children[u].flatMap { members[$0] }
        }
        var scopePairs: [String: Set<CatalogPair>] = [:]
        func pairsOf(_ u: Int, _ scope: Scope) -> Set<CatalogPair> {
            if scope == .own { return pairs[u] }
            let key = "\(u)"
            if let p = scopePairs[key] { return p }
            let p = members[u].reduce(into: Set<CatalogPair>()) { $0.formUnion(pairs[$1]) }
            scopePairs[key] = p
            return p
        }
        var out: [KPIRow] = []
        for r in rows where r.sector.isEmpty {
            let units = r.scope == .own ? [r.unit] : members[r.unit]
            var online = Set<Int64>(), newProcs = Set<Int32>(), postal = Set<Int32>()
            for v in units {
                newProcs.formUnion(activity.newAny[v][r.period])
                postal.formUnion(activity.postal[v][r.period])
                if let tier = SectorResolver.catalogTier(model.units[v].tier) {
                    for p in activity.newOnline[v][r.period] { online.insert(KPIs.pairKey(tier, p)) }
                }
            }
            var kpis = KPIs.rows(period: r.period, unit: r.unit, scope: r.scope, counters: r.values,
                                 pairs: pairsOf(r.unit, r.scope), onlinePairs: online,
                                 newProcedures: newProcs, postalProcedures: postal)
            let hasSubtree = !model.children[r.unit].isEmpty
            for i in kpis.indices {
                kpis[i].target = KPIs.target(for: kpis[i].kpi, unit: model.units[r.unit], scope: r.scope,
                                             hasSubtree: hasSubtree, targets: targets)
            }
            out += kpis
        }
        return out
    }

    private static func add(_ a: [Int64], to b: inout [Int64]) {
        for i in 0..<a.count { b[i] += a[i] }
    }

    private static func emit(_ k: Int, _ u: Int, _ scope: Scope, _ total: [Int64], _ sectors: [String: [Int64]],
                             _ bySector: Bool, into rows: inout [CounterRow]) {
        rows.append(CounterRow(period: k, unit: u, scope: scope, sector: "",
                               values: total.withUnsafeBufferPointer { publishedCounters($0, period: k) }))
        guard bySector else { return }
        for s in sectors.keys.sorted(by: bytewiseLess) {
            let values = sectors[s]!.withUnsafeBufferPointer { publishedCounters($0, period: k) }
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
        var previous: [String: (period: Int, pending: Int64)] = [:]
        for r in rows {
            let v = r.values
            guard v[recv] == v[res] + v[pend], v[res] == v[e] + v[o] + v[l], v[pend] == v[w] + v[ov],
                  v.allSatisfy({ $0 >= 0 }) else {
                throw InvariantBroken(message: "counter identities broken for unit #\(r.unit) in period \(periods[r.period].label)")
            }
            let key = "\(r.unit)\u{0}\(r.scope.rawValue)\u{0}\(r.sector)"
            if r.period > 0, periods[r.period - 1].to + 1 == periods[r.period].from,
               let before = previous[key], before.period == r.period - 1, before.pending != v[col("carried_over")] {
                throw InvariantBroken(message: "carried_over of \(periods[r.period].label) differs from the previous pending_total")
            }
            previous[key] = (r.period, v[pend])
        }
    }
}
