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
}

struct DossierAccumulator {
    private let context: DossierContext
    package private(set) var table: CounterTable
    package private(set) var activity: ProcedureActivity
    package private(set) var tally = DossierTally()
    /// Per counter group: its unit and sector name ("" for a unit total without breakdown).
    package private(set) var groupUnit: [Int] = []
    package private(set) var groupSector: [String] = []

    // Group ids are integer keys, so the loop builds no string per dossier. Sector ids: the
    // dossiers' own sector codes first, then names the catalog supplies, then "(none)".
    private var sectorNames: [String]
    private var sectorIdOf: [String: Int] = [:]
    private var noSector = -1
    private var groupOf: [Int64: Int] = [:]
    private var sectorCache: [Int64: Int] = [:]
    /// Unit totals (sector -1, the only groups without a breakdown) by array, not hashing.
    private var unitGroup: [Int]

    init(_ context: DossierContext) {
        self.context = context
        table = CounterTable(periods: context.periods, rules: context.rules)
        activity = ProcedureActivity(units: context.model.units.count, periods: context.periods.count)
        sectorNames = context.sectorCodes
        for (i, code) in sectorNames.enumerated() { sectorIdOf[code] = i }
        unitGroup = [Int](repeating: -1, count: context.model.units.count)
        if context.groupBySector { noSector = sectorId("(none)") }
    }

    mutating func add(_ d: DossierState) {
        tally.dossiers += 1
        if d.notReceived { tally.notReceived += 1; return }
        tally.inScope += 1
        let unit = context.unitOfId[Int(d.unit)]
        if d.procedure >= 0 {
            activity.add(d, unit: unit, proc: context.unifiedProcedure[Int(d.procedure)], index: table.index)
        }
        var sector = -1
        if context.groupBySector {
            if d.sector >= 0 {
                sector = Int(d.sector)
            } else if d.procedure >= 0 {
                let key = Int64(unit) << 32 | Int64(d.procedure)
                if let s = sectorCache[key] { sector = s } else {
                    let name = context.resolver.sector(procedure: context.procedureCodes[Int(d.procedure)],
                                                       unit: context.model.units[unit])
                    sector = name.map { sectorId($0) } ?? noSector
                    sectorCache[key] = sector
                }
            } else {
                sector = noSector
            }
        }
        table.add(d, group: group(unit, sector))
    }

    /// Ends the difference arrays; call once after the last `add`.
    mutating func finish() { table.finish() }

    private mutating func sectorId(_ name: String) -> Int {
        if let i = sectorIdOf[name] { return i }
        sectorNames.append(name)
        sectorIdOf[name] = sectorNames.count - 1
        return sectorNames.count - 1
    }

    private mutating func group(_ unit: Int, _ sector: Int) -> Int {
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
}
