// Every file a run may write, as one table: its name, what in the pipeline's `outputs`
// turns it on, and how it is rendered. The publisher's list of names (a stale file of an
// earlier run is dropped), the loader's `outputs` keys and the run's rendering phase all
// come from here.
//
// Adding an output: its renderer in a file of this folder, plus one entry in `all`.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate

/// The `outputs` keys of a pipeline (besides `dir`), as the table reads them.
public struct OutputSettings: Sendable {
    public var formats: Set<OutputFormat> = [.csv, .json]
    /// Boolean keys that are set (`form_ii06a: true`).
    public var switches: Set<String> = []
    public init() {}
    public func has(_ key: String) -> Bool { switches.contains(key) }
}

/// What output files are rendered from: one run's results.
package struct RunResults {
    package var rollup: RollupResult
    package var periods: [Period]
    package var catalogs: Catalogs
    package var summary: SummaryOutput
    /// Rows are encoded in slices side by side on this many threads.
    package var threads: Int

    package init(rollup: RollupResult, periods: [Period], catalogs: Catalogs, summary: SummaryOutput, threads: Int) {
        (self.rollup, self.periods, self.catalogs, self.summary, self.threads) = (rollup, periods, catalogs, summary, threads)
    }
}

package struct OutputFile: Sendable {
    package enum Condition: Sendable {
        case always
        /// In `outputs.formats`.
        case format(OutputFormat)
        /// A boolean key of `outputs`.
        case switchedOn(String)
    }
    package enum Rendering: Sendable {
        case bytes(@Sendable (RunResults) -> [UInt8])
        /// Streamed to a temporary file while the run goes on (it may not fit in memory).
        case streamed
    }
    package let name: String
    package let condition: Condition
    package let rendering: Rendering

    package func isWanted(_ settings: OutputSettings) -> Bool {
        switch condition {
        case .always: return true
        case .format(let f): return settings.formats.contains(f)
        case .switchedOn(let key): return settings.has(key)
        }
    }
}

package enum OutputFiles {
    /// In the order they are rendered.
    package static let all: [OutputFile] = [
        OutputFile(name: "counters.csv", condition: .format(.csv), rendering: .bytes { r in
            CountersOutput.csv(r.rollup.rows, periods: r.periods, units: r.rollup.units, threads: r.threads)
        }),
        OutputFile(name: "counters.json", condition: .format(.json), rendering: .bytes { r in
            CountersOutput.json(r.rollup.rows, periods: r.periods, units: r.rollup.units, threads: r.threads)
        }),
        OutputFile(name: "kpis.csv", condition: .format(.csv), rendering: .bytes { r in
            KPIOutput.csv(r.rollup.kpis, periods: r.periods, units: r.rollup.units, threads: r.threads)
        }),
        OutputFile(name: "kpis.json", condition: .format(.json), rendering: .bytes { r in
            KPIOutput.json(r.rollup.kpis, periods: r.periods, units: r.rollup.units, threads: r.threads)
        }),
        OutputFile(name: "bieu-ii06a.csv", condition: .switchedOn("form_ii06a"), rendering: .bytes { r in
            FormII06aOutput.csv(r.rollup.formRows, periods: r.periods, units: r.rollup.units, sectorNames: r.catalogs.sectorNames)
        }),
        OutputFile(name: "rejects.ndjson", condition: .always, rendering: .streamed),
        OutputFile(name: "summary.json", condition: .always, rendering: .bytes { r in r.summary.json() }),
    ]

    /// Every name a run may publish.
    package static var names: Set<String> { Set(all.map(\.name)) }

    /// The boolean `outputs` keys that turn files on, for the loader.
    package static var switches: [String] {
        all.compactMap { if case .switchedOn(let key) = $0.condition { return key } else { return nil } }
    }

    /// The files `settings` asks for, rendered (the streamed ones are left to the caller).
    package static func render(_ results: RunResults, _ settings: OutputSettings) -> [(name: String, bytes: [UInt8])] {
        all.compactMap { file in
            guard file.isWanted(settings), case .bytes(let render) = file.rendering else { return nil }
            return (file.name, render(results))
        }
    }
}
