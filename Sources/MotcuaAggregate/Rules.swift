// The vocabulary of the counters and KPIs (SPEC §5): rule sets, tiers, scopes, KPI names and
// the plan targets that apply to them.
import MotcuaFoundation
import MotcuaReading

public enum RuleSet: String, Sendable, CaseIterable {
    case tt01, qd766

    /// The statuses after which a dossier has ended (SPEC §5.1): 7, 9, 10; under qd766 also 8.
    public func isTerminal(_ status: UInt8) -> Bool {
        switch self {
        case .tt01: return status == 7 || status == 9 || status == 10
        case .qd766: return status >= 7
        }
    }
}
public enum Tier: String, Sendable, CaseIterable { case tinh, soNganh = "so_nganh", huyen, xa }
public enum Scope: String, Sendable { case own, subtree }

public struct Target: Sendable {
    public var kpi: String
    public var tier: Tier?
    public var scope: Scope?
    public var min: Double?
    public var max: Double?

    package init(kpi: String, tier: Tier? = nil, scope: Scope? = nil, min: Double? = nil, max: Double? = nil) {
        (self.kpi, self.tier, self.scope, self.min, self.max) = (kpi, tier, scope, min, max)
    }
}

/// Every KPI name (SPEC §5.4), from the one list `KPIs` computes them in.
public let kpiNames = Set(KPIs.names)
