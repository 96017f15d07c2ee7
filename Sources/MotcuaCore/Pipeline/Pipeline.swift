// The resolved pipeline (SPEC §6): what a run needs, with every path absolute and every
// value checked. Built by `PipelineLoader`; command-line options are applied on top.

/// An input format's name in pipelines; the formats themselves are in the registry
/// (`InputFormats`), each defining its own name.
public struct InputFormat: RawRepresentable, Hashable, Sendable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}
public enum RuleSet: String, Sendable, CaseIterable { case tt01, qd766 }
public enum CorruptPolicy: String, Sendable, CaseIterable { case fail, skip, salvage }
public enum OutputFormat: String, Sendable, CaseIterable { case csv, json }
public enum Tier: String, Sendable, CaseIterable { case tinh, soNganh = "so_nganh", huyen, xa }
public enum Scope: String, Sendable { case own, subtree }

public struct InputSpec: Sendable {
    public var format: InputFormat
    public var patterns: [String]
    public var delimiter: UInt8 = UInt8(ascii: ",")
    public var dateForm: DateTimeForm?
    public var columns: [String: String] = [:]

    public init(format: InputFormat, patterns: [String], delimiter: UInt8 = UInt8(ascii: ","),
                dateForm: DateTimeForm? = nil, columns: [String: String] = [:]) {
        self.format = format
        self.patterns = patterns
        self.delimiter = delimiter
        self.dateForm = dateForm
        self.columns = columns
    }
}

/// The `periods` key; every part may be overridden from the command line (SPEC §4).
public struct PeriodRequest: Sendable {
    public var kind: PeriodKind?
    public var from: Int32?
    public var to: Int32?
    public var label: String?
    public var asOf: Int32?
    public init() {}
}

public struct Target: Sendable {
    public var kpi: String
    public var tier: Tier?
    public var scope: Scope?
    public var min: Double?
    public var max: Double?
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
    public var formats: Set<OutputFormat> = [.csv, .json]
    public var formII06a = false
    public var maxRejectRate = 0.01
    public var maxLineBytes = 1 << 20
    public var onCorruptInput = CorruptPolicy.fail
}

public let kpiNames: Set<String> = [
    "online_rate", "postal_intake_rate", "postal_return_rate", "resolution_rate", "on_time_rate",
    "progress_rate", "online_payment_rate", "e_result_rate", "digitization_rate",
    "online_service_share", "online_service_share_l4", "online_usage_rate_l3",
    "online_usage_rate_l4", "postal_procedure_rate",
]
