// The rollup's loop over dossiers (SPEC §5.1–§5.4): each in-scope dossier goes into the
// counters of its group — its unit, or (unit, sector) when broken down — and into the
// distinct-procedure sets. Slices of the dossier table run side by side, each into its own
// accumulator; the slices' sums and sets then add up (integers and sets: order-free).
import MotcuaFoundation
import MotcuaReading

/// What every slice reads and none writes.
struct DossierContext {
    let periods: [Period]
    let rules: RuleSet
    let model: UnitModel
    let groupBySector: Bool
    /// Dossier unit id → index in `model.units` (-1 for units no kept dossier uses).
    let unitOfId: [Int]
    /// Dossier procedure id → the id shared with the catalog pairs.
    let unifiedProcedure: [Int32]
    let procedureCodes: [String]
    let sectorCodes: [String]
    let resolver: SectorResolver

    /// The same, for other periods (contiguous, in order).
    func with(periods: [Period]) -> DossierContext {
        DossierContext(periods: periods, rules: rules, model: model, groupBySector: groupBySector, unitOfId: unitOfId,
                       unifiedProcedure: unifiedProcedure, procedureCodes: procedureCodes, sectorCodes: sectorCodes, resolver: resolver)
    }
}

struct DossierAccumulator {
    private let context: DossierContext
    package private(set) var table: CounterTable
    package private(set) var activity: ProcedureActivity
    package private(set) var tally = DossierTally()
    /// Per counter group: its unit and sector name ("" for a unit total without breakdown).
    package private(set) var groupUnit: [Int] = []
    package private(set) var groupSector: [String] = []
    /// Per counter group: the in-scope dossiers added (a memo's group with none left is gone).
    package private(set) var groupDossiers: [Int32] = []
    /// Per `context.model` unit: the dossiers added, in scope or not (the units a run uses).
    package private(set) var unitDossiers: [Int32]

    // Group ids are integer keys, so the loop builds no string per dossier. Sector ids: the
    // dossiers' own sector codes first, then names the catalog supplies, then "(none)".
    private var sectorNames: [String]
    private var sectorIdOf: [String: Int] = [:]
    private var noSector = -1
    private var sectorCache = IntKeyMap()
    /// Group ids by (unit, sector + 1) in one array, `directWidth` sector columns per unit —
    /// the sectors known when the slice starts and a few more, while that stays small; the
    /// other groups by hashing.
    private var directGroup: [Int32]
    private let directWidth: Int
    private var groupOf = IntKeyMap()

    /// Whether the dossiers are counted (the tally, per unit and per group), or only their
    /// figures in the periods (a memo's periods summed anew: the memo has the counts).
    private let countsDossiers: Bool

    /// `counting`: procedure counts instead of sets (a memo is made or updated).
    init(_ context: DossierContext, counting: Bool = false, countsDossiers: Bool = true) {
        self.context = context
        self.countsDossiers = countsDossiers
        table = CounterTable(periods: context.periods, rules: context.rules)
        activity = ProcedureActivity(units: context.model.units.count, periods: context.periods.count,
                                     procedures: context.unifiedProcedure.count, counting: counting)
        unitDossiers = [Int32](repeating: 0, count: context.model.units.count)
        sectorNames = context.sectorCodes
        let units = context.model.units.count
        let width = context.groupBySector ? sectorNames.count + 10 : 1   // + "(none)" and 9 more
        directWidth = units * width <= 1 << 22 ? width : 1
        directGroup = [Int32](repeating: -1, count: units * directWidth)
        for (i, code) in sectorNames.enumerated() { sectorIdOf[code] = i }
        if context.groupBySector { noSector = sectorId("(none)") }
        waiting.reserveCapacity(DossierAccumulator.batch)
        waitingGroup.reserveCapacity(DossierAccumulator.batch)
    }

    /// Takes one dossier. Dossiers come in id-hash order, so each lands on another group's
    /// counters: they wait in batches whose groups are found and counter rows prefetched
    /// first, so that the rows' cache misses overlap instead of coming one after another.
    /// `sign` -1 takes out a dossier added before (its old version, when a memo is updated).
    @inline(__always)
    mutating func add(_ d: DossierState, sign: Int32 = 1) {
        if sign != waitingSign {
            addWaiting()
            waitingSign = sign
        }
        waiting.append(d)
        if waiting.count == DossierAccumulator.batch { addWaiting() }
    }

