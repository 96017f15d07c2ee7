// The resolved pipeline (SPEC §6): what a run needs, with every path absolute and every
// value checked. Built by `PipelineLoader`; command-line options are applied on top.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput


/// The `periods` key; every part may be overridden from the command line (SPEC §4).
public struct PeriodRequest: Sendable {
    public var kind: PeriodKind?
    public var from: Int32?
    public var to: Int32?
    public var label: String?
    public var asOf: Int32?
    public init() {}
}

public struct Pipeline: Sendable {
    public var name: String
    /// The pipeline file as it was named (config issues found later name it too).
    public var file = ""
    /// Absolute path of the pipeline file's directory; input paths are reported relative to it.
    public var directory: String
    public var zoneMinutes = 7 * 60
    public var inputs: [InputSpec] = []
    public var unitsPath: String?
    public var proceduresPath: String?
    public var periods = PeriodRequest()
    public var rules = RuleSet.tt01
    public var breakdownBySector = false
    /// `report_units`: every output only for these units and the units below them (nil: all).
    public var reportUnits: [String]?
    public var targets: [Target] = []
    public var outputDir: String
    /// `state`: the directory of the state kept between runs (issue 13); nil: none.
    public var statePath: String?
    public var outputs = OutputSettings()
    /// `outputs.postgres`: the database the counters and KPIs also go to (issue 17); nil: none.
    public var postgres: PostgresTarget?
    public var maxRejectRate = 0.01
    public var maxLineBytes = 1 << 20
    public var onCorruptInput = CorruptPolicy.fail
    /// A run warns when its newest record's day is more than this many days before the
    /// reference day (`--as-of`, or today; never after the last period's end).
    public var maxStalenessDays = 3
}

extension Pipeline {
    /// The catalogs the pipeline names, with what depends on them checked: every code of
    /// `report_units` must be in units.csv when there is one (without it, units are known only
    /// from the dossiers, and a code none of them has is a warning of the run).
    public func loadCatalogs(issues: inout [ConfigIssue]) -> Catalogs {
        let before = issues.count
        let catalogs = Catalogs.load(unitsPath: unitsPath, proceduresPath: proceduresPath, issues: &issues)
        if let codes = reportUnits, let units = unitsPath, issues.count == before {
            let known = Set(catalogs.units.map(\.code))
            for (i, code) in codes.enumerated() where !known.contains(code) {
                issues.append(ConfigIssue(file: file, path: "report_units[\(i)]", reason: "'\(code)' is not a unit_code of \(units)"))
            }
        }
        return catalogs
    }
}
