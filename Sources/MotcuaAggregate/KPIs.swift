// SPEC §5.4–§5.5: the KPIs of every (period, unit, scope) row — ratios of counters, and
// of distinct catalog pairs / procedures — with half-even rounding to 6 decimals and the
// targets that apply to the row.
import MotcuaFoundation
import MotcuaReading

public struct KPIRow {
    public var period: Int
    public var unit: Int
    public var scope: Scope
    /// Index into `KPIs.names` (rows stay plain values: tens of thousands are built and copied).
    public var kpiIndex: Int
    public var numerator: Int64
    public var denominator: Int64
    /// The bounds of the target that applies (SPEC §5.5); nil without one.
    public var target: TargetBounds?

    public var kpi: String { KPIs.names[kpiIndex] }
}

/// A target's bounds in micro-units, as published.
public struct TargetBounds: Equatable {
    public var min: Int64?
    public var max: Int64?

    init(_ t: Target) {
        min = t.min.map(boundMicros)
        max = t.max.map(boundMicros)
    }
}

/// `num / den` rounded half-even to 6 decimals, as micro-units; nil when den is 0.
package func ratioMicros(_ num: Int64, _ den: Int64) -> Int64? {
    guard den != 0 else { return nil }
    let scaled = num.multipliedFullWidth(by: 1_000_000)
    let (q, r) = den.dividingFullWidth((scaled.high, scaled.low))
    let twice = 2 * r.magnitude
    if twice > den.magnitude || (twice == den.magnitude && q % 2 != 0) { return q + 1 }
    return q
}

/// A target bound as micro-units (at most 6 decimals, checked when loading).
func boundMicros(_ v: Double) -> Int64 { Int64((v * 1_000_000).rounded()) }

enum KPIs {
    /// Counter-ratio KPIs: (name, numerator columns, denominator columns) over counterColumns.
    static let counterRatios: [(String, [String], [String])] = [
        ("online_rate", ["new_online"], ["new_online", "new_offline"]),
        ("postal_intake_rate", ["new_postal"], ["new_online", "new_offline"]),
        ("postal_return_rate", ["returned_postal"], ["returned_total"]),
        ("resolution_rate", ["resolved_total"], ["received_total"]),
        ("on_time_rate", ["resolved_early", "resolved_on_time"], ["resolved_total"]),
        ("progress_rate", ["resolved_early", "resolved_on_time", "pending_within"], ["received_total"]),
        ("online_payment_rate", ["paid_online"], ["fee_bearing"]),
        ("e_result_rate", ["e_result"], ["resolved_total"]),
        ("digitization_rate", ["digitized"], ["new_online", "new_offline"]),
    ]

    /// Every KPI, in the order `rows` computes them: the counter ratios, then the catalog ones.
    static let names = counterRatios.map(\.0) + ["online_service_share", "online_service_share_l4",
                                                  "online_usage_rate_l3", "online_usage_rate_l4", "postal_procedure_rate"]
    /// Positions in `names` in kpi-name order, the order rows are written in.
    static let sortedOrder = names.indices.sorted { bytewiseLess(names[$0], names[$1]) }
    /// `counterRatios` with the columns resolved to indices once.
    private static let ratioColumns: [(num: [Int], den: [Int])] = counterRatios.map { _, num, den in
        (num.map { counterColumns.firstIndex(of: $0)! }, den.map { counterColumns.firstIndex(of: $0)! })
    }

    /// What a scope's catalog pairs give every period's rows: pairs are per unit, not per period.
    struct CatalogFigures {
        var all: Int64 = 0
        /// Pairs with a level-3 or level-4 row.
        var online: Int64 = 0
        /// Pair keys (`pairKey`) with a level-3 row, and with a level-4 row.
        var level3: [Int64] = []
        var level4: [Int64] = []

        init(_ pairs: Set<CatalogPair>) {
            // A pair counts at each level its applicable rows carry.
            var levels: [Int64: Set<Int>] = [:]
            for p in pairs { levels[pairKey(p.tier, p.procedure), default: []].insert(p.level) }
            all = Int64(levels.count)
            for (key, l) in levels {
                if l.contains(3) || l.contains(4) { online += 1 }
                if l.contains(3) { level3.append(key) }
                if l.contains(4) { level4.append(key) }
            }
        }

        /// Whether the online-usage KPIs need the set of pairs used online.
        var needsOnlinePairs: Bool { !level3.isEmpty || !level4.isEmpty }
    }

    /// The catalog KPIs (after the counter ratios in `names`).
    static let catalogKPICount = names.count - counterRatios.count

    /// A counter-ratio KPI's numerator and denominator from a unit-total row's counters.
    static func counterRatio(_ kpi: Int, _ counters: [Int64]) -> (Int64, Int64) {
        let (num, den) = ratioColumns[kpi]
        return (num.reduce(0) { $0 + counters[$1] }, den.reduce(0) { $0 + counters[$1] })
    }

    /// The catalog KPIs' numerators and denominators of one (period, unit, scope), appended
    /// to `figures` in `names` order.
    static func appendCatalogFigures(catalog: CatalogFigures, onlinePairs: Set<Int64>, newProcedures: ProcedureSet,
                                     postalProcedures: ProcedureSet, to figures: inout [Int64]) {
        let postal = newProcedures.countShared(with: postalProcedures)
        figures += [
            catalog.online, catalog.all,
            Int64(catalog.level4.count), catalog.all,
            Int64(catalog.level3.reduce(0) { $0 + (onlinePairs.contains($1) ? 1 : 0) }), Int64(catalog.level3.count),
            Int64(catalog.level4.reduce(0) { $0 + (onlinePairs.contains($1) ? 1 : 0) }), Int64(catalog.level4.count),
            Int64(postal), Int64(newProcedures.count),
        ]
    }

    static func pairKey(_ tier: String, _ procedure: Int32) -> Int64 {
        let t: Int64 = tier == "tinh" ? 0 : tier == "huyen" ? 1 : 2
        return t << 32 | Int64(procedure)
    }

    /// The target that applies to a row (SPEC §5.5); config checks make it unique.
    static func target(for kpi: String, unit: UnitInfo, scope: Scope, hasSubtree: Bool, targets: [Target]) -> Target? {
        targets.first { t in
            guard t.kpi == kpi else { return false }
            if let tier = t.tier, tier.rawValue != unit.tier { return false }
            let wanted = t.scope ?? (hasSubtree ? .subtree : .own)
            return wanted == scope
        }
    }
}
