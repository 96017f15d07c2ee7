// SPEC §5.4–§5.5: the KPIs of every (period, unit, scope) row — ratios of counters, and
// of distinct catalog pairs / procedures — with half-even rounding to 6 decimals and the
// targets that apply to the row.

public struct KPIRow {
    public var period: Int
    public var unit: Int
    public var scope: Scope
    public var kpi: String
    public var numerator: Int64
    public var denominator: Int64
    public var target: Target?
}

/// `num / den` rounded half-even to 6 decimals, as micro-units; nil when den is 0.
func ratioMicros(_ num: Int64, _ den: Int64) -> Int64? {
    guard den != 0 else { return nil }
    let scaled = num.multipliedFullWidth(by: 1_000_000)
    let (q, r) = den.dividingFullWidth((scaled.high, scaled.low))
    let twice = 2 * r.magnitude
    if twice > den.magnitude || (twice == den.magnitude && q % 2 != 0) { return q + 1 }
    return q
}

/// Micro-units as `0.007812`.
func formatMicros(_ v: Int64) -> String {
    let sign = v < 0 ? "-" : ""
    let m = v.magnitude
    var frac = String(m % 1_000_000)
    while frac.count < 6 { frac = "0" + frac }
    return "\(sign)\(m / 1_000_000).\(frac)"
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

    static func sum(_ values: [Int64], _ cols: [String]) -> Int64 {
        cols.reduce(0) { $0 + values[counterColumns.firstIndex(of: $1)!] }
    }

    /// The KPI rows of one (period, unit, scope) in kpi-name order.
    static func rows(period: Int, unit: Int, scope: Scope, counters: [Int64], pairs: Set<CatalogPair>,
                     onlinePairs: Set<Int64>, newProcedures: Set<Int32>, postalProcedures: Set<Int32>) -> [KPIRow] {
        var out: [KPIRow] = []
        for (name, num, den) in counterRatios {
            out.append(KPIRow(period: period, unit: unit, scope: scope, kpi: name,
                              numerator: sum(counters, num), denominator: sum(counters, den)))
        }
        // Catalog pairs: a pair counts at each level its applicable rows carry.
        var levels: [Int64: Set<Int>] = [:]
        for p in pairs { levels[pairKey(p.tier, p.procedure), default: []].insert(p.level) }
        let all = Int64(levels.count)
        let online = Int64(levels.values.filter { $0.contains(3) || $0.contains(4) }.count)
        let l3 = levels.filter { $0.value.contains(3) }
        let l4 = levels.filter { $0.value.contains(4) }
        func add(_ name: String, _ n: Int64, _ d: Int64) {
            out.append(KPIRow(period: period, unit: unit, scope: scope, kpi: name, numerator: n, denominator: d))
        }
        add("online_service_share", online, all)
        add("online_service_share_l4", Int64(l4.count), all)
        add("online_usage_rate_l3", Int64(l3.keys.filter { onlinePairs.contains($0) }.count), Int64(l3.count))
        add("online_usage_rate_l4", Int64(l4.keys.filter { onlinePairs.contains($0) }.count), Int64(l4.count))
        add("postal_procedure_rate", Int64(newProcedures.intersection(postalProcedures).count), Int64(newProcedures.count))
        return out.sorted { bytewiseLess($0.kpi, $1.kpi) }
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
