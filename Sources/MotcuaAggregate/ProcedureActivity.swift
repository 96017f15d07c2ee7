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
    /// Per (unit, period) cell, `unit * periodCount + period`: procedure ids (after `seal`).
    package private(set) var newAny: [ProcedureSet]
    package private(set) var newOnline: [ProcedureSet]
    package private(set) var postal: [ProcedureSet]
    /// While adding, when the ids are few enough: a bit per (cell, kind, id), `words` words per
    /// cell and kind. The dossiers come in id-hash order, so each one lands on a random cell: a
    /// few kilobytes of bits stay in cache where one hash set per cell (a heap block each) did not.
    private var bits: [UInt64] = []
    private let words: Int
    /// Counting (for the roll-up's memo, `RollupMemo`): dossiers per (cell, kind, id), at
    /// `(cell * 3 + kind) * procedureCount + id` — a count can go down again, a bit cannot.
    package private(set) var counts: [Int32] = []
    let counting: Bool
    let procedureCount: Int

    /// `procedures`: the ids `add` is given are below it. `bitBudget`: the most bytes of bits
    /// (beyond it, hash sets from the start). `counting`: counts instead (the caller checked
    /// `countBytes` against its own budget); kept after `seal`.
    init(units: Int, periods: Int, procedures: Int, bitBudget: Int = 16 << 20, counting: Bool = false) {
        periodCount = periods
        procedureCount = procedures
        self.counting = counting
        let words = max(1, (procedures + 63) / 64)
        let cells = units * periods
        if counting {
            self.words = 0
            counts = [Int32](repeating: 0, count: cells * 3 * procedures)
            newAny = []
        } else if cells * 3 * words * 8 <= bitBudget {
            self.words = words
            bits = [UInt64](repeating: 0, count: cells * 3 * words)
            newAny = []
        } else {
            self.words = 0
            newAny = [ProcedureSet](repeating: ProcedureSet(), count: cells)
        }
        newOnline = newAny
        postal = newAny
    }

    /// The bytes of a counting activity's counts.
    static func countBytes(units: Int, periods: Int, procedures: Int) -> Int { units * periods * 3 * procedures * 4 }


    @inline(__always) func cell(_ unit: Int, _ period: Int) -> Int { unit * periodCount + period }

    /// Records one in-scope dossier of `unit` with procedure `proc` (`sign` -1: takes one out,
    /// counting only).
    @inline(__always)
    mutating func add(_ d: DossierState, unit: Int, proc: Int32, index: PeriodIndex, sign: Int32 = 1) {
        guard periodCount > 0 else { return }
        let last = periodCount - 1
        let kr = index.locate(d.received)
        if kr >= 0 && kr <= last {
            insert(proc, cell(unit, kr), 0, sign)
            if d.channel == 2 { insert(proc, cell(unit, kr), 1, sign) }
            if d.channel == 3 { insert(proc, cell(unit, kr), 2, sign) }
        }
        if d.returned != noDay && d.returnChannel == 1 {
            let kt = index.locate(d.returned)
            if kt >= 0 && kt <= last && d.received <= index.periods[kt].to { insert(proc, cell(unit, kt), 2, sign) }
        }
    }

    /// kind 0: new, 1: new online, 2: postal.
    @inline(__always)
    private mutating func insert(_ proc: Int32, _ c: Int, _ kind: Int, _ sign: Int32) {
        if words > 0 {
            let p = Int(proc)
            bits.withUnsafeMutableBufferPointer { $0[(c * 3 + kind) * words + p >> 6] |= 1 << UInt64(p & 63) }
            return
        }
        if counting {
            let at = (c * 3 + kind) * procedureCount + Int(proc)
            counts.withUnsafeMutableBufferPointer { $0[at] &+= sign }
            return
        }
        switch kind {
        case 0: newAny[c].insert(proc)
        case 1: newOnline[c].insert(proc)
        default: postal[c].insert(proc)
        }
    }

    /// Adds the procedures another slice of the dossiers recorded (before `seal`; both
    /// counting, or neither).
    mutating func formUnion(_ other: ProcedureActivity) {
        if words > 0 {
            bits.withUnsafeMutableBufferPointer { b in
                other.bits.withUnsafeBufferPointer { o in for i in b.indices { b[i] |= o[i] } }
            }
            return
        }
        if counting {
            counts.withUnsafeMutableBufferPointer { b in
                other.counts.withUnsafeBufferPointer { o in for i in b.indices { b[i] &+= o[i] } }
            }
            return
        }
        for c in other.newAny.indices {
            newAny[c].formUnion(other.newAny[c])
            newOnline[c].formUnion(other.newOnline[c])
            postal[c].formUnion(other.postal[c])
        }
    }

    /// Adds a memo's counts for `unit` (a counting activity): `block` holds periods × 3 kinds ×
    /// `ids.count` counts, column `p` being this activity's id `ids[p]` and period `i` this
    /// activity's period `rows[i]` (-1: left out).
    mutating func addCounts(unit: Int, _ block: ArraySlice<Int32>, ids: [Int], rows: [Int]) {
        let n = ids.count, width = procedureCount, periods = periodCount
        let same = n <= width && ids.indices.allSatisfy { ids[$0] == $0 }
        counts.withUnsafeMutableBufferPointer { c in
            block.withUnsafeBufferPointer { b in
                for (i, k) in rows.enumerated() where k >= 0 {
                    for kind in 0..<3 {
                        let from = (i * 3 + kind) * n, to = ((unit * periods + k) * 3 + kind) * width
                        if same {
                            for p in 0..<n { c[to + p] &+= b[from + p] }
                        } else {
                            for p in 0..<n where b[from + p] != 0 { c[to + ids[p]] &+= b[from + p] }
                        }
                    }
                }
            }
        }
    }

    /// Adds another counting activity's counts over the same units and ids, its period `i`
    /// being this one's `rows[i]`.
    mutating func addCounts(_ other: ProcedureActivity, rows: [Int]) {
        let units = other.periodCount == 0 ? 0 : other.counts.count / (other.periodCount * 3 * max(1, procedureCount))
        let block = 3 * procedureCount, (ours, theirs) = (periodCount, other.periodCount)
        counts.withUnsafeMutableBufferPointer { c in
            other.counts.withUnsafeBufferPointer { o in
                for u in 0..<units {
                    for (i, k) in rows.enumerated() {
                        let from = (u * theirs + i) * block, to = (u * ours + k) * block
                        for j in 0..<block { c[to + j] &+= o[from + j] }
                    }
                }
            }
        }
    }

    /// Whether some count went below zero (a memo that does not match its dossiers).
    var hasNegativeCount: Bool { (counts.min() ?? 0) < 0 }

    /// Makes the sets from the bits or counts; call once, after the last `add` and `formUnion`.
    mutating func seal() {
        guard words > 0 || counting else { return }
        let cells = periodCount == 0 ? 0 : (words > 0 ? bits.count / (3 * words) : counts.count / max(1, 3 * procedureCount))
        var sets = [[ProcedureSet]](repeating: [ProcedureSet](repeating: ProcedureSet(), count: cells), count: 3)
        if words > 0 {
            bits.withUnsafeBufferPointer { b in
                for c in 0..<cells {
                    for kind in 0..<3 {
                        let base = (c * 3 + kind) * words
                        for w in 0..<words {
                            var word = b[base + w]
                            while word != 0 {
                                sets[kind][c].insert(Int32(w * 64 + word.trailingZeroBitCount))
                                word &= word - 1
                            }
                        }
                    }
                }
            }
        } else {
            counts.withUnsafeBufferPointer { n in
                for c in 0..<cells {
                    for kind in 0..<3 {
                        let base = (c * 3 + kind) * procedureCount
                        for p in 0..<procedureCount where n[base + p] > 0 { sets[kind][c].insert(Int32(p)) }
                    }
                }
            }
        }
        (newAny, newOnline, postal) = (sets[0], sets[1], sets[2])
        bits = []
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
