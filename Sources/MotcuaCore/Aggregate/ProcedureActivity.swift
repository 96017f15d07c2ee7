// Distinct-procedure sets for the catalog-based KPIs (SPEC §5.4): per unit and period, the
// procedures with a new dossier, a new_online dossier, and a new_postal or returned_postal
// dossier; and per unit, the catalog pairs (tier, procedure) with their levels. Sets hold
// integer procedure ids (sorted arrays once built), never strings per record.

/// Procedure ids shared by the catalog and the dossiers.
struct ProcedureIds {
    private(set) var ids: [String: Int32] = [:]
    mutating func id(_ code: String) -> Int32 {
        if let i = ids[code] { return i }
        let i = Int32(ids.count)
        ids[code] = i
        return i
    }
}

struct ProcedureActivity {
    let periodCount: Int
    /// [unit][period] → procedure ids
    var newAny: [[Set<Int32>]]
    var newOnline: [[Set<Int32>]]
    var postal: [[Set<Int32>]]

    init(units: Int, periods: Int) {
        periodCount = periods
        let empty = [Set<Int32>](repeating: [], count: periods)
        newAny = [[Set<Int32>]](repeating: empty, count: units)
        newOnline = newAny
        postal = newAny
    }

    /// Records one in-scope dossier of `unit` with procedure `proc`.
    mutating func add(_ d: DossierState, unit: Int, proc: Int32, index: PeriodIndex) {
        guard periodCount > 0 else { return }
        let last = periodCount - 1
        let kr = index.locate(d.received)
        if kr >= 0 && kr <= last {
            newAny[unit][kr].insert(proc)
            if d.channel == 2 { newOnline[unit][kr].insert(proc) }
            if d.channel == 3 { postal[unit][kr].insert(proc) }
        }
        if d.returned != noDay && d.returnChannel == 1 {
            let kt = index.locate(d.returned)
            if kt >= 0 && kt <= last && d.received <= index.periods[kt].to { postal[unit][kt].insert(proc) }
        }
    }

    /// Adds the procedures another slice of the dossiers recorded.
    mutating func formUnion(_ other: ProcedureActivity) {
        func union(_ mine: inout [[Set<Int32>]], _ theirs: [[Set<Int32>]]) {
            for u in theirs.indices {
                for k in theirs[u].indices where !theirs[u][k].isEmpty {
                    if mine[u][k].isEmpty { mine[u][k] = theirs[u][k] } else { mine[u][k].formUnion(theirs[u][k]) }
                }
            }
        }
        union(&newAny, other.newAny)
        union(&newOnline, other.newOnline)
        union(&postal, other.postal)
    }
}

/// A catalog pair with one of its levels: tier code in the high bits, procedure id low.
struct CatalogPair: Hashable {
    var tier: String
    var procedure: Int32
    var level: Int
}

enum CatalogScope {
    /// The (tier, procedure, level) rows that apply to each unit (SPEC §2.5, §3.5): rows of the
    /// unit's catalog tier without a unit_code, unless a row for this unit replaces them.
    static func pairs(units: UnitModel, procedures: [ProcedureRow], ids: inout ProcedureIds) -> [Set<CatalogPair>] {
        var general: [String: [ProcedureRow]] = [:]          // tier → rows without unit
        var own: [String: [ProcedureRow]] = [:]              // unit → its own rows
        for r in procedures {
            if let u = r.unit { own[u, default: []].append(r) } else { general[r.tier.rawValue, default: []].append(r) }
        }
        return units.units.map { u in
            guard let tier = SectorResolver.catalogTier(u.tier) else { return [] }
            let mine = (own[u.code] ?? []).filter { $0.tier.rawValue == tier }
            let replaced = Set(mine.map(\.procedure))
            var set = Set<CatalogPair>()
            for r in general[tier] ?? [] where !replaced.contains(r.procedure) {
                set.insert(CatalogPair(tier: tier, procedure: ids.id(r.procedure), level: r.level))
            }
            for r in mine { set.insert(CatalogPair(tier: tier, procedure: ids.id(r.procedure), level: r.level)) }
            return set
        }
    }
}
