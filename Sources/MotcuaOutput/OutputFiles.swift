// Every file a run may write, as one table: its name, what in the pipeline's `outputs`
// turns it on, and how it is rendered. The publisher's list of names (a stale file of an
// earlier run is dropped), the loader's `outputs` keys and the run's rendering phase all
// come from here.
//
// Adding an output: its renderer in a file of this folder, plus one entry in `all`. A
// renderer streams its bytes into an `OutputSink` (the run's is the file's temporary path in
// the output directory, so no output is ever whole in memory), or — a C library that writes
// files (libxlsxwriter) — writes its file at the path it is given; the publisher moves them in.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate

/// The `outputs` keys of a pipeline (besides `dir`), as the table reads them.
public struct OutputSettings: Sendable {
    public var formats: Set<OutputFormat> = [.csv, .json]
    /// Boolean keys that are set (`form_ii06a: true`).
    public var switches: Set<String> = []
    /// `outputs.form_scope`: what both Biểu II.06a files count (`own`, the default, or `subtree`).
    public var formScope: Scope = .own
    public init() {}
    public func has(_ key: String) -> Bool { switches.contains(key) }

    /// The scope of the roll-up's form rows, when a file that shows them is on.
    public var formRowsScope: Scope? {
        OutputFiles.all.contains { $0.showsFormRows && $0.isWanted(self) } ? formScope : nil
    }

    /// Some file that is on shows the data-quality rows (`RunResults.dataQuality`).
    public var wantsDataQuality: Bool {
        OutputFiles.all.contains { $0.showsDataQuality && $0.isWanted(self) }
    }
}

/// What output files are rendered from: one run's results.
package struct RunResults {
    package var rollup: RollupResult
    package var periods: [Period]
    package var catalogs: Catalogs
    package var summary: SummaryOutput
    /// Rows are encoded in slices side by side on this many threads.
    package var threads: Int
    /// The data-quality rows (issue 15), sorted by (unit_code, check); computed only when a
    /// file that shows them is on (`OutputSettings.wantsDataQuality`), else empty.
    package var dataQuality: [DataQualityRow] = []
    /// The day the data-quality checks compare dates with: `--as-of`, else the run's day in
    /// the pipeline's timezone.
    package var referenceDay: Int32 = noDay
    /// Whether a signal asks the run to stop (`Runner.run`'s): renderers ask it between blocks
    /// of rows, sheets or sections, from any of their threads, and throw `Interrupted`.
    package var isCancelled: () -> Bool = { false }

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
        /// A boolean key of `outputs`, written in each table format of `outputs.formats`.
        case switchedOnAs(String, OutputFormat)
    }
    package enum Rendering: Sendable {
        /// Handed to the sink in pieces.
        case stream(@Sendable (RunResults, OutputSink) throws -> Void)
        /// Written by the renderer to the path it is given (a temporary file of the output
        /// directory), complete when it returns.
        case written(@Sendable (RunResults, _ path: String) throws -> Void)
        /// Streamed to a temporary file while the run goes on (it may not fit in memory).
        case streamed
    }
    package let name: String
    package let condition: Condition
    package let rendering: Rendering
    /// Rendered from the roll-up's Biểu II.06a rows (`RollupResult.formRows`).
    package var showsFormRows = false
    /// Rendered from the data-quality rows (`RunResults.dataQuality`).
    package var showsDataQuality = false

    package func isWanted(_ settings: OutputSettings) -> Bool {
        switch condition {
        case .always: return true
        case .format(let f): return settings.formats.contains(f)
        case .switchedOn(let key): return settings.has(key)
        case .switchedOnAs(let key, let f): return settings.has(key) && settings.formats.contains(f)
        }
    }
}