    /// Ends the batches and the difference arrays; call once after the last `add`.
    mutating func finish() {
        addWaiting()
        table.finish()
    }

    private static let batch = 16
    private var waiting: [DossierState] = []
    private var waitingSign: Int32 = 1
    private var waitingGroup: [(unit: Int, group: Int)] = []

    private mutating func addWaiting() {
        waitingGroup.removeAll(keepingCapacity: true)
        let sign = waitingSign, count = countsDossiers ? sign : 0
        for d in waiting {
            tally.dossiers += Int(count)
            let unit = context.unitOfId[Int(d.unit)]
            unitDossiers[unit] &+= count
            if d.notReceived { tally.notReceived += Int(count); waitingGroup.append((-1, -1)); continue }
            tally.inScope += Int(count)
            let g = group(unit, sector(of: d, unit: unit))
            groupDossiers[g] &+= count
            table.prefetch(d, group: g)
            waitingGroup.append((unit, g))
        }
        for (d, (unit, g)) in zip(waiting, waitingGroup) where g >= 0 {
            if d.procedure >= 0 {
                activity.add(d, unit: unit, proc: context.unifiedProcedure[Int(d.procedure)], index: table.index, sign: sign)
            }
            table.add(d, group: g, sign: sign)
        }
        waiting.removeAll(keepingCapacity: true)
    }

    /// The dossier's sector id when broken down by sector (its own, else its procedure's in
    /// the catalog, else "(none)"); -1 without a breakdown.
    @inline(__always)
    private mutating func sector(of d: DossierState, unit: Int) -> Int {
        guard context.groupBySector else { return -1 }
        if d.sector >= 0 { return Int(d.sector) }
        guard d.procedure >= 0 else { return noSector }
        let key = Int64(unit) << 32 | Int64(d.procedure)
        if let s = sectorCache.value(key) { return s }
        let name = context.resolver.sector(procedure: context.procedureCodes[Int(d.procedure)], unit: context.model.units[unit])
        let sector = name.map { sectorId($0) } ?? noSector
        sectorCache.insert(key, sector)
        return sector
    }

    private mutating func sectorId(_ name: String) -> Int {
        if let i = sectorIdOf[name] { return i }
        sectorNames.append(name)
        sectorIdOf[name] = sectorNames.count - 1
        return sectorNames.count - 1
    }

    @inline(__always)
    private mutating func group(_ unit: Int, _ sector: Int) -> Int {
        let direct = sector + 1 < directWidth ? unit * directWidth + sector + 1 : -1
        if direct >= 0 {
            let g = directGroup[direct]
            if g >= 0 { return Int(g) }
        }
        let key = Int64(unit) << 32 | Int64(sector + 1)
        if direct < 0, let g = groupOf.value(key) { return g }
        let g = table.addGroup()
        if direct >= 0 { directGroup[direct] = Int32(g) } else { groupOf.insert(key, g) }
        groupUnit.append(unit)
        groupSector.append(sector < 0 ? "" : sectorNames[sector])
        groupDossiers.append(0)
        return g
    }
}

/// Non-negative Int64 keys to Int values: open addressing with a multiplicative hash, because
/// the loop looks up a group per dossier and `Dictionary`'s seeded SipHash cost more than the add.
struct IntKeyMap {
    private var keys = [Int64](repeating: -1, count: 16)
    private var values = [Int](repeating: 0, count: 16)
    private var count = 0

    @inline(__always)
    private static func start(_ key: Int64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    @inline(__always)
    func value(_ key: Int64) -> Int? {
        keys.withUnsafeBufferPointer { k in
            let mask = k.count - 1
            var i = IntKeyMap.start(key, mask)
            while true {
                if k[i] == key { return values[i] }
                if k[i] < 0 { return nil }
                i = (i + 1) & mask
            }
        }
    }

    /// `key` (≥ 0) must not be in the map yet.
    mutating func insert(_ key: Int64, _ value: Int) {
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var i = IntKeyMap.start(key, mask)
        while keys[i] >= 0 { i = (i + 1) & mask }
        keys[i] = key
        values[i] = value
        count += 1
    }

    private mutating func grow() {
        let (oldKeys, oldValues) = (keys, values)
        keys = [Int64](repeating: -1, count: oldKeys.count * 2)
        values = [Int](repeating: 0, count: oldKeys.count * 2)
        count = 0
        for i in oldKeys.indices where oldKeys[i] >= 0 { insert(oldKeys[i], oldValues[i]) }
    }
}
