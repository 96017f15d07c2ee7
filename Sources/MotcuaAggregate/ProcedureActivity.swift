// Distinct-procedure sets for the catalog-based KPIs (SPEC §5.4): per unit and period, the
// procedures with a new dossier, a new_online dossier, and a new_postal or returned_postal
// dossier; and per unit, the catalog pairs (tier, procedure) with their levels. Sets hold
// integer procedure ids, never strings per record.
import MotcuaFoundation
import MotcuaReading

/// Procedure ids shared by the catalog and the dossiers.
struct ProcedureIds {
    package private(set) var ids: [String: Int32] = [:]
    mutating func id(_ code: String) -> Int32 {
        if let i = ids[code] { return i }
        let i = Int32(ids.count)
        ids[code] = i
        return i
    }
}

struct ProcedureActivity {
    let periodCount: Int
    /// Per (unit, period) cell, `unit * periodCount + period`: procedure ids.
    package private(set) var newAny: [ProcedureSet]
    package private(set) var newOnline: [ProcedureSet]
    package private(set) var postal: [ProcedureSet]

    init(units: Int, periods: Int) {
        periodCount = periods
        newAny = [ProcedureSet](repeating: ProcedureSet(), count: units * periods)
        newOnline = newAny
        postal = newAny
    }

    @inline(__always) func cell(_ unit: Int, _ period: Int) -> Int { unit * periodCount + period }

    /// Records one in-scope dossier of `unit` with procedure `proc`.
    mutating func add(_ d: DossierState, unit: Int, proc: Int32, index: PeriodIndex) {
        guard periodCount > 0 else { return }
        let last = periodCount - 1
        let kr = index.locate(d.received)
        if kr >= 0 && kr <= last {
            newAny[cell(unit, kr)].insert(proc)
            if d.channel == 2 { newOnline[cell(unit, kr)].insert(proc) }
            if d.channel == 3 { postal[cell(unit, kr)].insert(proc) }
        }
        if d.returned != noDay && d.returnChannel == 1 {
            let kt = index.locate(d.returned)
            if kt >= 0 && kt <= last && d.received <= index.periods[kt].to { postal[cell(unit, kt)].insert(proc) }
        }
    }

    /// Adds the procedures another slice of the dossiers recorded.
    mutating func formUnion(_ other: ProcedureActivity) {
        for c in other.newAny.indices {
            newAny[c].formUnion(other.newAny[c])
            newOnline[c].formUnion(other.newOnline[c])
            postal[c].formUnion(other.postal[c])
        }
    }
}

/// A set of procedure ids (≥ 0): open addressing with a multiplicative hash, because the
/// rollup inserts once per dossier and `Set`'s seeded SipHash costs more than the rest. One
/// array reference wide (the count lives in the array), as there is one per unit, period and kind.
struct ProcedureSet: Sequence {
    /// [count, slot…] with a power-of-two number of slots, -1 for empty; [] while empty.
    private var storage: [Int32] = []

    var count: Int { storage.isEmpty ? 0 : Int(storage[0]) }
    var isEmpty: Bool { count == 0 }

    @inline(__always)
    private static func start(_ p: Int32, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(UInt32(bitPattern: p)) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    @inline(__always)
    mutating func insert(_ p: Int32) {
        if (count + 1) * 4 > (storage.count - 1) * 3 { grow() }
        storage.withUnsafeMutableBufferPointer { s in
            let slots = UnsafeMutableBufferPointer(rebasing: s[1...])
            let mask = slots.count - 1
            var i = ProcedureSet.start(p, mask)
            while true {
                if slots[i] == p { return }
                if slots[i] < 0 {
                    slots[i] = p
                    s[0] += 1
                    return
                }
                i = (i + 1) & mask
            }
        }
    }

    func contains(_ p: Int32) -> Bool {
        if count == 0 { return false }
        return storage.withUnsafeBufferPointer { s in
            let slots = UnsafeBufferPointer(rebasing: s[1...])
            let mask = slots.count - 1
            var i = ProcedureSet.start(p, mask)
            while true {
                if slots[i] == p { return true }
                if slots[i] < 0 { return false }
                i = (i + 1) & mask
            }
        }
    }

    mutating func formUnion(_ other: ProcedureSet) {
        if other.isEmpty { return }
        if isEmpty { self = other; return }
        for p in other { insert(p) }
    }

    /// How many of these ids `other` holds too.
    func countShared(with other: ProcedureSet) -> Int {
        let (small, large) = count <= other.count ? (self, other) : (other, self)
        return small.reduce(0) { $0 + (large.contains($1) ? 1 : 0) }
    }

    func makeIterator() -> LazyFilterSequence<ArraySlice<Int32>>.Iterator {
        (storage.isEmpty ? [] : storage[1...]).lazy.filter { $0 >= 0 }.makeIterator()
    }

    private mutating func grow() {
        let old = self
        storage = [Int32](repeating: -1, count: 1 + Swift.max(8, (storage.count - 1) * 2))
        storage[0] = 0
        for p in old { insert(p) }
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