package enum OutputFiles {
    /// In the order they are rendered.
    package static let all: [OutputFile] = [
        OutputFile(name: "counters.csv", condition: .format(.csv), rendering: .stream { r, sink in try CountersOutput.write(r.rollup.rows, as: .csv, of: r, to: sink) }),
        OutputFile(name: "counters.json", condition: .format(.json), rendering: .stream { r, sink in try CountersOutput.write(r.rollup.rows, as: .json, of: r, to: sink) }),
        OutputFile(name: "kpis.csv", condition: .format(.csv), rendering: .stream { r, sink in try KPIOutput.write(r.rollup.kpis, as: .csv, of: r, to: sink) }),
        OutputFile(name: "kpis.json", condition: .format(.json), rendering: .stream { r, sink in try KPIOutput.write(r.rollup.kpis, as: .json, of: r, to: sink) }),
        OutputFile(name: "bieu-ii06a.csv", condition: .switchedOn("form_ii06a"), rendering: .stream { r, sink in
            try FormII06aOutput.writeCSV(r.rollup.formRows, periods: r.periods, units: r.rollup.units,
                                         sectorNames: r.catalogs.sectorNames, isCancelled: r.isCancelled, to: sink)
        }, showsFormRows: true),
        OutputFile(name: "bieu-ii06a.xlsx", condition: .switchedOn("form_ii06a_xlsx"), rendering: .written { r, path in
            try FormII06aWorkbook.write(r.rollup.formRows, periods: r.periods, units: r.rollup.units,
                                        sectorNames: r.catalogs.sectorNames, to: path, isCancelled: r.isCancelled)
        }, showsFormRows: true),
        OutputFile(name: "data-quality.csv", condition: .switchedOnAs("data_quality", .csv), rendering: .stream { r, sink in
            try DataQualityOutput.writeCSV(r.dataQuality, to: sink)
        }, showsDataQuality: true),
        OutputFile(name: "data-quality.json", condition: .switchedOnAs("data_quality", .json), rendering: .stream { r, sink in
            try DataQualityOutput.writeJSON(r.dataQuality, referenceDay: r.referenceDay, to: sink)
        }, showsDataQuality: true),
        OutputFile(name: "report.html", condition: .switchedOn("report"), rendering: .stream { r, sink in try ReportOutput.write(r, to: sink) }, showsDataQuality: true),
        OutputFile(name: "rejects.ndjson", condition: .always, rendering: .streamed),
        OutputFile(name: "summary.json", condition: .always, rendering: .stream { r, sink in try sink.write(r.summary.json()) }),
    ]

    /// Every name a run may publish.
    package static var names: Set<String> { Set(all.map(\.name)) }

    /// The boolean `outputs` keys that turn files on, for the loader.
    package static var switches: [String] {
        var keys: [String] = []
        for file in all {
            switch file.condition {
            case .switchedOn(let key), .switchedOnAs(let key, _): if !keys.contains(key) { keys.append(key) }
            case .always, .format: break
            }
        }
        return keys
    }

    /// The files `settings` asks for, written and fsynced at `temporaryPath(name)` (the
    /// `.streamed` ones are left to the caller): their names and paths, for
    /// `OutputDirectory.publish(_:isCancelled:)`. Throws `OutputError` when a file cannot be
    /// written, `Interrupted` when `results.isCancelled` says so (files already written at
    /// temporary paths are the caller's to discard).
    package static func render(_ results: RunResults, _ settings: OutputSettings,
                               temporaryPath: (String) -> String) throws -> [(name: String, path: String)] {
        var written: [(name: String, path: String)] = []
        for file in all where file.isWanted(settings) {
            if results.isCancelled() { throw Interrupted() }
            let path = temporaryPath(file.name)
            switch file.rendering {
            case .stream(let render):
                let sink = try FileSink(creating: path, isCancelled: results.isCancelled)
                try render(results, sink)
                try sink.finish()
            case .written(let write): try write(results, path)
            case .streamed: continue
            }
            written.append((file.name, path))
        }
        return written
    }
}

extension RowsOutput {
    /// A table file of a run: `rows` in `format`, on the run's threads, stopping when it says so.
    static func write<Rows: RandomAccessCollection<Row>>(_ rows: Rows, as format: OutputFormat, of r: RunResults,
                                                        to sink: OutputSink) throws where Rows.Index == Int {
        switch format {
        case .csv: try writeCSV(rows, periods: r.periods, units: r.rollup.units, threads: r.threads, isCancelled: r.isCancelled, to: sink)
        case .json: try writeJSON(rows, periods: r.periods, units: r.rollup.units, threads: r.threads, isCancelled: r.isCancelled, to: sink)
        }
    }
}
