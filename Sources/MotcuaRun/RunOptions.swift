// Command-line overrides of a pipeline's keys (SPEC §7.1) and how periods are resolved
// from them and the pipeline's `periods` key (SPEC §4).
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import Foundation

public struct RunOptions: Sendable {
    public var from: Int32?
    public var to: Int32?
    public var periodLabel: String?
    public var kind: PeriodKind?
    public var asOf: Int32?
    /// `--as-of today` (0) or `yesterday` (-1), resolved in the pipeline's timezone.
    public var asOfDaysFromToday: Int?
    public var rules: RuleSet?
    public var outDir: String?
    /// `--state DIR` (over the pipeline's `state`) and `--full-refresh`.
    public var statePath: String?
    public var fullRefresh = false
    /// Set by the cluster's steps (`motcua map`, `finish`), not by `run`'s options:
    /// `mapFiles` reads only these inputs of the pipeline into the state and renders nothing;
    /// `trustStateDigests` takes known files' digests from the state's ledger (StatePlan);
    /// `reportState: false` leaves a state the run made for itself out of summary.json.
    public var mapFiles: [String]?
    public var trustStateDigests = false
    public var reportState = true
    /// The state is a cluster's intermediate (a map's output, finish's own): not fsynced.
    public var stateIntermediate = false
    /// `finish`: the maps' reject segments merged at once (tests make it small).
    public var rejectFanIn = 256
    /// `--postgres URL` (over the URL of the pipeline's `outputs.postgres`, keeping its schema).
    public var postgresURL: PostgresURL?
    /// The client that writes `outputs.postgres` (the command line's PostgreSQL one); a run whose
    /// pipeline asks for a database without one stops before reading (exit 69).
    package var database: (any DatabaseSink)?
    public var threads = 2
    public var inflater = InflaterKind.preferred
    /// Bytes per chunk handed to a worker; small values exercise chunk boundaries in tests.
    public var chunkBytes = FileChunker.defaultChunkBytes
    /// Called from the reading thread about twice a second while inputs are read.
    public var progress: (@Sendable (RunProgress) -> Void)?
    public init() {}
}

extension RunOptions {
    /// `--as-of` as a day, `today` and `yesterday` resolved in the pipeline's timezone.
    func resolvedAsOf(zoneMinutes: Int) -> Int32? {
        asOfDaysFromToday.map { today(zoneMinutes: zoneMinutes) + Int32($0) } ?? asOf
    }
}

/// Today in a timezone `zoneMinutes` east of UTC, as a day number.
func today(zoneMinutes: Int) -> Int32 {
    let minutes = Int(Date().timeIntervalSince1970) / 60 + zoneMinutes
    return Int32((minutes >= 0 ? minutes : minutes - 1439) / 1440)
}

public struct RunProgress: Sendable {
    public var compressedDone: Int
    public var compressedTotal: Int
    public var bytesDone: Int
    public var seconds: Double
}

enum PeriodResolution {
    /// The kind of the run's periods: the command line's, the pipeline's, or the one a label names.
    static func kind(_ pipeline: PeriodRequest, _ options: RunOptions) throws -> PeriodKind {
        // A label alone names its kind: 2024-03 a month, 2024-Q1 a quarter, 2024-W10 a week, FROM..TO custom …
        if let k = options.kind ?? pipeline.kind { return k }
        if let l = options.periodLabel ?? pipeline.label,
           let k = [PeriodKind.day, .week, .month, .quarter, .half, .year, .custom].first(where: { Periods.parse(label: l, kind: $0) != nil }) {
            return k
        }
        throw MotcuaError(.config, "periods.kind is required (in the pipeline or with --kind)")
    }

    static func resolve(_ pipeline: PeriodRequest, _ options: RunOptions, zoneMinutes: Int = 420) throws -> [Period] {
        var options = options
        options.asOf = options.resolvedAsOf(zoneMinutes: zoneMinutes)
        let k = try kind(pipeline, options)
        var from = options.from ?? pipeline.from
        var to = options.to ?? pipeline.to
        // A label on the command line wins over from/to of the pipeline, and vice versa.
        let label = options.periodLabel ?? ((options.from != nil || options.to != nil) ? nil : pipeline.label)
        if let l = label {
            guard let p = Periods.parse(label: l, kind: k) else {
                let code: MotcuaError.Code = options.periodLabel != nil ? .usage : .config
                throw MotcuaError(code, "'\(l)' is not a \(k.rawValue) period label (give the label's kind with --kind)")
            }
            (from, to) = (p.from, p.to)
        }
        guard let f = from, let t = to else {
            throw MotcuaError(.config, "periods need from and to (or a period label), in the pipeline or on the command line")
        }
        guard f <= t else { throw MotcuaError(.usage, "from \(formatDay(f)) is after to \(formatDay(t))") }
        let periods = try Periods.covering(kind: k, from: f, to: t, asOf: options.asOf)
        // An --as-of before the first period leaves no period to report (SPEC §4): the outputs
        // then hold headers only.
        return periods
    }
}
