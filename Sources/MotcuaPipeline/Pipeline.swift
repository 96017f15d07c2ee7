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
    /// Absolute path of the pipeline file's directory; input paths are reported relative to it.
    public var directory: String
    public var zoneMinutes = 7 * 60
    public var inputs: [InputSpec] = []
    public var unitsPath: String?
    public var proceduresPath: String?
    public var periods = PeriodRequest()
    public var rules = RuleSet.tt01
    public var breakdownBySector = false
    public var targets: [Target] = []
    public var outputDir: String
    public var outputs = OutputSettings()
    public var maxRejectRate = 0.01
    public var maxLineBytes = 1 << 20
    public var onCorruptInput = CorruptPolicy.fail
    /// A run warns when its newest record's day is more than this many days before the
    /// reference day (`--as-of`, or today; never after the last period's end).
    public var maxStalenessDays = 3
}
